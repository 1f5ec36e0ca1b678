"""Staff, scanners and mini-program binding on the embedded default, over real HTTP: the generated
admin password is printed once at first start (and never again), the admin registers and revokes a
scanner, and a WeChat user binds with the platform's phone number API."""

from __future__ import annotations

import secrets
from pathlib import Path

import httpx
import pytest

from integrations import id_check_digit
from integrations.wechat import sandbox_phone
from tests.smoke.server import bearer, free_port, printed_passwords, serve

pytestmark = pytest.mark.embedded


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("staff")


def test_first_start_prints_the_admin_password_once_and_the_admin_runs_scanners(data_dir: Path) -> None:
    port = free_port()
    with serve(data_dir, port) as base, httpx.Client(base_url=base) as web:
        (password,) = printed_passwords(data_dir)
        login = web.post("/api/v1/staff/token", json={"username": "admin", "password": password})
        assert login.status_code == 200, login.text
        admin = bearer(login.json()["access_token"])

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
        assert again.status_code == 200


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
