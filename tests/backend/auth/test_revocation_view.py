"""Workers remember which tokens are live so most requests skip the store; a revocation reaches the
worker that made it at once and every other worker at its next poll of the revocation epoch."""

from __future__ import annotations

import uuid

from backend.auth.principal import Principal
from backend.auth.revocation import EPOCH_KEY, RevocationView
from backend.auth.tokens import TokenService
from backend.store import MemoryStore, StoreUnavailable
from tests.services import Services


async def _second_worker(services: Services) -> TokenService:
    """Another process's token service over the same store and database, with its own memory."""
    tokens = services.rewired().tokens
    await tokens.keys.ensure_loaded()
    return tokens


async def _live_principal(services: Services, tokens: TokenService) -> Principal:
    access = await services.tokens.issue_access("citizen", uuid.uuid4(), scopes=["citizen"], client_id="app")
    principal = tokens.verify_access(access.token)
    assert not await tokens.is_revoked(principal)
    return principal


async def test_a_live_token_is_checked_in_the_store_once_then_remembered(services: Services) -> None:
    principal = await _live_principal(services, services.tokens)
    assert services.tokens.revocation_check(principal).keys == []


async def test_a_revocation_holds_at_once_on_the_worker_that_made_it(services: Services) -> None:
    principal = await _live_principal(services, services.tokens)
    await services.tokens.logout(principal)
    assert await services.tokens.is_revoked(principal)


async def test_a_revocation_reaches_another_worker_at_its_next_poll(services: Services) -> None:
    other = await _second_worker(services)
    await other.revocations.poll_once()
    principal = await _live_principal(services, other)
    await services.tokens.logout(principal)
    # Until it polls, the other worker still trusts what it remembered: the bounded staleness.
    assert not await other.is_revoked(principal)
    await other.revocations.poll_once()
    assert await other.is_revoked(principal)


async def test_a_verdict_that_raced_a_revocation_is_not_remembered(services: Services) -> None:
    principal = await _live_principal(services, services.tokens)
    services.tokens.revocations.forget_all()
    check = services.tokens.revocation_check(principal)
    values = await services.store.get_many(check.keys)
    services.tokens.revocations.forget_all()  # the epoch moved while the answer was on its way
    assert not services.tokens.revoked_by(principal, check, values)
    assert services.tokens.revocation_check(principal).keys != []


class _BrokenStore(MemoryStore):
    async def get(self, key: str) -> bytes | None:
        raise StoreUnavailable()


async def test_an_unreadable_epoch_makes_the_worker_forget_everything(services: Services) -> None:
    view = RevocationView(_BrokenStore(), services.clock)
    principal = await _live_principal(services, services.tokens)
    view.remember_live(principal, view.generation)
    assert view.knows_live(principal)
    await view.poll_once()
    assert not view.knows_live(principal)


async def test_revoking_moves_the_shared_epoch(services: Services) -> None:
    before = await services.store.get(EPOCH_KEY)
    await services.tokens.revoke_subject("device", uuid.uuid4())
    assert await services.store.get(EPOCH_KEY) != before
