"""Signing keys: created on first use, pre-published, rotated, retired after their tokens expire."""

from __future__ import annotations

import asyncio
import secrets
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jose import jwt

from backend.auth.errors import TokenRejected
from backend.auth.keys import SigningKeyRing
from backend.auth.repository import RefreshTokenRepository, SigningKeyRepository
from backend.auth.tables import SigningKey
from backend.auth.tokens import TokenService
from backend.errors import Unavailable
from tests.backend.auth.clock import ManualClock
from tests.services import Services


def _far_future_generation_start(services: Services) -> datetime:
    # Each test gets its own stretch of far-future generations, away from the session's real keys.
    period = services.auth_settings.signing_key_period
    generation = 5_000 + secrets.randbelow(300_000)
    return datetime.fromtimestamp(generation * period, UTC)


def _ring(services: Services, clock: ManualClock) -> SigningKeyRing:
    return SigningKeyRing(
        SigningKeyRepository(services.engine),
        cipher=services.cipher,
        settings=services.auth_settings,
        clock=clock,
    )


def _service(services: Services, ring: SigningKeyRing, clock: ManualClock) -> TokenService:
    return TokenService(
        settings=services.auth_settings,
        issuer=services.settings.http.public_base_url,
        keys=ring,
        refresh_tokens=RefreshTokenRepository(services.engine),
        store=services.store,
        audit=services.audit,
        clock=clock,
    )


def _kid(token: str) -> str:
    kid: str = jwt.get_unverified_header(token)["kid"]
    return kid


async def test_key_rotates_at_the_generation_boundary_after_being_prepublished(
    services: Services,
) -> None:
    auth = services.auth_settings
    start = _far_future_generation_start(services)
    clock = ManualClock(start)
    ring = _ring(services, clock)
    tokens = _service(services, ring, clock)

    first = await tokens.issue_access("citizen", uuid.uuid4(), client_id="t")
    old_kid = _kid(first.token)
    assert [k.kid for k in ring.jwks().keys] == [old_kid]

    # A day before the boundary the next key is published but does not sign yet.
    clock.advance(auth.signing_key_period - auth.signing_key_prepublish + 1)
    late = await tokens.issue_access("citizen", uuid.uuid4(), client_id="t")
    assert _kid(late.token) == old_kid
    published = [k.kid for k in ring.jwks().keys]
    assert len(published) == 2
    assert old_kid in published
    new_kid = next(k for k in published if k != old_kid)

    # Past the boundary the new key signs; the old one stays published while its tokens live.
    clock.set(datetime.fromtimestamp(start.timestamp() + auth.signing_key_period + 1, UTC))
    fresh = await tokens.issue_access("citizen", uuid.uuid4(), client_id="t")
    assert _kid(fresh.token) == new_kid
    assert old_kid in [k.kid for k in ring.jwks().keys]

    clock.advance(auth.access_ttl + 120)
    await ring.reload()
    assert old_kid not in [k.kid for k in ring.jwks().keys]


async def test_workers_racing_to_create_a_key_agree_on_one(services: Services) -> None:
    start = _far_future_generation_start(services)
    rings = [_ring(services, ManualClock(start)) for _ in range(4)]
    await asyncio.gather(*(ring.reload() for ring in rings))
    signers = {(await ring.signer())[0] for ring in rings}
    assert len(signers) == 1


async def test_other_workers_learn_a_new_key_from_the_first_token_they_see(services: Services) -> None:
    start = _far_future_generation_start(services)
    clock = ManualClock(start)
    signer_worker = _service(services, _ring(services, clock), clock)
    other_ring = _ring(services, clock)
    other_worker = _service(services, other_ring, clock)
    await other_ring.reload()
    clock.advance(services.auth_settings.signing_key_period)  # a new generation, created by the signer
    token = await signer_worker.issue_access("citizen", uuid.uuid4(), client_id="t")
    # The other worker's reload timer has not fired, yet the unknown kid makes it look once.
    principal = await other_worker.authenticate(token.token, check_revocation=False)
    assert principal.kind == "citizen"


async def test_private_keys_are_sealed_at_rest(services: Services) -> None:
    await services.tokens.keys.ensure_loaded()
    rows = await SigningKey.select(SigningKey.kid, SigningKey.private_key)
    assert rows
    for row in rows:
        assert row["private_key"].startswith("v1.")
        assert "PRIVATE KEY" not in row["private_key"]


class _FailingAfterFirstLoad(SigningKeyRepository):
    """Fault injection: the real repository until ``down`` is set, then a dropped connection."""

    down = False

    async def published(self, oldest_generation: int, newest_generation: int) -> list[dict[str, Any]]:
        if self.down:
            raise ConnectionResetError("database went away")
        return await super().published(oldest_generation, newest_generation)


async def test_database_outage_keeps_loaded_keys_and_is_503_without_any(services: Services) -> None:
    start = _far_future_generation_start(services)
    clock = ManualClock(start)
    repository = _FailingAfterFirstLoad(services.engine)
    ring = SigningKeyRing(repository, cipher=services.cipher, settings=services.auth_settings, clock=clock)
    tokens = _service(services, ring, clock)
    token = await tokens.issue_access("citizen", uuid.uuid4(), client_id="t")
    repository.down = True
    clock.advance(600)  # past the reload interval
    assert (await tokens.authenticate(token.token, check_revocation=False)).kind == "citizen"

    cold = SigningKeyRing(repository, cipher=services.cipher, settings=services.auth_settings, clock=clock)
    with pytest.raises(Unavailable) as caught:
        await cold.ensure_loaded()
    assert caught.value.code == "auth.keys_unavailable"


def _token_with_unknown_kid(services: Services) -> str:
    stranger = ec.generate_private_key(ec.SECP256R1())
    pem = stranger.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    claims = {"iss": services.settings.http.public_base_url, "aud": services.auth_settings.audience}
    token: str = jwt.encode(claims, pem, algorithm="ES256", headers={"kid": "not-ours", "typ": "at+jwt"})
    return token


async def test_unknown_kid_during_a_database_outage_is_503_then_401_once_the_database_answers(
    services: Services,
) -> None:
    clock = ManualClock(_far_future_generation_start(services))
    repository = _FailingAfterFirstLoad(services.engine)
    ring = SigningKeyRing(repository, cipher=services.cipher, settings=services.auth_settings, clock=clock)
    tokens = _service(services, ring, clock)
    await tokens.issue_access("citizen", uuid.uuid4(), client_id="t")
    forged = _token_with_unknown_kid(services)
    repository.down = True
    # The kid may be a key another worker just created: without the table we can't say "invalid".
    for _ in range(2):  # the reload attempt, then the throttled retry within 5 s
        with pytest.raises(Unavailable) as caught:
            await tokens.authenticate(forged, check_revocation=False)
        assert caught.value.code == "auth.keys_unavailable"
        assert caught.value.status == 503
    repository.down = False
    clock.advance(6)
    with pytest.raises(TokenRejected) as rejected:
        await tokens.authenticate(forged, check_revocation=False)
    assert rejected.value.code == "auth.token_invalid"


async def test_signing_across_a_period_boundary_during_a_database_outage_is_503(
    services: Services,
) -> None:
    clock = ManualClock(_far_future_generation_start(services))
    repository = _FailingAfterFirstLoad(services.engine)
    ring = SigningKeyRing(repository, cipher=services.cipher, settings=services.auth_settings, clock=clock)
    tokens = _service(services, ring, clock)
    await tokens.issue_access("citizen", uuid.uuid4(), client_id="t")
    repository.down = True
    clock.advance(services.auth_settings.signing_key_period)  # the loaded key no longer signs
    with pytest.raises(Unavailable) as caught:
        await tokens.issue_access("citizen", uuid.uuid4(), client_id="t")
    assert caught.value.code == "auth.keys_unavailable"


class _LosesEveryKey(SigningKeyRepository):
    """A key table that never hands back what was written to it."""

    async def published(self, oldest_generation: int, newest_generation: int) -> list[dict[str, Any]]:
        return []


async def test_signer_refuses_when_the_current_key_is_missing_after_a_reload(services: Services) -> None:
    clock = ManualClock(_far_future_generation_start(services))
    ring = SigningKeyRing(
        _LosesEveryKey(services.engine), cipher=services.cipher, settings=services.auth_settings, clock=clock
    )
    with pytest.raises(Unavailable) as caught:
        await ring.signer()
    assert caught.value.code == "auth.keys_unavailable"
