"""Department case-system adapter against its twin over loopback HTTP, plus callbacks."""

from __future__ import annotations

import httpx
import msgspec
import pytest

from integrations import SignatureRejected, UpstreamRejected
from integrations._seed import NAMED_RESIDENTS
from integrations.cases import Applicant, ApplicationSubmission, CaseClient, Withdrawal, parse_status_callback
from integrations.sandbox import SANDBOX_CALLBACK_SECRET

from .conftest import GovRig, GovRigFactory

ZHANG = NAMED_RESIDENTS[0]


def make_submission(**overrides: object) -> ApplicationSubmission:
    fields: dict[str, object] = {
        "item_code": "SQ-GA-0001",
        "applicant": Applicant(name=ZHANG.name, id_number=ZHANG.id_number, phone=ZHANG.phone),
        "form": {"居住地址": "宿城区幸福中路18号", "居住事由": "就业"},
    }
    fields.update(overrides)
    return msgspec.convert(fields, ApplicationSubmission, from_attributes=True)


async def advance(rig: GovRig, case_id: str, status: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=rig.base_url, trust_env=False) as http:
        return await http.post(f"/cases/applications/{case_id}/advance", json={"status": status})


async def test_submit_then_status_shows_submitted(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        cases = rig.adapter(CaseClient)
        receipt = await cases.submit_application(make_submission(), idempotency_key="app-1")
        status = await cases.get_status(receipt.case_id)
    assert receipt.status == status.status == "submitted"
    assert [h.status for h in status.history] == ["submitted"]


async def test_resubmitting_with_the_same_key_creates_no_second_case(
    gov_rig: GovRigFactory,
) -> None:
    async with gov_rig() as rig:
        cases = rig.adapter(CaseClient)
        first = await cases.submit_application(make_submission(), idempotency_key="app-1")
        again = await cases.submit_application(make_submission(), idempotency_key="app-1")
        assert first == again
        assert len(rig.twin_state("cases").cases) == 1


async def test_unknown_item_is_rejected(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        with pytest.raises(UpstreamRejected) as caught:
            await rig.adapter(CaseClient).submit_application(
                make_submission(item_code="NOPE"), idempotency_key="app-2"
            )
    assert (caught.value.code, caught.value.status_code) == ("unknown_item", 422)


async def test_status_history_is_append_only_across_transitions(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        cases = rig.adapter(CaseClient)
        receipt = await cases.submit_application(make_submission(), idempotency_key="app-3")
        for step in ("accepted", "in_review", "approved"):
            assert (await advance(rig, receipt.case_id, step)).status_code == 200
        illegal = await advance(rig, receipt.case_id, "in_review")
        status = await cases.get_status(receipt.case_id)
    assert [h.status for h in status.history] == ["submitted", "accepted", "in_review", "approved"]
    assert illegal.status_code == 409


async def test_status_callback_verifies_and_decodes(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        receipt = await rig.adapter(CaseClient).submit_application(make_submission(), idempotency_key="app-4")
        signed = (await advance(rig, receipt.case_id, "accepted")).json()
        event = parse_status_callback(
            signed["headers"],
            signed["body"].encode(),
            secret=SANDBOX_CALLBACK_SECRET,
            now=rig.clock.now(),
        )
    assert (event.case_id, event.status) == (receipt.case_id, "accepted")


async def test_status_callback_with_tampered_body_is_rejected(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        receipt = await rig.adapter(CaseClient).submit_application(make_submission(), idempotency_key="app-5")
        signed = (await advance(rig, receipt.case_id, "rejected")).json()
        tampered = signed["body"].replace("rejected", "approved").encode()
        with pytest.raises(SignatureRejected) as caught:
            parse_status_callback(
                signed["headers"], tampered, secret=SANDBOX_CALLBACK_SECRET, now=rig.clock.now()
            )
    assert caught.value.reason == "bad_signature"


async def test_status_callbacks_are_delivered_to_a_registered_sink(
    gov_rig: GovRigFactory,
) -> None:
    delivered: list[bytes] = []

    async def sink(headers: dict[str, str], body: bytes) -> None:
        delivered.append(body)

    async with gov_rig() as rig:
        rig.twin_state("cases").callback_sink = sink
        receipt = await rig.adapter(CaseClient).submit_application(make_submission(), idempotency_key="app-6")
        await advance(rig, receipt.case_id, "accepted")
    assert len(delivered) == 1
    assert receipt.case_id.encode() in delivered[0]


async def test_status_of_unknown_case_is_rejected(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        with pytest.raises(UpstreamRejected) as caught:
            await rig.adapter(CaseClient).get_status("SQ000")
    assert caught.value.code == "case_not_found"


async def test_a_withdrawal_closes_an_undecided_case_once_and_a_decided_one_refuses_it(
    gov_rig: GovRigFactory,
) -> None:
    async with gov_rig() as rig:
        cases = rig.adapter(CaseClient)
        open_case = await cases.submit_application(make_submission(), idempotency_key="app-w1")
        reason = Withdrawal(reason="不办了")
        first = await cases.withdraw(open_case.case_id, reason, idempotency_key="w-1")
        again = await cases.withdraw(open_case.case_id, reason, idempotency_key="w-1")
        status = await cases.get_status(open_case.case_id)
        decided = await cases.submit_application(make_submission(), idempotency_key="app-w2")
        for step in ("accepted", "in_review", "approved"):
            assert (await advance(rig, decided.case_id, step)).status_code == 200
        with pytest.raises(UpstreamRejected) as refused:
            await cases.withdraw(decided.case_id, reason, idempotency_key="w-2")
    assert first == again
    assert first.status == status.status == "withdrawn"
    assert [(h.status, h.note) for h in status.history][-1] == ("withdrawn", "不办了")
    assert refused.value.code == "case_closed"
