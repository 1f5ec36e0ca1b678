"""Ids a platform mints never repeat across twins of one seed — as a real platform's never do.

A sandbox behind a multi-worker server runs one set of twins per worker, all of seed 0: each worker's
first payment must still get its own transaction id, or the second order paid is another order's
transaction to the backend (found by the replayed-notification bench). The data stays seeded.
"""

from __future__ import annotations

from typing import Any

from integrations._seed import NAMED_RESIDENTS
from integrations.faceverify import FaceVerifyClient

from . import test_payments_alipay as alipay
from . import test_payments_wechatpay_contract as wechatpay
from .conftest import GovRigFactory


async def test_two_wechatpay_twins_of_one_seed_mint_different_ids(serve_loopback: Any) -> None:
    minted: list[tuple[str | None, str]] = []
    for _ in range(2):  # two workers, each with its own twin of seed 0
        async with wechatpay.make_rig(serve_loopback) as rig:
            args = await wechatpay.place(rig, "SQ0001")
            await rig.pay("SQ0001")
            minted.append((rig.state.orders["SQ0001"].transaction_id, args.package))
    (first_tx, first_prepay), (second_tx, second_prepay) = minted
    assert None not in (first_tx, second_tx)
    assert first_tx != second_tx
    assert first_prepay != second_prepay


async def test_two_alipay_twins_of_one_seed_mint_different_trade_numbers(serve_loopback: Any) -> None:
    trade_numbers = []
    for _ in range(2):
        async with alipay.make_rig(serve_loopback) as rig:
            created = await alipay.create(rig, "AC0001")
            paid = await rig.pay("AC0001")
            assert paid["trade_no"] == created.trade_no
            trade_numbers.append(created.trade_no)
    assert trade_numbers[0] != trade_numbers[1]


async def test_two_faceverify_twins_of_one_seed_mint_different_verification_ids(
    gov_rig: GovRigFactory,
) -> None:
    ids = []
    for _ in range(2):
        async with gov_rig() as rig:
            face = rig.adapter(FaceVerifyClient)
            session = await face.start(
                name="张伟", id_number=NAMED_RESIDENTS[0].id_number, outer_id="outer-0001"
            )
            ids.append(session.verification_id)
    assert ids[0] != ids[1]


async def test_the_data_stays_seeded(gov_rig: GovRigFactory) -> None:
    people = []
    for _ in range(2):
        async with gov_rig() as rig:
            people.append(sorted(rig.sandbox.twins["population"].state.people))
    assert people[0] == people[1]
