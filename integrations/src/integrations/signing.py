"""Request signing (outbound) and signature verification (inbound).

Outbound: the client hands every attempt's :class:`OutboundRequest` to a
:class:`RequestSigner` with a fresh timestamp and nonce; the signer returns the request
to send (usually with headers added). :class:`HmacSigner` implements the gateway scheme
common to Chinese government platforms (appKey/appSecret + timestamp + nonce + HMAC);
Alipay RSA2 and WeChat Pay v3 plug into the same Protocol.

Canonical string of :class:`HmacSigner` (each part on its own line)::

    METHOD \\n PATH?QUERY \\n TIMESTAMP \\n NONCE \\n hex(SHA-256(body))

Signature: lower-case hex HMAC-SHA256 keyed with the app secret, sent in ``X-Signature``
beside ``X-App-Key``, ``X-Timestamp`` (Unix seconds) and ``X-Nonce``.

Inbound callbacks (department case system → us) are signed over
``TIMESTAMP \\n NONCE \\n body`` in ``X-Callback-Signature``; see :func:`verify_callback`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Protocol

from integrations.errors import SignatureRejected

__all__ = [
    "CALLBACK_WINDOW_SECONDS",
    "REQUEST_WINDOW_SECONDS",
    "HmacSigner",
    "OutboundRequest",
    "RequestSigner",
    "VerifiedCallback",
    "sign_callback",
    "verify_callback",
    "verify_signed_request",
]

# ±300 s: the window WeChat Pay and most gateways use; wide enough for NTP-synced hosts,
# narrow enough that a captured message soon becomes useless (the nonce covers the rest).
REQUEST_WINDOW_SECONDS = 300
CALLBACK_WINDOW_SECONDS = 300


@dataclass(frozen=True, slots=True)
class OutboundRequest:
    """What a signer sees and may rewrite.

    ``target`` is the path relative to the upstream's base URL plus the encoded query
    string (``/v1/persons/verify?x=1``), exactly as it will be sent.
    """

    method: str
    target: str
    headers: Mapping[str, str]
    body: bytes

    def with_headers(self, extra: Mapping[str, str]) -> OutboundRequest:
        """A copy with ``extra`` merged into the headers."""
        return replace(self, headers={**self.headers, **extra})


class RequestSigner(Protocol):
    """Signs one attempt of an outbound request.

    Called once per attempt, so a retry never reuses a timestamp or nonce.
    """

    def sign(self, request: OutboundRequest, *, timestamp: int, nonce: str) -> OutboundRequest:
        """Return the request to send, carrying its signature."""
        ...


def _hmac_hex(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _request_canonical(method: str, target: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    digest = hashlib.sha256(body).hexdigest()
    return "\n".join([method.upper(), target, timestamp, nonce, digest]).encode()


class HmacSigner:
    """appKey/appSecret + timestamp + nonce + HMAC-SHA256 (see the module docstring)."""

    def __init__(self, app_key: str, app_secret: str) -> None:
        self._app_key = app_key
        self._app_secret = app_secret

    def __repr__(self) -> str:
        return f"HmacSigner(app_key={self._app_key!r})"

    def sign(self, request: OutboundRequest, *, timestamp: int, nonce: str) -> OutboundRequest:
        canonical = _request_canonical(request.method, request.target, str(timestamp), nonce, request.body)
        return request.with_headers(
            {
                "X-App-Key": self._app_key,
                "X-Timestamp": str(timestamp),
                "X-Nonce": nonce,
                "X-Signature-Method": "HMAC-SHA256",
                "X-Signature": _hmac_hex(self._app_secret, canonical),
            }
        )


def _lower(headers: Mapping[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


def _check_fresh(raw: str | None, now: float, window: int) -> int:
    if raw is None:
        raise SignatureRejected("missing_header")
    try:
        timestamp = int(raw)
    except ValueError:
        raise SignatureRejected("bad_timestamp") from None
    if abs(now - timestamp) > window:
        raise SignatureRejected("stale")
    return timestamp


def verify_signed_request(
    *,
    method: str,
    target: str,
    headers: Mapping[str, str],
    body: bytes,
    secrets: Mapping[str, str],
    now: float,
    window: int = REQUEST_WINDOW_SECONDS,
) -> str:
    """Check a request signed by :class:`HmacSigner`; return the app key that signed it.

    ``secrets`` maps app keys to app secrets. Replay protection inside the window is the
    caller's job: remember ``X-Nonce`` for ``window`` seconds.

    Raises:
        SignatureRejected: on a missing header, unknown key, stale timestamp or bad signature.
    """
    h = _lower(headers)
    app_key, nonce, signature = h.get("x-app-key"), h.get("x-nonce"), h.get("x-signature")
    if app_key is None or nonce is None or signature is None:
        raise SignatureRejected("missing_header")
    timestamp = _check_fresh(h.get("x-timestamp"), now, window)
    secret = secrets.get(app_key)
    if secret is None:
        raise SignatureRejected("unknown_key")
    expected = _hmac_hex(secret, _request_canonical(method, target, str(timestamp), nonce, body))
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise SignatureRejected("bad_signature")
    return app_key


@dataclass(frozen=True, slots=True)
class VerifiedCallback:
    """A callback whose signature and freshness checked out.

    Store ``nonce`` for the freshness window to reject replays (an inbox keyed by it).
    """

    timestamp: int
    nonce: str
    body: bytes


def sign_callback(body: bytes, *, secret: str, timestamp: int, nonce: str) -> dict[str, str]:
    """Headers that make ``body`` a signed callback (what the case system sends)."""
    message = f"{timestamp}\n{nonce}\n".encode() + body
    return {
        "X-Callback-Timestamp": str(timestamp),
        "X-Callback-Nonce": nonce,
        "X-Callback-Signature": _hmac_hex(secret, message),
    }


def verify_callback(
    headers: Mapping[str, str],
    body: bytes,
    secret: str,
    now: float,
    *,
    window: int = CALLBACK_WINDOW_SECONDS,
) -> VerifiedCallback:
    """Verify a signed status callback: HMAC-SHA256 over ``timestamp\\nnonce\\nbody``.

    Header names are matched case-insensitively; the comparison is constant-time.

    Raises:
        SignatureRejected: ``missing_header``, ``bad_timestamp``, ``stale`` or
            ``bad_signature``.
    """
    h = _lower(headers)
    nonce, signature = h.get("x-callback-nonce"), h.get("x-callback-signature")
    if nonce is None or signature is None:
        raise SignatureRejected("missing_header")
    timestamp = _check_fresh(h.get("x-callback-timestamp"), now, window)
    expected = sign_callback(body, secret=secret, timestamp=timestamp, nonce=nonce)
    if not hmac.compare_digest(expected["X-Callback-Signature"].encode(), signature.encode()):
        raise SignatureRejected("bad_signature")
    return VerifiedCallback(timestamp=timestamp, nonce=nonce, body=body)
