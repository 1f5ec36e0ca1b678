"""Client of the utilities' billing gateway: look up an account, list its bills, advise a payment."""

from __future__ import annotations

import re
from urllib.parse import quote

from integrations._adapter import BaseAdapter
from integrations.errors import UpstreamRejected
from integrations.utility.schemas import (
    PaymentAdvice,
    UtilityAccount,
    UtilityBill,
    UtilityBills,
    UtilityKind,
    UtilityReceipt,
)

__all__ = ["UtilityClient"]

# 户号: 6-20 letters and digits (water and gas 10, electricity 10-13 at the Suqian utilities).
ACCOUNT_NO = re.compile(r"^[A-Za-z0-9]{6,20}$")


class UtilityClient(BaseAdapter):
    """The utilities' gateway (水电气缴费). Reads are retried; a payment advice carries an
    idempotency key, so it is retried too and settles the bill once."""

    system = "utility"

    def _check(self, account_no: str, operation: str) -> None:
        if not ACCOUNT_NO.match(account_no):
            raise UpstreamRejected(system=self.system, operation=operation, code="invalid_account_no")

    async def find_account(self, kind: UtilityKind, account_no: str) -> UtilityAccount:
        """The account ``account_no`` of utility ``kind``.

        Raises:
            UpstreamRejected: ``invalid_account_no`` (checked first), ``account_not_found``.
        """
        self._check(account_no, "find_account")
        return await self.client.call(
            "GET",
            f"/v1/{kind}/accounts/{quote(account_no, safe='')}",
            operation="find_account",
            response_type=UtilityAccount,
        )

    async def bills(self, kind: UtilityKind, account_no: str) -> list[UtilityBill]:
        """The account's bills, newest first (paid ones for the last year too).

        Raises:
            UpstreamRejected: ``account_not_found``.
        """
        self._check(account_no, "bills")
        answer = await self.client.call(
            "GET",
            f"/v1/{kind}/accounts/{quote(account_no, safe='')}/bills",
            operation="bills",
            response_type=UtilityBills,
        )
        return answer.items

    async def advise_payment(
        self,
        kind: UtilityKind,
        *,
        bill_no: str,
        amount_fen: int,
        payment_ref: str,
        paid_at: str,
        idempotency_key: str,
    ) -> UtilityReceipt:
        """Tell the utility ``bill_no`` was paid; the receipt. The same key answers the same receipt.

        Raises:
            UpstreamRejected: ``bill_not_found``, ``amount_mismatch``, ``bill_paid`` (paid under
                another key), ``idempotency_key_reused``.
        """
        return await self.client.call(
            "POST",
            f"/v1/{kind}/payments",
            operation="advise_payment",
            json=PaymentAdvice(
                bill_no=bill_no, amount_fen=amount_fen, payment_ref=payment_ref, paid_at=paid_at
            ),
            response_type=UtilityReceipt,
            idempotency_key=idempotency_key,
        )
