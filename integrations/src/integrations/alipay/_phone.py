"""Alipay ``my.getPhoneNumber``: verify the RSA2 signature, then AES-CBC decrypt (zero IV).

Order matters: the signature is checked over the *ciphertext* first, so nothing unauthenticated
ever reaches the (unauthenticated, padding-sensitive) CBC decryption.
"""

from __future__ import annotations

import base64
import binascii

import msgspec
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from integrations.alipay._sign import rsa2_sign, rsa2_verify
from integrations.alipay.errors import PhoneNumberUndecryptable, SignTypeUnsupported
from integrations.errors import SignatureRejected, UpstreamRejected

_ZERO_IV = bytes(16)  # Alipay's content encryption fixes the IV at 16 zero bytes
_SUCCESS = "10000"


class _Envelope(msgspec.Struct, frozen=True):
    response: str
    sign: str | None = None
    sign_type: str | None = None
    encrypt_type: str | None = None
    charset: str | None = None


class _Plain(msgspec.Struct, frozen=True, omit_defaults=True):
    code: str
    msg: str = ""
    mobile: str | None = None
    sub_code: str | None = None
    sub_msg: str | None = None


def decrypt_phone_number(payload: str, *, aes_key: str, alipay_public_key: RSAPublicKey) -> str:
    """Return the mobile number from the JSON string ``my.getPhoneNumber`` gave the client.

    ``aes_key`` is the base64 接口内容加密 key from the open-platform console.

    Raises:
        SignatureRejected: ``missing_header`` if not the signed envelope (or unsigned: 接口加签方式
            not configured), ``bad_signature`` if the signature over ``"<ciphertext>"`` is wrong.
        SignTypeUnsupported: not ``sign_type=RSA2`` with ``encrypt_type=AES``.
        PhoneNumberUndecryptable: signed but not decryptable with ``aes_key``.
        UpstreamRejected: Alipay answered with a refusal, e.g. ``isv.invalid-auth-relations``.
    """
    try:
        envelope = msgspec.json.decode(payload, type=_Envelope)
    except msgspec.DecodeError as exc:
        raise SignatureRejected("missing_header") from exc
    if envelope.sign_type != "RSA2":
        raise SignTypeUnsupported(declared=envelope.sign_type)
    if envelope.encrypt_type != "AES":
        raise SignTypeUnsupported(declared=envelope.encrypt_type)
    if not envelope.sign:
        raise SignatureRejected("missing_header")
    # The signed content is the ciphertext wrapped in double quotes, as it appears in the JSON.
    rsa2_verify(f'"{envelope.response}"', envelope.sign, alipay_public_key)
    plain = _decrypt(envelope.response, aes_key)
    if plain.code != _SUCCESS or plain.mobile is None:
        raise UpstreamRejected(
            system="alipay",
            operation="getPhoneNumber",
            code=plain.sub_code or plain.code,
            message=plain.sub_msg or plain.msg,
        )
    return plain.mobile


def _decrypt(ciphertext: str, aes_key: str) -> _Plain:
    try:
        key = base64.b64decode(aes_key, validate=True)
        decryptor = Cipher(algorithms.AES(key), modes.CBC(_ZERO_IV)).decryptor()
        padded = decryptor.update(base64.b64decode(ciphertext, validate=True))
        padded += decryptor.finalize()
        unpadder = padding.PKCS7(128).unpadder()
        return msgspec.json.decode(unpadder.update(padded) + unpadder.finalize(), type=_Plain)
    except (binascii.Error, ValueError, msgspec.DecodeError) as exc:
        raise PhoneNumberUndecryptable from exc


def encrypt_phone_number(mobile: str, *, aes_key: str, alipay_private_key: RSAPrivateKey) -> str:
    """Alipay's side of :func:`decrypt_phone_number`, for the sandbox twin and tests."""
    body = msgspec.json.encode(_Plain(code=_SUCCESS, msg="Success", mobile=mobile))
    padder = padding.PKCS7(128).padder()
    padded = padder.update(body) + padder.finalize()
    encryptor = Cipher(algorithms.AES(base64.b64decode(aes_key)), modes.CBC(_ZERO_IV)).encryptor()
    response = base64.b64encode(encryptor.update(padded) + encryptor.finalize()).decode()
    envelope = _Envelope(
        response=response,
        sign=rsa2_sign(f'"{response}"', alipay_private_key),
        sign_type="RSA2",
        encrypt_type="AES",
        charset="UTF-8",
    )
    return msgspec.json.encode(envelope).decode()
