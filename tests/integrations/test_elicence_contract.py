"""E-licence library adapter against its twin over loopback HTTP."""

from __future__ import annotations

import httpx
import pytest

from integrations import UpstreamRejected
from integrations._seed import NAMED_RESIDENTS
from integrations.elicence import ElicenceClient, check_licence_identifier

from .conftest import GovRigFactory

ZHANG, WANG, LI, LIU, CHEN, ZHAO, ZHOU, WU = NAMED_RESIDENTS


async def test_list_licences_returns_every_kind_the_person_holds(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        items = await rig.adapter(ElicenceClient).list_licences(WANG.id_number)
    assert sorted(i.kind_name for i in items) == ["个体工商户营业执照", "居民身份证", "结婚证"]
    assert all(i.identifier_issues == () for i in items)


async def test_list_licences_is_empty_for_a_person_without_licences(
    gov_rig: GovRigFactory,
) -> None:
    async with gov_rig() as rig:
        assert await rig.adapter(ElicenceClient).list_licences(ZHOU.id_number) == []


async def test_get_licence_carries_seal_and_signature_metadata(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        elicence = rig.adapter(ElicenceClient)
        (card,) = [i for i in await elicence.list_licences(ZHANG.id_number) if i.kind_code == "JMSFZ"]
        licence = await elicence.get_licence(card.identifier)
    assert licence.holder_id_number == ZHANG.id_number
    assert licence.number == ZHANG.id_number
    assert licence.trust_level == "A"
    assert licence.seal.algorithm == "SM2withSM3"
    assert licence.seal.issuer_code == licence.issuer_code
    assert licence.seal.seal_name.endswith("电子证照专用章")
    assert len(licence.file_sha256) == 64
    assert licence.identifier_issues == ()


async def test_legacy_identifier_is_flagged_not_rejected(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        elicence = rig.adapter(ElicenceClient)
        items = await elicence.list_licences(WU.id_number)
        (legacy,) = [i for i in items if i.identifier.startswith("SQ-")]
        licence = await elicence.get_licence(legacy.identifier)
    assert legacy.identifier_issues == ("prefix",)
    assert licence.identifier_issues == ("prefix",)
    assert licence.kind_name == "机动车驾驶证"


async def test_deceased_holders_licence_is_revoked(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        (card,) = await rig.adapter(ElicenceClient).list_licences(ZHAO.id_number)
    assert card.status == "revoked"


async def test_get_licence_rejects_unknown_identifier(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        with pytest.raises(UpstreamRejected) as caught:
            await rig.adapter(ElicenceClient).get_licence("1.2.156.3005.2.X.Y.Z.001.0")
    assert (caught.value.code, caught.value.status_code) == ("licence_not_found", 404)


async def test_every_seeded_standard_identifier_is_well_formed(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        licences = rig.twin_state("elicence").licences
    standard = [i for i in licences if not i.startswith("SQ-")]
    assert len(standard) > 40
    assert all(check_licence_identifier(i) == () for i in standard)


async def test_a_licence_revoked_at_the_library_appears_on_the_change_feed(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        elicence = rig.adapter(ElicenceClient)
        (card,) = [i for i in await elicence.list_licences(LIU.id_number) if i.kind_code == "JDCJSZ"]
        before = await elicence.changes(after=0)
        async with httpx.AsyncClient(base_url=f"{rig.base_url}/elicence") as control:
            for status in ("suspended", "suspended", "revoked"):
                answer = await control.post(f"/licences/{card.identifier}/status", json={"status": status})
                assert answer.status_code == 200
        after = await elicence.changes(after=before.last_seq)
        assert [(c.identifier, c.status) for c in after.items] == [
            (card.identifier, "suspended"),
            (card.identifier, "revoked"),
        ]
        assert after.last_seq == before.last_seq + 2
        assert (await elicence.get_licence(card.identifier)).status == "revoked"
        empty = await elicence.changes(after=after.last_seq)
        assert (empty.items, empty.last_seq) == ([], after.last_seq)
        page = await elicence.changes(after=before.last_seq, limit=1)
        assert [c.status for c in page.items] == ["suspended"]


async def test_each_kind_carries_the_face_of_its_certificate(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        elicence = rig.adapter(ElicenceClient)
        faces = {
            item.kind_code: (await elicence.get_licence(item.identifier)).data
            for person in (ZHANG, WANG)
            for item in await elicence.list_licences(person.id_number)
        }
    assert faces["JMSFZ"]["公民身份号码"] == WANG.id_number
    assert faces["JDCJSZ"]["准驾车型"] in {"A1", "B2", "C1", "C2"}
    assert faces["JHZ"]["持证人"] == WANG.name
    assert faces["BDCQZS"]["权利人"] == ZHANG.name
    assert faces["GTGSHYYZZ"]["经营者"] == WANG.name
