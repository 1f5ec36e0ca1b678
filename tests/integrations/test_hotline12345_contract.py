"""12345 hotline adapter against its twin over loopback HTTP: filing once per idempotency key, photos
by digest, status and replies, rating once after closure."""

from __future__ import annotations

import pytest

from integrations import UpstreamRejected, UpstreamUnavailable
from integrations.hotline12345 import Contact, Hotline12345Client, Location, NewTicket, Rating

from .conftest import GovRig, GovRigFactory

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _ticket(**overrides: object) -> NewTicket:
    values: dict[str, object] = {
        "reference": "SQ2026120300001",
        "kind": "complaint",
        "category": "tourism",
        "title": "景区门票价格与公示不符",
        "content": "项王故里售票处实际收费高于公示价格。",
        "location": Location(address="宿迁市宿城区项王故里", district="宿城区"),
        "contact": Contact(name="张伟", phone="13800000001"),
        **overrides,
    }
    return NewTicket(**values)  # type: ignore[arg-type]


async def _close(rig: GovRig, ticket_no: str, text: str = "已责令整改并退还差价") -> None:
    answered = await rig.control(
        "hotline12345",
        "POST",
        f"/tickets/{ticket_no}/replies",
        json={"department": "宿迁市文化广电和旅游局", "text": text, "close": True},
    )
    assert answered.status_code == 201, answered.text


async def test_a_ticket_is_filed_once_per_idempotency_key(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        hotline = rig.adapter(Hotline12345Client)
        first = await hotline.file(_ticket(), idempotency_key="t-1")
        again = await hotline.file(_ticket(), idempotency_key="t-1")
        assert first == again
        assert (first.status, first.reference) == ("received", "SQ2026120300001")
        assert first.ticket_no.startswith("12345")
        assert len(rig.twin_state("hotline12345").tickets) == 1


async def test_another_body_under_a_used_key_is_refused(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        hotline = rig.adapter(Hotline12345Client)
        await hotline.file(_ticket(), idempotency_key="t-2")
        with pytest.raises(UpstreamRejected) as caught:
            await hotline.file(_ticket(title="另一件事"), idempotency_key="t-2")
    assert caught.value.code == "idempotency_key_reused"


async def test_a_ticket_naming_a_photo_not_sent_is_attachment_missing(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        hotline = rig.adapter(Hotline12345Client)
        with pytest.raises(UpstreamRejected) as caught:
            await hotline.file(_ticket(attachments=["0" * 64]), idempotency_key="t-3")
        digest = await hotline.put_attachment(PNG, content_type="image/png")
        again = await hotline.put_attachment(PNG, content_type="image/png")
        filed = await hotline.file(_ticket(attachments=[digest]), idempotency_key="t-4")
    assert caught.value.code == "attachment_missing"
    assert digest == again
    assert filed.status == "received"


async def test_an_unknown_category_is_refused(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        with pytest.raises(UpstreamRejected) as caught:
            await rig.adapter(Hotline12345Client).file(_ticket(category="ufo"), idempotency_key="t-5")
    assert (caught.value.code, caught.value.status_code) == ("unknown_category", 422)


async def test_replies_show_in_order_and_a_closed_ticket_is_rated_once(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        hotline = rig.adapter(Hotline12345Client)
        ticket = await hotline.file(_ticket(), idempotency_key="t-6")
        with pytest.raises(UpstreamRejected) as early:
            await hotline.rate(ticket.ticket_no, Rating(score=5), idempotency_key="r-0")
        await rig.control(
            "hotline12345",
            "POST",
            f"/tickets/{ticket.ticket_no}/replies",
            json={"department": "宿城区市场监管局", "text": "已转办，正在核查"},
        )
        await _close(rig, ticket.ticket_no)
        [status] = await hotline.statuses([ticket.ticket_no, "12345000000000"])
        rated = await hotline.rate(ticket.ticket_no, Rating(score=4), idempotency_key="r-1")
        replayed = await hotline.rate(ticket.ticket_no, Rating(score=4), idempotency_key="r-1")
        with pytest.raises(UpstreamRejected) as twice:
            await hotline.rate(ticket.ticket_no, Rating(score=1), idempotency_key="r-2")
    assert early.value.code == "ticket_not_closed"
    assert status.status == "closed"
    assert [(r.seq, r.text) for r in status.replies] == [(1, "已转办，正在核查"), (2, "已责令整改并退还差价")]
    assert rated.rating == 4
    assert replayed == rated
    assert twice.value.code == "already_rated"


async def test_a_platform_that_is_down_is_unavailable(gov_rig: GovRigFactory) -> None:
    async with gov_rig() as rig:
        rig.set_faults("hotline12345", down=True)
        with pytest.raises(UpstreamUnavailable):
            await rig.adapter(Hotline12345Client).statuses(["12345000000001"])
