"""Sessions as their holder sees them (started, last used, masked address, user agent), ending one or
all others, refreshes that stay with their kind of principal, and subject revocations sequenced so a
token issued a moment after one works while a second revocation in the same second still reaches it."""

from __future__ import annotations

import uuid

import pytest

from backend.auth.errors import RefreshTokenInvalid
from backend.auth.sessions import SessionClient
from backend.observability.masking import mask_address
from tests.services import Services


def test_client_addresses_are_shown_by_their_network_only() -> None:
    assert mask_address("203.0.113.77") == "203.0.113.*"
    assert mask_address("::ffff:198.51.100.9") == "198.51.100.*"
    assert mask_address("2001:db8:85a3:1234:5678::1") == "2001:db8:85a3::/48"
    assert mask_address("testclient") == "unknown"


def test_a_user_agent_is_kept_printable_and_short() -> None:
    client = SessionClient.of("203.0.113.5", "Mozilla/5.0\r\nX-Injected: 1" + "x" * 500)
    assert "\r" not in client.user_agent
    assert "\n" not in client.user_agent
    assert len(client.user_agent) == 200
    assert client.address == "203.0.113.*"


async def test_a_session_lists_where_it_was_last_used_and_ends_on_request(services: Services) -> None:
    tokens, staff = services.tokens, uuid.uuid4()
    first = await tokens.issue_pair(
        "staff", staff, scopes=["staff"], client_id="console", client=SessionClient.of("203.0.113.5", "A")
    )
    second = await tokens.issue_pair(
        "staff", staff, scopes=["staff"], client_id="console", client=SessionClient.of("198.51.100.7", "B")
    )
    renewed = await tokens.refresh(
        second.refresh_token, kind="staff", client=SessionClient.of("2001:db8:1:2::9", "B/2")
    )
    sessions = await tokens.sessions.live("staff", staff)
    assert len(sessions) == 2
    newest = sessions[0]
    assert (newest.client, newest.user_agent) == ("2001:db8:1::/48", "B/2")
    assert newest.id == tokens.verify_access(renewed.access_token).sid
    assert newest.started_at <= newest.last_used_at
    assert sessions[1].client == "203.0.113.*"

    first_sid = tokens.verify_access(first.access_token).sid
    assert first_sid is not None
    assert await tokens.sessions.end("staff", staff, first_sid)
    assert await tokens.is_revoked(tokens.verify_access(first.access_token))
    with pytest.raises(RefreshTokenInvalid):
        await tokens.refresh(first.refresh_token, kind="staff")
    assert [s.id for s in await tokens.sessions.live("staff", staff)] == [newest.id]
    # Repeatable for its holder; someone else's session id is not theirs to end.
    assert await tokens.sessions.end("staff", staff, first_sid)
    assert not await tokens.sessions.end("staff", uuid.uuid4(), newest.id)
    assert [s.id for s in await tokens.sessions.live("staff", staff)] == [newest.id]


async def test_ending_all_other_sessions_keeps_the_current_one(services: Services) -> None:
    tokens, staff = services.tokens, uuid.uuid4()
    pairs = [await tokens.issue_pair("staff", staff, client_id="console") for _ in range(3)]
    current = tokens.verify_access(pairs[0].access_token)
    ended = await tokens.sessions.end_all("staff", staff, keep=current.sid)
    assert len(ended) == 2
    assert [s.id for s in await tokens.sessions.live("staff", staff)] == [current.sid]
    assert not await tokens.is_revoked(current)
    assert all([await tokens.is_revoked(tokens.verify_access(p.access_token)) for p in pairs[1:]])


async def test_a_session_renews_only_at_the_endpoint_of_its_kind(services: Services) -> None:
    tokens = services.tokens
    staff = await tokens.issue_pair("staff", uuid.uuid4(), client_id="console")
    with pytest.raises(RefreshTokenInvalid):
        await tokens.refresh(staff.refresh_token, kind="citizen")
    # Refused there, the token was not spent: its own endpoint still renews it (no reuse alarm).
    assert (await tokens.refresh(staff.refresh_token, kind="staff")).refresh_token


async def test_a_token_issued_right_after_a_subject_revocation_works(services: Services) -> None:
    tokens, staff = services.tokens, uuid.uuid4()
    before = await tokens.issue_access("staff", staff, client_id="console")
    await tokens.revoke_subject("staff", staff)
    after = await tokens.issue_access("staff", staff, client_id="console")
    # Both within one second, as a disable, an enable and a login by a script are.
    assert await tokens.is_revoked(tokens.verify_access(before.token))
    assert not await tokens.is_revoked(tokens.verify_access(after.token))
    await tokens.revoke_subject("staff", staff)
    assert await tokens.is_revoked(tokens.verify_access(after.token))
