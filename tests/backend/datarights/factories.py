"""A citizen who used every feature (every owned-object maker of the authorization matrix), with a
name no other test's resident has, so a search of the whole database for it finds only theirs."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass

import httpx

from tests.backend.application.test_lifecycle import residence_form
from tests.backend.citizen.factories import bearer, random_id_number, random_phone, register
from tests.contract.owned import MAKERS
from tests.contract.owner import Owner
from tests.services import Services

_rng = random.Random()
# Makers whose owner is a device, not a citizen.
NOT_A_CITIZENS = {"licence.counter_request"}


@dataclass(frozen=True)
class Resident:
    id: uuid.UUID
    headers: dict[str, str]
    name: str
    id_number: str
    phone: str


def unique_name() -> str:
    return "司马" + "".join(chr(_rng.randrange(0x4E00, 0x9FA5)) for _ in range(2))


async def resident(web: httpx.AsyncClient) -> Resident:
    person = {"name": unique_name(), "id_number": random_id_number(), "phone": random_phone()}
    added = await web.post("/_sandbox/population/people", json={**person, "deceased": False})
    assert added.status_code == 201, added.text
    registered = await register(web, person)
    return Resident(
        id=uuid.UUID(registered["citizen"]["id"]),
        headers=bearer(registered["tokens"]["access_token"]),
        name=person["name"],
        id_number=person["id_number"],
        phone=person["phone"],
    )


async def everything(web: httpx.AsyncClient, services: Services, who: Resident) -> list[str]:
    """Every citizen-owned kind made for ``who``; the kinds made."""
    owner = Owner(kind="citizen", id=who.id, headers=who.headers, phone=who.phone, services=services)
    made = []
    for kind, maker in MAKERS.items():
        if kind in NOT_A_CITIZENS:
            continue
        await maker(web, owner)
        made.append(kind)
    # And the person's own name and ID number where a feature keeps them besides the account: a
    # form filled in, themselves as a ticket's visitor.
    created = await web.post("/api/v1/applications", json={"item_code": "SQ-GA-0001"}, headers=who.headers)
    assert created.status_code == 201, created.text
    person = {"name": who.name, "id_number": who.id_number, "phone": who.phone}
    filled = await web.put(
        f"/api/v1/applications/{created.json()['id']}/data",
        json={"data": residence_form(person)},
        headers=who.headers,
    )
    assert filled.status_code == 200, filled.text
    myself = await web.post(
        "/api/v1/tourism/visitors", json={"name": who.name, "id_number": who.id_number}, headers=who.headers
    )
    assert myself.status_code in (200, 201), myself.text
    return made
