from __future__ import annotations

import uuid
from typing import Annotated, Any

import msgspec
from litestar import Controller, MediaType, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED

from backend.access import ANYONE
from backend.auth.guards import citizen, staff
from backend.auth.principal import Principal
from backend.errors import DomainError
from backend.idempotency import IDEMPOTENCY_ERRORS, Idempotency, idempotent_json
from backend.payment.errors import (
    DiscrepancyNotFound,
    DiscrepancyResolved,
    NotificationAmountMismatch,
    NotificationMalformed,
    NotificationNotOurs,
    NotificationOrderUnknown,
    NotificationSignatureInvalid,
    NotificationStale,
    NotificationUndecryptable,
    OrderNotFound,
    OrderNotRefundable,
    PlatformRejected,
    PlatformUnavailable,
    RefundExceedsPaid,
)
from backend.payment.ledger import LedgerEvent
from backend.payment.notifications import PaymentNotifications
from backend.payment.reconciliation import Reconciliation
from backend.payment.records import DiscrepancyRow, DiscrepancyStatus, RefundRow
from backend.payment.refunds import RefundService
from backend.payment.repository import OrderRow
from backend.payment.schemas import (
    DiscrepancyPage,
    DiscrepancyRead,
    DiscrepancyResolve,
    LedgerEntry,
    OrderAudit,
    OrderPage,
    OrderRead,
    ReconciliationRead,
    ReconciliationRun,
    RefundCreate,
    RefundRead,
)
from backend.payment.service import PaymentService
from integrations.payments.alipay_trade import NOTIFICATION_ACK

PageSize = Annotated[int, QueryParameter(ge=1, le=100)]
PLATFORM_ERRORS = (PlatformUnavailable, PlatformRejected)
NOTIFICATION_ERRORS = (
    NotificationSignatureInvalid,
    NotificationStale,
    NotificationUndecryptable,
    NotificationMalformed,
    NotificationNotOurs,
    NotificationAmountMismatch,
    NotificationOrderUnknown,
)


def order_read(row: OrderRow) -> OrderRead:
    return OrderRead(
        id=row.id,
        out_trade_no=row.out_trade_no,
        owner=row.owner,
        payable=row.payable,
        description=row.description,
        amount_fen=row.amount_fen,
        currency=row.currency,
        channel=row.channel,
        status=row.status,
        paid_fen=row.paid_fen,
        refunded_fen=row.refunded_fen,
        created_at=row.created_at,
        expires_at=row.expires_at,
        paid_at=row.paid_at,
        closed_at=row.closed_at,
    )


def _refund(row: RefundRow) -> RefundRead:
    return RefundRead(
        out_refund_no=row.out_refund_no,
        amount_fen=row.amount_fen,
        reason=row.reason,
        status=row.status,
        created_at=row.created_at,
        settled_at=row.settled_at,
    )


def _entry(event: LedgerEvent) -> LedgerEntry:
    return LedgerEntry(
        kind=event.kind,
        amount_fen=event.amount_fen,
        reference=event.reference,
        source=event.source,
        at=event.at,
    )


def _discrepancy(row: DiscrepancyRow) -> DiscrepancyRead:
    return DiscrepancyRead(
        id=row.id,
        kind=row.kind,
        platform=row.platform,
        bill_date=row.bill_date,
        out_trade_no=row.out_trade_no,
        reference=row.reference,
        ours_fen=row.ours_fen,
        theirs_fen=row.theirs_fen,
        detail=row.detail,
        status=row.status,
        note=row.note,
        created_at=row.created_at,
        resolved_at=row.resolved_at,
    )


class PaymentController(Controller):
    path = "/api/v1/payments"
    tags = ("payments",)
    # A citizen's own orders, or an organisation's to an agent authorised to pay (backend.organisation).
    opt = {"access": citizen(acting="pay")}  # noqa: RUF012 (Litestar's declaration style)

    @get("/orders", summary="The caller's payment orders (or their organisation's), newest first")
    async def list(
        self,
        payments: NamedDependency[PaymentService],
        principal: NamedDependency[Principal],
        limit: PageSize = 50,
    ) -> OrderPage:
        return OrderPage(
            items=[order_read(row) for row in await payments.list_for(principal.owner, limit=limit)]
        )

    @get(
        "/orders/{order_id:uuid}",
        summary="One of the caller's orders",
        owns={"order_id": "payment.order"},
        errors=(OrderNotFound,),
    )
    async def read(
        self,
        order_id: FromPath[uuid.UUID],
        payments: NamedDependency[PaymentService],
        principal: NamedDependency[Principal],
    ) -> OrderRead:
        return order_read(await payments.get(order_id, citizen_id=principal.owner))

    @post(
        "/orders/{order_id:uuid}/query",
        status_code=200,
        summary="Ask the platform about the order now (the client is back from the cashier)",
        description="A payment the platform has not notified yet is settled by this query.",
        owns={"order_id": "payment.order"},
        errors=(OrderNotFound, *PLATFORM_ERRORS),
    )
    async def query(
        self,
        order_id: FromPath[uuid.UUID],
        payments: NamedDependency[PaymentService],
        principal: NamedDependency[Principal],
    ) -> OrderRead:
        order = await payments.get(order_id, citizen_id=principal.owner)
        if order.status == "pending":
            await payments.query_and_settle(order)
        return order_read(await payments.get(order_id, citizen_id=principal.owner))


class PaymentNotifyController(Controller):
    """Called by the platforms: no token (``ANYONE``), their own signatures, and each answered in the
    form it expects — never problem+json, which neither reads. Not in the OpenAPI document: no
    client of ours calls them."""

    path = "/api/v1/payments/notify"
    include_in_schema = False

    @post(
        "/wechatpay",
        status_code=200,
        access=ANYONE,
        errors=NOTIFICATION_ERRORS,
        summary="WeChat Pay v3 notification",
    )
    async def wechatpay(
        self, request: Request[Any, Any, Any], notifications: NamedDependency[PaymentNotifications]
    ) -> Response[bytes]:
        headers = {name.lower(): value for name, value in request.headers.items()}
        try:
            await notifications.wechatpay(headers, await request.body())
        except DomainError as error:
            # WeChat Pay: any non-2xx is a failure it retries; the body says why.
            body = msgspec.json.encode({"code": "FAIL", "message": error.code})
            return Response(body, status_code=error.status, media_type=MediaType.JSON)
        return Response(b"", status_code=204)

    @post(
        "/alipay", status_code=200, access=ANYONE, errors=NOTIFICATION_ERRORS, summary="Alipay notification"
    )
    async def alipay(
        self, request: Request[Any, Any, Any], notifications: NamedDependency[PaymentNotifications]
    ) -> Response[bytes]:
        try:
            await notifications.alipay(await request.body())
        except DomainError as error:
            # Alipay: anything but exactly "success" is a failure it retries; our code is a header.
            return Response(
                b"failure",
                status_code=error.status,
                media_type=MediaType.TEXT,
                headers={"x-problem-code": error.code},
            )
        return Response(NOTIFICATION_ACK.encode(), status_code=200, media_type=MediaType.TEXT)


class PaymentAdminController(Controller):
    path = "/api/v1/admin/payments"
    tags = ("admin",)
    opt = {"access": staff("operator")}  # noqa: RUF012 (Litestar's declaration style)

    @get("/orders/{order_id:uuid}", summary="An order with its ledger and refunds", errors=(OrderNotFound,))
    async def order(
        self,
        order_id: FromPath[uuid.UUID],
        payments: NamedDependency[PaymentService],
        refunds: NamedDependency[RefundService],
    ) -> OrderAudit:
        row = await payments.get(order_id)
        return OrderAudit(
            order=order_read(row),
            transaction_id=row.transaction_id,
            ledger=[_entry(event) for event in await payments.ledger(order_id)],
            refunds=[_refund(refund) for refund in await refunds.of_order(order_id)],
        )

    @post(
        "/orders/{order_id:uuid}/refunds",
        status_code=HTTP_201_CREATED,
        summary="Refund all or part of a paid order",
        description="With an `Idempotency-Key` header, a retried request answers the first response "
        "(never a second refund). `status` is `requested` until the platform confirms it.",
        errors=(OrderNotFound, OrderNotRefundable, RefundExceedsPaid, *PLATFORM_ERRORS, *IDEMPOTENCY_ERRORS),
        responses={HTTP_201_CREATED: ResponseSpec(RefundRead, description="Refund asked")},
    )
    async def refund(
        self,
        request: Request[Any, Any, Any],
        order_id: FromPath[uuid.UUID],
        data: JSONBody[RefundCreate],
        refunds: NamedDependency[RefundService],
        idempotency: NamedDependency[Idempotency],
        principal: NamedDependency[Principal],
        idempotency_key: Annotated[str | None, HeaderParameter(name="idempotency-key")] = None,
    ) -> Response[bytes]:
        async def refund() -> RefundRead:
            return _refund(
                await refunds.refund(
                    order_id, amount_fen=data.amount_fen, reason=data.reason, by=principal.subject
                )
            )

        return await idempotent_json(
            idempotency,
            request,
            scope=f"payment.refund:{principal.subject}:{order_id}",
            key=idempotency_key,
            status=HTTP_201_CREATED,
            call=refund,
        )

    @get("/discrepancies", summary="What reconciliation and notifications found for operators")
    async def discrepancies(
        self,
        reconciliation: NamedDependency[Reconciliation],
        status: FromQuery[DiscrepancyStatus | None] = None,
        limit: PageSize = 50,
    ) -> DiscrepancyPage:
        rows = await reconciliation.discrepancies(status=status, limit=limit)
        return DiscrepancyPage(items=[_discrepancy(row) for row in rows])

    @post(
        "/discrepancies/{discrepancy_id:uuid}/resolve",
        status_code=200,
        summary="Resolve or dismiss a finding",
        errors=(DiscrepancyNotFound, DiscrepancyResolved),
    )
    async def resolve(
        self,
        discrepancy_id: FromPath[uuid.UUID],
        data: JSONBody[DiscrepancyResolve],
        reconciliation: NamedDependency[Reconciliation],
        principal: NamedDependency[Principal],
    ) -> DiscrepancyRead:
        row = await reconciliation.resolve(
            discrepancy_id, status=data.status, note=data.note, by=principal.subject
        )
        return _discrepancy(row)

    @post(
        "/reconciliations",
        status_code=200,
        summary="Reconcile one platform's bill of one day now",
        errors=PLATFORM_ERRORS,
    )
    async def reconcile(
        self,
        data: JSONBody[ReconciliationRun],
        reconciliation: NamedDependency[Reconciliation],
        principal: NamedDependency[Principal],
    ) -> ReconciliationRead:
        report = await reconciliation.run(data.platform, data.bill_date, by=principal.subject)
        return ReconciliationRead(
            platform=report.platform,
            bill_date=report.bill_date,
            lines=report.lines,
            matched=report.matched,
            discrepancies=report.discrepancies,
        )
