"""Mini-program open-data crypto: ``rawData`` signature, ``encryptedData`` and login-state HMAC.

WeChat mandates AES-128-CBC without authentication for ``encryptedData`` (a platform exception
to ASVS 11.3). We therefore answer every decryption failure with one error — padding, base64,
length and JSON faults look the same to the caller — so no padding oracle leaks, and prefer the
code-based phone API whenever it exists.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from typing import Any

import msgspec
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from integrations.errors import SignatureRejected
from integrations.wechat._session import SessionKey
from integrations.wechat.errors import OpenDataUndecryptable, WatermarkMismatch

_BLOCK_BITS = 128


def verify_raw_data(raw_data: str, signature: str, *, session_key: SessionKey) -> None:
    """Check ``signature == sha1(rawData + session_key)`` as the mini program sent them.

    Raises:
        SignatureRejected: ``bad_signature`` — not signed with the server-held session key.
    """
    expected = raw_data_signature(raw_data, session_key)
    if not hmac.compare_digest(expected.encode(), signature.lower().encode()):
        raise SignatureRejected("bad_signature")


def raw_data_signature(raw_data: str, session_key: SessionKey) -> str:
    """``sha1(rawData + session_key)`` hex: what WeChat sends as ``signature``."""
    data = (raw_data + session_key.reveal()).encode()
    return hashlib.sha1(data).hexdigest()  # noqa: S324 - the platform's fixed scheme


def login_state_signature(session_key: SessionKey, message: str = "") -> str:
    """``hmac_sha256(key=session_key, msg=message)`` hex, for ``checksession``-style calls.

    GET calls sign the empty string; the session key is used as UTF-8 text, not base64-decoded.
    """
    return hmac.new(session_key.reveal().encode(), message.encode(), hashlib.sha256).hexdigest()


def decrypt_user_data(encrypted_data: str, iv: str, *, session_key: SessionKey, appid: str) -> dict[str, Any]:
    """Decrypt ``encryptedData`` and check its ``watermark.appid`` is ours.

    Raises:
        OpenDataUndecryptable: any decoding, padding or JSON failure (one answer on purpose;
            in practice usually a session key made stale by a newer ``wx.login``).
        WatermarkMismatch: the data decrypted but was issued to another mini program.
    """
    try:
        key = base64.b64decode(session_key.reveal(), validate=True)
        iv_bytes = base64.b64decode(iv, validate=True)
        ciphertext = base64.b64decode(encrypted_data, validate=True)
        decryptor = Cipher(algorithms.AES(key), modes.CBC(iv_bytes)).decryptor()
        padded = decryptor.update(ciphertext) + decryptor.finalize()
        unpadder = padding.PKCS7(_BLOCK_BITS).unpadder()
        plaintext = unpadder.update(padded) + unpadder.finalize()
        data = msgspec.json.decode(plaintext)
    except (binascii.Error, ValueError, msgspec.DecodeError) as exc:
        raise OpenDataUndecryptable from exc
    if not isinstance(data, dict):
        raise OpenDataUndecryptable
    watermark = data.get("watermark")
    actual = watermark.get("appid") if isinstance(watermark, dict) else None
    if not isinstance(actual, str) or not hmac.compare_digest(actual, appid):
        raise WatermarkMismatch(expected=appid, actual=actual if isinstance(actual, str) else None)
    return data


def encrypt_user_data(data: dict[str, Any], *, session_key: SessionKey, iv: bytes) -> str:
    """The platform's side of :func:`decrypt_user_data`, used by the sandbox twin and tests."""
    padder = padding.PKCS7(_BLOCK_BITS).padder()
    padded = padder.update(msgspec.json.encode(data)) + padder.finalize()
    key = base64.b64decode(session_key.reveal())
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return base64.b64encode(encryptor.update(padded) + encryptor.finalize()).decode()
