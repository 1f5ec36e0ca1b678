// The module against citizen_code's golden vectors (tests/citizen_code/vectors/sq1.json): the same
// payload, Sig_structure, COSE bytes and QR text, byte for byte. `npm test`, or via pytest
// (tests/clients/test_offline_code.py), which also has the Python verifier accept fresh frames.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { webcrypto } from "node:crypto";

import {
  base45,
  fromBase64url,
  keepHolder,
  lowS,
  needsRenewal,
  publicKeyText,
  sign1,
  signFrame,
  toBeSigned,
  framePayload,
  webCryptoSigner,
} from "../src/frame.mjs";

const vectors = JSON.parse(
  readFileSync(new URL("../../../tests/citizen_code/vectors/sq1.json", import.meta.url), "utf8"),
);
const frame = vectors.device_frame.frame;
const hc = vectors.device_frame.holder_credential;
const hex = (/** @type {string} */ text) => Uint8Array.from(text.match(/../g) ?? [], (b) => parseInt(b, 16));
const toHex = (/** @type {Uint8Array} */ bytes) => Buffer.from(bytes).toString("hex");
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

function pemBytes(/** @type {string} */ pem) {
  return Uint8Array.from(Buffer.from(pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""), "base64"));
}

test("Base45 as RFC 9285 spells it", () => {
  const enc = new TextEncoder();
  assert.equal(base45(enc.encode("AB")), "BB8");
  assert.equal(base45(enc.encode("Hello!!")), "%69 VD92EX0");
  assert.equal(base45(enc.encode("base-45")), "UJCLQE7W581");
  assert.equal(base45(enc.encode("ietf!")), "QED8WEX0");
});

test("the frame payload and what is signed match the library's", () => {
  const payload = framePayload(frame.claims.iat, hex(frame.claims.cti), hex(hc.cose_hex));
  assert.equal(toHex(payload), frame.payload_hex);
  assert.equal(toHex(toBeSigned(payload)), frame.sig_structure_hex);
  assert.equal(toHex(sign1(payload, hex(frame.signature_hex))), frame.cose_hex);
});

test("a frame's text matches the library's, also from a high-S signature", async () => {
  const signature = hex(frame.signature_hex);
  const args = { holder: hex(hc.cose_hex), now: frame.claims.iat, nonce: hex(frame.claims.cti) };
  assert.equal(await signFrame({ ...args, sign: async () => signature }), frame.text);
  // The same signature with s replaced by n - s verifies under plain ECDSA; the module folds it back.
  let s = BigInt("0x" + frame.signature_hex.slice(64));
  const high = signature.slice();
  s = N - s;
  high.set(hex(s.toString(16).padStart(64, "0")), 32);
  assert.notDeepEqual(high, signature);
  assert.deepEqual(lowS(high), signature);
  assert.equal(await signFrame({ ...args, sign: async () => high }), frame.text);
});

test("WebCrypto signs with the vector's device key: its public key is the HC's cnf, frames verify", async () => {
  const subtle = webcrypto.subtle;
  const alg = { name: "ECDSA", namedCurve: "P-256" };
  const priv = await subtle.importKey("pkcs8", pemBytes(vectors.keys.device_private_pem), alg, true, ["sign"]);
  const jwk = await subtle.exportKey("jwk", priv);
  const pub = await subtle.importKey("jwk", { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y }, alg, true, ["verify"]);
  const point = fromBase64url(await publicKeyText(pub));
  assert.equal(point.length, 65);
  assert.equal(toHex(point.subarray(1, 33)), hc.claims.cnf_cose_key.x_hex);
  assert.equal((point[64] & 1) === 1, hc.claims.cnf_cose_key.y_sign);
  for (let i = 0; i < 8; i++) {
    /** @type {Uint8Array | undefined} */ let data;
    /** @type {Uint8Array | undefined} */ let raw;
    const text = await signFrame({
      sign: async (bytes) => {
        data = bytes;
        return (raw = await webCryptoSigner(priv)(bytes));
      },
      holder: hex(hc.cose_hex),
      now: frame.claims.iat,
    });
    assert.match(text, /^SQ1:[0-9A-Z $%*+\-./:]+$/);
    assert.ok(data && raw);
    const low = lowS(raw);
    // Folded or not, the signature still verifies over what was signed, and its s is low.
    assert.ok(await subtle.verify({ name: "ECDSA", hash: "SHA-256" }, pub, low, data));
    assert.ok(BigInt("0x" + toHex(low.subarray(32))) <= N / 2n);
  }
});

test("the kept holder: server clock offset and renewal", () => {
  const enrolled = {
    device: { id: "5f0c9a8e-3b7d-4c21-9e61-2a4b8d0f7c13" },
    holder_credential: Buffer.from(hex(hc.cose_hex)).toString("base64url"),
    issued_at: "2027-01-15T08:00:00Z",
    expires_at: "2027-01-17T08:00:00Z",
  };
  // The phone's clock runs 90 s behind the server's.
  const phoneMs = Date.parse("2027-01-15T07:58:30Z");
  const holder = keepHolder(enrolled, phoneMs);
  assert.equal(holder.clockOffset, 90);
  assert.deepEqual(fromBase64url(holder.credential), hex(hc.cose_hex));
  assert.equal(needsRenewal(holder, phoneMs + 24 * 3600 * 1000), false);
  assert.equal(needsRenewal(holder, phoneMs + 37 * 3600 * 1000), true);
});
