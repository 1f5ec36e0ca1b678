"""The payment feature: orders for every feature's payables, the platforms' notifications, refunds,
the ledger, owners' notices (through the shared outbox) and daily reconciliation."""

from __future__ import annotations

from collections.abc import Sequence

from backend.account_link.service import AccountLinkService
from backend.background import Job
from backend.feature import Feature
from backend.idempotency import Idempotency
from backend.outbox.service import Outbox
from backend.payment.adapters import build_platforms
from backend.payment.controller import PaymentAdminController, PaymentController, PaymentNotifyController
from backend.payment.notifications import PaymentNotifications
from backend.payment.owners import OwnerNotices
from backend.payment.platforms import PaymentPlatforms
from backend.payment.privacy import PERSONAL_DATA
from backend.payment.reconciliation import Reconciliation
from backend.payment.records import DiscrepancyRepository, RefundRepository
from backend.payment.refunds import RefundService
from backend.payment.repository import OrderRepository
from backend.payment.service import PaymentService
from backend.payment.settings import PaymentSettings
from backend.payment.tasks import PaymentSweep, jobs, sandbox_sinks
from backend.wiring import Wiring
from integrations.payments.alipay_trade import AlipayPayTwinState
from integrations.payments.wechatpay import WeChatPayTwinState

# Our platform names → the account-link feature's (who pays in which mini program).
_LINKED = {"wechatpay": "wechat", "alipay": "alipay"}


def _platforms(w: Wiring) -> PaymentPlatforms:
    return build_platforms(w.section(PaymentSettings), w.settings.upstream, w.infra.upstreams.sandbox)


def _payments(w: Wiring) -> PaymentService:
    infra = w.infra
    links = w.get(AccountLinkService)

    async def payer(citizen_id: object, platform: str) -> str | None:
        return await links.platform_user(citizen_id, _LINKED[platform])  # type: ignore[arg-type]

    return PaymentService(
        orders=OrderRepository(infra.engine),
        discrepancies=DiscrepancyRepository(infra.engine),
        notices=w.get(OwnerNotices),
        platforms=w.get(PaymentPlatforms),
        payers=payer,
        settings=w.section(PaymentSettings),
        audit=infra.audit,
        clock=infra.clock,
        engine=infra.engine,
    )


def _refunds(w: Wiring) -> RefundService:
    infra = w.infra
    return RefundService(
        payments=w.get(PaymentService),
        orders=OrderRepository(infra.engine),
        refunds=RefundRepository(infra.engine),
        audit=infra.audit,
        clock=infra.clock,
        engine=infra.engine,
    )


def _reconciliation(w: Wiring) -> Reconciliation:
    infra = w.infra
    return Reconciliation(
        payments=w.get(PaymentService),
        orders=OrderRepository(infra.engine),
        refunds=RefundRepository(infra.engine),
        discrepancies=DiscrepancyRepository(infra.engine),
        platforms=w.get(PaymentPlatforms),
        audit=infra.audit,
        clock=infra.clock,
        engine=infra.engine,
    )


def _background(w: Wiring) -> Sequence[Job]:
    settings = w.section(PaymentSettings)
    sweep = PaymentSweep(payments=w.get(PaymentService), refunds=w.get(RefundService))
    return jobs(
        sweep, w.get(Reconciliation), every=settings.sweep_every, reconcile_every=settings.reconcile_every
    )


async def _sandbox_notifications(w: Wiring) -> None:
    sandbox = w.infra.upstreams.sandbox
    if sandbox is None:
        return
    wechat, alipay = sandbox_sinks(w.get(PaymentNotifications))
    wechat_twin, alipay_twin = sandbox.state("wechatpay"), sandbox.state("alipay_pay")
    assert isinstance(wechat_twin, WeChatPayTwinState)
    assert isinstance(alipay_twin, AlipayPayTwinState)
    wechat_twin.notification_sink = wechat  # type: ignore[assignment]
    alipay_twin.notification_sink = alipay  # type: ignore[assignment]


FEATURE = Feature(
    name="payment",
    routes=(PaymentController, PaymentNotifyController, PaymentAdminController),
    piccolo_app="backend.payment.piccolo_app",
    settings=PaymentSettings,
    services={
        PaymentPlatforms: _platforms,
        OwnerNotices: lambda w: OwnerNotices(w.get(Outbox)),
        PaymentService: _payments,
        RefundService: _refunds,
        PaymentNotifications: lambda w: PaymentNotifications(
            payments=w.get(PaymentService), refunds=w.get(RefundService)
        ),
        Reconciliation: _reconciliation,
    },
    dependencies={
        "payments": PaymentService,
        "refunds": RefundService,
        "notifications": PaymentNotifications,
        "reconciliation": Reconciliation,
        "idempotency": Idempotency,
    },
    background=_background,
    on_startup=(_sandbox_notifications,),
    personal_data=PERSONAL_DATA,
)
