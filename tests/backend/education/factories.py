"""A school with a district of its own (a road no other test uses), its school account signed in,
classes, and families: a registered parent with a child on their household register."""

from __future__ import annotations

import itertools
import secrets
import uuid
from dataclasses import dataclass
from datetime import date

import httpx
from litestar import Litestar

from backend.education.repository import SchoolRow
from backend.education.service import EducationService
from backend.notices import BEIJING
from integrations._seed import make_id_number
from tests.backend.citizen.factories import bearer, register
from tests.backend.staff.factories import staff_login
from tests.services import Services


@dataclass(frozen=True)
class School:
    row: SchoolRow
    road: str
    headers: dict[str, str]
    staff_id: uuid.UUID


@dataclass(frozen=True)
class Family:
    citizen_id: uuid.UUID
    headers: dict[str, str]
    parent: dict[str, str]
    child: dict[str, str]


def education(services: Services) -> EducationService:
    return services.wiring.get(EducationService)


async def make_school(app: Litestar, services: Services, *, stage: str = "primary") -> School:
    """A school serving house numbers 1-99 of a road of its own in 宿城区, and its school account
    (bound to it, signed in)."""
    road = f"测试{secrets.token_hex(3)}路"
    row = await education(services).add_school(
        by="tests",
        code=f"SQ-XX-{100000 + secrets.randbelow(900000)}",  # 6 digits: the seed has 4
        name=f"测试学校{secrets.token_hex(2)}",
        stage=stage,
        district="宿城区",
        address=f"宿迁市宿城区{road}1号",
        phone="0527-80000000",
        lines=[
            {"district": "宿城区", "road": road, "from_no": 1, "to_no": 99, "parity": "all", "community": ""}
        ],
    )
    member, _, session, _ = await staff_login(app, services, role="school")
    await education(services).bind_staff(member.id, row.id, by="tests")
    return School(row=row, road=road, headers=bearer(session["access_token"]), staff_id=member.id)


async def add_class(client: httpx.AsyncClient, school: School, name: str = "一年级(1)班") -> str:
    made = await client.post(
        "/api/v1/education/school/classes",
        json={"name": name, "grade": 1, "year": 2026},
        headers=school.headers,
    )
    assert made.status_code == 201, made.text
    class_id: str = made.json()["id"]
    return class_id


# Children's ID-number sequences, in turn from a random start.
_sequences = itertools.count(secrets.randbelow(500))


def child_born(services: Services, *, age: int) -> date:
    today = services.clock.now().astimezone(BEIJING).date()
    return date(today.year - age, 3, 1)


async def make_family(
    client: httpx.AsyncClient, services: Services, *, age: int = 6, address: str | None = None
) -> Family:
    """A registered parent and their child of ``age`` (by 1 March), both on one household register
    at ``address``."""
    registered = await register(client)
    parent = registered["_person"]
    born = child_born(services, age=age)
    # Every child of an age shares a birth date, so the ID number's sequence tells them apart: taken in
    # turn (a random one collided with an earlier child now and then: the registry's 409 failed a run),
    # and the next tried if another test's child holds it.
    for _ in range(500):
        child = {
            "name": "李小" + secrets.choice("明红刚丽"),
            "id_number": make_id_number("321302", born, next(_sequences) % 500 * 2),
        }
        added = await client.post("/_sandbox/population/people", json=child)
        if added.status_code != 409:
            break
    assert added.status_code == 201, added.text
    members = [
        {"id_number": parent["id_number"], "relation": "户主"},
        {"id_number": child["id_number"], "relation": "子"},
    ]
    household = await client.post(
        "/_sandbox/population/households", json={"members": members, "address": address or ""}
    )
    assert household.status_code == 201, household.text
    return Family(
        citizen_id=uuid.UUID(registered["citizen"]["id"]),
        headers=bearer(registered["tokens"]["access_token"]),
        parent=parent,
        child=child,
    )
