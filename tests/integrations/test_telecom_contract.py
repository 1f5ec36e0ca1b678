"""The operators' real-name check adapter against its twin over loopback HTTP."""

from __future__ import annotations

import asyncio
import datetime as dt

import httpx
import pytest

from integrations import InvalidIdNumber, UpstreamRejected, UpstreamUnavailable
from integrations._seed import NAMED_RESIDENTS, make_id_number
from integrations.telecom import TelecomClient, carrier_of

from .conftest import GovRigFactory

ZHANG, WANG = NAMED_RESIDENTS[0], NAMED_RESIDENTS[1]
BOUND = 10.0  # seconds; only there to stop a hang


async def test_a_seeded_residents_phone_matches_their_identity(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        check = await rig.adapter(TelecomClient).verify(
            name="张伟", id_number=ZHANG.id_number, phone=ZHANG.phone
        )
    assert (check.result, check.carrier) == ("match", "china_mobile")
    assert check.request_id.startswith("MV")


async def test_someone_elses_phone_is_a_mismatch(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        telecom = rig.adapter(TelecomClient)
        other_phone = await telecom.verify(name="张伟", id_number=ZHANG.id_number, phone=WANG.phone)
        wrong_name = await telecom.verify(name="张三", id_number=ZHANG.id_number, phone=ZHANG.phone)
    assert (other_phone.result, wrong_name.result) == ("mismatch", "mismatch")


async def test_a_number_without_a_real_name_record_is_not_registered(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        check = await rig.adapter(TelecomClient).verify(
            name="张伟", id_number=ZHANG.id_number, phone="13900000000"
        )
    assert check.result == "not_registered"


@pytest.mark.parametrize("prefix", ["162", "165", "167", "170", "171"])
async def test_virtual_operator_numbers_are_unknown_whatever_the_directory(
    prefix: str, gov_rig: GovRigFactory
) -> None:
    phone = f"{prefix}05270001"
    async with gov_rig() as rig:
        async with httpx.AsyncClient(base_url=rig.base_url, trust_env=False) as http:
            put = await http.put(
                f"/telecom/subscribers/{phone}", json={"name": "张伟", "id_number": ZHANG.id_number}
            )
        check = await rig.adapter(TelecomClient).verify(name="张伟", id_number=ZHANG.id_number, phone=phone)
    assert put.status_code == 200
    assert (check.result, check.carrier) == ("unknown", None)


async def test_a_number_that_changed_hands_stops_matching_its_old_holder(gov_rig: GovRigFactory) -> None:
    new_holder = make_id_number("321324", dt.date(1991, 4, 4), 222)
    async with gov_rig() as rig:
        telecom = rig.adapter(TelecomClient)
        async with httpx.AsyncClient(base_url=rig.base_url, trust_env=False) as http:
            moved = await http.put(
                f"/telecom/subscribers/{ZHANG.phone}", json={"name": "新机主", "id_number": new_holder}
            )
            read = await http.get(f"/telecom/subscribers/{ZHANG.phone}")
        old = await telecom.verify(name="张伟", id_number=ZHANG.id_number, phone=ZHANG.phone)
        new = await telecom.verify(name="新机主", id_number=new_holder, phone=ZHANG.phone)
        async with httpx.AsyncClient(base_url=rig.base_url, trust_env=False) as http:
            cancelled = await http.delete(f"/telecom/subscribers/{ZHANG.phone}")
            again = await http.delete(f"/telecom/subscribers/{ZHANG.phone}")
        gone = await telecom.verify(name="新机主", id_number=new_holder, phone=ZHANG.phone)
    assert (moved.status_code, read.json()["id_number"]) == (200, new_holder)
    assert (old.result, new.result, gone.result) == ("mismatch", "match", "not_registered")
    assert (cancelled.status_code, again.status_code) == (204, 404)


async def test_a_resident_added_with_a_phone_is_real_name_registered_to_them(gov_rig: GovRigFactory) -> None:
    new_id = make_id_number("321302", dt.date(1993, 3, 3), 135)
    async with gov_rig() as rig:
        async with httpx.AsyncClient(base_url=rig.base_url, trust_env=False) as http:
            added = await http.post(
                "/population/people", json={"name": "宿新", "id_number": new_id, "phone": "13912345678"}
            )
            # A number someone else holds is not taken from them by the population registry.
            taken = await http.post(
                "/population/people",
                json={
                    "name": "宿旧",
                    "id_number": make_id_number("321302", dt.date(1993, 3, 3), 137),
                    "phone": ZHANG.phone,
                },
            )
        telecom = rig.adapter(TelecomClient)
        check = await telecom.verify(name="宿新", id_number=new_id, phone="13912345678")
        still = await telecom.verify(name="张伟", id_number=ZHANG.id_number, phone=ZHANG.phone)
    assert (added.status_code, taken.status_code) == (201, 201)
    assert (check.result, still.result) == ("match", "match")


async def test_invalid_input_is_refused_before_any_call(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        telecom = rig.adapter(TelecomClient)
        with pytest.raises(UpstreamRejected) as bad_phone:
            await telecom.verify(name="张伟", id_number=ZHANG.id_number, phone="12345")
        with pytest.raises(InvalidIdNumber):
            await telecom.verify(name="张伟", id_number=ZHANG.id_number[:17] + "Y", phone=ZHANG.phone)
        assert rig.twin_state("telecom").checks == 0
    assert bad_phone.value.code == "invalid_phone"


async def test_an_unsigned_call_is_rejected_by_the_twin(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        telecom = rig.adapter(TelecomClient, app_secret="wrong-secret")
        with pytest.raises(UpstreamRejected) as caught:
            await telecom.verify(name="张伟", id_number=ZHANG.id_number, phone=ZHANG.phone)
    assert (caught.value.code, caught.value.status_code) == ("signature_invalid", 401)


async def test_a_down_gateway_is_unavailable_after_retries(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        rig.set_faults("telecom", down=True)
        with pytest.raises(UpstreamUnavailable) as caught:
            await rig.adapter(TelecomClient).verify(name="张伟", id_number=ZHANG.id_number, phone=ZHANG.phone)
        assert rig.audit[-1].attempts == 3
    assert caught.value.reason == "http_503"


async def test_a_slow_gateway_is_cut_off_by_the_read_timeout(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        rig.set_faults("telecom", latency_ms=1500)
        telecom = rig.adapter(TelecomClient, read_timeout=0.1)
        with pytest.raises(UpstreamUnavailable) as caught:
            await asyncio.wait_for(
                telecom.verify(name="张伟", id_number=ZHANG.id_number, phone=ZHANG.phone), BOUND
            )
    assert caught.value.reason == "read_timeout"


def test_carriers_follow_the_numbering_plan() -> None:
    assert [carrier_of(p) for p in ("13805270001", "18605270001", "19905270001", "19205270001")] == [
        "china_mobile",
        "china_unicom",
        "china_telecom",
        "china_broadnet",
    ]
    assert carrier_of("17005270001") is None
