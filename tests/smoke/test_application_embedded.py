"""The whole life of an application on the embedded default (SQLite, in-process store and outbox
workers, the sandbox's case system calling back in-process), over real HTTP: find the item by an
everyday word, draft it (filled from the ID card), fill the rest, attach its materials (a licence
and an upload, stored in the data folder's blob store), submit, the department accepts,
reviews and returns it for correction, the citizen corrects and resubmits, the department approves
and completes it."""

from __future__ import annotations

import json
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


def test_the_whole_life_of_an_application_on_the_embedded_default(tmp_path: Path) -> None:
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

        # Find: the seed catalogue is there, and the everyday word finds the item.
        found = web.get("/api/v1/catalogue/items", params={"q": "暂住证"}).json()["items"]
        assert found[0]["code"] == "SQ-GA-0001"
        item = web.get("/api/v1/catalogue/items/SQ-GA-0001").json()
        assert item["definition"]["form"]["ui"]["steps"][0]["title"] == "申请人信息"

        # Fill: the draft arrives filled from the ID card, with provenance.
        created = web.post("/api/v1/applications", json={"item_code": "SQ-GA-0001"}, headers=citizen)
        assert created.status_code == 201, created.text
        application = created.json()
        path = f"/api/v1/applications/{application['id']}"
        assert application["data"]["applicant"]["id_number"] == person["id_number"]
        assert application["provenance"]["/applicant/name"]["source"] == "licence"
        data = application["data"]
        data["applicant"]["phone"] = person["phone"]
        data["details"] = {
            "address": "宿迁市宿城区幸福中路88号",
            "residence_type": "租赁住房",
            "since": "2026-01-15",
        }
        saved = web.put(f"{path}/data", json={"data": data}, headers=citizen)
        assert saved.json()["errors"] == [], saved.text

        # Attach: the ID card as the citizen's licence, the lease uploaded (a PNG, whatever its name).
        licences = web.get("/api/v1/licences", headers=citizen).json()["items"]
        card = next(i["id"] for i in licences if i["kind_code"] == "JMSFZ")
        given = web.post(
            f"{path}/materials/licence", json={"slot": "id_card", "licence_id": card}, headers=citizen
        )
        assert given.status_code == 201, given.text
        assert web.post(f"{path}/submit", headers=citizen).json()["code"] == "application.materials_missing"
        lease = png(b"lease")  # a photo of the lease: a well-formed PNG, whatever its name says
        uploaded = web.post(
            f"{path}/materials",
            params={"slot": "residence_proof", "filename": "租房合同.pdf"},
            content=lease,
            headers={**citizen, "content-type": "application/pdf"},
        )
        assert uploaded.status_code == 201, uploaded.text
        assert uploaded.json()["media_type"] == "image/png"
        assert web.get(f"/api/v1/materials/{uploaded.json()['id']}", headers=citizen).content == lease
        assert web.get(f"{path}/materials", headers=citizen).json()["missing"] == []

        # Submit: forwarded by the in-process outbox worker; the department's case number comes back.
        submitted = web.post(f"{path}/submit", headers=citizen)
        assert submitted.status_code == 200, submitted.text
        assert submitted.json()["delivery"] in ("forwarding", "delivered")
        case_id = _until(lambda: web.get(path, headers=citizen).json()["case_id"])

        def advance(status: str) -> None:
            moved = web.post(
                f"/_sandbox/cases/applications/{case_id}/advance", json={"status": status, "note": status}
            )
            assert moved.status_code == 200, moved.text

        def status_is(status: str) -> bool:
            return bool(web.get(path, headers=citizen).json()["status"] == status)

        # The department accepts, reviews and returns it for correction (补正): signed callbacks.
        for status in ("accepted", "in_review", "returned"):
            advance(status)
        _until(lambda: status_is("correction_requested"))

        # Correct: the citizen adds their employer and resubmits; the supplement reaches the case.
        data["details"]["employer"] = "宿迁市某科技有限公司"
        assert web.put(f"{path}/data", json={"data": data}, headers=citizen).status_code == 200
        assert web.post(f"{path}/resubmit", headers=citizen).json()["status"] == "resubmitted"
        _until(
            lambda: any(
                e["action"] == "supplement_delivered"
                for e in web.get(f"{path}/events", headers=citizen).json()["items"]
            )
        )

        # Approve and complete.
        for status in ("in_review", "approved", "completed"):
            advance(status)
        _until(lambda: status_is("completed"))
        events = web.get(f"{path}/events", headers=citizen).json()["items"]
        assert [e["to_status"] for e in events if e["from_status"] != e["to_status"]] == [
            "draft", "submitted", "accepted", "in_review", "correction_requested", "resubmitted",
            "in_review", "approved", "completed",
        ]  # fmt: skip

        # The evidence of it: each step audited with its digest, the day's proof once midnight passes
        # (on SQLite too: the seal job ran at start and found nothing ended).
        evidence = web.get(f"{path}/evidence", headers=citizen).json()["items"]
        submit = next(p for p in evidence if p["entry"]["action"] == "application.submit")
        assert len(json.loads(submit["entry"]["data"])["data_digest"]) == 64
        uploads = [p for p in evidence if p["entry"]["action"] == "application.material_added"]
        assert uploads, "each attached material's digest is evidence too"
        assert web.get("/api/v1/evidence/keys").json()["keys"]

        # Told: each move the citizen must know of put a message in their inbox (accepted, returned
        # for correction, approved, completed; pushed by SMS here: no mini-program authorisation held).
        inbox = web.get("/api/v1/notifications", headers=citizen).json()["items"]
        titles = sorted(m["title"] for m in inbox)
        assert titles == sorted(
            ["办件进度：已受理", "办件需补正", "办件进度：审批通过", "办件进度：已办结"]
        ), titles
