"""Every name and venue a person types is one line of visible text at the HTTP edge: a line break or a
bidi control in it is 400 ``request.invalid`` naming the field (issue 21, row 15b)."""

from __future__ import annotations

import httpx
import pytest
from litestar import Litestar

from citizen_code import DeviceKey
from tests.backend.citizen.factories import client_from, random_id_number, random_phone
from tests.backend.code.factories import make_citizen, public_key_text
from tests.backend.staff.factories import bearer, staff_token
from tests.services import Services

# A forged log line, and a name that displays reversed.
VALUES = ["Li\r\nlevel=info admin ok", "\u202egnirts"]


def _refused(response: httpx.Response, field: str) -> None:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["code"] == "request.invalid"
    assert [error["key"] for error in body["errors"]] == [field]
    # The rule in words, not msgspec's quote of a regex.
    assert body["errors"][0]["message"].startswith("Expected one line of visible text")


@pytest.mark.parametrize("value", VALUES)
async def test_a_scanner_venue_with_a_line_break_or_bidi_control_is_refused(
    client: httpx.AsyncClient, app: Litestar, services: Services, value: str
) -> None:
    operator = bearer(await staff_token(app, services, role="operator"))
    response = await client.post(
        "/api/v1/admin/scanners", json={"scene": "library", "venue": value}, headers=operator
    )
    _refused(response, "venue")


@pytest.mark.parametrize("value", VALUES)
async def test_a_staff_display_name_with_a_line_break_or_bidi_control_is_refused(
    client: httpx.AsyncClient, app: Litestar, services: Services, value: str
) -> None:
    operator = bearer(await staff_token(app, services, role="operator"))
    body = {"username": "clerk7", "display_name": value, "role": "counter", "password": "x" * 16}
    _refused(await client.post("/api/v1/admin/staff", json=body, headers=operator), "display_name")


@pytest.mark.parametrize("value", VALUES)
async def test_a_citizen_name_with_a_line_break_or_bidi_control_is_refused(app: Litestar, value: str) -> None:
    body = {"phone": random_phone(), "sms_code": "123456", "name": value, "id_number": random_id_number()}
    async with client_from(app) as web:
        _refused(await web.post("/api/v1/auth/register", json=body), "name")


@pytest.mark.parametrize("value", VALUES)
async def test_a_device_label_with_a_line_break_or_bidi_control_is_refused(
    client: httpx.AsyncClient, services: Services, value: str
) -> None:
    citizen = await make_citizen(services)
    body = {"public_key": public_key_text(DeviceKey.generate()), "label": value}
    _refused(await client.post("/api/v1/citizen-code/devices", json=body, headers=citizen.headers), "label")


@pytest.mark.parametrize("value", VALUES)
async def test_a_mini_program_bind_name_with_a_line_break_or_bidi_control_is_refused(
    app: Litestar, value: str
) -> None:
    body = {
        "bind_ticket": "A" * 43,
        "phone": random_phone(),
        "sms_code": "123456",
        "name": value,
        "id_number": random_id_number(),
    }
    async with client_from(app) as web:
        _refused(await web.post("/mp/v1/bind", json=body), "name")
