"""Population registry adapter against its twin over loopback HTTP."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from integrations import InvalidIdNumber, UpstreamRejected
from integrations._seed import NAMED_CHILDREN, NAMED_RESIDENTS, UNKNOWN_ID_NUMBER, make_id_number
from integrations.population import PopulationClient

from .conftest import GovRigFactory

ZHANG, WANG, LI, LIU, CHEN, ZHAO, ZHOU, WU = NAMED_RESIDENTS


async def test_verify_matches_a_registered_name_and_id_number(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        population = rig.adapter(PopulationClient)
        assert await population.verify(name="张伟", id_number=ZHANG.id_number) == "match"


async def test_verify_reports_mismatch_for_the_wrong_name(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        population = rig.adapter(PopulationClient)
        assert await population.verify(name="张三", id_number=ZHANG.id_number) == "mismatch"


async def test_verify_reports_not_found_for_an_unregistered_valid_number(
    gov_rig: GovRigFactory,
) -> None:
    async with gov_rig() as rig:
        population = rig.adapter(PopulationClient)
        assert await population.verify(name="无名", id_number=UNKNOWN_ID_NUMBER) == "not_found"


async def test_verify_reports_deceased_even_when_the_name_matches(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        population = rig.adapter(PopulationClient)
        assert await population.verify(name="赵强", id_number=ZHAO.id_number) == "deceased"


async def test_verify_refuses_an_invalid_number_without_calling_upstream(
    gov_rig: GovRigFactory,
) -> None:
    async with gov_rig() as rig:
        population = rig.adapter(PopulationClient)
        bad = ZHANG.id_number[:17] + ("0" if ZHANG.id_number[17] != "0" else "1")
        with pytest.raises(InvalidIdNumber):
            await population.verify(name="张伟", id_number=bad)
        assert rig.twin_state("population").verifications == 0


async def test_get_person_returns_basic_attributes(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        person = await rig.adapter(PopulationClient).get_person(WANG.id_number)
    assert (person.name, person.sex, person.birth_date) == ("王芳", "female", dt.date(1985, 6, 15))
    assert person.area_code == "321311"
    assert person.alive


async def test_find_person_returns_none_and_get_person_raises_for_unknown(
    gov_rig: GovRigFactory,
) -> None:
    async with gov_rig() as rig:
        population = rig.adapter(PopulationClient)
        assert await population.find_person(UNKNOWN_ID_NUMBER) is None
        with pytest.raises(UpstreamRejected) as caught:
            await population.get_person(UNKNOWN_ID_NUMBER)
    assert caught.value.code == "person_not_found"


async def test_person_added_through_the_sandbox_is_then_verified(gov_rig: GovRigFactory) -> None:
    new_id = make_id_number("321324", dt.date(1999, 9, 9), 321)
    async with gov_rig() as rig:
        async with httpx.AsyncClient(base_url=rig.base_url, trust_env=False) as http:
            created = await http.post("/population/people", json={"name": "新市民", "id_number": new_id})
            duplicate = await http.post("/population/people", json={"name": "新市民", "id_number": new_id})
            invalid = await http.post(
                "/population/people", json={"name": "坏号", "id_number": new_id[:17] + "Y"}
            )
        outcome = await rig.adapter(PopulationClient).verify(name="新市民", id_number=new_id)
    assert (created.status_code, duplicate.status_code, invalid.status_code) == (201, 409, 422)
    assert created.json()["sex"] == "male"
    assert outcome == "match"


async def test_unsigned_call_is_rejected_by_the_twin(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        population = rig.adapter(PopulationClient, app_secret="wrong-secret")
        with pytest.raises(UpstreamRejected) as caught:
            await population.verify(name="张伟", id_number=ZHANG.id_number)
    assert (caught.value.code, caught.value.status_code) == ("signature_invalid", 401)


async def test_find_household_lists_the_members_with_their_relation_to_the_head(
    gov_rig: GovRigFactory,
) -> None:
    daughter = NAMED_CHILDREN[0]
    async with gov_rig() as rig:
        population = rig.adapter(PopulationClient)
        by_parent = await population.find_household(ZHANG.id_number)
        by_child = await population.find_household(daughter.id_number)
    assert by_parent is not None
    assert by_parent == by_child
    assert by_parent.address == ZHANG.address
    assert [(m.name, m.relation) for m in by_parent.members] == [("张伟", "户主"), ("张小雨", "女")]
    assert by_parent.members[1].birth_date == dt.date(2020, 3, 12)


async def test_find_household_is_none_for_a_person_on_no_register_and_for_an_unknown_one(
    gov_rig: GovRigFactory,
) -> None:
    async with gov_rig() as rig:
        population = rig.adapter(PopulationClient)
        assert await population.find_household(LI.id_number) is None
        assert await population.find_household(UNKNOWN_ID_NUMBER) is None


async def test_a_household_registered_through_the_sandbox_is_then_found(gov_rig: GovRigFactory) -> None:
    parent = make_id_number("321324", dt.date(1988, 1, 2), 331)
    child = make_id_number("321324", dt.date(2020, 5, 6), 332)
    async with gov_rig() as rig:
        async with httpx.AsyncClient(base_url=rig.base_url, trust_env=False) as http:
            for name, id_number in (("家长", parent), ("孩子", child)):
                assert (
                    await http.post("/population/people", json={"name": name, "id_number": id_number})
                ).status_code == 201
            members = [{"id_number": parent, "relation": "户主"}, {"id_number": child, "relation": "女"}]
            created = await http.post("/population/households", json={"members": members})
            again = await http.post("/population/households", json={"members": members[1:]})
        found = await rig.adapter(PopulationClient).find_household(child)
    assert (created.status_code, again.status_code) == (201, 409)
    assert found is not None
    assert found.household_no == created.json()["household_no"]
    assert [m.id_number for m in found.members] == [parent, child]
