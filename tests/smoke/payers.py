"""A citizen the smoke tests can charge: registered, with a WeChat mini-program user linked (the
JSAPI payer), against a real embedded server."""

from __future__ import annotations

import httpx

from tests.miniprogram_api.sandbox_users import fresh_n, wechat_code
from tests.smoke.server import bearer
from tests.smoke.test_identity_embedded import _code, _person


def wechat_payer(web: httpx.Client) -> tuple[dict[str, str], dict[str, str]]:
    """A registered citizen whose WeChat mini-program user is linked (the JSAPI payer): the person
    and bearer headers."""
    person = _person(web)
    registered = web.post(
        "/api/v1/auth/register",
        json={
            "phone": person["phone"],
            "sms_code": _code(web, person["phone"], "register"),
            "name": person["name"],
            "id_number": person["id_number"],
        },
    )
    assert registered.status_code == 201, registered.text
    citizen = bearer(registered.json()["tokens"]["access_token"])
    linked = web.post(
        "/mp/v1/links/wechat",
        json={
            "code": wechat_code(fresh_n()),
            "phone": person["phone"],
            "sms_code": _code(web, person["phone"], "bind"),
        },
        headers=citizen,
    )
    assert linked.status_code == 201, linked.text
    return person, citizen
