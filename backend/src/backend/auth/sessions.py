"""Sessions — refresh-token families — as their holder sees them, and every way tokens end.

A session starts at a login (``TokenService.issue_pair``) and lives while its newest refresh token does:
its "last used" is the login or refresh that issued that token (an open console refreshes at least once
per access-token lifetime), shown with the request's masked client address and user agent. Access
tokens themselves are checked in memory on the hot path and never write anything.

Ending tokens is always two writes in this order: the durable one (the refresh family revoked in the
database), then a deny entry in the store that stops the access tokens already out (``sid``, ``jti``
or the whole subject), announced through the revocation epoch (``backend.auth.revocation``).

A subject's revocation is *sequenced*, not only timed: it denies every token issued up to a second,
and a token issued after a revocation in that same second is dated one second later
(``issued_at``), so a staff member enabled, or a device re-registered, a moment after being revoked
gets a token that works — and a second revocation in that second still reaches it.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime

import msgspec

from backend.auth.principal import Principal, PrincipalKind
from backend.auth.repository import RefreshTokenRepository
from backend.auth.revocation import (
    RevocationView,
    deny_jti_key,
    deny_session_key,
    deny_subject_key,
)
from backend.clock import Clock
from backend.observability.masking import mask_address
from backend.store import KeyValueStore

# Clock skew tolerated between the worker that signed and the one that verifies (``tokens.LEEWAY``).
LEEWAY = 30
# What ``issue_pair`` names a family: 128 random bits in hex. Anything else ends nothing, unqueried.
_SESSION_ID = re.compile(r"[0-9a-f]{32}")
# A user agent is shown, never parsed: its first 200 printable characters are plenty to recognise it.
_USER_AGENT_CHARS = 200


class SessionClient(msgspec.Struct, frozen=True, kw_only=True):
    """Who obtained a token, as a session list shows it: the masked client address and the user agent."""

    address: str = ""
    user_agent: str = ""

    @classmethod
    def of(cls, address: str, user_agent: str | None) -> SessionClient:
        agent = "".join(ch for ch in (user_agent or "") if ch.isprintable())[:_USER_AGENT_CHARS]
        return cls(address=mask_address(address), user_agent=agent)


class Session(msgspec.Struct, frozen=True, kw_only=True):
    id: str  # the family id: the ``sid`` of its access tokens
    client_id: str
    started_at: datetime
    last_used_at: datetime
    # The newest refresh token's idle expiry: the session ends then unless it is refreshed.
    expires_at: datetime
    client: str
    user_agent: str


class Sessions:
    def __init__(
        self,
        *,
        refresh_tokens: RefreshTokenRepository,
        store: KeyValueStore,
        revocations: RevocationView,
        access_ttl: int,
        clock: Clock,
    ) -> None:
        self._refresh = refresh_tokens
        self._store = store
        self._revocations = revocations
        self._access_ttl = access_ttl
        self._clock = clock

    async def live(self, kind: PrincipalKind, principal_id: uuid.UUID) -> list[Session]:
        """The principal's live sessions, the most recently used first."""
        rows = await self._refresh.live(kind, principal_id, now=self._clock.now())
        return [
            Session(
                id=row.family_id,
                client_id=row.client_id,
                started_at=row.started_at,
                last_used_at=row.issued_at,
                expires_at=row.expires_at,
                client=row.client,
                user_agent=row.user_agent,
            )
            for row in rows
        ]

    async def end(self, kind: PrincipalKind, principal_id: uuid.UUID, sid: str) -> bool:
        """End one session of the principal now; False when ``sid`` was never theirs. Ending an
        already ended session is no error (repeatable)."""
        if not _SESSION_ID.fullmatch(sid) or not await self._refresh.holds_family(sid, kind, principal_id):
            return False
        await self._refresh.revoke_family(sid, now=self._clock.now())
        await self.deny_session(sid)
        return True

    async def end_all(
        self,
        kind: PrincipalKind,
        principal_id: uuid.UUID,
        *,
        client_id: str | None = None,
        keep: str | None = None,
    ) -> list[str]:
        """End the principal's sessions (of one client only, with ``client_id``; all but ``keep``,
        with it) and their access tokens; returns the sessions that were live."""
        families = await self._refresh.revoke_subject(
            kind, principal_id, now=self._clock.now(), client_id=client_id, except_family=keep
        )
        for family in families:
            await self.deny_session(family)
        return families

    async def end_families(self, kind: PrincipalKind, principal_id: uuid.UUID) -> None:
        """``revoke_subject``'s database half, for the caller's transaction: no refresh token of the
        principal renews any more; the access tokens out live on until ``revoke_subject``."""
        await self._refresh.revoke_subject(kind, principal_id, now=self._clock.now())

    async def revoke_subject(self, kind: PrincipalKind, principal_id: uuid.UUID) -> None:
        """End every session and every access token the principal holds, sessionless ones included.
        New logins still work."""
        now = self._clock.now()
        await self._refresh.revoke_subject(kind, principal_id, now=now)
        key = deny_subject_key(f"{kind}:{principal_id}")
        second = int(now.timestamp())
        previous = await self._store.get(key)
        if previous is not None:
            # A token may already carry the second after an earlier revocation's (``issued_at``).
            second = max(second, int(previous) + 1)
        ttl = self._access_ttl + LEEWAY + (second - int(now.timestamp()))
        await self._store.set(key, str(second).encode(), ttl=ttl)
        await self._revocations.revoked()

    async def issued_at(self, subject: str) -> int:
        """The ``iat`` of a token issued now: this second, or the second after the subject's last
        revocation, so that a token issued after it is never taken for one issued before."""
        now = int(self._clock.now().timestamp())
        denied = await self._store.get(deny_subject_key(subject))
        return now if denied is None else max(now, int(denied) + 1)

    async def logout(self, principal: Principal) -> None:
        """End this access token now and, if it belongs to a session, the whole session."""
        remaining = principal.exp - self._clock.now().timestamp() + LEEWAY
        if remaining > 0:
            await self._store.set(deny_jti_key(principal.jti), b"1", ttl=remaining)
        if principal.sid is not None:
            await self._refresh.revoke_family(principal.sid, now=self._clock.now())
            await self.deny_session(principal.sid)
        await self._revocations.revoked()

    async def deny_session(self, sid: str) -> None:
        await self._store.set(deny_session_key(sid), b"1", ttl=self._access_ttl + LEEWAY)
        await self._revocations.revoked()
