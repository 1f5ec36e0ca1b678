"""How an owning feature is told that its payable was paid or refunded: through the shared outbox.

``OwnerNotices.owe`` is called inside the transaction of the state change, so the notice is owed
exactly when the change happens: it enqueues topic ``payment.<owner>`` under the key
``payment:<order>:paid`` (or ``:refunded:<refund>``), so a replayed notification owes nothing new.
The outbox's workers deliver it after the commit, retrying with backoff and dead-lettering it for
operators when the owner gives up. The key is also the owner's idempotency key: a handler run twice
(a worker died after it, before the job was marked done) must act once, as outbox handlers must.

An owner declares its handler in its own feature:

    Feature(..., outbox_handlers={topic("tourism"): lambda w: owner_handler(w.get(Tickets).on_payment)})
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Literal

import msgspec

from backend.outbox.jobs import ClaimedJob, GiveUp, Handler
from backend.outbox.service import Outbox
from backend.payment.repository import OrderRow


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


def payment_notice(
    order: OrderRow,
    event: Literal["paid", "refunded"],
    *,
    paid_fen: int,
    refunded_fen: int,
    transaction_id: str | None,
    now: datetime,
    reference: str = "",
) -> PaymentNotice:
    """The notice of ``event`` on ``order``, keyed so that each fact is told once."""
    return PaymentNotice(
        key=f"payment:{order.id}:{event}" + (f":{reference}" if reference else ""),
        event=event,
        order_id=order.id,
        owner=order.owner,
        payable=order.payable,
        citizen_id=order.citizen_id,
        amount_fen=order.amount_fen,
        paid_fen=paid_fen,
        refunded_fen=refunded_fen,
        transaction_id=transaction_id,
        at=now,
    )


OwnerHandler = Callable[[PaymentNotice], Awaitable[None]]


def topic(owner: str) -> str:
    """The outbox topic of ``owner``'s payment notices."""
    return f"payment.{owner}"


def owner_handler(handle: OwnerHandler) -> Handler:
    """An outbox handler that hands each job's notice to ``handle`` (which raises ``RetryLater`` or
    ``GiveUp`` as any outbox handler does)."""

    async def deliver(job: ClaimedJob) -> None:
        try:
            notice = msgspec.json.decode(job.payload, type=PaymentNotice)
        except msgspec.ValidationError as exc:
            raise GiveUp(f"not a payment notice: {exc}") from exc
        await handle(notice)

    return deliver


class OwnerNotices:
    """The payment feature's side of the seam: owe notices, wake the workers after the commit."""

    def __init__(self, outbox: Outbox) -> None:
        self._outbox = outbox

    async def owe(self, notice: PaymentNotice) -> bool:
        """Owe ``notice`` to its owner; call inside the state change's transaction. False when its
        key is owed already."""
        return await self._outbox.enqueue(topic(notice.owner), key=notice.key, payload=notice)

    def wake(self) -> None:
        """Call after the owing transaction committed: this process's workers deliver it now."""
        self._outbox.wake()
