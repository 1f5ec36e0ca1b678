"""The utilities' billing adapter against its twin over loopback HTTP: accounts, bills, a payment
advice that settles a bill once under its idempotency key, and the refusals."""

from __future__ import annotations

import pytest

from integrations import UpstreamRejected
from integrations.utility import UtilityClient, sandbox_account_no

from .conftest import GovRigFactory

WATER = sandbox_account_no("water", 1)


async def test_a_seeded_account_has_a_paid_and_an_unpaid_bill(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        utility = rig.adapter(UtilityClient)
        account = await utility.find_account("water", WATER)
        bills = await utility.bills("water", WATER)
    assert (account.holder, account.kind) == ("张*", "water")
    assert [bill.status for bill in bills] == ["unpaid", "paid"]
    assert all(isinstance(bill.amount_fen, int) and bill.amount_fen > 0 for bill in bills)


async def test_a_payment_advice_settles_the_bill_once(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        utility = rig.adapter(UtilityClient)
        bill = (await utility.bills("gas", sandbox_account_no("gas", 2)))[0]
        advice = {
            "bill_no": bill.bill_no,
            "amount_fen": bill.amount_fen,
            "payment_ref": "4200" + "1" * 24,
            "paid_at": "2025-01-01T10:00:00+08:00",
        }
        first = await utility.advise_payment("gas", idempotency_key="k-1", **advice)  # type: ignore[arg-type]
        again = await utility.advise_payment("gas", idempotency_key="k-1", **advice)  # type: ignore[arg-type]
        with pytest.raises(UpstreamRejected) as paid:
            await utility.advise_payment("gas", idempotency_key="k-2", **advice)  # type: ignore[arg-type]
        after = (await utility.bills("gas", sandbox_account_no("gas", 2)))[0]
    assert first == again
    assert first.receipt_no.startswith("RC")
    assert paid.value.code == "bill_paid"
    assert after.status == "paid"
    assert len(rig.sandbox.state("utility").payments) == 1  # type: ignore[attr-defined]


async def test_refusals_carry_the_utilitys_codes(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        utility = rig.adapter(UtilityClient)
        with pytest.raises(UpstreamRejected) as unknown:
            await utility.find_account("electricity", "SE99999999")
        with pytest.raises(UpstreamRejected) as malformed:
            await utility.bills("water", "../etc")
        bill = (await utility.bills("water", sandbox_account_no("water", 3)))[0]
        with pytest.raises(UpstreamRejected) as short:
            await utility.advise_payment(
                "water",
                bill_no=bill.bill_no,
                amount_fen=bill.amount_fen - 1,
                payment_ref="x",
                paid_at="2025-01-01T10:00:00+08:00",
                idempotency_key="k-3",
            )
    assert (unknown.value.code, malformed.value.code, short.value.code) == (
        "account_not_found",
        "invalid_account_no",
        "amount_mismatch",
    )
