"""Credit end to end over HTTP on the embedded default (SQLite + in-process store + sandbox): a citizen
reads their own report, anyone pages through legal persons' public disclosures, and an objection filed
while the credit platform is down is answered at once (`queued`), the report is a 503 with its code,
and once the platform is back the objection reaches it exactly once, is decided there, and the
citizen sees the decision and is told."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.smoke.server import bearer, free_port, serve
from tests.smoke.test_identity_embedded import _code, _person

pytestmark = pytest.mark.embedded


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("credit")


def registered(web: httpx.Client) -> tuple[dict[str, str], dict[str, str]]:
    person = _person(web)
    answer = web.post(
        "/api/v1/auth/register",
        json={
            "phone": person["phone"],
            "sms_code": _code(web, person["phone"], "register"),
            "name": person["name"],
            "id_number": person["id_number"],
        },
    )
    assert answer.status_code == 201, answer.text
    return person, bearer(answer.json()["tokens"]["access_token"])


def until(
    read: Callable[[], dict[str, Any]], done: Callable[[dict[str, Any]], bool], within: float
) -> dict[str, Any]:
    deadline = time.monotonic() + within
    body = read()
    while not done(body) and time.monotonic() < deadline:
        time.sleep(0.25)
        body = read()
    return body


def test_a_report_disclosures_and_an_objection_through_an_outage(data_dir: Path) -> None:
    with (
        # A 2 s breaker cool-down: the outage below opens it, and the wait after is not the point.
        serve(
            data_dir, free_port(), SUQIAN_CREDIT_POLL_SECONDS="0.5", SUQIAN_UPSTREAM_BREAKER_OPEN_SECONDS="2"
        ) as base,
        httpx.Client(base_url=base, timeout=30) as web,
    ):
        person, citizen = registered(web)
        web.post("/_sandbox/credit/people", json={"id_number": person["id_number"], "name": person["name"]})
        record = {
            "record_id": "CRSMOKE1",
            "category": "dishonest",
            "title": "失信被执行人",
            "authority": "宿迁市宿城区人民法院",
            "decided_on": "2025-05-06",
            "valid_until": None,
            "status": "active",
        }
        assert web.post(
            "/_sandbox/credit/records", json={"subject": person["id_number"], "record": record}
        ).is_success

        report = web.get("/api/v1/credit/report", headers=citizen)
        assert report.status_code == 200, report.text
        assert [r["record_id"] for r in report.json()["records"]] == ["CRSMOKE1"]

        first = web.get("/api/v1/credit/disclosures", params={"q": "宿迁", "limit": 1})
        assert first.status_code == 200, first.text
        rest = web.get(
            "/api/v1/credit/disclosures",
            params={"q": "宿迁", "limit": 1, "cursor": first.json()["next_cursor"]},
        )
        assert [d["record"]["record_id"] for d in first.json()["items"] + rest.json()["items"]] == [
            "CR1001",
            "CR1002",
        ]

        web.post("/_sandbox/credit/faults", json={"down": True})
        try:
            filed = web.post(
                "/api/v1/credit/objections",
                json={
                    "record_id": "CRSMOKE1",
                    "reason": "该案已执行完毕，请核实",
                    "contact_phone": person["phone"],
                },
                headers={**citizen, "Idempotency-Key": "smoke-objection-1"},
            )
            assert filed.status_code == 201, filed.text
            assert filed.json()["status"] == "queued"
            down = web.get("/api/v1/credit/report", headers=citizen)
            assert (down.status_code, down.json()["code"]) == (503, "credit.unavailable")
        finally:
            web.post("/_sandbox/credit/faults/reset")
        path = f"/api/v1/credit/objections/{filed.json()['id']}"
        # Our breaker may have opened on the failures: it lets a probe through after its 30 s cool-down.
        received = until(
            lambda: web.get(path, headers=citizen).json(), lambda b: b["status"] == "received", 90
        )
        assert received["status"] == "received", received
        at_platform = [
            o for o in web.get("/_sandbox/credit/objections").json() if o["record_id"] == "CRSMOKE1"
        ]
        assert len(at_platform) == 1
        assert at_platform[0]["objection_id"] == received["platform_objection_id"]

        decided = web.post(
            f"/_sandbox/credit/objections/{received['platform_objection_id']}/decision",
            json={"status": "upheld", "reply": "经核实，记录已修复"},
        )
        assert decided.status_code == 200, decided.text
        final = until(lambda: web.get(path, headers=citizen).json(), lambda b: b["status"] == "upheld", 30)
        assert (final["status"], final["reply"]) == ("upheld", "经核实，记录已修复")
        inbox = until(
            lambda: web.get("/api/v1/notifications", headers=citizen).json(),
            lambda b: any(m["template"] == "credit.objection_decided" for m in b["items"]),
            30,
        )
        assert [m["template"] for m in inbox["items"]] == ["credit.objection_decided"]
        # Nobody else sees it.
        _, stranger = registered(web)
        assert web.get(path, headers=stranger).json()["code"] == "credit.objection_not_found"
