"""The payment feature's background work, in every worker: the sweep (expire unpaid orders, query
the ones nobody told us about, close at the platform what closed only here, settle unconfirmed
refunds) and the daily reconciliation. Each step is safe in any number of
workers at once: every state change is conditional."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from backend.background import Job, Periodic
from backend.payment.notifications import PaymentNotifications
from backend.payment.reconciliation import Reconciliation
from backend.payment.refunds import RefundService
from backend.payment.service import PaymentService
from integrations.payments.wechatpay import SignedNotification

log = logging.getLogger("backend.payment")


class PaymentSweep:
    def __init__(self, *, payments: PaymentService, refunds: RefundService) -> None:
        self._payments = payments
        self._refunds = refunds

    async def step(self) -> None:
        await self._payments.sweep()
        await self._refunds.sweep()


def jobs(
    sweep: PaymentSweep, reconciliation: Reconciliation, *, every: float, reconcile_every: float
) -> Sequence[Job]:
    return [
        Periodic("payment sweep", every=every, step=sweep.step),
        Periodic("payment reconciliation", every=reconcile_every, step=reconciliation.daily),
    ]


def sandbox_sinks(notifications: PaymentNotifications) -> tuple[object, object]:
    """Deliver the sandbox twins' notifications in-process, as the platforms would POST them."""

    async def wechat(notification: SignedNotification) -> None:
        headers = {name.lower(): value for name, value in notification.headers.items()}
        try:
            await notifications.wechatpay(headers, notification.body.encode())
        except Exception:
            log.exception("sandbox WeChat Pay notification not taken; the sweep's query settles it")

    async def alipay(notification: SignedNotification) -> None:
        try:
            await notifications.alipay(notification.body.encode())
        except Exception:
            log.exception("sandbox Alipay notification not taken; the sweep's query settles it")

    return wechat, alipay
