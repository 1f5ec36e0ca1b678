"""Keeping a half-filled form across a lapsed access token (the catalogue's draft, the console's long
form).

A form posted after its access token lapsed can't be saved (no member to act as), and its fields
would be lost on the way through renewal. The draft page (a draft's only: a published version has no
form to keep) carries a *hold token*: the member, their console session (the refresh-token family),
the item and the version, sealed (AES-GCM, ``PersonalDataCipher``) with the time, so only the server
makes one and it names one session's one draft. The refused post is sent on (307: the browser resends
its fields) to ``/console/held``, which opens the token and keeps the fields for that member in the
store — sealed, for the staff session's idle limit (30 min) — never in a URL or a cookie. When the
member opens the draft again *in the same session* (after the renewal), the fields are taken back
(once) into the form; another member, another session (a sign-in anew: the session had ended), or a
token older than the idle limit finds nothing — a token lifted from a page is no way to plant fields in
someone's form later. Nothing is saved to the catalogue until the member saves the restored form.
"""

from __future__ import annotations

import hmac
import re
import uuid

import msgspec

from backend.auth.principal import Principal
from backend.clock import Clock
from backend.crypto import PersonalDataCipher, SealedValueCorrupt
from backend.store import KeyValueStore

# The staff session's idle limit (``StaffSettings.session_idle_ttl``, 30 min by default) is both how
# long a page's token is good and how long the fields are kept: time to renew, not a place to park work.
IDLE_LIMIT = 1800
_COLUMN = "console.hold"
# The draft's page: a post to it after the session lapsed is sent on to ``/console/held``
# (``problem_pages``).
HOLDABLE = re.compile(r"^/console/catalogue/SQ-[A-Z]{2,4}-[0-9]{4}/versions/[0-9]{1,6}$")


class _Token(msgspec.Struct, frozen=True, array_like=True):
    member: uuid.UUID
    session: str
    code: str
    version: int
    at: int


class _Kept(msgspec.Struct, frozen=True, array_like=True):
    session: str
    fields: dict[str, str]


def _session(principal: Principal) -> str:
    # The session (refresh-token family) outlives each access token; a token without one is its own.
    return principal.sid or principal.jti


def _key(member: uuid.UUID, code: str, version: int) -> str:
    return f"console:held:{member}:{code}:{version}"


class HeldForms:
    def __init__(
        self, store: KeyValueStore, cipher: PersonalDataCipher, clock: Clock, *, lifetime: int = IDLE_LIMIT
    ) -> None:
        self._store = store
        self._cipher = cipher
        self._clock = clock
        self._lifetime = lifetime

    def token_for(self, principal: Principal, code: str, version: int) -> str:
        token = _Token(
            member=principal.id, session=_session(principal), code=code, version=version,
            at=int(self._clock.now().timestamp()),
        )  # fmt: skip
        return self._cipher.seal_bytes(msgspec.json.encode(token), column=_COLUMN)

    async def hold(self, token: str, fields: dict[str, str]) -> str | None:
        """Keep ``fields`` for the token's member; the draft's page to return to, or None for a token
        the server did not make (or too old)."""
        try:
            held = msgspec.json.decode(self._cipher.open_bytes(token, column=_COLUMN), type=_Token)
        except (SealedValueCorrupt, msgspec.DecodeError, ValueError):
            return None
        if self._clock.now().timestamp() - held.at > self._lifetime:
            return None
        key = _key(held.member, held.code, held.version)
        kept = _Kept(session=held.session, fields=fields)
        sealed = self._cipher.seal_bytes(msgspec.json.encode(kept), column=key)
        await self._store.set(key, sealed.encode(), ttl=self._lifetime)
        return f"/console/catalogue/{held.code}/versions/{held.version}"

    async def take(self, principal: Principal, code: str, version: int) -> dict[str, str] | None:
        """The fields kept for ``principal`` on this draft in this session, once (they are deleted as
        they are read; kept for another session of the member, they are dropped)."""
        key = _key(principal.id, code, version)
        sealed = await self._store.get(key)
        if sealed is None:
            return None
        await self._store.delete(key)
        try:
            kept = msgspec.json.decode(self._cipher.open_bytes(sealed.decode(), column=key), type=_Kept)
        except (SealedValueCorrupt, msgspec.DecodeError, ValueError):
            return None
        return kept.fields if hmac.compare_digest(kept.session, _session(principal)) else None
