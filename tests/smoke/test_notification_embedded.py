"""Notifications on the embedded default (SQLite, in-process outbox workers, the sandbox's WeChat, SMS
and case system), over real HTTP: a citizen links WeChat and allows one status message; the department
accepts their application — told by WeChat, spending the one "allow" — then returns it for correction
— no authorisation for that notice, so told by SMS; both stay readable in the inbox with how they went."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.backend.application.factories import png
from tests.smoke.server import bearer, serve
from tests.smoke.test_identity_embedded import _code, _person

pytestmark = pytest.mark.embedded


def _until(check: Callable[[], Any], *, within: float = 30.0) -> Any:
    deadline = time.monotonic() + within
    while not (value := check()):
        assert time.monotonic() < deadline, "not within the time"
        time.sleep(0.1)
    return value


def _submitted_application(web: httpx.Client, citizen: dict[str, str], person: dict[str, str]) -> str:
    created = web.post("/api/v1/applications", json={"item_code": "SQ-GA-0001"}, headers=citizen)
    assert created.status_code == 201, created.text
    path = f"/api/v1/applications/{created.json()['id']}"
    data = created.json()["data"]
    data["applicant"]["phone"] = person["phone"]
    data["details"] = {
        "address": "宿迁市宿城区幸福中路88号",
        "residence_type": "租赁住房",
        "since": "2026-01-15",
    }
    assert web.put(f"{path}/data", json={"data": data}, headers=citizen).json()["errors"] == []
    # Its materials: the ID card from the wallet, the lease as a photo.
    licences = web.get("/api/v1/licences", headers=citizen).json()["items"]
    card = next(i["id"] for i in licences if i["kind_code"] == "JMSFZ")
    given = web.post(
        f"{path}/materials/licence", json={"slot": "id_card", "licence_id": card}, headers=citizen
    )
    assert given.status_code == 201, given.text
    uploaded = web.post(
        f"{path}/materials",
        params={"slot": "residence_proof", "filename": "lease.png"},
        content=png(b"lease"),
        headers={**citizen, "content-type": "image/png"},
    )
    assert uploaded.status_code == 201, uploaded.text
    submitted = web.post(f"{path}/submit", headers=citizen)
    assert submitted.status_code == 200, submitted.text
    case_id: str = _until(lambda: web.get(path, headers=citizen).json()["case_id"])
    return case_id


def test_a_citizen_is_told_by_wechat_then_by_sms_and_reads_both_in_the_inbox(tmp_path: Path) -> None:
    with serve(tmp_path) as base, httpx.Client(base_url=base, timeout=30) as web:
        person = _person(web)
        issued = web.post(
            "/_sandbox/elicence/licences",
            json={"name": person["name"], "id_number": person["id_number"], "kind_code": "JMSFZ"},
        )
        assert issued.status_code == 201, issued.text
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
        # Quiet hours are the citizen's: this run must not depend on the hour it runs at.
        prefs = web.put("/api/v1/notifications/preferences", json={"quiet_hours": None}, headers=citizen)
        assert prefs.status_code == 200, prefs.text

        # The mini program: link WeChat, ask the citizen to allow the status message, record the "accept".
        linked = web.post(
            "/mp/v1/links/wechat",
            json={
                "code": f"test-code-{secrets.randbelow(10**8)}-smoke",
                "phone": person["phone"],
                "sms_code": _code(web, person["phone"], "bind"),
            },
            headers=citizen,
        )
        assert linked.status_code == 201, linked.text
        templates = {
            t["code"]: t for t in web.get("/api/v1/notifications/templates", headers=citizen).json()["items"]
        }
        assert templates["application.status_changed"]["wechat_template_id"]
        allowed = web.post(
            "/api/v1/notifications/subscriptions",
            json={"template": "application.status_changed", "platform": "wechat"},
            headers={**citizen, "idempotency-key": "smoke-accept-1"},
        )
        assert allowed.status_code == 201, allowed.text
        assert allowed.json()["remaining"] == 1
        replayed = web.post(  # the same accept retried: counted once (SQLite's upsert path below)
            "/api/v1/notifications/subscriptions",
            json={"template": "application.status_changed", "platform": "wechat"},
            headers={**citizen, "idempotency-key": "smoke-accept-1"},
        )
        assert replayed.json()["remaining"] == 1
        again = web.post(
            "/api/v1/notifications/subscriptions",
            json={"template": "application.status_changed", "platform": "wechat"},
            headers={**citizen, "idempotency-key": "smoke-accept-2"},
        )
        assert again.json()["remaining"] == 2

        case_id = _submitted_application(web, citizen, person)

        def inbox() -> list[dict[str, Any]]:
            answer = web.get("/api/v1/notifications", headers=citizen)
            assert answer.status_code == 200, answer.text
            items: list[dict[str, Any]] = answer.json()["items"]
            return items

        def advance(status: str) -> None:
            moved = web.post(
                f"/_sandbox/cases/applications/{case_id}/advance",
                json={"status": status, "note": "请补充租赁合同"},
            )
            assert moved.status_code == 200, moved.text

        advance("accepted")
        told = _until(lambda: [m for m in inbox() if m["state"] == "sent"])
        assert [(m["title"], m["channel"]) for m in told] == [("办件进度：已受理", "wechat")]

        advance("in_review")
        advance("returned")
        _until(lambda: len([m for m in inbox() if m["state"] == "sent"]) == 2)
        newest = inbox()[0]
        assert (newest["template"], newest["channel"]) == ("application.correction_requested", "sms")
        assert newest["body"] == "您申请的“居住证办理”需要补正：请补充租赁合同。请补正后重新提交。"
        texts = [m["text"] for m in web.get("/_sandbox/sms/outbox", params={"phone": person["phone"]}).json()]
        assert (
            texts[-1]
            == "【我的宿迁】您申请的“居住证办理”需补正：请补充租赁合同。请在“我的宿迁”中补正后重新提交。"
        )

        read = web.post(f"/api/v1/notifications/{newest['id']}/read", headers=citizen)
        assert read.status_code == 200, read.text
        assert read.json()["read_at"] is not None
