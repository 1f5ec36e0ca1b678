"""Request signing and callback verification: golden vectors and negative vectors."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from integrations import (
    HmacSigner,
    OutboundRequest,
    SignatureRejected,
    sign_callback,
    verify_callback,
    verify_signed_request,
)

NOW = 1_735_689_600  # 2025-01-01T00:00:00Z
KEY, SECRET = "sandbox-app", "sandbox-secret-not-for-production"
BODY = '{"name":"张伟","id_number":"321302199001011234"}'.encode()
NONCE = "0123456789abcdef0123456789abcdef"
GOLDEN_REQUEST_SIGNATURE = "44a95442cd023dd8fcfb6917f2bf7668f16221a81e83b553e39896cc3f319d4b"
CALLBACK_BODY = b'{"event_id":"EV00000001"}'
CALLBACK_SECRET = "sandbox-callback-secret"
GOLDEN_CALLBACK_SIGNATURE = "8c9e86043bf7785b49e6e0ffe4a335e8330cd542cdb01e0b67908bf8fb304863"


def signed_request() -> OutboundRequest:
    request = OutboundRequest("POST", "/v1/identity/verify", {}, BODY)
    return HmacSigner(KEY, SECRET).sign(request, timestamp=NOW, nonce=NONCE)


def test_hmac_signer_matches_golden_vector() -> None:
    assert signed_request().headers["X-Signature"] == GOLDEN_REQUEST_SIGNATURE


def test_golden_vector_follows_the_documented_canonical_string() -> None:
    canonical = "\n".join(["POST", "/v1/identity/verify", str(NOW), NONCE, hashlib.sha256(BODY).hexdigest()])
    expected = hmac.new(SECRET.encode(), canonical.encode(), hashlib.sha256).hexdigest()
    assert expected == GOLDEN_REQUEST_SIGNATURE


def test_signer_repr_does_not_show_the_secret() -> None:
    assert SECRET not in repr(HmacSigner(KEY, SECRET))


def verify(request: OutboundRequest, *, now: float = NOW, body: bytes | None = None) -> str:
    return verify_signed_request(
        method=request.method,
        target=request.target,
        headers=request.headers,
        body=request.body if body is None else body,
        secrets={KEY: SECRET},
        now=now,
    )


def test_signed_request_verifies_and_names_its_key() -> None:
    assert verify(signed_request()) == KEY


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        (lambda r: (r, NOW, BODY + b" "), "bad_signature"),
        (lambda r: (r, NOW + 301, None), "stale"),
        (lambda r: (r, NOW - 301, None), "stale"),
        (lambda r: (r.with_headers({"X-App-Key": "other"}), NOW, None), "unknown_key"),
        (lambda r: (r.with_headers({"X-Timestamp": "soon"}), NOW, None), "bad_timestamp"),
    ],
)
def test_tampered_or_stale_request_is_rejected(tamper: object, reason: str) -> None:
    request, now, body = tamper(signed_request())  # type: ignore[operator]
    with pytest.raises(SignatureRejected) as caught:
        verify(request, now=now, body=body)
    assert caught.value.reason == reason


def test_request_missing_signature_header_is_rejected() -> None:
    request = signed_request()
    headers = {k: v for k, v in request.headers.items() if k != "X-Signature"}
    with pytest.raises(SignatureRejected) as caught:
        verify(OutboundRequest(request.method, request.target, headers, request.body))
    assert caught.value.reason == "missing_header"


def test_callback_signature_matches_golden_vector() -> None:
    headers = sign_callback(CALLBACK_BODY, secret=CALLBACK_SECRET, timestamp=NOW, nonce="n1")
    assert headers["X-Callback-Signature"] == GOLDEN_CALLBACK_SIGNATURE


def test_callback_verifies_with_any_header_case_and_returns_nonce() -> None:
    headers = sign_callback(CALLBACK_BODY, secret=CALLBACK_SECRET, timestamp=NOW, nonce="n1")
    lowered = {k.lower(): v for k, v in headers.items()}
    verified = verify_callback(lowered, CALLBACK_BODY, CALLBACK_SECRET, NOW + 299)
    assert (verified.nonce, verified.timestamp) == ("n1", NOW)


@pytest.mark.parametrize(
    ("body", "secret", "now", "reason"),
    [
        (CALLBACK_BODY + b"x", CALLBACK_SECRET, NOW, "bad_signature"),
        (CALLBACK_BODY, "another-secret", NOW, "bad_signature"),
        (CALLBACK_BODY, CALLBACK_SECRET, NOW + 301, "stale"),
        (CALLBACK_BODY, CALLBACK_SECRET, NOW - 301, "stale"),
    ],
)
def test_callback_negative_vectors_are_rejected(body: bytes, secret: str, now: float, reason: str) -> None:
    headers = sign_callback(CALLBACK_BODY, secret=CALLBACK_SECRET, timestamp=NOW, nonce="n1")
    with pytest.raises(SignatureRejected) as caught:
        verify_callback(headers, body, secret, now)
    assert caught.value.reason == reason


def test_callback_without_signature_header_is_rejected() -> None:
    with pytest.raises(SignatureRejected) as caught:
        verify_callback({"X-Callback-Timestamp": str(NOW)}, CALLBACK_BODY, CALLBACK_SECRET, NOW)
    assert caught.value.reason == "missing_header"
