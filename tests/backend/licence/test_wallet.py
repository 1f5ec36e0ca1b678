"""The wallet over HTTP: licences pulled on first look, detail and credential, 亮证 end to end."""

from __future__ import annotations

import asyncio
import base64

import httpx
import pytest

from tests.backend.code.factories import make_scanner
from tests.backend.licence.factories import (
    ask,
    asked,
    consent,
    counter,
    delivered,
    holder,
    licences,
    show,
)
from tests.services import Services


async def test_the_first_look_pulls_the_citizens_licences_from_the_library(web: httpx.AsyncClient) -> None:
    citizen = await holder(web, "JMSFZ", "JDCJSZ")
    items = await licences(web, citizen)
    assert sorted(i["kind_code"] for i in items) == ["JDCJSZ", "JMSFZ"]
    card = next(i for i in items if i["kind_code"] == "JMSFZ")
    assert card["status"] == "valid"
    assert card["version"] == 1
    assert citizen.person["id_number"] not in str(items), "the list shows masked numbers only"
    detail = await web.get(f"/api/v1/licences/{card['id']}", headers=citizen.headers)
    assert detail.status_code == 200, detail.text
    fields = {f["claim"]: f["value"] for f in detail.json()["fields"]}
    assert fields["id_number"] == citizen.person["id_number"]
    assert fields["name"] == citizen.person["name"]
    credential = detail.json()["credential"]
    assert credential.count("~") >= 10
    assert len(credential) <= 3 * 1024, f"an issued ID card is {len(credential)} bytes (budget 3 KB)"


async def test_the_whole_showing_discloses_only_what_the_citizen_approved(
    web: httpx.AsyncClient, services: Services
) -> None:
    citizen, at = await holder(web), await counter(services)
    await licences(web, citizen)
    request_id = await asked(web, citizen, at, "JMSFZ", ["name", "id_number", "address"])
    pending = (await web.get("/api/v1/licences/requests", headers=citizen.headers)).json()["items"]
    assert [p["id"] for p in pending] == [request_id]
    assert pending[0]["verifier"]["name"] == "宿城区政务服务中心3号窗口"
    assert pending[0]["verifier"]["purpose"] == "核验办事人身份"
    assert [f["label"] for f in pending[0]["fields"]] == ["住址", "公民身份号码", "姓名"]
    assert (await delivered(web, at, request_id))["presentation"] is None

    answered = await consent(web, citizen, request_id, ["name", "id_number"])
    assert answered.status_code == 200, answered.text
    assert answered.json()["disclosed"] == ["id_number", "name"]
    received = await delivered(web, at, request_id)
    assert received["state"] == "presented"
    presentation = received["presentation"]
    assert citizen.person["name"] in _disclosed_text(presentation)
    assert "address" not in _disclosed_text(presentation)
    assert "住址" not in _disclosed_text(presentation)
    assert len(presentation) <= 2500

    verified = await web.post(
        f"/api/v1/licence-verification/requests/{request_id}/verify",
        json={"presentation": presentation},
        headers=at.headers,
    )
    assert verified.status_code == 200, verified.text
    assert verified.json()["claims"] == {
        "id_number": citizen.person["id_number"],
        "name": citizen.person["name"],
    }
    again = await web.post(
        f"/api/v1/licence-verification/requests/{request_id}/verify",
        json={"presentation": presentation},
        headers=at.headers,
    )
    assert (again.status_code, again.json()["code"]) == (409, "licence.presentation_replayed")
    assert (await delivered(web, at, request_id))["presentation"] is None


def _disclosed_text(presentation: str) -> str:
    parts = presentation.split("~")[1:-1]
    return "".join(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)).decode() for p in parts)


async def test_a_handle_works_once(web: httpx.AsyncClient, services: Services) -> None:
    citizen, at = await holder(web), await counter(services)
    handle = await show(web, citizen)
    first = await ask(web, at, handle, "JMSFZ", ["name"])
    assert first.status_code == 201, first.text
    replayed = await ask(web, at, handle, "JMSFZ", ["name"])
    assert (replayed.status_code, replayed.json()["code"]) == (404, "licence.handle_invalid")


async def test_two_counters_scanning_one_handle_at_once_make_one_request(
    web: httpx.AsyncClient, services: Services
) -> None:
    citizen = await holder(web)
    counters = [await counter(services) for _ in range(2)]
    handle = await show(web, citizen)
    answers = await asyncio.gather(*(ask(web, at, handle, "JMSFZ", ["name"]) for at in counters))
    assert sorted(a.status_code for a in answers) == [201, 404]


async def test_asking_outside_the_registration_is_refused_before_the_citizen_sees_it(
    web: httpx.AsyncClient, services: Services
) -> None:
    citizen, at = await holder(web), await counter(services, {"JMSFZ": ["name"]})
    handle = await show(web, citizen)
    for kind, fields in (("JMSFZ", ["name", "address"]), ("JDCJSZ", ["name"])):
        refused = await ask(web, at, handle, kind, fields)
        assert (refused.status_code, refused.json()["code"]) == (403, "licence.outside_purpose"), refused.text
    assert (await web.get("/api/v1/licences/requests", headers=citizen.headers)).json()["items"] == []
    assert (await ask(web, at, handle, "JMSFZ", ["name"])).status_code == 201, (
        "the refusal left the handle usable"
    )


async def test_a_declined_request_discloses_nothing(web: httpx.AsyncClient, services: Services) -> None:
    citizen, at = await holder(web), await counter(services)
    request_id = await asked(web, citizen, at, "JMSFZ", ["name"])
    declined = await web.post(f"/api/v1/licences/requests/{request_id}/decline", headers=citizen.headers)
    assert declined.status_code == 200, declined.text
    received = await delivered(web, at, request_id)
    assert (received["state"], received["presentation"], received["disclosed"]) == ("declined", None, None)
    late = await consent(web, citizen, request_id, ["name"])
    assert (late.status_code, late.json()["code"]) == (409, "licence.request_closed")


async def test_consent_to_a_field_not_asked_for_is_refused(
    web: httpx.AsyncClient, services: Services
) -> None:
    citizen, at = await holder(web), await counter(services)
    request_id = await asked(web, citizen, at, "JMSFZ", ["name"])
    refused = await consent(web, citizen, request_id, ["name", "address"])
    assert (refused.status_code, refused.json()["code"]) == (422, "licence.fields_invalid")


async def test_an_unregistered_device_cannot_ask(web: httpx.AsyncClient, services: Services) -> None:
    citizen, gate = await holder(web), await make_scanner(services, scene="public_office")
    refused = await web.post(
        "/api/v1/licence-verification/requests",
        json={"handle": await show(web, citizen), "kind_code": "JMSFZ", "fields": ["name"]},
        headers=gate.headers,
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "licence.verifier_unregistered")


async def test_a_field_the_licence_does_not_carry_is_not_disclosed(
    web: httpx.AsyncClient, services: Services
) -> None:
    """A marriage certificate has no expiry: consenting to it discloses the rest, not an error."""
    citizen, at = await holder(web, "JHZ"), await counter(services, {"JHZ": ["holder", "expires_on"]})
    request_id = await asked(web, citizen, at, "JHZ", ["holder", "expires_on"])
    answered = await consent(web, citizen, request_id, ["holder", "expires_on"])
    assert answered.status_code == 200, answered.text
    assert answered.json()["disclosed"] == ["holder"]
    assert citizen.person["name"] in _disclosed_text((await delivered(web, at, request_id))["presentation"])


async def test_a_registration_naming_a_field_no_licence_has_is_refused(
    web: httpx.AsyncClient, services: Services
) -> None:
    from backend.licence.errors import OutsidePurpose

    with pytest.raises(OutsidePurpose) as caught:
        await counter(services, {"JMSFZ": ["name", "holder_name", "shoe_size"], "XYZ": ["a"]})
    assert caught.value.extra == {"outside": ["XYZ", "JMSFZ.holder_name", "JMSFZ.shoe_size"]}
