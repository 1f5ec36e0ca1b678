"""Bind tickets: what an unknown platform user holds while proving who they are.

A ticket is 256 random bits, handed to the client once. The store keeps the platform identity under
the ticket's SHA-256, so a dump of the store yields no usable ticket, and the client never sees the
openid it stands for. A ticket is redeemed at most once and lives 10 minutes: long enough to request
and type an SMS code, short enough that a leaked ticket soon expires.
"""

from __future__ import annotations

import hashlib
import secrets

import msgspec

from backend.account_link.identity import PlatformIdentity
from backend.store import KeyValueStore

TICKET_TTL_SECONDS = 600
# Wrong SMS codes or real names a single ticket tolerates before it is burnt (the SMS code has its own
# attempt limit too); a new platform login is then needed.
MAX_ATTEMPTS = 5

_decoder = msgspec.msgpack.Decoder(PlatformIdentity)
_encoder = msgspec.msgpack.Encoder()


def _key(ticket: str) -> str:
    # The hash tag keeps a ticket and its attempt counter in one Redis Cluster slot.
    return "mp:bind:{" + hashlib.sha256(ticket.encode()).hexdigest() + "}"


class BindTickets:
    def __init__(self, store: KeyValueStore) -> None:
        self._store = store

    async def issue(self, identity: PlatformIdentity) -> str:
        ticket = secrets.token_urlsafe(32)
        await self._store.set(_key(ticket), _encoder.encode(identity), ttl=TICKET_TTL_SECONDS)
        return ticket

    async def find(self, ticket: str) -> PlatformIdentity | None:
        """The identity behind a live ticket, without redeeming it."""
        raw = await self._store.get(_key(ticket))
        return None if raw is None else _decoder.decode(raw)

    async def count_attempt(self, ticket: str) -> bool:
        """Count one failed proof against ``ticket``; False (and the ticket burnt) past the limit."""
        attempts = await self._store.incr(_key(ticket) + ":attempts", ttl=TICKET_TTL_SECONDS)
        if attempts < MAX_ATTEMPTS:
            return True
        await self._store.delete(_key(ticket), _key(ticket) + ":attempts")
        return False

    async def redeem(self, ticket: str) -> bool:
        """Use ``ticket`` up; True for exactly one caller however many race for it."""
        return await self._store.delete(_key(ticket)) == 1
