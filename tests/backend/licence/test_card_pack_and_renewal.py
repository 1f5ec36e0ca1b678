"""Card-pack pointers; and the security review's findings: a pull racing the feed never overwrites a
revocation, credentials are renewed before they end and when a predicate flips, a suspended
verifier's requests can no longer be answered, an expired request hands nothing over."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest

from backend.clock import SystemClock
from backend.licence.errors import RequestClosed
from backend.licence.service import LicenceService
from backend.licence.showing import ShowService
from backend.licence.status import StatusLists
from backend.licence.verifiers import VerifierRegistry
from integrations.alipay import sandbox_open_id
from integrations.wechat import sandbox_openid
from tests.backend.citizen.factories import request_code
from tests.backend.code.factories import worker_at
from tests.backend.licence.factories import (
    Holder,
    asked,
    consent,
    counter,
    delivered,
    holder,
    licences,
    set_library_status,
)
from tests.backend.staff.factories import operator_principal
from tests.miniprogram_api.sandbox_users import alipay_code, fresh_n, wechat_code
from tests.services import Services


async def _link(web: httpx.AsyncClient, citizen: Holder, platform: str) -> str:
    """Link a fresh sandbox user of ``platform`` to the citizen; that user's id on the platform."""
    n = fresh_n()
    phone = citizen.person["phone"]
    step_up = {"phone": phone, "sms_code": await request_code(web, phone, "bind")}
    code = {"code": wechat_code(n)} if platform == "wechat" else {"auth_code": alipay_code(n)}
    linked = await web.post(f"/mp/v1/links/{platform}", json={**code, **step_up}, headers=citizen.headers)
    assert linked.status_code == 201, linked.text
    return sandbox_openid(n) if platform == "wechat" else sandbox_open_id(n)


async def test_a_licence_goes_to_the_alipay_card_pack_as_a_pointer_and_comes_back(
    web: httpx.AsyncClient, services: Services
) -> None:
    citizen = await holder(web, "JMSFZ")
    (card,) = await licences(web, citizen)
    not_linked = await web.post(
        f"/api/v1/licences/{card['id']}/card-pack", json={"platform": "alipay"}, headers=citizen.headers
    )
    assert (not_linked.status_code, not_linked.json()["code"]) == (409, "licence.platform_not_linked")
    user = await _link(web, citizen, "alipay")
    added = await web.post(
        f"/api/v1/licences/{card['id']}/card-pack", json={"platform": "alipay"}, headers=citizen.headers
    )
    assert added.status_code == 201, added.text
    assert added.json()["add_card"] is None
    again = await web.post(
        f"/api/v1/licences/{card['id']}/card-pack", json={"platform": "alipay"}, headers=citizen.headers
    )
    assert (again.status_code, again.json()["code"]) == (409, "licence.pointer_exists")

    pack = (await web.get("/_sandbox/alipay/passes", params={"user_id": user})).json()
    passes = [p for p in pack if p["serial_number"] == added.json()["serial"]]
    assert len(passes) == 1
    shown = str(passes[0]["content"])
    assert card["masked_number"] in shown
    assert citizen.person["id_number"] not in shown, "a pointer carries the masked number only"
    assert citizen.person["name"] not in shown

    for _ in range(2):
        withdrawn = await web.post(
            f"/api/v1/licences/{card['id']}/card-pack/withdraw",
            json={"platform": "alipay"},
            headers=citizen.headers,
        )
        assert withdrawn.status_code == 204, withdrawn.text
    pack = (await web.get("/_sandbox/alipay/passes", params={"user_id": user})).json()
    after = [p for p in pack if p["serial_number"] == added.json()["serial"]]
    assert after[0]["status"] == "CLOSED"
    listed = await web.get(f"/api/v1/licences/{card['id']}/card-pack", headers=citizen.headers)
    assert listed.json()["items"][0]["withdrawn_at"] is not None


async def test_a_wechat_pointer_is_added_by_the_citizen_through_wx_add_card(
    web: httpx.AsyncClient, services: Services
) -> None:
    citizen = await holder(web, "JMSFZ")
    (card,) = await licences(web, citizen)
    user = await _link(web, citizen, "wechat")
    added = await web.post(
        f"/api/v1/licences/{card['id']}/card-pack", json={"platform": "wechat"}, headers=citizen.headers
    )
    assert added.status_code == 201, added.text
    item = added.json()["add_card"]
    assert set(item) == {"cardId", "cardExt"}
    accepted = await web.post("/_sandbox/wechat/card-pack/add", json={"openid": user, "cardList": [item]})
    assert accepted.status_code == 200, accepted.text
    pack = (await web.get("/_sandbox/wechat/card-pack", params={"openid": user})).json()
    assert [c["card_id"] for c in pack] == [item["cardId"]]
    assert citizen.person["id_number"] not in str(pack)


async def test_a_pull_racing_the_feed_never_overwrites_a_revocation(
    web: httpx.AsyncClient, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The review's sequence: the first pull fetches "valid"; the library revokes and the feed job
    applies it (moving nothing yet, the row does not exist) before the pull commits."""
    citizen = await holder(web, "JMSFZ")
    everything = (await web.get("/_sandbox/elicence/licences")).json()
    (identifier,) = [
        x["identifier"] for x in everything if x["holder_id_number"] == citizen.person["id_number"]
    ]
    licence_service = services.wiring.get(LicenceService)
    original = licence_service._fetch
    raced = False

    async def fetch_then_revoke(id_number: str, *, organisation: bool = False) -> Any:
        nonlocal raced
        snapshot = await original(id_number, organisation=organisation)
        if not raced:
            raced = True
            await set_library_status(web, identifier, "revoked")
            await services.wiring.get(StatusLists).follow_feed()
        return snapshot

    monkeypatch.setattr(licence_service, "_fetch", fetch_then_revoke)
    (card,) = await licences(web, citizen)
    assert raced
    assert card["status"] == "revoked"


def _later(services: Services, days: int) -> Services:
    class Later(SystemClock):
        def now(self) -> Any:
            return super().now() + timedelta(days=days)

    return worker_at(services, Later())


async def test_a_credential_is_renewed_in_its_last_month(web: httpx.AsyncClient, services: Services) -> None:
    citizen = await holder(web, "JDCJSZ")
    (first,) = await licences(web, citizen)
    assert first["version"] == 1
    later = _later(services, days=340)
    (renewed,) = await later.wiring.get(LicenceService).held(citizen.id)
    assert renewed.version == 2
    (kept,) = await later.wiring.get(LicenceService).held(citizen.id)
    assert kept.version == 2, "renewed once, not at every look"


async def test_a_suspended_verifiers_requests_can_no_longer_be_answered(
    web: httpx.AsyncClient, services: Services
) -> None:
    citizen, at = await holder(web, "JMSFZ"), await counter(services)
    request_id = await asked(web, citizen, at, "JMSFZ", ["name"])
    await services.wiring.get(VerifierRegistry).suspend(at.verifier_id, by=operator_principal())
    assert (await web.get("/api/v1/licences/requests", headers=citizen.headers)).json()["items"] == []
    refused = await consent(web, citizen, request_id, ["name"])
    assert (refused.status_code, refused.json()["code"]) == (409, "licence.request_closed")
    gone = await web.get(f"/api/v1/licence-verification/requests/{request_id}", headers=at.headers)
    assert (gone.status_code, gone.json()["code"]) == (403, "licence.verifier_suspended")


async def test_an_expired_request_hands_nothing_over(web: httpx.AsyncClient, services: Services) -> None:
    citizen, at = await holder(web, "JMSFZ"), await counter(services)
    request_id = await asked(web, citizen, at, "JMSFZ", ["name"])
    assert (await consent(web, citizen, request_id, ["name"])).status_code == 200
    presentation = (await delivered(web, at, request_id))["presentation"]
    later = _later(services, days=1).wiring.get(ShowService)
    view = await later.delivered(at.scanner.id, uuid.UUID(request_id))
    assert (view.request.state, view.presentation) == ("lapsed", None)
    with pytest.raises(RequestClosed):
        await later.verify(at.scanner.id, uuid.UUID(request_id), presentation)
