from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, HeaderParameter, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from backend.auth.guards import citizen
from backend.auth.principal import Principal
from backend.idempotency import IDEMPOTENCY_ERRORS, Idempotency, idempotent_json
from backend.payment.errors import ORDER_ERRORS
from backend.utility.errors import (
    AccountLinked,
    AccountNoInvalid,
    AccountNotFound,
    BillPaid,
    BillUnknown,
    UtilityPaymentNotFound,
    UtilityUnavailable,
)
from backend.utility.repository import AccountRow, PaymentRow
from backend.utility.schemas import (
    AccountCreate,
    AccountPage,
    AccountRead,
    BillPage,
    BillPay,
    BillPaymentStarted,
    BillRead,
    PaymentRead,
)
from backend.utility.service import UtilityService

OWNS_ACCOUNT = {"account_id": "utility.account"}


def _account(row: AccountRow) -> AccountRead:
    return AccountRead(
        id=row.id,
        kind=row.kind,
        account_no=row.account_no,
        holder=row.holder,
        address=row.address,
        created_at=row.created_at,
    )


def _payment(row: PaymentRow) -> PaymentRead:
    return PaymentRead(
        id=row.id,
        order_id=row.order_id,
        kind=row.kind,
        account_no=row.account_no,
        bill_no=row.bill_no,
        period=row.period,
        amount_fen=row.amount_fen,
        status=row.status,
        receipt_no=row.receipt_no,
        paid_at=row.paid_at,
    )


class UtilityController(Controller):
    path = "/api/v1/utilities"
    tags = ("utilities",)
    # A citizen's own accounts, or an organisation's to an agent authorised to pay (backend.organisation).
    opt = {"access": citizen(acting="pay")}  # noqa: RUF012 (Litestar's declaration style)

    @post(
        "/accounts",
        status_code=HTTP_201_CREATED,
        summary="Link a water, electricity or gas account",
        errors=(AccountNotFound, AccountLinked, AccountNoInvalid, UtilityUnavailable),
    )
    async def link(
        self,
        data: JSONBody[AccountCreate],
        utilities: NamedDependency[UtilityService],
        principal: NamedDependency[Principal],
    ) -> AccountRead:
        return _account(
            await utilities.link(principal.owner, data.kind, data.account_no, actor=principal.actor)
        )

    @get("/accounts", summary="The caller's linked utility accounts")
    async def accounts(
        self, utilities: NamedDependency[UtilityService], principal: NamedDependency[Principal]
    ) -> AccountPage:
        return AccountPage(items=[_account(row) for row in await utilities.accounts(principal.owner)])

    @delete(
        "/accounts/{account_id:uuid}",
        summary="Unlink an account",
        owns=OWNS_ACCOUNT,
        errors=(AccountNotFound,),
    )
    async def unlink(
        self,
        account_id: FromPath[uuid.UUID],
        utilities: NamedDependency[UtilityService],
        principal: NamedDependency[Principal],
    ) -> None:
        await utilities.unlink(principal.owner, account_id, actor=principal.actor)

    @get(
        "/accounts/{account_id:uuid}/bills",
        summary="The account's bills, newest first",
        owns=OWNS_ACCOUNT,
        errors=(AccountNotFound, UtilityUnavailable),
    )
    async def bills(
        self,
        account_id: FromPath[uuid.UUID],
        utilities: NamedDependency[UtilityService],
        principal: NamedDependency[Principal],
    ) -> BillPage:
        bills = await utilities.bills(principal.owner, account_id)
        return BillPage(
            items=[
                BillRead(
                    bill_no=b.bill_no,
                    kind=b.kind,
                    period=b.period,
                    amount_fen=b.amount_fen,
                    due_date=b.due_date,
                    status=b.status,
                )
                for b in bills
            ]
        )

    @post(
        "/accounts/{account_id:uuid}/payments",
        status_code=HTTP_201_CREATED,
        summary="Pay a bill: the order and the cashier's arguments",
        description="With an `Idempotency-Key` header a retried request answers the first response; "
        "without one, a bill with an unpaid order gets that order again (never a second charge).",
        owns=OWNS_ACCOUNT,
        errors=(
            AccountNotFound,
            BillUnknown,
            BillPaid,
            UtilityUnavailable,
            *ORDER_ERRORS,
            *IDEMPOTENCY_ERRORS,
        ),
        responses={HTTP_201_CREATED: ResponseSpec(BillPaymentStarted, description="Payment started")},
    )
    async def pay(
        self,
        request: Request[Any, Any, Any],
        account_id: FromPath[uuid.UUID],
        data: JSONBody[BillPay],
        utilities: NamedDependency[UtilityService],
        idempotency: NamedDependency[Idempotency],
        principal: NamedDependency[Principal],
        idempotency_key: Annotated[str | None, HeaderParameter(name="idempotency-key")] = None,
    ) -> Response[bytes]:
        async def pay() -> BillPaymentStarted:
            row, created = await utilities.pay(
                principal.owner,
                account_id,
                bill_no=data.bill_no,
                channel=data.channel,
                payer_id=principal.id,
                actor=principal.actor,
            )
            return BillPaymentStarted(
                payment=_payment(row),
                order_status=created.order.status,
                expires_at=created.order.expires_at,
                pay_arguments=created.pay_arguments,
            )

        return await idempotent_json(
            idempotency,
            request,
            scope=f"utility.pay:{principal.actor}",
            key=idempotency_key,
            status=HTTP_201_CREATED,
            call=pay,
        )

    @get(
        "/payments/{payment_id:uuid}",
        summary="A bill's payment and the utility's receipt",
        owns={"payment_id": "utility.payment"},
        errors=(UtilityPaymentNotFound,),
    )
    async def receipt(
        self,
        payment_id: FromPath[uuid.UUID],
        utilities: NamedDependency[UtilityService],
        principal: NamedDependency[Principal],
    ) -> PaymentRead:
        return _payment(await utilities.payment(principal.owner, payment_id))
