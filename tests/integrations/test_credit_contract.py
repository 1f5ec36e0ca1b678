"""Credit platform adapter against its twin over loopback HTTP."""

from __future__ import annotations

import pytest

from integrations import InvalidCreditCode, UpstreamRejected
from integrations._seed import NAMED_RESIDENTS, UNKNOWN_ID_NUMBER
from integrations.credit import CreditClient
from integrations.credit.twin import ENTERPRISES

from .conftest import GovRigFactory

ZHANG, WANG, LI, LIU, CHEN, ZHAO, ZHOU, WU = NAMED_RESIDENTS
FOOD, LOGISTICS, TECH, BUILDING = ENTERPRISES


async def test_person_with_a_dishonesty_record_sees_it(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        report = await rig.adapter(CreditClient).query_person(LIU.id_number)
    assert report.subject_type == "person"
    assert report.subject_name == "刘洋"
    assert [(r.record_id, r.category) for r in report.records] == [("CR0003", "dishonest")]


async def test_person_without_records_has_a_clean_report(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        report = await rig.adapter(CreditClient).query_person(CHEN.id_number)
    assert report.records == []


async def test_unknown_person_is_rejected_with_subject_not_found(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        with pytest.raises(UpstreamRejected) as caught:
            await rig.adapter(CreditClient).query_person(UNKNOWN_ID_NUMBER)
    assert caught.value.code == "subject_not_found"


async def test_enterprise_report_lists_its_penalty(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        report = await rig.adapter(CreditClient).query_enterprise(LOGISTICS.credit_code)
    assert report.subject_name == "宿迁市骆马湖物流有限公司"
    assert [r.category for r in report.records] == ["admin_penalty"]


async def test_enterprise_query_refuses_a_bad_check_character_locally(
    gov_rig: GovRigFactory,
) -> None:
    code = FOOD.credit_code
    tampered = code[:17] + ("0" if code[17] != "0" else "1")
    async with gov_rig() as rig:
        with pytest.raises(InvalidCreditCode):
            await rig.adapter(CreditClient).query_enterprise(tampered)
        assert rig.audit == []


async def test_objection_is_filed_once_per_idempotency_key(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        credit = rig.adapter(CreditClient)
        kwargs = {
            "applicant_id_number": LIU.id_number,
            "reason": "债务已清偿",
            "contact_phone": LIU.phone,
            "idempotency_key": "obj-1",
        }
        first = await credit.file_objection("CR0003", **kwargs)
        again = await credit.file_objection("CR0003", **kwargs)
        assert first == again
        assert first.status == "received"
        assert len(rig.twin_state("credit").objections) == 1


async def test_second_objection_to_a_pending_record_conflicts(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        credit = rig.adapter(CreditClient)
        common = {"applicant_id_number": LIU.id_number, "contact_phone": LIU.phone}
        await credit.file_objection("CR0003", reason="a", idempotency_key="o-1", **common)
        with pytest.raises(UpstreamRejected) as caught:
            await credit.file_objection("CR0003", reason="b", idempotency_key="o-2", **common)
    assert (caught.value.code, caught.value.status_code) == ("objection_pending", 409)


async def test_objection_to_someone_elses_record_is_forbidden(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        with pytest.raises(UpstreamRejected) as caught:
            await rig.adapter(CreditClient).file_objection(
                "CR0003",
                applicant_id_number=ZHANG.id_number,
                reason="不是我",
                contact_phone=ZHANG.phone,
                idempotency_key="o-3",
            )
    assert caught.value.code == "not_record_subject"


async def test_reusing_an_idempotency_key_for_another_body_is_rejected(
    gov_rig: GovRigFactory,
) -> None:
    async with gov_rig() as rig:
        credit = rig.adapter(CreditClient)
        common = {"applicant_id_number": LIU.id_number, "contact_phone": LIU.phone}
        await credit.file_objection("CR0003", reason="a", idempotency_key="same", **common)
        with pytest.raises(UpstreamRejected) as caught:
            await credit.file_objection("CR0003", reason="b", idempotency_key="same", **common)
    assert caught.value.code == "idempotency_key_reused"


async def test_an_objection_shows_received_until_the_platform_decides(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        credit = rig.adapter(CreditClient)
        receipt = await credit.file_objection(
            "CR0003",
            applicant_id_number=LIU.id_number,
            reason="债务已清偿",
            contact_phone=LIU.phone,
            idempotency_key="o-status",
        )
        before = await credit.objection_status(receipt.objection_id)
        decided = await rig.control(
            "credit",
            "POST",
            f"/objections/{receipt.objection_id}/decision",
            json={"status": "upheld", "reply": "已核实，记录已修复"},
        )
        assert decided.status_code == 200, decided.text
        after = await credit.objection_status(receipt.objection_id)
    assert (before.status, before.reply, before.decided_at) == ("received", "", None)
    assert (after.status, after.reply) == ("upheld", "已核实，记录已修复")
    assert after.decided_at is not None


async def test_status_of_an_unknown_objection_is_objection_not_found(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        with pytest.raises(UpstreamRejected) as caught:
            await rig.adapter(CreditClient).objection_status("OB99999999")
    assert (caught.value.code, caught.value.status_code) == ("objection_not_found", 404)


async def test_disclosure_search_by_name_pages_in_record_order(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        credit = rig.adapter(CreditClient)
        first = await credit.search_disclosures("宿", limit=2)
        rest = await credit.search_disclosures("宿", after=first.items[-1].record.record_id, limit=2)
    assert [d.record.record_id for d in first.items] == ["CR1001", "CR1002"]
    assert first.more
    assert [(d.record.record_id, d.name) for d in rest.items] == [("CR1003", "江苏宿城数字科技有限公司")]
    assert not rest.more


async def test_disclosure_search_by_credit_code_and_category(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        credit = rig.adapter(CreditClient)
        by_code = await credit.search_disclosures(BUILDING.credit_code)
        blacklist = await credit.search_disclosures("有限公司", category="dishonest")
        nothing = await credit.search_disclosures("不存在的公司")
    assert [(d.credit_code, d.record.category) for d in by_code.items] == [
        (BUILDING.credit_code, "dishonest")
    ]
    assert [d.record.record_id for d in blacklist.items] == ["CR1004"]
    assert (nothing.items, nothing.more) == ([], False)


async def test_a_blank_disclosure_query_is_invalid_query(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        with pytest.raises(UpstreamRejected) as caught:
            await rig.adapter(CreditClient).search_disclosures("   ")
    assert caught.value.code == "invalid_query"
