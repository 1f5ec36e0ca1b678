"""WeChat Pay API v3 crypto: request ``Authorization``, response/notification signatures, AEAD.

Every v3 signature is SHA256withRSA (PKCS#1 v1.5) over lines each ending in ``\\n``:

* request (merchant key):       ``METHOD\\nTARGET\\nTIMESTAMP\\nNONCE\\nBODY\\n``
* response / notification
  (platform key, by serial):    ``TIMESTAMP\\nNONCE\\nBODY\\n``
* mini-program ``paySign``:     ``APPID\\nTIMESTAMP\\nNONCE\\nprepay_id=...\\n``

The body is always the raw bytes on the wire: re-serialised JSON breaks verification
(minibear2021/wechatpayv3#5).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from integrations.errors import SignatureRejected
from integrations.payments.errors import ResourceUndecryptable
from integrations.signing import CALLBACK_WINDOW_SECONDS, OutboundRequest

SCHEMA = "WECHATPAY2-SHA256-RSA2048"
_AUTH_PARAM = re.compile(r'(\w+)="([^"]*)"')


def _message(*parts: str | bytes) -> bytes:
    return b"".join((p.encode() if isinstance(p, str) else p) + b"\n" for p in parts)


def rsa_sign(private_key: RSAPrivateKey, *parts: str | bytes) -> str:
    """Base64 SHA256withRSA over ``parts``, each followed by ``\\n``."""
    signature = private_key.sign(_message(*parts), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode()


def rsa_verify(public_key: RSAPublicKey, signature: str, *parts: str | bytes) -> None:
    """Check :func:`rsa_sign`'s output.

    Raises:
        SignatureRejected: ``bad_signature``.
    """
    try:
        raw = base64.b64decode(signature, validate=True)
        public_key.verify(raw, _message(*parts), padding.PKCS1v15(), hashes.SHA256())
    except (binascii.Error, InvalidSignature) as exc:
        raise SignatureRejected("bad_signature") from exc


class WeChatPaySigner:
    """The merchant's v3 request signer; plugs into the core client as a ``RequestSigner``."""

    def __init__(self, *, mchid: str, serial_no: str, private_key: RSAPrivateKey) -> None:
        self._mchid = mchid
        self._serial_no = serial_no
        self._private_key = private_key

    def __repr__(self) -> str:
        return f"WeChatPaySigner(mchid={self._mchid!r}, serial_no={self._serial_no!r})"

    def sign(self, request: OutboundRequest, *, timestamp: int, nonce: str) -> OutboundRequest:
        """Add ``Authorization: WECHATPAY2-SHA256-RSA2048 mchid=...,signature=...``."""
        signature = rsa_sign(
            self._private_key, request.method.upper(), request.target, str(timestamp), nonce,
            request.body,
        )  # fmt: skip
        params = {
            "mchid": self._mchid,
            "nonce_str": nonce,
            "signature": signature,
            "timestamp": str(timestamp),
            "serial_no": self._serial_no,
        }
        token = ",".join(f'{k}="{v}"' for k, v in params.items())
        return request.with_headers({"Authorization": f"{SCHEMA} {token}", "Accept": "application/json"})


@dataclass(frozen=True, slots=True)
class MerchantAuthorization:
    """A parsed request ``Authorization`` header (what the platform checks)."""

    mchid: str
    serial_no: str
    timestamp: str
    nonce: str
    signature: str


def parse_authorization(header: str | None) -> MerchantAuthorization:
    """Split a ``WECHATPAY2-SHA256-RSA2048 k="v",...`` header.

    Raises:
        SignatureRejected: ``missing_header`` when absent, of another schema or incomplete.
    """
    if header is None or not header.startswith(SCHEMA + " "):
        raise SignatureRejected("missing_header")
    params = dict(_AUTH_PARAM.findall(header[len(SCHEMA) + 1 :]))
    try:
        return MerchantAuthorization(
            mchid=params["mchid"],
            serial_no=params["serial_no"],
            timestamp=params["timestamp"],
            nonce=params["nonce_str"],
            signature=params["signature"],
        )
    except KeyError:
        raise SignatureRejected("missing_header") from None


@dataclass(frozen=True, slots=True)
class PlatformSignature:
    """The ``Wechatpay-*`` headers of a response or notification, freshness already checked."""

    serial: str
    timestamp: int
    nonce: str


def verify_platform_signature(
    headers: Mapping[str, str],
    body: bytes,
    *,
    platform_keys: Mapping[str, RSAPublicKey],
    now: float,
    window: int = CALLBACK_WINDOW_SECONDS,
) -> PlatformSignature:
    """Verify ``Wechatpay-Signature`` over ``timestamp\\nnonce\\nbody\\n``.

    ``platform_keys`` maps ``Wechatpay-Serial`` values (certificate serials or
    ``PUB_KEY_ID_...``) to keys; several may be live while WeChat migrates between them.
    An unknown serial fails here: nothing is downloaded on behalf of an unauthenticated
    request. WeChat's signature-probe callbacks fail here too, by design.

    Raises:
        SignatureRejected: ``missing_header``, ``bad_timestamp``, ``stale`` (more than
            ``window`` seconds from ``now``), ``unknown_key`` or ``bad_signature``.
    """
    h = {k.lower(): v for k, v in headers.items()}
    serial = h.get("wechatpay-serial")
    raw_timestamp = h.get("wechatpay-timestamp")
    nonce = h.get("wechatpay-nonce")
    signature = h.get("wechatpay-signature")
    if serial is None or raw_timestamp is None or nonce is None or signature is None:
        raise SignatureRejected("missing_header")
    signature_type = h.get("wechatpay-signature-type", SCHEMA)
    if signature_type != SCHEMA:
        raise SignatureRejected("bad_signature")
    try:
        timestamp = int(raw_timestamp)
    except ValueError:
        raise SignatureRejected("bad_timestamp") from None
    if abs(now - timestamp) > window:
        raise SignatureRejected("stale")
    key = platform_keys.get(serial)
    if key is None:
        raise SignatureRejected("unknown_key")
    rsa_verify(key, signature, raw_timestamp, nonce, body)
    return PlatformSignature(serial=serial, timestamp=timestamp, nonce=nonce)


def platform_signature_headers(
    body: bytes, *, private_key: RSAPrivateKey, serial: str, timestamp: int, nonce: str
) -> dict[str, str]:
    """The platform's side of :func:`verify_platform_signature` (sandbox twin, tests)."""
    return {
        "Wechatpay-Serial": serial,
        "Wechatpay-Timestamp": str(timestamp),
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Signature": rsa_sign(private_key, str(timestamp), nonce, body),
        "Wechatpay-Signature-Type": SCHEMA,
    }


def decrypt_resource(*, ciphertext: str, nonce: str, associated_data: str, apiv3_key: bytes) -> bytes:
    """AEAD_AES_256_GCM-decrypt a notification ``resource`` (tag appended to ``ciphertext``).

    Raises:
        ResourceUndecryptable: wrong APIv3 key, or ciphertext / nonce / AAD altered.
    """
    try:
        return AESGCM(apiv3_key).decrypt(
            nonce.encode(), base64.b64decode(ciphertext, validate=True), associated_data.encode()
        )
    except (InvalidTag, binascii.Error, ValueError) as exc:
        raise ResourceUndecryptable from exc


def encrypt_resource(plaintext: bytes, *, nonce: str, associated_data: str, apiv3_key: bytes) -> str:
    """The platform's side of :func:`decrypt_resource`; ``nonce`` is 12 ASCII characters."""
    sealed = AESGCM(apiv3_key).encrypt(nonce.encode(), plaintext, associated_data.encode())
    return base64.b64encode(sealed).decode()


def load_platform_key(pem: str) -> RSAPublicKey:
    """Load a WeChat Pay platform public key (PEM), as published by the console or the twin."""
    key = serialization.load_pem_public_key(pem.encode())
    if not isinstance(key, RSAPublicKey):
        raise TypeError("WeChat Pay keys are RSA")
    return key


def load_merchant_key(pem: str) -> RSAPrivateKey:
    """Load the merchant's ``apiclient_key.pem``."""
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, RSAPrivateKey):
        raise TypeError("WeChat Pay keys are RSA")
    return key
