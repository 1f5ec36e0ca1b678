"""Staff, scanners and mini-program binding on the embedded default, over real HTTP: the generated
admin password is printed once at first start (and never again), the admin registers and revokes a
scanner, and a WeChat user binds with the platform's phone number API."""

from __future__ import annotations

import secrets
import time
from pathlib import Path

import httpx
import pytest

from backend.staff import totp
from integrations import id_check_digit
from integrations.wechat import sandbox_phone
from tests.smoke.server import bearer, free_port, operator_session, printed_passwords, serve

pytestmark = pytest.mark.embedded


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("staff")


def _code(secret: str, steps_ahead: int = 0) -> str:
    return totp.code_at(secret, time.time() + steps_ahead * totp.PERIOD)


def test_first_start_prints_the_admin_password_once_and_the_admin_runs_scanners(data_dir: Path) -> None:
    port = free_port()
    with serve(data_dir, port) as base, httpx.Client(base_url=base) as web:
        (password,) = printed_passwords(data_dir)
        login = web.post("/api/v1/staff/token", json={"username": "admin", "password": password})
        assert login.status_code == 200, login.text
        # An operator: the first sign-in can only enrol an authenticator (or change the password).
        assert login.json()["required"] == ["second_factor_enrolment"]
        setup = bearer(login.json()["access_token"])
        assert web.get("/api/v1/admin/scanners", headers=setup).status_code == 403
        secret = web.post("/api/v1/staff/me/second-factor/totp", json={}, headers=setup).json()["secret"]
        confirmed = web.post(
            "/api/v1/staff/me/second-factor/totp/confirm", json={"code": _code(secret)}, headers=setup
        )
        assert confirmed.status_code == 200, confirmed.text
        assert len(confirmed.json()["recovery_codes"]) == 10
        admin = bearer(confirmed.json()["session"]["access_token"])

        registered = web.post(
            "/api/v1/admin/scanners", json={"scene": "library", "venue": "宿迁市图书馆"}, headers=admin
        )
        assert registered.status_code == 201, registered.text
        device_id, credential = registered.json()["device"]["id"], registered.json()["credential"]
        exchange = {"device_id": device_id, "credential": credential}
        device = web.post("/api/v1/scanner/token", json=exchange)
        assert device.status_code == 200, device.text
        assert device.json()["scene"] == "library"
        on_admin = web.get("/api/v1/admin/scanners", headers=bearer(device.json()["access_token"]))
        assert on_admin.status_code == 403

        assert web.post(f"/api/v1/admin/scanners/{device_id}/revoke", headers=admin).status_code == 200
        assert web.post("/api/v1/scanner/token", json=exchange).status_code == 401

    with serve(data_dir, free_port()) as base, httpx.Client(base_url=base) as web:
        assert printed_passwords(data_dir) == [password]  # a restart prints nothing new
        again = web.post("/api/v1/staff/token", json={"username": "admin", "password": password})
        assert again.json()["status"] == "second_factor_required"
        # The enrolment spent its step's code; the next step's is accepted (RFC 6238: ±1 step), once.
        code = _code(secret, 1)
        signed_in = web.post(
            "/api/v1/staff/token/second-factor", json={"challenge": again.json()["challenge"], "code": code}
        )
        assert signed_in.status_code == 200, signed_in.text
        once_more = web.post("/api/v1/staff/token", json={"username": "admin", "password": password}).json()
        replay = web.post(
            "/api/v1/staff/token/second-factor", json={"challenge": once_more["challenge"], "code": code}
        )
        assert replay.status_code == 401
        assert replay.json()["code"] == "staff.second_factor_invalid"


def test_staff_sessions_refresh_list_and_end_with_the_member_disabled_on_the_embedded_default(
    tmp_path: Path,
) -> None:
    with serve(tmp_path, free_port()) as base, httpx.Client(base_url=base) as web:
        (password,) = printed_passwords(tmp_path)
        operator = operator_session(web, password)
        clerk = {
            "username": f"clerk-{secrets.token_hex(3)}",
            "password": f"Window-{secrets.token_urlsafe(9)}",
        }
        created = web.post(
            "/api/v1/admin/staff", json={**clerk, "display_name": "窗口", "role": "counter"}, headers=operator
        )
        assert created.status_code == 201, created.text
        weak = web.post(
            "/api/v1/admin/staff",
            json={
                "username": "clerk-weak",
                "password": "password1234",
                "display_name": "x",
                "role": "counter",
            },
            headers=operator,
        )
        assert weak.json()["code"] == "staff.password_too_common"
        # The operator set the clerk's password: the first sign-in changes it, and that answers the session.
        first = web.post("/api/v1/staff/token", json=clerk, headers={"user-agent": "smoke"}).json()
        assert (first["status"], first["required"]) == ("setup_required", ["password_change"])
        new_password = f"Mine-{secrets.token_urlsafe(12)}"
        changed = web.post(
            "/api/v1/staff/me/password",
            json={"current_password": clerk["password"], "new_password": new_password},
            headers={**bearer(first["access_token"]), "user-agent": "smoke"},
        )
        assert changed.status_code == 200, changed.text
        clerk["password"] = new_password
        session = changed.json()["session"]
        assert session["status"] == "authenticated"
        renewed = web.post(
            "/api/v1/staff/token/refresh",
            json={"refresh_token": session["refresh_token"]},
            headers={"user-agent": "smoke/2"},
        )
        assert renewed.status_code == 200, renewed.text
        mine = bearer(renewed.json()["access_token"])
        (listed,) = web.get("/api/v1/staff/me/sessions", headers=mine).json()["items"]
        assert (listed["current"], listed["client"], listed["user_agent"]) == (True, "127.0.0.*", "smoke/2")
        staff_id = created.json()["id"]
        status = web.put(
            f"/api/v1/admin/staff/{staff_id}/status", json={"status": "disabled"}, headers=operator
        )
        assert status.status_code == 204
        assert web.get("/api/v1/staff/me", headers=mine).status_code == 401
        assert web.post("/api/v1/staff/token", json=clerk).status_code == 401
        web.put(f"/api/v1/admin/staff/{staff_id}/status", json={"status": "active"}, headers=operator)
        assert web.post("/api/v1/staff/token", json=clerk).json()["status"] == "authenticated"


def test_a_wechat_user_binds_with_the_phone_number_api(data_dir: Path) -> None:
    n = secrets.randbelow(10**8)
    body = f"3213021985{secrets.randbelow(12) + 1:02d}15{secrets.randbelow(1000):03d}"
    person = {"name": "李娜", "id_number": body + id_check_digit(body)}
    with serve(data_dir, free_port()) as base, httpx.Client(base_url=base) as web:
        # The phone WeChat will vouch for is theirs at the operators too (the real-name check).
        resident = {**person, "phone": sandbox_phone(n)}
        assert web.post("/_sandbox/population/people", json=resident).status_code == 201
        login = web.post("/mp/v1/wechat/login", json={"code": f"test-code-{n}-a"})
        assert login.json()["status"] == "bind_required", login.text
        bound = web.post(
            "/mp/v1/bind",
            json={
                "bind_ticket": login.json()["bind_ticket"],
                "platform_phone_proof": f"phone-code-{n}-a",
                **person,
            },
        )
        assert bound.status_code == 200, bound.text
        links = web.get("/mp/v1/links", headers=bearer(bound.json()["access_token"]))
        assert [link["platform"] for link in links.json()["items"]] == ["wechat"]
        assert web.post("/mp/v1/wechat/login", json={"code": f"test-code-{n}-b"}).json()["status"] == (
            "authenticated"
        )
