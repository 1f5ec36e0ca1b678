"""A platform's phone proof registers new citizens only; reaching an existing account — binding a
platform user to it, or linking one while signed in — needs an SMS code sent to its phone now.

Alipay's ``my.getPhoneNumber`` answer is replayable forever (zero-IV encryption, deterministic
signature), and an access token can be stolen: neither may become a lasting platform login.
"""

from __future__ import annotations

from typing import Any

import httpx
from litestar import Litestar

from integrations.alipay import sandbox_mobile
from integrations.wechat import sandbox_phone
from tests.backend.citizen.factories import (
    add_person,
    bearer,
    client_from,
    random_phone,
    register,
    request_code,
)
from tests.miniprogram_api.sandbox_users import (
    alipay_code,
    alipay_login,
    alipay_phone_response,
    bind_ticket,
    bind_with_sms,
    fresh_n,
    wechat_code,
    wechat_login,
    wechat_phone_code,
)
from tests.services import Services


async def _links(client: httpx.AsyncClient, access_token: str) -> list[dict[str, Any]]:
    response = await client.get("/mp/v1/links", headers=bearer(access_token))
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def _citizen_with_phone(client: httpx.AsyncClient, phone: str) -> dict[str, Any]:
    return await register(client, await add_person(client, phone=phone))


async def test_a_replayed_alipay_phone_proof_cannot_bind_to_an_existing_account(
    web: httpx.AsyncClient, services: Services
) -> None:
    victim_n = fresh_n()
    victim = await _citizen_with_phone(web, sandbox_mobile(victim_n))
    captured = alipay_phone_response(services, victim_n)
    # The same string, again and again: it is not bound to any user or moment.
    assert alipay_phone_response(services, victim_n) == captured

    attacker_n = fresh_n()
    ticket = bind_ticket(await alipay_login(web, attacker_n))
    person = victim["_person"]
    attempt = await web.post(
        "/mp/v1/bind",
        json={
            "bind_ticket": ticket,
            "platform_phone_proof": captured,
            "name": person["name"],
            "id_number": person["id_number"],
        },
    )
    assert attempt.status_code == 409, attempt.text
    assert attempt.json()["code"] == "mp.sms_required"
    assert (await alipay_login(web, attacker_n)).json()["status"] == "bind_required"
    assert await _links(web, victim["tokens"]["access_token"]) == []


async def test_sms_required_is_answered_before_the_real_name_is_compared(
    web: httpx.AsyncClient, services: Services
) -> None:
    victim_n = fresh_n()
    await _citizen_with_phone(web, sandbox_mobile(victim_n))
    ticket = bind_ticket(await alipay_login(web, fresh_n()))
    guess = await web.post(
        "/mp/v1/bind",
        json={
            "bind_ticket": ticket,
            "platform_phone_proof": alipay_phone_response(services, victim_n),
            "name": "不是本人",
            "id_number": "32130219850115123X",
        },
    )
    # Not mp.identity_mismatch: a replayed proof must not test names and ID numbers.
    assert guess.status_code == 409
    assert guess.json()["code"] == "mp.sms_required"


async def test_an_existing_wechat_phone_falls_back_to_sms_on_the_same_ticket(web: httpx.AsyncClient) -> None:
    n = fresh_n()
    registered = await _citizen_with_phone(web, sandbox_phone(n))
    person = registered["_person"]
    ticket = bind_ticket(await wechat_login(web, n))
    by_platform = await web.post(
        "/mp/v1/bind",
        json={
            "bind_ticket": ticket,
            "platform_phone_proof": wechat_phone_code(n),
            "name": person["name"],
            "id_number": person["id_number"],
        },
    )
    assert by_platform.status_code == 409, by_platform.text
    assert by_platform.json()["code"] == "mp.sms_required"
    by_sms = await bind_with_sms(web, ticket, person)
    assert by_sms.status_code == 200, by_sms.text
    assert [link["platform"] for link in await _links(web, by_sms.json()["access_token"])] == ["wechat"]


async def test_an_sms_code_wins_over_a_platform_proof_given_beside_it(web: httpx.AsyncClient) -> None:
    n = fresh_n()
    person = (await _citizen_with_phone(web, sandbox_phone(n)))["_person"]
    response = await web.post(
        "/mp/v1/bind",
        json={
            "bind_ticket": bind_ticket(await wechat_login(web, n)),
            "phone": person["phone"],
            "sms_code": await request_code(web, person["phone"], "bind"),
            "platform_phone_proof": wechat_phone_code(n),
            "name": person["name"],
            "id_number": person["id_number"],
        },
    )
    assert response.status_code == 200, response.text


async def test_linking_while_signed_in_needs_an_sms_code_in_the_request(web: httpx.AsyncClient) -> None:
    registered = await register(web)
    token = registered["tokens"]["access_token"]
    n = fresh_n()
    # A stolen access token alone is not enough.
    bare = await web.post("/mp/v1/links/wechat", json={"code": wechat_code(n)}, headers=bearer(token))
    assert bare.status_code == 400
    assert bare.json()["code"] == "request.invalid"
    wrong = await web.post(
        "/mp/v1/links/alipay",
        json={"auth_code": alipay_code(n), "phone": registered["_person"]["phone"], "sms_code": "000000"},
        headers=bearer(token),
    )
    assert wrong.status_code == 422
    assert wrong.json()["code"] == "auth.sms_code_invalid"
    assert await _links(web, token) == []
    assert (await alipay_login(web, n)).json()["status"] == "bind_required"


async def test_linking_with_an_sms_code_to_someone_elses_phone_is_refused(web: httpx.AsyncClient) -> None:
    registered = await register(web)
    token = registered["tokens"]["access_token"]
    thief_phone = random_phone()  # a phone the token thief holds, with or without an account
    n = fresh_n()
    response = await web.post(
        "/mp/v1/links/wechat",
        json={
            "code": wechat_code(n),
            "phone": thief_phone,
            "sms_code": await request_code(web, thief_phone, "bind"),
        },
        headers=bearer(token),
    )
    assert response.status_code == 422
    assert response.json()["code"] == "mp.phone_not_yours"
    assert await _links(web, token) == []
    assert (await wechat_login(web, n)).json()["status"] == "bind_required"


async def test_a_signed_in_citizen_links_alipay_with_an_sms_code_to_their_own_phone(
    web: httpx.AsyncClient,
) -> None:
    registered = await register(web)
    token, phone = registered["tokens"]["access_token"], registered["_person"]["phone"]
    n = fresh_n()
    linked = await web.post(
        "/mp/v1/links/alipay",
        json={
            "auth_code": alipay_code(n),
            "phone": phone,
            "sms_code": await request_code(web, phone, "bind"),
        },
        headers=bearer(token),
    )
    assert linked.status_code == 201, linked.text
    assert linked.json()["platform"] == "alipay"
    assert (await alipay_login(web, n)).json()["status"] == "authenticated"


async def test_control_characters_in_the_real_name_are_refused_at_the_edge(web: httpx.AsyncClient) -> None:
    person = await add_person(web)
    response = await web.post(
        "/mp/v1/bind",
        json={
            "bind_ticket": bind_ticket(await wechat_login(web, fresh_n())),
            "phone": person["phone"],
            "sms_code": "123456",
            "name": person["name"] + "\u0000",
            "id_number": person["id_number"],
        },
    )
    assert response.status_code == 400
    assert response.json()["code"] == "request.invalid"


async def test_a_signed_in_strangers_wrong_link_codes_do_not_destroy_the_owners_code(
    app: Litestar,
) -> None:
    async with client_from(app) as owner_web, client_from(app) as stranger_web:
        owner = await register(owner_web)
        stranger = await register(stranger_web)
        phone = owner["_person"]["phone"]
        code = await request_code(owner_web, phone, "bind")
        wrong = f"{(int(code) + 1) % 1_000_000:06d}"
        for _ in range(10):
            guess = await stranger_web.post(
                "/mp/v1/links/wechat",
                json={"code": wechat_code(fresh_n()), "phone": phone, "sms_code": wrong},
                headers=bearer(stranger["tokens"]["access_token"]),
            )
            assert guess.status_code == 422, guess.text
        n = fresh_n()
        linked = await owner_web.post(
            "/mp/v1/links/wechat",
            json={"code": wechat_code(n), "phone": phone, "sms_code": code},
            headers=bearer(owner["tokens"]["access_token"]),
        )
        assert linked.status_code == 201, linked.text
        assert (await wechat_login(owner_web, n)).json()["status"] == "authenticated"
