#!/usr/bin/env node
// A command line over src/frame.mjs, for tests and for trying the offline mode by hand:
//
//   node cli.mjs keygen                        -> {"public_key": <for POST .../devices>, "jwk": {...}}
//   node cli.mjs frames JWK_FILE HC [NOW] [N]  -> N frames (default 1), one a line, signed at NOW
//                                                 (Unix seconds; default now), HC as the server gave it
import { readFileSync } from "node:fs";

import {
  exportDeviceKey,
  fromBase64url,
  generateDeviceKey,
  importDeviceKey,
  publicKeyText,
  signFrame,
  webCryptoSigner,
} from "./src/frame.mjs";

const [command, ...args] = process.argv.slice(2);
if (command === "keygen") {
  const pair = await generateDeviceKey({ extractable: true });
  const out = { public_key: await publicKeyText(pair.publicKey), jwk: await exportDeviceKey(pair.privateKey) };
  process.stdout.write(JSON.stringify(out) + "\n");
} else if (command === "frames" && args.length >= 2) {
  const [jwkFile, credential, now, count] = args;
  const sign = webCryptoSigner(await importDeviceKey(JSON.parse(readFileSync(jwkFile, "utf8"))));
  const holder = fromBase64url(credential);
  const iat = now === undefined ? Math.floor(Date.now() / 1000) : Number(now);
  for (let i = 0; i < Number(count ?? 1); i++) {
    process.stdout.write((await signFrame({ sign, holder, now: iat })) + "\n");
  }
} else {
  process.stderr.write("usage: node cli.mjs keygen | frames JWK_FILE HOLDER_CREDENTIAL [NOW] [COUNT]\n");
  process.exit(2);
}
