"""The hotels' PMS adapter against its twin over loopback HTTP: a check-in assigns a room and a key
code once under its idempotency key, a full room type and a bad guest are refused with the PMS's
codes."""

from __future__ import annotations

import pytest

from integrations import UpstreamRejected
from integrations.hotelpms import CheckIn, HotelPmsClient

from .conftest import GovRigFactory

GUEST = {"guest_name": "张伟", "guest_id_number": "321302199001010012"}


def _check_in(ref: str, room_type: str = "SUITE", **overrides: str) -> CheckIn:
    fields = {"booking_ref": ref, "room_type": room_type, "arrival": "2026-12-01", "departure": "2026-12-03"}
    return CheckIn(**{**fields, **GUEST, **overrides})


async def test_a_check_in_answers_the_same_room_and_key_under_its_key(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        pms = rig.adapter(HotelPmsClient)
        first = await pms.check_in("SQ-HT-002", _check_in("B-1"), idempotency_key="k-1")
        again = await pms.check_in("SQ-HT-002", _check_in("B-1"), idempotency_key="k-1")
        with pytest.raises(UpstreamRejected) as reused:
            await pms.check_in("SQ-HT-002", _check_in("B-9"), idempotency_key="k-1")
    assert first == again
    assert (first.room_no, len(first.key_code), first.valid_until) == ("1808", 6, "2026-12-03T12:00:00+08:00")
    assert reused.value.code == "idempotency_key_reused"
    assert len(rig.twin_state("hotelpms").check_ins) == 1


async def test_the_last_room_of_a_type_goes_to_one_guest(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        pms = rig.adapter(HotelPmsClient)
        await pms.check_in("SQ-HT-002", _check_in("B-1"), idempotency_key="k-1")
        with pytest.raises(UpstreamRejected) as full:
            await pms.check_in("SQ-HT-002", _check_in("B-2"), idempotency_key="k-2")
    assert full.value.code == "no_room_ready"


async def test_refusals_carry_the_pms_codes(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        pms = rig.adapter(HotelPmsClient)
        codes: list[str] = []
        for hotel, request in (
            ("SQ-HT-404", _check_in("B-1")),
            ("../x", _check_in("B-1")),
            ("SQ-HT-001", _check_in("B-1", room_type="PENTHOUSE")),
            ("SQ-HT-001", _check_in("B-1", room_type="KING", guest_id_number="321302199001010013")),
        ):
            with pytest.raises(UpstreamRejected) as refused:
                await pms.check_in(hotel, request, idempotency_key=f"k-{len(codes)}")
            codes.append(refused.value.code)
    assert codes == ["unknown_hotel", "unknown_hotel", "unknown_room_type", "guest_invalid"]
