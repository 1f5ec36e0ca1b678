"""How an owning feature is told that its payable was paid or refunded: the one seam between the
payment feature and the shared outbox.

``OwnerNotices.owe`` is called inside the transaction of the state change, so the notice exists
exactly when the change does; ``deliver_due`` hands each to the owner's handler after the commit,
retrying with backoff until the handler returns. The notice's key (``payment:<order>:paid``) is the
owner's idempotency key: a handler run twice (a worker died after it, before marking it delivered)
must act once, as outbox handlers must.

Interim: the notices live in ``payment_owner_notice`` until the shared outbox
(``backend.outbox``) reaches main; then ``owe`` becomes ``outbox.enqueue(f"payment.{owner}", ...)``
and the handlers that owners register here become their ``outbox_handlers``.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Literal

import msgspec

from backend.clock import Clock
from backend.payment.records import NoticeRepository

log = logging.getLogger("backend.payment")


class PaymentNotice(msgspec.Struct, frozen=True, kw_only=True):
    """What an owner is told: its payable ``payable`` was paid, or (partly) refunded."""

    key: str
    event: Literal["paid", "refunded"]
    order_id: uuid.UUID
    owner: str
    payable: str
    citizen_id: uuid.UUID
    amount_fen: int
    paid_fen: int
    refunded_fen: int
    transaction_id: str | None
    at: datetime


OwnerHandler = Callable[[PaymentNotice], Awaitable[None]]
# A try that neither returned nor failed (the worker died) is retried after this lease.
_LEASE = timedelta(seconds=60)


class OwnerNotices:
    def __init__(
        self, *, repository: NoticeRepository, clock: Clock, rng: random.Random | None = None
    ) -> None:
        self._repository = repository
        self._clock = clock
        self._handlers: dict[str, OwnerHandler] = {}
        self._rng = rng or random.Random()  # noqa: S311 (jitter, not a secret)

    def register(self, owner: str, handler: OwnerHandler) -> None:
        """The owning feature's handler for its notices (its factory registers it)."""
        if owner in self._handlers:
            raise ValueError(f"payment owner {owner} registered twice")
        self._handlers[owner] = handler

    async def owe(self, notice: PaymentNotice) -> bool:
        """Owe ``notice`` to its owner; call inside the state change's transaction. False when its
        key is owed already."""
        return await self._repository.insert(
            key=notice.key,
            owner=notice.owner,
            payload=msgspec.json.encode(notice).decode(),
            now=self._clock.now(),
        )

    async def deliver_due(self, *, limit: int = 50) -> int:
        """Deliver what is due; how many were delivered."""
        delivered = 0
        now = self._clock.now()
        for row in await self._repository.due(now, limit=limit):
            handler = self._handlers.get(row.owner)
            if handler is None:
                continue  # an owner not in this app (yet): it stays owed
            if not await self._repository.claim(row.id, attempts=row.attempts, until=now + _LEASE):
                continue  # another worker took it
            notice = msgspec.json.decode(row.payload, type=PaymentNotice)
            try:
                await handler(notice)
            except Exception:
                wait = min(3600.0, 5 * 2 ** min(row.attempts, 10)) * self._rng.uniform(0.5, 1.0)
                log.exception("payment notice %s to %s failed; retry in %.0f s", row.key, row.owner, wait)
                await self._repository.claim(
                    row.id, attempts=row.attempts + 1, until=now + timedelta(seconds=wait)
                )
                continue
            await self._repository.delivered(row.id, self._clock.now())
            delivered += 1
        return delivered
