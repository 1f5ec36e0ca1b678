from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

import msgspec

from backend.clock import as_utc, as_utc_or_none
from backend.database import Repository
from backend.utility.tables import UtilityAccountLink, UtilityPayment


class AccountRow(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    citizen_id: uuid.UUID
    kind: str
    account_no: str
    holder: str
    address: str
    created_at: datetime


PaymentStatus = Literal["pending", "settled", "refused"]


class PaymentRow(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    citizen_id: uuid.UUID
    account_id: uuid.UUID
    kind: str
    account_no: str
    bill_no: str
    period: str
    amount_fen: int
    order_id: uuid.UUID
    status: PaymentStatus
    receipt_no: str
    transaction_id: str
    paid_at: datetime | None
    created_at: datetime


def _account(raw: dict[str, Any]) -> AccountRow:
    return msgspec.convert({**raw, "created_at": as_utc(raw["created_at"])}, AccountRow)


def _payment(raw: dict[str, Any]) -> PaymentRow:
    values = {**raw, "created_at": as_utc(raw["created_at"]), "paid_at": as_utc_or_none(raw["paid_at"])}
    return msgspec.convert(values, PaymentRow)


class UtilityRepository(Repository):
    async def link(self, row: AccountRow) -> bool:
        """False when the citizen linked this account already (a unique index decides)."""
        rows = await (
            UtilityAccountLink.insert(UtilityAccountLink(**msgspec.structs.asdict(row)))
            .on_conflict(action="DO NOTHING")
            .returning(UtilityAccountLink.id)
        )
        return bool(rows)

    async def accounts(self, citizen_id: uuid.UUID) -> list[AccountRow]:
        rows = (
            await UtilityAccountLink.select()
            .where(UtilityAccountLink.citizen_id == citizen_id)
            .order_by(UtilityAccountLink.created_at)
        )
        return [_account(raw) for raw in rows]

    async def account(self, citizen_id: uuid.UUID, account_id: uuid.UUID) -> AccountRow | None:
        raw = (
            await UtilityAccountLink.select()
            .where((UtilityAccountLink.id == account_id) & (UtilityAccountLink.citizen_id == citizen_id))
            .first()
        )
        return None if raw is None else _account(raw)

    async def unlink(self, citizen_id: uuid.UUID, account_id: uuid.UUID) -> bool:
        rows = await (
            UtilityAccountLink.delete()
            .where((UtilityAccountLink.id == account_id) & (UtilityAccountLink.citizen_id == citizen_id))
            .returning(UtilityAccountLink.id)
        )
        return bool(rows)

    async def record(self, row: PaymentRow) -> None:
        """The bill's payment for its order (once per order: a repeated pay request finds it)."""
        await UtilityPayment.insert(UtilityPayment(**msgspec.structs.asdict(row))).on_conflict(
            action="DO NOTHING"
        )

    async def by_order(self, order_id: uuid.UUID) -> PaymentRow | None:
        raw = await UtilityPayment.select().where(UtilityPayment.order_id == order_id).first()
        return None if raw is None else _payment(raw)

    async def payment(self, citizen_id: uuid.UUID, payment_id: uuid.UUID) -> PaymentRow | None:
        raw = (
            await UtilityPayment.select()
            .where((UtilityPayment.id == payment_id) & (UtilityPayment.citizen_id == citizen_id))
            .first()
        )
        return None if raw is None else _payment(raw)

    async def refuse(self, order_id: uuid.UUID) -> bool:
        """pending → refused (the utility would not take the advice; the order is refunded), once."""
        rows = await (
            UtilityPayment.update({UtilityPayment.status: "refused"})
            .where((UtilityPayment.order_id == order_id) & (UtilityPayment.status == "pending"))
            .returning(UtilityPayment.id)
        )
        return bool(rows)

    async def settle(
        self, order_id: uuid.UUID, *, receipt_no: str, transaction_id: str, paid_at: datetime
    ) -> bool:
        """pending → settled with the utility's receipt, once."""
        rows = await (
            UtilityPayment.update(
                {
                    UtilityPayment.status: "settled",
                    UtilityPayment.receipt_no: receipt_no,
                    UtilityPayment.transaction_id: transaction_id,
                    UtilityPayment.paid_at: paid_at,
                }
            )
            .where((UtilityPayment.order_id == order_id) & (UtilityPayment.status == "pending"))
            .returning(UtilityPayment.id)
        )
        return bool(rows)
