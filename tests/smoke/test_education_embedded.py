"""Education (教育一站直通) end to end over HTTP on the embedded default (SQLite + in-process store +
sandbox): a parent looks up the seeded school district of their address, starts their child's
enrolment (prefilled from the household register and the district), submits it; the department
(the case-system twin) admits the child and the parent is told; an operator sets up a school account
for the seeded school, which places the child in a class and posts a notice; the parent reads it in
the app and the school sees the read receipt; the school's post to a class of another school is a 403."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from integrations._seed import make_id_number
from tests.backend.application.factories import png
from tests.smoke.server import bearer, free_port, operator_session, printed_passwords, serve
from tests.smoke.test_identity_embedded import _code, _person

pytestmark = pytest.mark.embedded

HOME = "江苏省宿迁市宿城区幸福中路18号"


def _until(check: Callable[[], Any], *, within: float = 30.0) -> Any:
    deadline = time.monotonic() + within
    while not (value := check()):
        assert time.monotonic() < deadline, "not within the time"
        time.sleep(0.1)
    return value


def _parent(web: httpx.Client) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """A registered parent and their 6-year-old on one household register at ``HOME``."""
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
    year = datetime.now(UTC).year
    child = {
        "name": "陈小雨",
        "id_number": make_id_number("321302", datetime(year - 6, 3, 1).date(), 2 * secrets.randbelow(400)),
    }
    assert web.post("/_sandbox/population/people", json=child).status_code == 201
    members = [
        {"id_number": person["id_number"], "relation": "户主"},
        {"id_number": child["id_number"], "relation": "女"},
    ]
    household = web.post("/_sandbox/population/households", json={"members": members, "address": HOME})
    assert household.status_code == 201, household.text
    return person, child, bearer(registered.json()["tokens"]["access_token"])


def _school_account(web: httpx.Client, operator: dict[str, str], school_id: str) -> dict[str, str]:
    account = {"username": f"school-{secrets.token_hex(3)}", "password": f"School-{secrets.token_urlsafe(9)}"}
    created = web.post(
        "/api/v1/admin/staff", json={**account, "display_name": "班主任", "role": "school"}, headers=operator
    )
    assert created.status_code == 201, created.text
    bound = web.put(
        f"/api/v1/education/admin/school-staff/{created.json()['id']}",
        json={"school_id": school_id},
        headers=operator,
    )
    assert bound.status_code == 200, bound.text
    first = web.post("/api/v1/staff/token", json=account).json()
    assert first["status"] == "setup_required", first
    changed = web.post(
        "/api/v1/staff/me/password",
        json={"current_password": account["password"], "new_password": f"Mine-{secrets.token_urlsafe(12)}"},
        headers=bearer(first["access_token"]),
    )
    assert changed.status_code == 200, changed.text
    return bearer(changed.json()["session"]["access_token"])


def test_enrolment_admission_and_a_class_notice_with_its_read_receipt_on_the_embedded_default(
    tmp_path: Path,
) -> None:
    with serve(tmp_path, free_port()) as base, httpx.Client(base_url=base, timeout=30) as web:
        # The district: the seeded 学区划分 places the address in 宿迁市实验小学 (and 钟吾初中 for junior).
        found = web.get("/api/v1/education/school-districts", params={"address": HOME}).json()
        assert found["district"] == "宿城区"
        assert {s["stage"]: s["school"]["code"] for s in found["schools"]} == {
            "primary": "SQ-XX-0001",
            "junior": "SQ-XX-0003",
        }
        school = next(s["school"] for s in found["schools"] if s["stage"] == "primary")

        # Enrol: the draft arrives prefilled from the household register and the district.
        person, child, parent = _parent(web)
        started = web.post(
            "/api/v1/education/enrolments",
            json={"child_id_number": child["id_number"], "stage": "primary"},
            headers=parent,
        )
        assert started.status_code == 201, started.text
        details = started.json()["data"]["details"]
        assert (details["child_name"], details["school_code"]) == (child["name"], "SQ-XX-0001")
        assert started.json()["provenance"]["/details/child_id_number"]["source"] == "household_register"

        # Confirm: the parent adds what no register knows, the ID card, and submits.
        application_id = started.json()["application_id"]
        path = f"/api/v1/applications/{application_id}"
        data = started.json()["data"]
        data["applicant"]["phone"] = person["phone"]
        data["details"].update(home_address=HOME, residence_basis="户籍与房产一致")
        assert web.put(f"{path}/data", json={"data": data}, headers=parent).json()["errors"] == []
        card = web.post(
            f"{path}/materials",
            params={"slot": "id_card", "filename": "身份证.png"},
            content=png(b"card"),
            headers={**parent, "content-type": "image/png"},
        )
        assert card.status_code == 201, card.text
        assert web.post(f"{path}/submit", headers=parent).status_code == 200
        case_id = _until(lambda: web.get(path, headers=parent).json()["case_id"])

        # The bureau admits the child: the enrolment says so and the parent is told, once.
        for status in ("accepted", "in_review", "approved"):
            moved = web.post(
                f"/_sandbox/cases/applications/{case_id}/advance", json={"status": status, "note": ""}
            )
            assert moved.status_code == 200, moved.text
        enrolment = _until(
            lambda: next(
                (
                    e
                    for e in web.get("/api/v1/education/enrolments", headers=parent).json()["items"]
                    if e["status"] == "admitted"
                ),
                None,
            )
        )
        assert enrolment["school_id"] == school["id"]
        inbox = [m["title"] for m in web.get("/api/v1/notifications", headers=parent).json()["items"]]
        assert inbox.count("入学录取结果：已录取") == 1, inbox

        # The school: an operator sets up its account; it opens a class and places the child.
        (password,) = printed_passwords(tmp_path)
        operator = operator_session(web, password)
        teacher = _school_account(web, operator, school["id"])
        made = web.post(
            "/api/v1/education/school/classes",
            json={"name": "一年级(3)班", "grade": 1, "year": 2026},
            headers=teacher,
        )
        assert made.status_code == 201, made.text
        class_id = made.json()["id"]
        placed = web.post(
            f"/api/v1/education/school/enrolments/{enrolment['id']}/placement",
            json={"class_id": class_id},
            headers=teacher,
        )
        assert placed.status_code == 200, placed.text

        # A notice to the class: the parent has it in the app (and as a message), reads it; the school
        # sees the receipt.
        posted = web.post(
            f"/api/v1/education/school/classes/{class_id}/notices",
            json={"title": "开学报到", "body": "请于9月1日上午8点带孩子到校报到。"},
            headers=teacher,
        )
        assert (posted.status_code, posted.json()["recipients"]) == (201, 1)
        notice_id = posted.json()["id"]
        listed = web.get("/api/v1/education/notices", headers=parent).json()["items"]
        assert [(n["notice"]["id"], n["read_at"]) for n in listed] == [(notice_id, None)]
        assert "家校通知：开学报到" in [
            m["title"] for m in web.get("/api/v1/notifications", headers=parent).json()["items"]
        ]
        assert web.post(f"/api/v1/education/notices/{notice_id}/read", headers=parent).json()["read_at"]
        receipts = web.get(f"/api/v1/education/school/notices/{notice_id}/receipts", headers=teacher).json()
        assert (receipts["recipients"], receipts["read"], receipts["unread_pupils"]) == (1, 1, [])

        # Another school's class is not this school's to post to.
        other = next(
            s for s in web.get("/api/v1/education/schools").json()["items"] if s["code"] == "SQ-XX-0004"
        )
        other_teacher = _school_account(web, operator, other["id"])
        theirs = web.post(
            "/api/v1/education/school/classes",
            json={"name": "一年级(1)班", "grade": 1, "year": 2026},
            headers=other_teacher,
        ).json()["id"]
        refused = web.post(
            f"/api/v1/education/school/classes/{theirs}/notices",
            json={"title": "x", "body": "y"},
            headers=teacher,
        )
        assert (refused.status_code, refused.json()["code"]) == (403, "education.not_your_school")
