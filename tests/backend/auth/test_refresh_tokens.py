"""Refresh tokens: single use, rotated on every use, replay revokes the whole session."""

from __future__ import annotations

import asyncio
import secrets
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import msgspec
import pytest

from backend.audit.tables import AuditEntry
from backend.auth.errors import RefreshTokenRejected
from backend.auth.repository import RefreshTokenRepository
from backend.auth.service import AuthService
from backend.auth.tokens import TokenService
from backend.errors import RateLimited
from tests.backend.auth.clock import ManualClock
from tests.backend.citizen.factories import bearer
from tests.services import Services


async def _refresh(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post(
        "/api/v1/auth/token", json={"grant_type": "refresh_token", "refresh_token": token}
    )


async def test_refresh_rotates_and_the_new_pair_works(services: Services, web: httpx.AsyncClient) -> None:
    pair = await services.tokens.issue_pair("citizen", uuid.uuid4(), scopes=["citizen"], client_id="t")
    response = await _refresh(web, pair.refresh_token)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    rotated = response.json()
    assert rotated["refresh_token"] != pair.refresh_token
    assert rotated["expires_in"] == services.auth_settings.access_ttl
    again = await _refresh(web, rotated["refresh_token"])
    assert again.status_code == 200


async def test_replayed_rotated_refresh_token_revokes_the_whole_session(
    services: Services, web: httpx.AsyncClient
) -> None:
    pair = await services.tokens.issue_pair("citizen", uuid.uuid4(), scopes=["citizen"], client_id="t")
    rotated = (await _refresh(web, pair.refresh_token)).json()
    replay = await _refresh(web, pair.refresh_token)
    assert replay.status_code == 401
    assert replay.json()["code"] == "auth.refresh_token_reused"
    # The legitimate successor dies with the family, and so does its access token.
    successor = await _refresh(web, rotated["refresh_token"])
    assert successor.status_code == 401
    assert successor.json()["code"] == "auth.refresh_token_invalid"
    principal = services.tokens.verify_access(rotated["access_token"])
    assert await services.tokens.is_revoked(principal)


async def test_concurrent_refreshes_of_one_token_let_exactly_one_through(services: Services) -> None:
    pair = await services.tokens.issue_pair("citizen", uuid.uuid4(), scopes=["citizen"], client_id="t")
    results = await asyncio.gather(
        *(services.tokens.refresh(pair.refresh_token) for _ in range(4)), return_exceptions=True
    )
    winners = [r for r in results if not isinstance(r, BaseException)]
    assert len(winners) == 1
    assert all(isinstance(r, RefreshTokenRejected) for r in results if isinstance(r, BaseException))


# The contract: a body whose refresh_token isn't shaped like ours ("rt_" + 43 base64url characters)
# fails validation, 400 request.invalid; a well-formed token that isn't live is 401
# auth.refresh_token_invalid (log in again).
@pytest.mark.parametrize(
    "token",
    ["", "rt_short", "x" * 128, "rt_" + "A" * 42 + "!", "rt_" + "A" * 44, "rt_" + "A" * 43 + "\n", 46],
    ids=repr,
)
async def test_malformed_refresh_token_is_a_400(token: object, web: httpx.AsyncClient) -> None:
    response = await web.post(
        "/api/v1/auth/token", json={"grant_type": "refresh_token", "refresh_token": token}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "request.invalid"


@pytest.mark.parametrize("token", ["rt_" + "A" * 43, "rt_" + secrets.token_urlsafe(32)], ids=repr)
async def test_unknown_well_formed_refresh_token_is_a_401(token: str, web: httpx.AsyncClient) -> None:
    response = await _refresh(web, token)
    assert response.status_code == 401
    assert response.json()["code"] == "auth.refresh_token_invalid"
    assert response.headers["www-authenticate"] == "Bearer"


async def test_access_token_is_not_a_refresh_token(services: Services, web: httpx.AsyncClient) -> None:
    access = await services.tokens.issue_access("citizen", uuid.uuid4(), client_id="t")
    response = await _refresh(web, access.token)
    assert response.status_code == 400
    assert response.json()["code"] == "request.invalid"


async def _reuse_audit_rows(subject: str) -> int:
    rows: int = await AuditEntry.count().where(
        (AuditEntry.chain == "auth")
        & (AuditEntry.action == "auth.refresh_token_reused")
        & (AuditEntry.subject == subject)
    )
    return rows


async def test_replaying_a_reused_refresh_token_ten_times_writes_one_audit_row(
    services: Services, web: httpx.AsyncClient
) -> None:
    citizen_id = uuid.uuid4()
    pair = await services.tokens.issue_pair("citizen", citizen_id, scopes=["citizen"], client_id="t")
    assert (await _refresh(web, pair.refresh_token)).status_code == 200
    for _ in range(10):
        replay = await _refresh(web, pair.refresh_token)
        assert replay.status_code == 401
        assert replay.json()["code"] == "auth.refresh_token_reused"
    assert await _reuse_audit_rows(f"citizen:{citizen_id}") == 1


async def test_concurrent_replays_write_one_audit_row(services: Services) -> None:
    citizen_id = uuid.uuid4()
    pair = await services.tokens.issue_pair("citizen", citizen_id, scopes=["citizen"], client_id="t")
    await services.tokens.refresh(pair.refresh_token)
    results = await asyncio.gather(
        *(services.tokens.refresh(pair.refresh_token) for _ in range(5)), return_exceptions=True
    )
    assert all(isinstance(r, RefreshTokenRejected) and r.code == "auth.refresh_token_reused" for r in results)
    assert await _reuse_audit_rows(f"citizen:{citizen_id}") == 1


async def test_replay_after_logout_is_refused_without_an_audit_row(
    services: Services, web: httpx.AsyncClient
) -> None:
    citizen_id = uuid.uuid4()
    pair = await services.tokens.issue_pair("citizen", citizen_id, scopes=["citizen"], client_id="t")
    rotated = (await _refresh(web, pair.refresh_token)).json()
    assert (await web.post("/api/v1/auth/logout", headers=bearer(rotated["access_token"]))).status_code == 204
    replay = await _refresh(web, pair.refresh_token)
    assert replay.status_code == 401
    assert replay.json()["code"] == "auth.refresh_token_reused"
    # The logout already ended the session: the replay revokes nothing, so it writes nothing.
    assert await _reuse_audit_rows(f"citizen:{citizen_id}") == 0


def _auth_service(services: Services, **settings: int) -> AuthService:
    """The token endpoint's service over the session's collaborators, with other limits."""
    return services.rewired(msgspec.structs.replace(services.auth_settings, **settings)).auth


async def test_rejected_refreshes_are_throttled_per_address_and_successful_ones_are_not(
    services: Services,
) -> None:
    auth = _auth_service(services, refresh_failures_per_address=3)
    address = f"198.18.{secrets.randbelow(256)}.{secrets.randbelow(256)}"
    pair = await services.tokens.issue_pair("citizen", uuid.uuid4(), scopes=["citizen"], client_id="t")
    for _ in range(5):
        pair = await auth.refresh_grant(pair.refresh_token, client=address)
    for _ in range(3):
        with pytest.raises(RefreshTokenRejected):
            await auth.refresh_grant("rt_" + secrets.token_urlsafe(32), client=address)
    with pytest.raises(RateLimited) as caught:
        await auth.refresh_grant(pair.refresh_token, client=address)
    assert caught.value.code == "auth.refresh_throttled"
    # Another address is not affected, and the live token was not spent by the refused attempt.
    assert await auth.refresh_grant(pair.refresh_token, client="198.18.0.0")


async def test_logout_ends_the_access_token_and_the_session(
    services: Services, web: httpx.AsyncClient
) -> None:
    pair = await services.tokens.issue_pair("citizen", uuid.uuid4(), scopes=["citizen"], client_id="t")
    logout = await web.post("/api/v1/auth/logout", headers=bearer(pair.access_token))
    assert logout.status_code == 204
    again = await web.post("/api/v1/auth/logout", headers=bearer(pair.access_token))
    assert again.status_code == 401
    assert (await _refresh(web, pair.refresh_token)).status_code == 401


async def test_refresh_token_dies_after_idle_and_absolute_lifetimes(services: Services) -> None:
    settings = services.auth_settings
    clock = ManualClock(datetime.now(UTC))
    tokens = TokenService(
        settings=settings,
        issuer=services.settings.http.public_base_url,
        keys=services.tokens.keys,
        refresh_tokens=RefreshTokenRepository(services.engine),
        store=services.store,
        audit=services.audit,
        clock=clock,
    )
    idle = await tokens.issue_pair("citizen", uuid.uuid4(), client_id="t")
    clock.advance(settings.refresh_idle_ttl + 1)
    with pytest.raises(RefreshTokenRejected):
        await tokens.refresh(idle.refresh_token)

    clock.set(datetime.now(UTC))
    pair = await tokens.issue_pair("citizen", uuid.uuid4(), client_id="t")
    # Used every few days, the session still ends at the absolute limit.
    used = timedelta()
    while used + timedelta(days=5) < timedelta(seconds=settings.refresh_absolute_ttl):
        clock.advance(timedelta(days=5).total_seconds())
        used += timedelta(days=5)
        pair = await tokens.refresh(pair.refresh_token)
    clock.advance(timedelta(days=5).total_seconds())
    with pytest.raises(RefreshTokenRejected):
        await tokens.refresh(pair.refresh_token)
