"""Makers of the objects citizens own in the features of the second half of the plan: tickets,
visitors and waiting places, organisations and their grants, home–school notices, data exports,
credit objections, 12345 tickets."""

from __future__ import annotations

import secrets
import uuid
from datetime import date, datetime, timedelta
from typing import Any

import httpx

from backend.citizen.service import CitizenService
from backend.database import transaction
from backend.education.service import EducationService
from backend.tourism.model import BEIJING
from integrations.creditcode import make_credit_code
from tests.backend.citizen.factories import register
from tests.backend.credit.factories import add_record as add_credit_record
from tests.backend.staff.factories import make_staff
from tests.backend.tourism.factories import buy, id_number, make_spot
from tests.contract.owner import Owner

# The organisation each owner claimed last, for the grant maker (a route naming both ids wants them
# to belong together: makers run in the order of the route's ``owns``).
_LAST_ORGANISATION: dict[uuid.UUID, str] = {}


async def organisation_organisation(client: httpx.AsyncClient, owner: Owner) -> str:
    """A fresh enterprise at the legal-person registry whose representative is the owner, claimed."""
    assert owner.services is not None
    person = await owner.services.wiring.get(CitizenService).real_identity(owner.id)
    code = make_credit_code("91", "321302", f"M{secrets.randbelow(10**7):07d}")
    registered = await client.post(
        "/_sandbox/legalperson/organisations",
        json={
            "credit_code": code,
            "name": f"矩阵测试{code[-6:]}有限公司",
            "kind": "enterprise",
            "representative_name": person.name,
            "representative_id_number": person.id_number,
        },
    )
    assert registered.status_code == 201, registered.text
    claimed = await client.post("/api/v1/organisations", json={"credit_code": code}, headers=owner.headers)
    assert claimed.status_code == 201, claimed.text
    organisation_id: str = claimed.json()["id"]
    _LAST_ORGANISATION[owner.id] = organisation_id
    return organisation_id


async def organisation_grant(client: httpx.AsyncClient, owner: Owner) -> str:
    """An agent's authorisation for the owner's last claimed organisation (one claimed if none)."""
    organisation_id = _LAST_ORGANISATION.get(owner.id) or await organisation_organisation(client, owner)
    agent = (await register(client))["_person"]
    until = (datetime.now(BEIJING) + timedelta(days=7)).isoformat()
    granted = await client.post(
        f"/api/v1/organisations/{organisation_id}/agents",
        json={
            **{k: agent[k] for k in ("phone", "name", "id_number")},
            "scopes": ["apply"],
            "expires_at": until,
        },
        headers=owner.headers,
    )
    assert granted.status_code == 201, granted.text
    grant_id: str = granted.json()["id"]
    return grant_id


async def education_notice(client: httpx.AsyncClient, owner: Owner) -> str:
    """A notice a school posted to the class the owner's child is in (a parent of another class, or
    of none, must not see it)."""
    assert owner.services is not None, "a notice needs a school, its account, a class and a parent link"
    education = owner.services.wiring.get(EducationService)
    school = await education.add_school(
        by="tests", code=f"SQ-XX-{100000 + secrets.randbelow(900000)}", name="矩阵测试小学",
        stage="primary", district="宿城区", address="宿迁市宿城区", phone="0527-80000000", lines=[],
    )  # fmt: skip
    member, _ = await make_staff(owner.services, role="school")
    await education.bind_staff(member.id, school.id, by="tests")
    klass = await education.add_class(member.id, name="一年级(1)班", grade=1, year=2026)
    async with transaction(owner.services.engine):
        await education.add_guardian(
            class_id=klass.id, citizen_id=owner.id, enrolment_id=None, student_name="矩阵", source="school"
        )
    notice = await education.post(member.id, klass.id, title="通知", body="矩阵测试")
    return str(notice.id)


async def datarights_export(client: httpx.AsyncClient, owner: Owner) -> str:
    asked = await client.post("/api/v1/data-rights/exports", headers=owner.headers)
    assert asked.status_code == 202, asked.text
    export_id: str = asked.json()["id"]
    return export_id


async def credit_objection(client: httpx.AsyncClient, owner: Owner) -> str:
    assert owner.services is not None, "the credit platform must know the owner and a record of theirs"
    identity = await owner.services.citizens.real_identity(owner.id)
    known = await client.post(
        "/_sandbox/credit/people", json={"id_number": identity.id_number, "name": identity.name}
    )
    assert known.status_code == 201, known.text
    record_id = await add_credit_record(client, identity.id_number)
    filed = await client.post(
        "/api/v1/credit/objections",
        json={"record_id": record_id, "reason": "该记录与事实不符", "contact_phone": "13900000000"},
        headers=owner.headers,
    )
    assert filed.status_code == 201, filed.text
    return str(filed.json()["id"])


async def hotline_ticket(client: httpx.AsyncClient, owner: Owner) -> str:
    filed = await client.post(
        "/api/v1/hotline/tickets",
        json={
            "kind": "suggestion",
            "category": "transport",
            "title": "建议增开公交线路",
            "content": "建议在湖滨新区增开一条通往高铁站的公交线路。",
            "contact_phone": "13900000000",
        },
        headers=owner.headers,
    )
    assert filed.status_code == 201, filed.text
    return str(filed.json()["id"])


async def tourism_visitor(client: httpx.AsyncClient, owner: Owner, *, age: int = 40) -> str:
    """A companion of the owner with a fresh valid ID number (born ``age`` years ago)."""
    born = date.today() - timedelta(days=365 * age + secrets.randbelow(300))
    added = await client.post(
        "/api/v1/tourism/visitors",
        json={"name": "王小明", "id_number": id_number(secrets.randbelow(1000), born=born)},
        headers=owner.headers,
    )
    assert added.status_code == 201, added.text
    visitor_id: str = added.json()["id"]
    return visitor_id


async def _tourism_hold(client: httpx.AsyncClient, owner: Owner) -> dict[str, Any]:
    """A free ticket (a visitor of 75) for tomorrow at a fresh spot, confirmed at once."""
    assert owner.services is not None, "a ticket needs a spot an operator set up"
    world = await make_spot(owner.services, day=datetime.now(BEIJING).date() + timedelta(days=1))
    visitor_id = await tourism_visitor(client, owner, age=75)
    wanted = [{"visitor_id": visitor_id, "product_id": str(world.products["free"].id)}]
    held = await client.post(
        "/api/v1/tourism/holds",
        json={"slot_id": str(world.slot.id), "tickets": wanted},
        headers=owner.headers,
    )
    assert held.status_code == 201, held.text
    paid = await client.post(
        f"/api/v1/tourism/holds/{held.json()['id']}/pay",
        json={"channel": "wechat_app"},
        headers=owner.headers,
    )
    assert paid.status_code == 201, paid.text
    hold: dict[str, Any] = paid.json()["hold"]
    return hold


async def tourism_hold(client: httpx.AsyncClient, owner: Owner) -> str:
    return str((await _tourism_hold(client, owner))["id"])


async def tourism_ticket(client: httpx.AsyncClient, owner: Owner) -> str:
    return str((await _tourism_hold(client, owner))["tickets"][0]["id"])


async def tourism_waiter(client: httpx.AsyncClient, owner: Owner) -> str:
    """The owner's place in the waiting list of tomorrow's only place at a fresh spot, bought by another."""
    assert owner.services is not None, "a waiting list needs a spot an operator set up"
    world = await make_spot(owner.services, capacity=1, day=datetime.now(BEIJING).date() + timedelta(days=1))
    await buy(owner.services, world)
    visitor_id = await tourism_visitor(client, owner)
    joined = await client.post(
        f"/api/v1/tourism/slots/{world.slot.id}/waitlist",
        json={"tickets": [{"visitor_id": visitor_id, "product_id": str(world.adult.id)}]},
        headers=owner.headers,
    )
    assert joined.status_code == 201, joined.text
    return str(joined.json()["id"])
