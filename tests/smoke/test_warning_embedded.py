"""A disaster warning end to end over HTTP on the embedded default (SQLite + in-process store +
sandbox): the operator creates a publisher account and binds it to the meteorological bureau; two
citizens choose their districts (one links WeChat); the publisher issues a red rainstorm warning for
one district; the in-process fan-out tells the subscribed citizen there by SMS and the WeChat one by
subscribe message, once each, and not the citizen elsewhere; the publisher watches the progress reach
done; the citizens see it in the app; a cancel takes it off their lists."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.smoke.payers import wechat_payer
from tests.smoke.server import bearer, free_port, operator_session, printed_passwords, serve
from tests.smoke.test_identity_embedded import _code, _person

pytestmark = pytest.mark.embedded


def _until(check: Callable[[], Any], *, within: float = 30.0) -> Any:
    deadline = time.monotonic() + within
    while not (found := check()) and time.monotonic() < deadline:
        time.sleep(0.2)
    return found


def _citizen(web: httpx.Client) -> tuple[dict[str, str], dict[str, str]]:
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
    return person, bearer(registered.json()["tokens"]["access_token"])


def _publisher(web: httpx.Client, operator: dict[str, str]) -> dict[str, str]:
    account = {"username": f"qxt-{secrets.token_hex(3)}", "password": f"Storm-{secrets.token_urlsafe(9)}"}
    created = web.post(
        "/api/v1/admin/staff",
        json={**account, "display_name": "气象台值班", "role": "publisher"},
        headers=operator,
    )
    assert created.status_code == 201, created.text
    bound = web.post(
        "/api/v1/warnings/publishers",
        json={"staff_id": created.json()["id"], "organisation": "meteorological"},
        headers=operator,
    )
    assert bound.status_code == 201, bound.text
    first = web.post("/api/v1/staff/token", json=account).json()
    changed = web.post(
        "/api/v1/staff/me/password",
        json={"current_password": account["password"], "new_password": f"Mine-{secrets.token_urlsafe(12)}"},
        headers=bearer(first["access_token"]),
    )
    assert changed.status_code == 200, changed.text
    return bearer(changed.json()["session"]["access_token"])


def _warning_texts(web: httpx.Client, phone: str) -> list[str]:
    outbox = web.get("/_sandbox/sms/outbox", params={"phone": phone}).json()
    return [m["text"] for m in outbox if m["template_code"] == "SQ_DISASTER_WARNING"]


def test_a_red_warning_reaches_the_subscribed_citizens_once_and_leaves_on_cancel(data_dir: Path) -> None:
    with serve(data_dir, free_port()) as base, httpx.Client(base_url=base) as web:
        (password,) = printed_passwords(data_dir)
        operator = operator_session(web, password)
        publisher = _publisher(web, operator)

        near, near_headers = _citizen(web)
        far, far_headers = _citizen(web)
        _, on_wechat = wechat_payer(web)
        for headers, district in ((near_headers, "宿城区"), (far_headers, "泗洪县"), (on_wechat, "宿城区")):
            chose = web.put("/api/v1/warnings/subscription", json={"districts": [district]}, headers=headers)
            assert chose.status_code == 200, chose.text

        refused = web.post("/api/v1/warnings", json={"kind": "暴雨"}, headers=near_headers)
        assert refused.status_code == 403
        published = web.post(
            "/api/v1/warnings",
            json={
                "kind": "暴雨",
                "level": "red",
                "districts": ["宿城区"],
                "text": "预计未来3小时宿城区降雨量将达100毫米以上，请停止户外活动。",
                "valid_until": (datetime.now(UTC) + timedelta(hours=6)).isoformat(),
            },
            headers=publisher,
        )
        assert published.status_code == 201, published.text
        warning = published.json()
        assert (warning["title"], warning["issuer"]) == ("暴雨红色预警", "宿迁市气象台")

        def done() -> dict[str, Any] | None:
            body: dict[str, Any] = web.get(
                f"/api/v1/warnings/{warning['id']}/progress", headers=publisher
            ).json()
            return body if body["state"] == "done" else None

        progress = _until(done)
        assert progress, "the fan-out did not finish"
        assert progress["channels"]["sms"]["sent"] == 1
        assert progress["channels"]["wechat"]["sent"] == 1
        texts = _warning_texts(web, near["phone"])
        assert len(texts) == 1
        assert texts[0].startswith("【我的宿迁】宿迁市气象台发布暴雨红色预警（宿城区）：")
        assert _warning_texts(web, far["phone"]) == []

        mine = web.get("/api/v1/warnings/mine", headers=near_headers).json()
        assert (mine["districts"], [w["id"] for w in mine["items"]]) == (["宿城区"], [warning["id"]])
        assert web.get("/api/v1/warnings/mine", headers=far_headers).json()["items"] == []

        cancelled = web.post(f"/api/v1/warnings/{warning['id']}/cancel", headers=publisher)
        assert cancelled.status_code == 200, cancelled.text
        assert web.get("/api/v1/warnings/mine", headers=near_headers).json()["items"] == []


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path
