"""What every route with a JSON body holds to (``backend.web.ApiRequest``): the body must be sent as
JSON, so no web page can make a visitor's browser post one cross-site without a CORS preflight."""

from __future__ import annotations

import httpx
import pytest
from litestar import Litestar

from tests.backend.citizen.factories import client_from, random_phone


def _problem(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code


async def _outbox(client: httpx.AsyncClient, phone: str) -> list[object]:
    sent: list[object] = (await client.get("/_sandbox/sms/outbox", params={"phone": phone})).json()
    return sent


# What a cross-site <form> or fetch() may send without a preflight (Fetch standard, CORS-safelisted
# Content-Type values), and a body that names no type at all.
@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "text/plain; charset=utf-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
        None,
    ],
)
async def test_a_json_route_refuses_a_body_that_is_not_sent_as_json(
    app: Litestar, content_type: str | None
) -> None:
    phone = random_phone()
    body = f'{{"phone": "{phone}", "purpose": "login"}}'.encode()
    headers = {"content-type": content_type} if content_type else {}
    async with client_from(app) as web:
        response = await web.post("/api/v1/auth/sms-codes", content=body, headers=headers)
        _problem(response, 415, "request.unsupported_media_type")
        assert await _outbox(web, phone) == []


async def test_the_mini_program_edge_refuses_a_plain_text_body_too(app: Litestar) -> None:
    async with client_from(app) as web:
        response = await web.post(
            "/mp/v1/wechat/login", content=b'{"code": "abc"}', headers={"content-type": "text/plain"}
        )
    _problem(response, 415, "request.unsupported_media_type")


@pytest.mark.parametrize(
    "content_type", ["application/json", "Application/JSON; charset=UTF-8", "application/merge-patch+json"]
)
async def test_json_and_structured_json_types_are_accepted(app: Litestar, content_type: str) -> None:
    phone = random_phone()
    async with client_from(app) as web:
        response = await web.post(
            "/api/v1/auth/sms-codes",
            content=f'{{"phone": "{phone}", "purpose": "login"}}'.encode(),
            headers={"content-type": content_type},
        )
        assert response.status_code == 202, response.text
        assert len(await _outbox(web, phone)) == 1


async def test_the_sandbox_twins_still_take_the_form_posts_their_real_systems_take(app: Litestar) -> None:
    # Alipay's gateway.do is a form post; its twin (an ASGI app of its own) reads bodies itself.
    async with client_from(app) as web:
        response = await web.post("/_sandbox/alipay/gateway.do", data={"method": "alipay.nothing"})
    assert response.status_code != 415
    assert "request.unsupported_media_type" not in response.text
