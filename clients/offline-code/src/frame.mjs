// The phone's side of the offline citizen code (市民码离线模式), a reference in plain JavaScript with
// no dependencies: what a mini program or an app runs to show a code without network.
//
//   1. once: generate a P-256 device key; register its public key (POST /api/v1/citizen-code/devices)
//      and keep the holder credential (HC) the server answers, with the server's clock;
//   2. every 15 s while the code is on screen: sign a frame, `SQ1:` + Base45(COSE_Sign1), and show it
//      as a QR (alphanumeric mode, ECC M);
//   3. before the HC expires (48 h), register the same key again for a fresh HC.
//
// The wire format is citizen_code's (citizen_code/README.md, "Wire format"); the test vectors in
// test/vectors.json come from that library, and tests/clients/test_offline_code.py has our Python
// verifier accept frames this module signed.
//
// Signing uses WebCrypto (browsers, Node >= 18, H5 pages). A WeChat or Alipay mini program has no
// WebCrypto: pass `signFrame` a `sign(bytes) => Promise<Uint8Array(64)>` of your own (a P-256 library,
// or the platform's keystore), raw r||s as WebCrypto gives it; the low-S step is done here either way.

export const PREFIX = "SQ1:";
export const FRAME_NONCE_LENGTH = 4;
/** How often to sign a new frame; a scanner accepts a frame from 45 s before to 15 s after its clock. */
export const FRAME_REFRESH_SECONDS = 15;

// --- Base45 (RFC 9285) -------------------------------------------------------------------------

const B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

/** @param {Uint8Array} bytes @returns {string} */
export function base45(bytes) {
  let out = "";
  for (let i = 0; i + 1 < bytes.length; i += 2) {
    let n = bytes[i] * 256 + bytes[i + 1];
    const c = n % 45;
    n = (n - c) / 45;
    const d = n % 45;
    out += B45[c] + B45[d] + B45[(n - d) / 45];
  }
  if (bytes.length % 2 === 1) {
    const n = bytes[bytes.length - 1];
    out += B45[n % 45] + B45[Math.floor(n / 45)];
  }
  return out;
}

// --- the little CBOR a frame needs (RFC 8949 deterministic: shortest heads) ----------------------

/** @param {number} major @param {number} value @returns {number[]} */
function head(major, value) {
  const m = major << 5;
  if (value < 24) return [m | value];
  if (value < 0x100) return [m | 24, value];
  if (value < 0x10000) return [m | 25, value >> 8, value & 0xff];
  if (value < 0x100000000) return [m | 26, (value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
  throw new RangeError("CBOR value too large for this encoder");
}

/** @param {number} n */
function int(n) {
  if (!Number.isSafeInteger(n)) throw new RangeError(`not an integer: ${n}`);
  return n >= 0 ? head(0, n) : head(1, -1 - n);
}

/** @param {Uint8Array} bytes */
function bstr(bytes) {
  return [...head(2, bytes.length), ...bytes];
}

function concat(/** @type {(Uint8Array|number[])[]} */ ...parts) {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// --- COSE_Sign1 (RFC 9052) with ES256 -------------------------------------------------------------

const IAT = 6;
const CTI = 7;
const HOLDER_CREDENTIAL = -70001;
/** A frame's protected header: only {1: -7} (alg ES256) and no kid, which is what marks a frame. */
export const FRAME_PROTECTED = Uint8Array.of(0xa1, 0x01, 0x26);
const SIGNATURE1 = new TextEncoder().encode("Signature1");

/**
 * The frame's CWT claims {6: iat, 7: nonce, -70001: HC}. Deterministic CBOR sorts map keys by
 * their encoded bytes: 0x06, 0x07, then 0x3a... for -70001.
 * @param {number} iat @param {Uint8Array} nonce @param {Uint8Array} holderCredential
 */
export function framePayload(iat, nonce, holderCredential) {
  if (nonce.length !== FRAME_NONCE_LENGTH) throw new RangeError("the frame nonce is 4 bytes");
  return concat([0xa3], int(IAT), int(iat), int(CTI), bstr(nonce), int(HOLDER_CREDENTIAL), bstr(holderCredential));
}

/** What the device key signs: ["Signature1", protected, h'', payload]. @param {Uint8Array} payload */
export function toBeSigned(payload) {
  return concat([0x84], [...head(3, SIGNATURE1.length), ...SIGNATURE1], bstr(FRAME_PROTECTED), [0x40], bstr(payload));
}

/** Tag 18, [protected, {}, payload, signature]. @param {Uint8Array} payload @param {Uint8Array} signature */
export function sign1(payload, signature) {
  if (signature.length !== 64) throw new RangeError("an ES256 signature is 64 bytes (r||s)");
  return concat([0xd2, 0x84], bstr(FRAME_PROTECTED), [0xa0], bstr(payload), bstr(signature));
}

// P-256's group order. (r, s) and (r, n - s) both verify; the verifier takes only s <= n/2.
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

/** A raw r||s signature with s in the low half. @param {Uint8Array} signature */
export function lowS(signature) {
  let s = 0n;
  for (const byte of signature.subarray(32)) s = (s << 8n) | BigInt(byte);
  if (s <= N / 2n) return signature;
  s = N - s;
  const out = signature.slice();
  for (let i = 63; i >= 32; i--) {
    out[i] = Number(s & 0xffn);
    s >>= 8n;
  }
  return out;
}

// --- the device key (WebCrypto) -------------------------------------------------------------------

const ECDSA = { name: "ECDSA", namedCurve: "P-256" };
const SIGN = { name: "ECDSA", hash: "SHA-256" };

async function subtle() {
  const webcrypto = globalThis.crypto ?? (await import("node:crypto")).webcrypto;
  return /** @type {SubtleCrypto} */ (webcrypto.subtle);
}

/** @param {Uint8Array} bytes */
export function base64url(bytes) {
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** @param {string} text */
export function fromBase64url(text) {
  const plain = atob(text.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(text.length / 4) * 4, "="));
  return Uint8Array.from(plain, (c) => c.charCodeAt(0));
}

/**
 * A new device key. Keep `privateKey` on the phone only: in a browser, non-extractable in
 * IndexedDB (`extractable: false`); `exportDeviceKey` is for platforms that store a JWK.
 * @param {{extractable?: boolean}} [options]
 * @returns {Promise<CryptoKeyPair>}
 */
export async function generateDeviceKey({ extractable = false } = {}) {
  return /** @type {CryptoKeyPair} */ ((await subtle()).generateKey(ECDSA, extractable, ["sign", "verify"]));
}

/** The `public_key` of POST /api/v1/citizen-code/devices: the SEC1 point, base64url. @param {CryptoKey} publicKey */
export async function publicKeyText(publicKey) {
  return base64url(new Uint8Array(await (await subtle()).exportKey("raw", publicKey)));
}

/** @param {CryptoKey} privateKey @returns {Promise<JsonWebKey>} */
export async function exportDeviceKey(privateKey) {
  return (await subtle()).exportKey("jwk", privateKey);
}

/** @param {JsonWebKey} jwk @returns {Promise<CryptoKey>} */
export async function importDeviceKey(jwk) {
  return (await subtle()).importKey("jwk", jwk, ECDSA, false, ["sign"]);
}

/** A `sign` for `signFrame` from a WebCrypto private key. @param {CryptoKey} privateKey */
export function webCryptoSigner(privateKey) {
  return async (/** @type {Uint8Array} */ data) => new Uint8Array(await (await subtle()).sign(SIGN, privateKey, data));
}

// --- the holder credential ------------------------------------------------------------------------

/**
 * What the phone keeps from the enrolment answer (`DeviceEnrolled`): the HC's bytes, when it
 * expires, and how far the phone's clock is from the server's (frames are judged by the scanner's
 * clock, which keeps the server's time).
 * @typedef {{deviceId: string, credential: string, expiresAt: number, issuedAt: number, clockOffset: number}} Holder
 */

/**
 * @param {{device: {id: string}, holder_credential: string, issued_at: string, expires_at: string}} enrolled
 * @param {number} [receivedAtMs] the phone's clock when the answer arrived (Date.now())
 * @returns {Holder}
 */
export function keepHolder(enrolled, receivedAtMs = Date.now()) {
  const issuedAt = Math.floor(Date.parse(enrolled.issued_at) / 1000);
  return {
    deviceId: enrolled.device.id,
    credential: enrolled.holder_credential,
    issuedAt,
    expiresAt: Math.floor(Date.parse(enrolled.expires_at) / 1000),
    clockOffset: issuedAt - Math.floor(receivedAtMs / 1000),
  };
}

/** The server's time as the phone best knows it, in seconds. @param {Holder} holder */
export function serverNow(holder, nowMs = Date.now()) {
  return Math.floor(nowMs / 1000) + holder.clockOffset;
}

/** Time to register the key again: a quarter of the HC's life left, or less. @param {Holder} holder */
export function needsRenewal(holder, nowMs = Date.now()) {
  return serverNow(holder, nowMs) >= holder.expiresAt - (holder.expiresAt - holder.issuedAt) / 4;
}

// --- a frame ---------------------------------------------------------------------------------------

/**
 * One frame to show as a QR: `SQ1:` + Base45(COSE_Sign1). Sign a new one every 15 s.
 * @param {object} args
 * @param {(data: Uint8Array) => Promise<Uint8Array>} args.sign raw r||s ES256 over `data`
 * @param {Holder | Uint8Array} args.holder the kept holder (or the HC's bytes, with `now`)
 * @param {number} [args.now] the frame's iat in seconds; the holder's server time by default
 * @param {Uint8Array} [args.nonce] 4 bytes; random by default
 * @returns {Promise<string>}
 */
export async function signFrame({ sign, holder, now, nonce }) {
  const credential = holder instanceof Uint8Array ? holder : fromBase64url(holder.credential);
  const iat = now ?? (holder instanceof Uint8Array ? Math.floor(Date.now() / 1000) : serverNow(holder));
  const cti = nonce ?? globalThis.crypto?.getRandomValues(new Uint8Array(FRAME_NONCE_LENGTH)) ?? (await import("node:crypto")).randomBytes(FRAME_NONCE_LENGTH);
  const payload = framePayload(iat, Uint8Array.from(cti), credential);
  const signature = lowS(await sign(toBeSigned(payload)));
  return PREFIX + base45(sign1(payload, signature));
}
