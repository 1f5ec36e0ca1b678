"""SMS gateway adapter against its twin over loopback HTTP."""

from __future__ import annotations

import httpx
import pytest

from integrations import UpstreamRejected, UpstreamUnavailable
from integrations.sms import BatchItem, SmsClient

from .conftest import GovRigFactory

PHONE = "13805270001"


async def test_send_renders_the_template_into_the_outbox(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        receipt = await rig.adapter(SmsClient).send(PHONE, "SQ_VERIFY_CODE", {"code": "246810"})
        async with httpx.AsyncClient(base_url=rig.base_url, trust_env=False) as http:
            outbox = (await http.get("/sms/outbox", params={"phone": PHONE})).json()
            other = (await http.get("/sms/outbox", params={"phone": "13900000000"})).json()
    assert receipt.status == "accepted"
    assert [m["text"] for m in outbox] == ["【我的宿迁】您的验证码为246810，5分钟内有效，请勿泄露给他人。"]
    assert outbox[0]["message_id"] == receipt.message_id
    assert other == []


async def test_send_rejects_unknown_template(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        with pytest.raises(UpstreamRejected) as caught:
            await rig.adapter(SmsClient).send(PHONE, "NO_SUCH_TEMPLATE", {})
    assert caught.value.code == "template_not_found"


async def test_send_rejects_missing_template_parameter(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        with pytest.raises(UpstreamRejected) as caught:
            await rig.adapter(SmsClient).send(PHONE, "SQ_APPLICATION_STATUS", {"item": "居住证"})
    assert (caught.value.code, caught.value.upstream_message) == ("template_param_missing", "status")


async def test_send_refuses_a_malformed_phone_before_calling(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        with pytest.raises(UpstreamRejected) as caught:
            await rig.adapter(SmsClient).send("12345", "SQ_VERIFY_CODE", {"code": "1"})
        assert rig.twin_state("sms").outbox == []
    assert caught.value.code == "invalid_phone"


async def test_send_with_idempotency_key_is_retried_and_delivered_once(
    gov_rig: GovRigFactory,
) -> None:
    async with gov_rig() as rig:
        sms = rig.adapter(SmsClient)
        first = await sms.send(PHONE, "SQ_VERIFY_CODE", {"code": "1"}, idempotency_key="k-1")
        again = await sms.send(PHONE, "SQ_VERIFY_CODE", {"code": "1"}, idempotency_key="k-1")
        assert first == again
        assert len(rig.twin_state("sms").outbox) == 1
        assert rig.twin_state("sms").idempotency.replays == 1


async def test_send_without_idempotency_key_is_not_retried_on_5xx(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        rig.set_faults("sms", error_rate=1.0)
        with pytest.raises(UpstreamUnavailable) as caught:
            await rig.adapter(SmsClient).send(PHONE, "SQ_VERIFY_CODE", {"code": "1"})
        assert rig.audit[-1].attempts == 1
    assert caught.value.reason == "http_503"


async def test_send_with_idempotency_key_is_retried_on_5xx(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        rig.set_faults("sms", error_rate=1.0)
        with pytest.raises(UpstreamUnavailable):
            await rig.adapter(SmsClient).send(PHONE, "SQ_VERIFY_CODE", {"code": "1"}, idempotency_key="k-2")
        assert rig.audit[-1].attempts == 3


async def test_send_batch_sends_each_out_id_once_across_batches(gov_rig: GovRigFactory) -> None:
    params = {
        "issuer": "宿迁市气象台",
        "kind": "暴雨",
        "level": "红色",
        "area": "宿城区",
        "summary": "强降水",
    }
    items = [BatchItem("13805270001", "w1:a"), BatchItem("13805270002", "w1:b"), BatchItem("12345", "w1:c")]
    async with gov_rig() as rig:
        sms = rig.adapter(SmsClient)
        first = await sms.send_batch(items, "SQ_DISASTER_WARNING", params)
        again = await sms.send_batch(
            [items[1], BatchItem("13805270003", "w1:d")], "SQ_DISASTER_WARNING", params
        )
        outbox = rig.twin_state("sms").outbox
    assert [(r.out_id, r.status, r.code) for r in first] == [
        ("w1:a", "accepted", None),
        ("w1:b", "accepted", None),
        ("w1:c", "rejected", "invalid_phone"),
    ]
    assert [(r.status, r.repeated) for r in again] == [("accepted", True), ("accepted", False)]
    assert again[0].message_id == first[1].message_id
    assert sorted(m.phone for m in outbox) == ["13805270001", "13805270002", "13805270003"]
    assert outbox[0].text == "【我的宿迁】宿迁市气象台发布暴雨红色预警（宿城区）：强降水。请注意防范。"


async def test_send_batch_rejects_unknown_template_for_the_whole_batch(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        with pytest.raises(UpstreamRejected) as caught:
            await rig.adapter(SmsClient).send_batch([BatchItem(PHONE, "x")], "NO_SUCH_TEMPLATE", {})
        assert rig.twin_state("sms").outbox == []
    assert caught.value.code == "template_not_found"
