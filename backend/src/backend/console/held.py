"""Keeping a half-filled form across a lapsed session (the catalogue's draft, the console's long form).

A form posted after its session lapsed can't be saved (no member to act as), and its fields would be
lost on the way through sign-in. The draft page carries a *hold token*: the member, the item and the
version, sealed (AES-GCM, ``PersonalDataCipher``) with the time, so only the server makes one and it
names one member's one draft. The refused post is sent on (307: the browser resends its fields) to
``/console/held``, which opens the token and keeps the fields for that member in the store — sealed,
for ``TTL`` — never in a URL or a cookie. When the member opens the draft again after signing in,
the fields are taken back (once) into the form; another member, or the same one after the TTL, finds
nothing. Nothing is saved to the catalogue until the member saves the restored form.
"""

from __future__ import annotations

import re
import uuid

import msgspec

from backend.auth.principal import Principal
from backend.clock import Clock
from backend.crypto import PersonalDataCipher, SealedValueCorrupt
from backend.store import KeyValueStore

# 30 min: the staff session's idle limit — time to sign in again, not a place to park work.
TTL = 1800
# A token lives as long as a staff session may (12 h absolute): an older page's is refused.
TOKEN_LIFETIME = 12 * 3600
_COLUMN = "console.hold"
# The draft's page: a post to it after the session lapsed is sent on to ``/console/held``
# (``problem_pages``).
HOLDABLE = re.compile(r"^/console/catalogue/SQ-[A-Z]{2,4}-[0-9]{4}/versions/[0-9]{1,6}$")


class _Token(msgspec.Struct, frozen=True, array_like=True):
    member: uuid.UUID
    code: str
    version: int
    at: int


def _key(member: uuid.UUID, code: str, version: int) -> str:
    return f"console:held:{member}:{code}:{version}"


class HeldForms:
    def __init__(self, store: KeyValueStore, cipher: PersonalDataCipher, clock: Clock) -> None:
        self._store = store
        self._cipher = cipher
        self._clock = clock

    def token_for(self, principal: Principal, code: str, version: int) -> str:
        token = _Token(member=principal.id, code=code, version=version, at=int(self._clock.now().timestamp()))
        return self._cipher.seal_bytes(msgspec.json.encode(token), column=_COLUMN)

    async def hold(self, token: str, fields: dict[str, str]) -> str | None:
        """Keep ``fields`` for the token's member; the draft's page to return to, or None for a token
        the server did not make (or too old)."""
        try:
            held = msgspec.json.decode(self._cipher.open_bytes(token, column=_COLUMN), type=_Token)
        except (SealedValueCorrupt, msgspec.DecodeError, ValueError):
            return None
        if self._clock.now().timestamp() - held.at > TOKEN_LIFETIME:
            return None
        key = _key(held.member, held.code, held.version)
        sealed = self._cipher.seal_bytes(msgspec.json.encode(fields), column=key)
        await self._store.set(key, sealed.encode(), ttl=TTL)
        return f"/console/catalogue/{held.code}/versions/{held.version}"

    async def take(self, principal: Principal, code: str, version: int) -> dict[str, str] | None:
        """The fields kept for ``principal`` on this draft, once (they are deleted as they are read)."""
        key = _key(principal.id, code, version)
        sealed = await self._store.get(key)
        if sealed is None:
            return None
        await self._store.delete(key)
        try:
            return msgspec.json.decode(
                self._cipher.open_bytes(sealed.decode(), column=key), type=dict[str, str]
            )
        except (SealedValueCorrupt, msgspec.DecodeError, ValueError):
            return None
