"""Mini-program login and binding, end to end against the WeChat and Alipay sandbox twins."""

from __future__ import annotations

import logging
import uuid

import httpx
import pytest

from backend.audit.tables import AuditEntry
from integrations.wechat import WeChatTwinState, sandbox_openid, sandbox_phone
from tests.backend.citizen.factories import add_person, bearer, register, request_code
from tests.miniprogram_api.sandbox_users import (
    alipay_login,
    bind_ticket,
    bind_with_sms,
    bound_on_wechat,
    fresh_n,
    wechat_code,
    wechat_login,
    wechat_phone_code,
)
from tests.services import Services


async def _me(client: httpx.AsyncClient, access_token: str) -> dict[str, str]:
    response = await client.get("/api/v1/me", headers=bearer(access_token))
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


async def test_an_unknown_wechat_user_gets_an_opaque_bind_ticket(web: httpx.AsyncClient) -> None:
    n = fresh_n()
    response = await wechat_login(web, n)
    ticket = bind_ticket(response)
    assert len(ticket) == 43
    assert sandbox_openid(n) not in response.text
    assert response.headers["cache-control"] == "no-store"
    assert response.json()["expires_in"] == 600


async def test_binding_with_an_sms_code_registers_a_new_citizen_and_the_next_login_is_direct(
    web: httpx.AsyncClient,
) -> None:
    person = await add_person(web)
    n = fresh_n()
    bound = await bind_with_sms(web, bind_ticket(await wechat_login(web, n)), person)
    assert bound.status_code == 200, bound.text
    assert bound.json()["status"] == "authenticated"
    citizen = await _me(web, bound.json()["access_token"])
    assert citizen["phone"] == person["phone"][:3] + "****" + person["phone"][-4:]

    again = await wechat_login(web, n)
    assert again.json()["status"] == "authenticated"
    assert (await _me(web, again.json()["access_token"]))["id"] == citizen["id"]


async def test_binding_with_the_wechat_phone_api_needs_no_sms(web: httpx.AsyncClient) -> None:
    n = fresh_n()
    person = await add_person(web, phone=sandbox_phone(n))
    bound = await web.post(
        "/mp/v1/bind",
        json={
            "bind_ticket": bind_ticket(await wechat_login(web, n)),
            "platform_phone_proof": wechat_phone_code(n),
            "name": person["name"],
            "id_number": person["id_number"],
        },
    )
    assert bound.status_code == 200, bound.text
    assert (await _me(web, bound.json()["access_token"]))["phone"].startswith("138")


async def test_an_existing_citizen_binds_by_phone_and_real_name(web: httpx.AsyncClient) -> None:
    registered = await register(web)
    _, session = await bound_on_wechat(web, registered["_person"])
    assert (await _me(web, session["access_token"]))["id"] == registered["citizen"]["id"]


async def test_a_wrong_real_name_for_an_existing_phone_is_refused_and_keeps_the_ticket(
    web: httpx.AsyncClient,
) -> None:
    person = (await register(web))["_person"]
    ticket = bind_ticket(await wechat_login(web, fresh_n()))
    refused = await bind_with_sms(web, ticket, {**person, "name": person["name"] + "明"})
    assert refused.status_code == 422
    assert refused.json()["code"] == "mp.identity_mismatch"
    assert (await bind_with_sms(web, ticket, person)).status_code == 200


async def test_a_wrong_sms_code_is_refused(web: httpx.AsyncClient) -> None:
    person = await add_person(web)
    ticket = bind_ticket(await wechat_login(web, fresh_n()))
    await request_code(web, person["phone"], "bind")
    response = await web.post(
        "/mp/v1/bind",
        json={
            "bind_ticket": ticket,
            "phone": person["phone"],
            "sms_code": "000000",
            "name": person["name"],
            "id_number": person["id_number"],
        },
    )
    assert response.status_code == 422
    assert response.json()["code"] == "auth.sms_code_invalid"


async def test_a_bind_ticket_works_once(web: httpx.AsyncClient) -> None:
    person = await add_person(web)
    ticket = bind_ticket(await wechat_login(web, fresh_n()))
    assert (await bind_with_sms(web, ticket, person)).status_code == 200
    replay = await bind_with_sms(web, ticket, person)
    assert replay.status_code == 401
    assert replay.json()["code"] == "mp.bind_ticket_invalid"


async def test_one_citizen_is_linked_to_the_app_wechat_and_alipay_at_once(web: httpx.AsyncClient) -> None:
    registered = await register(web)
    person = registered["_person"]
    wechat_n, session = await bound_on_wechat(web, person)
    alipay_n = fresh_n()
    ticket = bind_ticket(await alipay_login(web, alipay_n))
    assert (await bind_with_sms(web, ticket, person)).status_code == 200

    links = await web.get("/mp/v1/links", headers=bearer(session["access_token"]))
    assert links.status_code == 200
    assert sorted(link["platform"] for link in links.json()["items"]) == ["alipay", "wechat"]
    for response in (await wechat_login(web, wechat_n), await alipay_login(web, alipay_n)):
        assert (await _me(web, response.json()["access_token"]))["id"] == registered["citizen"]["id"]
    app_login = await web.post(
        "/api/v1/auth/token",
        json={"grant_type": "password", "phone": person["phone"], "password": registered["_password"]},
    )
    assert app_login.status_code == 200, app_login.text


async def test_a_second_wechat_user_cannot_bind_to_an_account_already_linked_on_wechat(
    web: httpx.AsyncClient,
) -> None:
    person = (await register(web))["_person"]
    await bound_on_wechat(web, person)
    ticket = bind_ticket(await wechat_login(web, fresh_n()))
    response = await bind_with_sms(web, ticket, person)
    assert response.status_code == 409
    assert response.json()["code"] == "mp.already_linked"


async def test_unlinking_makes_the_next_login_ask_to_bind_again_and_is_audited(
    web: httpx.AsyncClient,
) -> None:
    registered = await register(web)
    n, session = await bound_on_wechat(web, registered["_person"])
    links = (await web.get("/mp/v1/links", headers=bearer(session["access_token"]))).json()["items"]
    removed = await web.delete(f"/mp/v1/links/{links[0]['id']}", headers=bearer(session["access_token"]))
    assert removed.status_code == 204
    assert (await wechat_login(web, n)).json()["status"] == "bind_required"
    actions = await AuditEntry.select(AuditEntry.action).where(
        AuditEntry.subject == f"citizen:{registered['citizen']['id']}"
    )
    assert {"account.linked", "account.unlinked"} <= {row["action"] for row in actions}


async def test_a_signed_in_citizen_links_wechat_with_a_fresh_login_code(web: httpx.AsyncClient) -> None:
    registered = await register(web)
    token = registered["tokens"]["access_token"]
    phone = registered["_person"]["phone"]
    n = fresh_n()
    step_up = {"phone": phone, "sms_code": await request_code(web, phone, "bind")}
    linked = await web.post(
        "/mp/v1/links/wechat", json={"code": wechat_code(n), **step_up}, headers=bearer(token)
    )
    assert linked.status_code == 201, linked.text
    assert linked.json()["platform"] == "wechat"
    assert sandbox_openid(n) not in linked.text
    assert (await wechat_login(web, n)).json()["status"] == "authenticated"


async def test_a_client_supplied_openid_is_refused_not_trusted(web: httpx.AsyncClient) -> None:
    response = await web.post(
        "/mp/v1/wechat/login", json={"code": wechat_code(fresh_n()), "openid": sandbox_openid(1)}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "request.invalid"


async def test_a_used_login_code_is_refused_with_a_problem(web: httpx.AsyncClient) -> None:
    code = wechat_code(fresh_n())
    await web.post("/mp/v1/wechat/login", json={"code": code})
    response = await web.post("/mp/v1/wechat/login", json={"code": code})
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "mp.login_code_invalid"


async def test_the_session_key_never_reaches_a_response_or_a_log_line(
    web: httpx.AsyncClient, services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    person = await add_person(web)
    n = fresh_n()
    with caplog.at_level(logging.DEBUG):
        login = await wechat_login(web, n)
        bound = await bind_with_sms(web, bind_ticket(login), person)
        again = await wechat_login(web, n)
    assert services.upstreams.sandbox is not None
    twin = services.upstreams.sandbox.state("wechat")
    assert isinstance(twin, WeChatTwinState)
    session_key = twin.sessions[sandbox_openid(n)]
    assert caplog.records, "the login was expected to log something"
    for response in (login, bound, again):
        assert session_key not in response.text
    for record in caplog.records:
        assert session_key not in record.getMessage()
        assert session_key not in str(record.__dict__)
    assert session_key not in caplog.text


async def test_the_links_of_a_citizen_are_theirs_alone(web: httpx.AsyncClient) -> None:
    alice = await register(web)
    bob = await register(web)
    _, alice_session = await bound_on_wechat(web, alice["_person"])
    _, bob_session = await bound_on_wechat(web, bob["_person"])
    alice_links = (await web.get("/mp/v1/links", headers=bearer(alice_session["access_token"]))).json()
    bob_links = (await web.get("/mp/v1/links", headers=bearer(bob_session["access_token"]))).json()
    alice_link = alice_links["items"][0]["id"]
    assert alice_link not in {link["id"] for link in bob_links["items"]}

    stolen = await web.delete(f"/mp/v1/links/{alice_link}", headers=bearer(bob_session["access_token"]))
    assert stolen.status_code == 404
    assert stolen.json()["code"] == "mp.link_not_found"
    still = (await web.get("/mp/v1/links", headers=bearer(alice_session["access_token"]))).json()
    assert [link["id"] for link in still["items"]] == [alice_link]
    missing = await web.delete(f"/mp/v1/links/{uuid.uuid4()}", headers=bearer(bob_session["access_token"]))
    assert missing.status_code == 404


async def test_unlinking_wechat_ends_the_wechat_sessions_but_not_the_apps(web: httpx.AsyncClient) -> None:
    registered = await register(web)
    app_session = registered["tokens"]
    _, wechat_session = await bound_on_wechat(web, registered["_person"])
    links = (await web.get("/mp/v1/links", headers=bearer(app_session["access_token"]))).json()["items"]
    removed = await web.delete(f"/mp/v1/links/{links[0]['id']}", headers=bearer(app_session["access_token"]))
    assert removed.status_code == 204

    refused = await web.get("/api/v1/me", headers=bearer(wechat_session["access_token"]))
    assert refused.status_code == 401
    assert refused.json()["code"] == "auth.token_revoked"
    refresh = await web.post(
        "/api/v1/auth/token",
        json={"grant_type": "refresh_token", "refresh_token": wechat_session["refresh_token"]},
    )
    assert refresh.status_code == 401
    assert (await web.get("/api/v1/me", headers=bearer(app_session["access_token"]))).status_code == 200
