"""Bind tickets: what an unknown platform user holds while proving who they are.

A ticket is 256 random bits, handed to the client once. The store keeps the platform identity under
the ticket's SHA-256, so a dump of the store yields no usable ticket, and the client never sees the
openid it stands for. A ticket is redeemed at most once and lives 10 minutes: long enough to request
and type an SMS code (and scan a face, when the operators can't vouch for the phone), short enough
that a leaked ticket soon expires. Every bind attempt is charged to its ticket before anything is
checked, whatever its outcome: ``MAX_ATTEMPTS`` attempts, then no more.
"""

from __future__ import annotations

import hashlib
import secrets

import msgspec

from backend.account_link.identity import PlatformIdentity
from backend.store import KeyValueStore

TICKET_TTL_SECONDS = 600
# Bind attempts a single ticket allows, whatever their outcome; a new platform login is then needed.
# A bind takes at most three: a platform proof refused for an existing account (sms_required), the
# SMS retry that asks for a face verification, and the one completing it.
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

    async def charge(self, ticket: str) -> bool:
        """Count one attempt against ``ticket`` (one atomic increment): False past ``MAX_ATTEMPTS``.
        The ticket itself stays until it is redeemed or expires, so of a burst of attempts the ones
        admitted can still finish (one of them redeeming it); every later one is refused."""
        attempts = await self._store.incr(_key(ticket) + ":attempts", ttl=TICKET_TTL_SECONDS)
        return attempts <= MAX_ATTEMPTS

    async def redeem(self, ticket: str) -> bool:
        """Use ``ticket`` up; True for exactly one caller however many race for it."""
        return await self._store.delete(_key(ticket)) == 1
