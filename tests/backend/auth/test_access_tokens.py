"""Access tokens: issue/verify round trip, guards, and the RFC 8725 attack table."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jose import jwt

from backend.auth.errors import TokenRejected
from backend.auth.tokens import MAX_TOKEN_BYTES
from backend.scanner.service import DEVICE_SCOPE
from tests.backend.auth.probe import probe_app
from tests.backend.conftest import http_client
from tests.services import Services


@pytest.fixture(scope="module")
async def probe(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(probe_app(services)) as client:
        yield client


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(services: Services, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": services.settings.http.public_base_url,
        "aud": services.auth_settings.audience,
        "sub": f"citizen:{uuid.uuid4()}",
        "iat": now,
        "exp": now + 600,
        "jti": uuid.uuid4().hex,
        "client_id": "test",
        "scope": "citizen",
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


async def _signed(services: Services, claims: dict[str, Any], **header: Any) -> str:
    """A token signed with our real current key, so only the named defect makes it invalid."""
    kid, key = await services.tokens.keys.signer()
    headers = {"kid": kid, "typ": "at+jwt", **header}
    return jwt.encode(claims, key, algorithm="ES256", headers=headers)


def _unsigned(header: dict[str, Any], claims: dict[str, Any], signature: bytes = b"") -> str:
    head = _b64(json.dumps(header).encode())
    body = _b64(json.dumps(claims).encode())
    return f"{head}.{body}.{_b64(signature)}"


async def _hs256_with_public_key(services: Services) -> str:
    kid, key = await services.tokens.keys.signer()
    public_pem = key.prepared_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = {"alg": "HS256", "typ": "at+jwt", "kid": kid}
    head = _b64(json.dumps(header).encode())
    body = _b64(json.dumps(_claims(services)).encode())
    signature = hmac.new(public_pem, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{_b64(signature)}"


async def _foreign_key(services: Services) -> str:
    # A well-formed ES256 token under a key of the attacker's, claiming our kid.
    kid, _ = await services.tokens.keys.signer()
    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return jwt.encode(_claims(services), pem, algorithm="ES256", headers={"kid": kid, "typ": "at+jwt"})


async def _refresh_as_access(services: Services) -> str:
    pair = await services.tokens.issue_pair("citizen", uuid.uuid4(), scopes=["citizen"], client_id="t")
    return pair.refresh_token


async def _alg_none(services: Services) -> str:
    kid, _ = await services.tokens.keys.signer()
    return _unsigned({"alg": "none", "typ": "at+jwt", "kid": kid}, _claims(services))


async def _tampered(services: Services) -> str:
    token = await _signed(services, _claims(services))
    head, _, sig = token.split(".")
    forged_body = _b64(json.dumps(_claims(services, sub=f"citizen:{uuid.uuid4()}")).encode())
    return f"{head}.{forged_body}.{sig}"


# P-256's group order: (r, s) and (r, n - s) both verify under plain ECDSA.
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def _signature(token: str) -> bytes:
    return base64.urlsafe_b64decode(token.rpartition(".")[2] + "==")


async def _our_token(services: Services) -> str:
    access = await services.tokens.issue_access("citizen", uuid.uuid4(), scopes=["citizen"], client_id="t")
    return access.token


def _high_s_twin_of(token: str) -> str:
    """Same header, claims and r; s replaced by n - s."""
    signature = _signature(token)
    s = P256_ORDER - int.from_bytes(signature[32:], "big")
    return f"{token.rpartition('.')[0]}.{_b64(signature[:32] + s.to_bytes(32, 'big'))}"


async def _high_s_twin(services: Services) -> str:
    return _high_s_twin_of(await _our_token(services))


async def _spare_bits_set(services: Services) -> str:
    """A token we issued, its signature's last character changed only in bits base64url ignores."""
    token = await _our_token(services)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    return token[:-1] + alphabet[alphabet.index(token[-1]) ^ 1]


async def _oversized(services: Services) -> str:
    # ~13 KiB: far past any token we issue, still under the 16 KiB of headers the edge lets through.
    return await _signed(services, _claims(services, padding="A" * 10_000))


def _signed_with(**claim_overrides: Any) -> Callable[[Services], Any]:
    async def make(services: Services) -> str:
        return await _signed(services, _claims(services, **claim_overrides))

    return make


def _signed_header(**header: Any) -> Callable[[Services], Any]:
    async def make(services: Services) -> str:
        return await _signed(services, _claims(services), **header)

    return make


ATTACKS: dict[str, Callable[[Services], Any]] = {
    "alg_none": _alg_none,
    "hs256_signed_with_our_public_key": _hs256_with_public_key,
    "es256_signed_by_a_foreign_key_claiming_our_kid": _foreign_key,
    "payload_swapped_under_a_valid_signature": _tampered,
    "expired": _signed_with(iat=int(time.time()) - 3600, exp=int(time.time()) - 1800),
    "wrong_audience": _signed_with(aud="another-api"),
    "wrong_issuer": _signed_with(iss="https://evil.example"),
    "missing_exp": _signed_with(exp=None),
    "missing_jti": _signed_with(jti=None),
    "missing_aud": _signed_with(aud=None),
    "unknown_principal_kind": _signed_with(sub=f"root:{uuid.uuid4()}"),
    "wrong_typ_plain_jwt": _signed_header(typ="JWT"),
    "wrong_typ_refresh": _signed_header(typ="rt+jwt"),
    "unknown_kid": _signed_header(kid="../../etc/passwd"),
    "jku_header": _signed_header(jku="https://evil.example/jwks.json"),
    "refresh_token_used_as_access_token": _refresh_as_access,
    "oversized_token": _oversized,
    "high_s_twin_of_a_token_we_issued": _high_s_twin,
    "signature_spelled_with_non_zero_spare_bits": _spare_bits_set,
}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
async def test_guard_rejects_forged_or_invalid_access_token(
    attack: str, services: Services, probe: httpx.AsyncClient
) -> None:
    token = await ATTACKS[attack](services)
    response = await probe.get("/probe/citizen", headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["code"] in {"auth.token_invalid", "auth.token_expired"}


async def test_a_megabyte_token_is_refused_before_any_guard_reads_it(
    services: Services, probe: httpx.AsyncClient
) -> None:
    token = await _signed(services, _claims(services, padding="A" * 1_048_576))
    response = await probe.get("/probe/citizen", headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 431, response.text
    assert response.json()["code"] == "request.headers_too_large"


async def test_every_access_token_we_issue_carries_a_low_s_signature(services: Services) -> None:
    # jose draws s at random, high half the time: 64 low ones by chance is a 2^-64 event.
    tokens = [await _our_token(services) for _ in range(64)]
    assert all(int.from_bytes(_signature(t)[32:], "big") <= P256_ORDER // 2 for t in tokens)
    assert all(services.tokens.verify_access(t).kind == "citizen" for t in tokens)


async def test_the_high_s_twin_of_a_valid_token_is_refused_while_the_token_passes(services: Services) -> None:
    token = await _our_token(services)
    with pytest.raises(TokenRejected) as caught:
        services.tokens.verify_access(_high_s_twin_of(token))
    assert caught.value.code == "auth.token_invalid"
    assert services.tokens.verify_access(token).kind == "citizen"


def test_oversized_token_is_rejected_before_parsing(services: Services) -> None:
    # Not even base64: a parser would choke differently; the size check answers first.
    with pytest.raises(TokenRejected) as caught:
        services.tokens.verify_access("!" * (MAX_TOKEN_BYTES + 1))
    assert caught.value.code == "auth.token_invalid"


async def test_issued_access_token_verifies_to_its_principal(services: Services) -> None:
    citizen = uuid.uuid4()
    access = await services.tokens.issue_access("citizen", citizen, scopes=["citizen"], client_id="app")
    principal = services.tokens.verify_access(access.token)
    assert (principal.kind, principal.id, principal.client_id) == ("citizen", citizen, "app")
    assert principal.scopes == frozenset({"citizen"})
    assert principal.jti == access.jti
    assert principal.exp - principal.iat == services.auth_settings.access_ttl
    header = jwt.get_unverified_header(access.token)
    assert (header["alg"], header["typ"]) == ("ES256", "at+jwt")


async def test_guard_admits_valid_citizen_token(services: Services, probe: httpx.AsyncClient) -> None:
    citizen = uuid.uuid4()
    access = await services.tokens.issue_access("citizen", citizen, scopes=["citizen"], client_id="app")
    response = await probe.get("/probe/citizen", headers={"authorization": f"Bearer {access.token}"})
    assert response.status_code == 200
    assert response.json() == {"subject": f"citizen:{citizen}", "scopes": ["citizen"]}


async def test_missing_token_is_401_with_bearer_challenge(probe: httpx.AsyncClient) -> None:
    response = await probe.get("/probe/citizen")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["code"] == "auth.token_missing"


async def test_non_bearer_authorization_is_401(probe: httpx.AsyncClient) -> None:
    response = await probe.get("/probe/citizen", headers={"authorization": "Basic dXNlcjpwYXNz"})
    assert response.status_code == 401


async def test_citizen_token_on_staff_route_is_403(services: Services, probe: httpx.AsyncClient) -> None:
    access = await services.tokens.issue_access("citizen", uuid.uuid4(), scopes=["citizen"], client_id="a")
    response = await probe.get("/probe/staff", headers={"authorization": f"Bearer {access.token}"})
    assert response.status_code == 403
    assert response.json()["code"] == "auth.wrong_principal_kind"


async def test_staff_token_without_required_role_is_403(services: Services, probe: httpx.AsyncClient) -> None:
    access = await services.tokens.issue_access(
        "staff", uuid.uuid4(), scopes=["staff"], roles=["counter"], client_id="c"
    )
    response = await probe.get("/probe/staff", headers={"authorization": f"Bearer {access.token}"})
    assert response.status_code == 403
    assert response.json()["code"] == "auth.missing_role"
    operator = await services.tokens.issue_access(
        "staff", uuid.uuid4(), scopes=["staff"], roles=["operator"], client_id="c"
    )
    response = await probe.get("/probe/staff", headers={"authorization": f"Bearer {operator.token}"})
    assert response.status_code == 200


async def test_a_staff_token_restricted_to_its_own_account_is_refused_on_staff_routes(
    services: Services, probe: httpx.AsyncClient
) -> None:
    # What a login that still owes a password change or a second-factor enrolment gets.
    restricted = await services.tokens.issue_access(
        "staff", uuid.uuid4(), scopes=["staff:account"], roles=["operator"], client_id="c"
    )
    response = await probe.get("/probe/staff", headers={"authorization": f"Bearer {restricted.token}"})
    assert response.status_code == 403
    assert response.json()["code"] == "auth.insufficient_scope"


async def test_device_token_without_scope_is_403(services: Services, probe: httpx.AsyncClient) -> None:
    bare = await services.tokens.issue_access("device", uuid.uuid4(), client_id="scanner")
    response = await probe.get("/probe/device", headers={"authorization": f"Bearer {bare.token}"})
    assert response.status_code == 403
    assert response.json()["code"] == "auth.insufficient_scope"
    scoped = await services.tokens.issue_access(
        "device", uuid.uuid4(), scopes=["code:verify"], client_id="scanner"
    )
    response = await probe.get("/probe/device", headers={"authorization": f"Bearer {scoped.token}"})
    assert response.status_code == 200


async def test_principal_dependency_on_unguarded_route_fails_closed(
    services: Services, probe: httpx.AsyncClient
) -> None:
    access = await services.tokens.issue_access("citizen", uuid.uuid4(), scopes=["citizen"], client_id="a")
    response = await probe.get("/probe/unguarded", headers={"authorization": f"Bearer {access.token}"})
    assert response.status_code == 401


async def test_logged_out_access_token_is_revoked(services: Services, probe: httpx.AsyncClient) -> None:
    access = await services.tokens.issue_access("citizen", uuid.uuid4(), scopes=["citizen"], client_id="a")
    headers = {"authorization": f"Bearer {access.token}"}
    assert (await probe.get("/probe/citizen", headers=headers)).status_code == 200
    await services.tokens.logout(services.tokens.verify_access(access.token))
    response = await probe.get("/probe/citizen", headers=headers)
    assert response.status_code == 401
    assert response.json()["code"] == "auth.token_revoked"


async def test_revoked_subject_loses_outstanding_tokens_but_can_log_in_again(
    services: Services, probe: httpx.AsyncClient
) -> None:
    device = uuid.uuid4()
    old = await services.tokens.issue_access("device", device, scopes=["code:verify"], client_id="s")
    await services.tokens.revoke_subject("device", device)
    response = await probe.get("/probe/device", headers={"authorization": f"Bearer {old.token}"})
    assert response.json()["code"] == "auth.token_revoked"
    principal = services.tokens.verify_access(old.token)
    check = services.tokens.revocation_check(principal)
    assert check.keys, "a revoked token is never remembered as live"
    assert services.tokens.revoked_by(principal, check, await services.store.get_many(check.keys))


async def test_jwks_publishes_the_key_that_signs(services: Services, client: httpx.AsyncClient) -> None:
    access = await services.tokens.issue_access("citizen", uuid.uuid4(), client_id="a")
    response = await client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    jwks = response.json()
    kid = jwt.get_unverified_header(access.token)["kid"]
    published = {key["kid"]: key for key in jwks["keys"]}
    assert published[kid]["alg"] == "ES256"
    assert "d" not in published[kid]
    # An independent verifier (jose with only the published JWK) accepts the token.
    claims = jwt.decode(
        access.token,
        published[kid],
        algorithms=["ES256"],
        audience=services.auth_settings.audience,
        issuer=services.settings.http.public_base_url,
    )
    assert claims["sub"].startswith("citizen:")


async def test_issuer_context_rides_in_the_token_and_comes_back_on_the_principal(
    services: Services,
) -> None:
    access = await services.tokens.issue_access(
        "device", uuid.uuid4(), scopes=["code:verify"], client_id="scanner", context={"scene": "bus"}
    )
    assert services.tokens.verify_access(access.token).context == {"scene": "bus"}


async def test_ttl_can_shorten_but_never_lengthen_an_access_token(services: Services) -> None:
    short = await services.tokens.issue_access("device", uuid.uuid4(), client_id="s", ttl=60)
    long = await services.tokens.issue_access("device", uuid.uuid4(), client_id="s", ttl=86_400)
    assert short.expires_in == 60
    assert long.expires_in == services.auth_settings.access_ttl


async def test_openapi_names_the_bearer_scheme_of_each_kind_of_caller(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    schemes = schema["components"]["securitySchemes"]
    assert {name: scheme["scheme"] for name, scheme in schemes.items()} == {
        "CitizenBearer": "bearer",
        "StaffBearer": "bearer",
        "DeviceBearer": "bearer",
    }
    assert schema["paths"]["/api/v1/me"]["get"]["security"] == [{"CitizenBearer": []}]
    assert schema["paths"]["/api/v1/admin/scanners"]["get"]["security"] == [{"StaffBearer": ["operator"]}]
    assert schema["paths"]["/api/v1/scanner/verify"]["post"]["security"] == [{"DeviceBearer": [DEVICE_SCOPE]}]
    assert "security" not in schema["paths"]["/api/v1/auth/token"]["post"]
