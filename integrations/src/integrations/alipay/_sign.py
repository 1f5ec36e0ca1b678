"""Alipay RSA2 (SHA256withRSA, PKCS#1 v1.5): request signing and response/notification checks.

The algorithm is pinned to RSA2 here rather than read from a message's ``sign_type``: letting the
sender pick the algorithm is how notification verifiers get downgraded.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

from integrations.alipay.errors import SignTypeUnsupported
from integrations.errors import SignatureRejected, UpstreamMalformed

_SIGN_TYPE = "RSA2"
_DECODER = json.JSONDecoder()
_WHITESPACE = " \t\n\r"


def sign_content(params: Mapping[str, str], *, exclude: frozenset[str] = frozenset({"sign"})) -> str:
    """The string Alipay signs: non-empty params minus ``exclude``, sorted, ``k=v`` joined by ``&``.

    Values are raw (not URL-encoded); keys sort by code point, which is ASCII order for Alipay's
    parameter names.
    """
    return "&".join(f"{k}={params[k]}" for k in sorted(params) if k not in exclude and params[k])


def rsa2_sign(content: str, private_key: RSAPrivateKey) -> str:
    """Base64 SHA256withRSA signature of ``content`` (UTF-8)."""
    signature = private_key.sign(content.encode(), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode()


def rsa2_verify(content: str, signature: str, public_key: RSAPublicKey) -> None:
    """Check a base64 SHA256withRSA ``signature`` over ``content`` with Alipay's public key.

    Raises:
        SignatureRejected: ``bad_signature`` — not base64, or not made by the matching key.
    """
    try:
        raw = base64.b64decode(signature, validate=True)
        public_key.verify(raw, content.encode(), padding.PKCS1v15(), hashes.SHA256())
    except (binascii.Error, InvalidSignature) as exc:
        raise SignatureRejected("bad_signature") from exc


def verify_notification(params: Mapping[str, str], public_key: RSAPublicKey) -> None:
    """Verify an asynchronous notification's form parameters (already URL-decoded once).

    ``sign`` and ``sign_type`` are both left out of the signed content.

    Raises:
        SignatureRejected: ``missing_header`` without ``sign``, ``bad_signature`` if it is wrong.
        SignTypeUnsupported: the notification claims anything but RSA2.
    """
    sign_type = params.get("sign_type", _SIGN_TYPE)
    if sign_type != _SIGN_TYPE:
        raise SignTypeUnsupported(declared=sign_type)
    signature = params.get("sign")
    if not signature:
        raise SignatureRejected("missing_header")
    content = sign_content(params, exclude=frozenset({"sign", "sign_type"}))
    rsa2_verify(content, signature, public_key)


def response_node(raw: str, method: str) -> tuple[str, str | None]:
    """Slice the exact text of ``<method>_response`` (or ``error_response``) and the top ``sign``.

    The signature covers the node's characters as sent, so they are cut out of the document
    rather than re-serialised, and a document repeating a member is refused: parsing the whole
    document let a duplicated key slip past verification (fzlee/alipay#69).

    Raises:
        UpstreamMalformed: not a JSON object, or the node is absent or repeated.
    """
    try:
        members = _top_level_spans(raw)
    except ValueError as exc:
        raise UpstreamMalformed(system="alipay", operation=method, detail=str(exc)) from exc
    node = method.replace(".", "_") + "_response"
    span = members.get(node) or members.get("error_response")
    if span is None:
        raise UpstreamMalformed(system="alipay", operation=method, detail=f"no {node}")
    sign_span = members.get("sign")
    sign = json.loads(raw[sign_span[0] : sign_span[1]]) if sign_span else None
    return raw[span[0] : span[1]], sign if isinstance(sign, str) else None


def _top_level_spans(raw: str) -> dict[str, tuple[int, int]]:
    """Map each top-level member name to the (start, end) of its value; reject duplicates."""
    members: dict[str, tuple[int, int]] = {}
    try:
        index = _skip(raw, 0)
        if raw[index] != "{":
            raise ValueError("not a JSON object")
        index = _skip(raw, index + 1)
        while raw[index] != "}":
            key, index = _DECODER.raw_decode(raw, index)
            index = _skip(raw, index)
            if not isinstance(key, str) or raw[index] != ":":
                raise ValueError("bad member")
            start = _skip(raw, index + 1)
            _, end = _DECODER.raw_decode(raw, start)
            if key in members:
                raise ValueError(f"duplicate member {key!r}")
            members[key] = (start, end)
            index = _skip(raw, end)
            if raw[index] == ",":
                index = _skip(raw, index + 1)
                if raw[index] == "}":
                    raise ValueError("trailing comma")
            elif raw[index] != "}":
                raise ValueError("members not separated by commas")
    except IndexError:
        raise ValueError("truncated JSON") from None
    if raw[index + 1 :].strip():
        raise ValueError("data after the JSON object")
    return members


def _skip(text: str, index: int) -> int:
    while text[index] in _WHITESPACE:
        index += 1
    return index


def load_public_key(text: str) -> RSAPublicKey:
    """Load Alipay's public key from PEM or from the bare base64 the open platform console shows."""
    key = serialization.load_pem_public_key(_pem(text, "PUBLIC KEY").encode())
    if not isinstance(key, RSAPublicKey):
        raise TypeError("Alipay keys are RSA")
    return key


def load_private_key(text: str) -> RSAPrivateKey:
    """Load the app's private key from PEM or bare base64 PKCS#8 (as the key tool exports it)."""
    key = serialization.load_pem_private_key(_pem(text, "PRIVATE KEY").encode(), password=None)
    if not isinstance(key, RSAPrivateKey):
        raise TypeError("Alipay keys are RSA")
    return key


def _pem(text: str, label: str) -> str:
    body = text.strip()
    if body.startswith("-----BEGIN"):
        return body
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "\n".join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----", ""])
