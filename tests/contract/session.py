"""A busy session over HTTP, as the apps and the console would drive it, failures included: citizens
registering (an SMS code, a face scan), logging in three ways, refreshing (and replaying a spent
refresh token), codes and devices, staff and scanners, gate verification and offline scans, key
rotation and holder status, mini-program logins, binds and links, logouts; wrong passwords, wrong
codes, invalid ID numbers, names that don't match, a phone already taken."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import httpx

from backend.staff import totp
from citizen_code import DeviceKey
from tests.backend.citizen.factories import (
    add_person,
    bearer,
    face_verification,
    register,
    request_code,
    scan_face,
    virtual_operator_phone,
)
from tests.backend.code.factories import public_key_text
from tests.contract.callers import sign_in_staff
from tests.miniprogram_api.sandbox_users import alipay_code, bind_ticket, fresh_n, wechat_code


async def _ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json() if response.content else {}
    return body


def _refused(response: httpx.Response) -> None:
    """A failure the session makes on purpose: refused, as a client error."""
    assert 400 <= response.status_code < 500, (response.request.content, response.text)


async def citizens(web: httpx.AsyncClient) -> dict[str, Any]:
    """Two citizens (one by SMS code, one by face scan) through every way in and a few wrong ones."""
    a = await register(web)
    person, password = a["_person"], a["_password"]
    phone = person["phone"]
    token = {"grant_type": "password", "phone": phone}
    session = await _ok(await web.post("/api/v1/auth/token", json={**token, "password": password}))
    _refused(await web.post("/api/v1/auth/token", json={**token, "password": "not the password"}))
    code = await request_code(web, phone, "login")
    _refused(
        await web.post(
            "/api/v1/auth/token", json={"grant_type": "sms_code", "phone": phone, "sms_code": "000000"}
        )
    )
    sms = await _ok(
        await web.post(
            "/api/v1/auth/token", json={"grant_type": "sms_code", "phone": phone, "sms_code": code}
        )
    )
    refresh = {"grant_type": "refresh_token", "refresh_token": session["refresh_token"]}
    await _ok(await web.post("/api/v1/auth/token", json=refresh))
    _refused(await web.post("/api/v1/auth/token", json=refresh))  # spent: the session ends
    me = bearer(sms["access_token"])
    await _ok(await web.get("/api/v1/me", headers=me))

    again = {"phone": phone, "name": person["name"], "id_number": person["id_number"]}
    _refused(  # the phone is taken
        await web.post(
            "/api/v1/auth/register", json={**again, "sms_code": await request_code(web, phone, "register")}
        )
    )
    # An SMS code a minute per phone and purpose: each refusal below is a person of its own.
    for mistake in ("id_number", "name", "reclaim"):
        stranger = await add_person(web)
        wrong = {**stranger, "sms_code": await request_code(web, stranger["phone"], "register")}
        if mistake == "id_number":  # the check digit broken
            last = stranger["id_number"][-1]
            wrong["id_number"] = stranger["id_number"][:-1] + ("1" if last != "1" else "2")
        elif mistake == "name":
            wrong["name"] = "冒名"
        else:  # an identity nobody holds: nothing to reclaim
            _refused(await web.post("/api/v1/auth/reclaim", json=wrong))
            continue
        _refused(await web.post("/api/v1/auth/register", json=wrong))

    faced = await add_person(web, phone=virtual_operator_phone())
    proof = {"phone": faced["phone"], "name": faced["name"], "id_number": faced["id_number"]}
    required = await web.post(
        "/api/v1/auth/register",
        json={**proof, "sms_code": await request_code(web, faced["phone"], "register")},
    )
    face = face_verification(required)
    await scan_face(web, face["verification_id"], passes=True)
    b = await _ok(await web.post("/api/v1/auth/register", json={**proof, "face_ticket": face["ticket"]}), 201)
    return {"a": a, "me": me, "b": bearer(b["tokens"]["access_token"])}


async def codes_and_devices(web: httpx.AsyncClient, me: dict[str, str]) -> str:
    """The citizen's code, its QR images, a phone enrolled and revoked; a code issued after it."""
    await _ok(await web.get("/api/v1/citizen-code", headers=me))
    assert (await web.get("/api/v1/citizen-code/qr.png", headers=me)).status_code == 200
    assert (await web.get("/api/v1/citizen-code/qr.svg", headers=me)).status_code == 200
    key = {"public_key": public_key_text(DeviceKey.generate()), "label": "my phone"}
    device = await _ok(await web.post("/api/v1/citizen-code/devices", json=key, headers=me), 201)
    await _ok(await web.get("/api/v1/citizen-code/devices", headers=me))
    await _ok(
        await web.post(f"/api/v1/citizen-code/devices/{device['device']['id']}/revoke", headers=me), 204
    )
    code: str = (await _ok(await web.get("/api/v1/citizen-code", headers=me)))["code"]
    return code


async def staff_and_gates(
    web: httpx.AsyncClient, operator: tuple[str, str], *, code: str, citizen_id: str
) -> dict[str, str]:
    """The operator's whole day at the console and a gate; the operator's headers, for what follows."""
    username, password = operator
    login = {"username": username, "password": password}
    _refused(await web.post("/api/v1/staff/token", json={**login, "password": "wrong password!"}))
    _, secret, password = await sign_in_staff(web, username, password)  # the first enrols the authenticator
    login = {"username": username, "password": password}
    # Then as every day: the password, the authenticator's code (the next step's: the enrolment used
    # this one), a refresh; the account and its sessions.
    challenged = await _ok(await web.post("/api/v1/staff/token", json=login))
    assert challenged["status"] == "second_factor_required", challenged
    otp = totp.code_at(secret, time.time() + totp.PERIOD)
    step = {"challenge": challenged["challenge"], "code": otp}
    signed_in = await _ok(await web.post("/api/v1/staff/token/second-factor", json=step))
    refresh = {"refresh_token": signed_in["refresh_token"]}
    staff = bearer((await _ok(await web.post("/api/v1/staff/token/refresh", json=refresh)))["access_token"])
    await _ok(await web.get("/api/v1/staff/me", headers=staff))
    await _ok(await web.get("/api/v1/staff/me/sessions", headers=staff))
    clerk = {
        "username": f"clerk-{fresh_n()}",
        "display_name": "窗口",
        "role": "counter",
        "password": "a long clerk password",
    }
    await _ok(await web.post("/api/v1/admin/staff", json=clerk, headers=staff), 201)
    await _ok(await web.get("/api/v1/admin/staff", headers=staff))
    created = await _ok(
        await web.post(
            "/api/v1/admin/scanners", json={"scene": "library", "venue": "宿迁市图书馆"}, headers=staff
        ),
        201,
    )
    device_id = created["device"]["id"]
    await _ok(await web.get("/api/v1/admin/scanners", headers=staff))
    await _ok(await web.get(f"/api/v1/admin/scanners/{device_id}", headers=staff))
    _refused(await web.post("/api/v1/scanner/token", json={"device_id": device_id, "credential": "x" * 43}))
    exchange = {"device_id": device_id, "credential": created["credential"]}
    gate = bearer((await _ok(await web.post("/api/v1/scanner/token", json=exchange)))["access_token"])
    verdict = await _ok(await web.post("/api/v1/scanner/verify", json={"code": code}, headers=gate))
    assert verdict["decision"] == "pass", verdict
    scanned = {"scans": [{"code": code, "scanned_at": dt.datetime.now(dt.UTC).isoformat()}]}
    await _ok(await web.post("/api/v1/scanner/scans", json=scanned, headers=gate))
    await _ok(await web.get("/api/v1/scanner/revocations", headers=gate))
    await _ok(await web.get("/api/v1/admin/citizen-code/keys", headers=staff))
    await _ok(await web.post("/api/v1/admin/citizen-code/keys/rotate", headers=staff))
    status = f"/api/v1/admin/citizen-code/holders/{citizen_id}/status"
    await _ok(await web.put(status, json={"status": "restricted"}, headers=staff), 204)
    await _ok(await web.put(status, json={"status": "normal"}, headers=staff), 204)
    await _ok(await web.post(f"/api/v1/admin/scanners/{device_id}/revoke", headers=staff))
    return staff


async def mini_programs(web: httpx.AsyncClient, citizen: dict[str, Any], me: dict[str, str]) -> None:
    newcomer = await add_person(web)
    ticket = bind_ticket(await web.post("/mp/v1/wechat/login", json={"code": wechat_code(fresh_n())}))
    bind = {
        "bind_ticket": ticket,
        "phone": newcomer["phone"],
        "name": newcomer["name"],
        "id_number": newcomer["id_number"],
    }
    _refused(await web.post("/mp/v1/bind", json={**bind, "sms_code": "000000"}))
    bound = await _ok(
        await web.post(
            "/mp/v1/bind", json={**bind, "sms_code": await request_code(web, newcomer["phone"], "bind")}
        )
    )
    await _ok(await web.get("/mp/v1/links", headers=bearer(bound["access_token"])))
    await _ok(await web.post("/mp/v1/alipay/login", json={"auth_code": alipay_code(fresh_n())}))
    phone = citizen["_person"]["phone"]
    step_up = {"phone": phone, "sms_code": await request_code(web, phone, "bind")}
    link = await _ok(
        await web.post("/mp/v1/links/wechat", json={"code": wechat_code(fresh_n()), **step_up}, headers=me),
        201,
    )
    await _ok(await web.delete(f"/mp/v1/links/{link['id']}", headers=me), 204)
    await _ok(await web.post("/api/v1/auth/logout", headers=me), 204)
