"""Sandbox twin of the utilities' billing gateway (water, electricity, gas).

Every named resident has one account at each utility, seeded with last month's bill paid and this
month's unpaid; tests add accounts and bills through the control routes.

API (signed): ``GET /v1/{kind}/accounts/{account_no}``, ``GET /v1/{kind}/accounts/{account_no}/bills``,
``POST /v1/{kind}/payments`` (``Idempotency-Key`` required: the same key answers the same receipt,
another key for a paid bill is ``bill_paid``).
Control: ``GET /accounts``, ``POST /accounts`` ``{"kind", "account_no", "holder", "address",
"bills": [{"period", "amount_fen"}]}``, ``GET /payments`` (every advice taken), plus ``/faults``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import msgspec

from integrations._asgi import HttpError, Request, Response, json_response
from integrations._seed import NAMED_RESIDENTS
from integrations._twin import Twin, TwinContext, new_twin
from integrations.masking import mask_name
from integrations.utility.schemas import (
    PaymentAdvice,
    UtilityAccount,
    UtilityBill,
    UtilityBills,
    UtilityKind,
    UtilityReceipt,
)

__all__ = ["NewAccount", "UtilityState", "create_twin", "sandbox_account_no"]

_KINDS: tuple[UtilityKind, ...] = ("water", "electricity", "gas")
_PREFIX = {"water": "SW", "electricity": "SE", "gas": "SG"}


def sandbox_account_no(kind: UtilityKind, n: int) -> str:
    """The seeded account of named resident ``n`` (1-based) at utility ``kind``: ``SW32130001``."""
    return f"{_PREFIX[kind]}3213{n:04d}"


class NewBill(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    period: str
    amount_fen: int


class NewAccount(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    kind: UtilityKind
    account_no: str
    holder: str
    address: str
    bills: list[NewBill] = msgspec.field(default_factory=list)


@dataclass(slots=True)
class UtilityState:
    accounts: dict[tuple[str, str], UtilityAccount] = field(default_factory=dict)
    bills: dict[str, UtilityBill] = field(default_factory=dict)
    # Idempotency-Key → (the advice, the receipt): a repeat answers the same receipt.
    payments: dict[str, tuple[PaymentAdvice, UtilityReceipt]] = field(default_factory=dict)

    def add(self, account: UtilityAccount, bills: list[tuple[str, int, bool]]) -> None:
        self.accounts[account.kind, account.account_no] = account
        for period, amount_fen, paid in bills:
            bill_no = f"{account.account_no}{period.replace('-', '')}"
            year, month = (int(part) for part in period.split("-"))
            due = date(year + month // 12, month % 12 + 1, 15)
            self.bills[bill_no] = UtilityBill(
                bill_no=bill_no,
                kind=account.kind,
                account_no=account.account_no,
                period=period,
                amount_fen=amount_fen,
                due_date=due.isoformat(),
                status="paid" if paid else "unpaid",
            )


def _periods(today: date) -> tuple[str, str]:
    last = today.replace(day=1) - timedelta(days=1)
    return f"{last:%Y-%m}", f"{today:%Y-%m}"


def create_twin(context: TwinContext) -> Twin:
    state = UtilityState()
    earlier, current = _periods(date.today())
    for n, person in enumerate(NAMED_RESIDENTS, start=1):
        for k, kind in enumerate(_KINDS):
            account = UtilityAccount(
                kind=kind,
                account_no=sandbox_account_no(kind, n),
                holder=mask_name(person.name),
                address=person.address,
            )
            state.add(
                account, [(earlier, 3000 + 1000 * k + n, True), (current, 4000 + 1000 * k + n * 7, False)]
            )
    twin, router = new_twin("utility", context, state)

    def account_of(request: Request) -> UtilityAccount:
        kind = request.path_params["kind"]
        account = state.accounts.get((kind, request.path_params["account_no"]))
        if account is None:
            raise HttpError(404, "account_not_found", "户号不存在")
        return account

    @router.route("GET", "/v1/{kind}/accounts/{account_no}")
    async def find(request: Request) -> Response:
        return json_response(account_of(request))

    @router.route("GET", "/v1/{kind}/accounts/{account_no}/bills")
    async def bills(request: Request) -> Response:
        account = account_of(request)
        found = [
            b for b in state.bills.values() if (b.kind, b.account_no) == (account.kind, account.account_no)
        ]
        return json_response(UtilityBills(items=sorted(found, key=lambda b: b.period, reverse=True)))

    @router.route("POST", "/v1/{kind}/payments")
    async def pay(request: Request) -> Response:
        key = request.headers.get("idempotency-key", "")
        if not key:
            raise HttpError(400, "idempotency_key_required")
        advice = request.json(PaymentAdvice)
        previous = state.payments.get(key)
        if previous is not None:
            if previous[0] != advice:
                raise HttpError(422, "idempotency_key_reused")
            return json_response(previous[1])
        bill = state.bills.get(advice.bill_no)
        if bill is None or bill.kind != request.path_params["kind"]:
            raise HttpError(404, "bill_not_found", "账单不存在")
        if bill.status == "paid":
            raise HttpError(409, "bill_paid", "账单已缴清")
        if advice.amount_fen != bill.amount_fen:
            raise HttpError(422, "amount_mismatch", "缴费金额与账单不符")
        state.bills[bill.bill_no] = msgspec.structs.replace(bill, status="paid")
        receipt = UtilityReceipt(
            receipt_no=f"RC{len(state.payments) + 1:010d}",
            bill_no=bill.bill_no,
            kind=bill.kind,
            account_no=bill.account_no,
            amount_fen=bill.amount_fen,
            paid_at=advice.paid_at,
        )
        state.payments[key] = (advice, receipt)
        return json_response(receipt)

    @router.route("GET", "/accounts", control=True)
    async def accounts(_: Request) -> Response:
        return json_response(list(state.accounts.values()))

    @router.route("POST", "/accounts", control=True)
    async def add_account(request: Request) -> Response:
        body = request.json(NewAccount)
        account = UtilityAccount(
            kind=body.kind, account_no=body.account_no, holder=mask_name(body.holder), address=body.address
        )
        state.add(account, [(bill.period, bill.amount_fen, False) for bill in body.bills])
        return json_response(account, status=201)

    @router.route("GET", "/payments", control=True)
    async def payments(_: Request) -> Response:
        return json_response([receipt for _, receipt in state.payments.values()])

    return twin
