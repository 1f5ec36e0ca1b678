"""Held draft forms (``backend.console.held``) without a browser: the fields come back to the session
whose page made the token, and to no other session of the member; a token older than the staff
session's idle limit (30 min) is refused; only a draft's page carries one."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

from backend.auth.principal import Principal
from backend.console.held import HeldForms
from tests.services import Services


class _Clock:
    def __init__(self) -> None:
        self.at = datetime.now(UTC)

    def now(self) -> datetime:
        return self.at

    def monotonic(self) -> float:
        return time.monotonic()


def _member(member: uuid.UUID, session: str) -> Principal:
    return Principal(
        kind="staff", id=member, roles=frozenset({"operator"}), client_id="console", jti=uuid.uuid4().hex,
        iat=0, exp=0, sid=session,
    )  # fmt: skip


async def test_held_fields_come_back_only_to_the_session_that_made_the_token(services: Services) -> None:
    held = HeldForms(services.store, services.cipher, _Clock())
    member = uuid.uuid4()
    page = _member(member, "session-a")
    token = held.token_for(page, "SQ-GA-0001", 2)
    assert await held.hold(token, {"name": "半填"}) == "/console/catalogue/SQ-GA-0001/versions/2"
    # Signed in anew (the session had ended): another session of the same member gets nothing.
    assert await held.take(_member(member, "session-b"), "SQ-GA-0001", 2) is None

    await held.hold(token, {"name": "半填"})
    # The same session after a renewal (a new access token of the same refresh family): back, once.
    assert await held.take(_member(member, "session-a"), "SQ-GA-0001", 2) == {"name": "半填"}
    assert await held.take(_member(member, "session-a"), "SQ-GA-0001", 2) is None


async def test_a_token_older_than_the_idle_limit_is_refused(services: Services) -> None:
    clock = _Clock()
    held = HeldForms(services.store, services.cipher, clock)
    page = _member(uuid.uuid4(), "session-a")
    token = held.token_for(page, "SQ-GA-0001", 2)
    clock.at += timedelta(minutes=31)
    assert await held.hold(token, {"name": "x"}) is None
    assert await held.take(page, "SQ-GA-0001", 2) is None
