"""Makers of owned objects for the authorization matrix: one per kind named in a route's ``owns=``.

A route that declares ``owns={"device_id": "code.device"}`` promises that another caller of the same
kind gets the object's 404. The matrix test makes one such object for the owner (citizen A, or a device
of venue X) with the maker of its kind, then calls the route as the other (citizen B, a device of venue
Y) and as the owner. A feature that adds an owned kind adds its maker here; until it does, the matrix
test fails and names the kind.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

from citizen_code import DeviceKey
from tests.backend.citizen.factories import request_code
from tests.backend.code.factories import Citizen, enrol
from tests.backend.queues.factories import future_slot, make_hall
from tests.miniprogram_api.sandbox_users import fresh_n, wechat_code
from tests.services import Services


@dataclass(frozen=True)
class Owner:
    """Who the object belongs to: a citizen (with a session and their proven phone) or a device."""

    kind: str
    id: uuid.UUID
    headers: dict[str, str]
    phone: str | None = None
    # The app's services, for what the owner's object needs set up first by someone else (an
    # operator's hall before a citizen's booking).
    services: Services | None = None


Maker = Callable[[httpx.AsyncClient, Owner], Awaitable[str]]


async def code_device(client: httpx.AsyncClient, owner: Owner) -> str:
    enrolled = await enrol(client, Citizen(owner.id, owner.headers), DeviceKey.generate())
    assert enrolled.status_code == 201, enrolled.text
    device_id: str = enrolled.json()["device"]["id"]
    return device_id


async def mp_link(client: httpx.AsyncClient, owner: Owner) -> str:
    assert owner.phone is not None, "linking a platform user needs the citizen's phone (step-up SMS)"
    step_up = {"phone": owner.phone, "sms_code": await request_code(client, owner.phone, "bind")}
    linked = await client.post(
        "/mp/v1/links/wechat", json={"code": wechat_code(fresh_n()), **step_up}, headers=owner.headers
    )
    assert linked.status_code == 201, linked.text
    link_id: str = linked.json()["id"]
    return link_id


async def queue_booking(client: httpx.AsyncClient, owner: Owner) -> str:
    assert owner.services is not None, "a booking needs a hall an operator set up"
    world = await make_hall(owner.services)
    slot = await future_slot(owner.services, world.services[0])
    booked = await client.post(
        "/api/v1/queue/bookings", json={"slot_id": str(slot.id)}, headers=owner.headers
    )
    assert booked.status_code == 201, booked.text
    booking_id: str = booked.json()["id"]
    return booking_id


async def queue_ticket(client: httpx.AsyncClient, owner: Owner) -> str:
    assert owner.services is not None, "a number needs a hall an operator set up"
    world = await make_hall(owner.services)
    walk_in = {"service_id": str(world.services[0].id), "hall_code": world.code}
    taken = await client.post("/api/v1/queue/tickets", json=walk_in, headers=owner.headers)
    assert taken.status_code == 201, taken.text
    ticket_id: str = taken.json()["id"]
    return ticket_id


MAKERS: dict[str, Maker] = {
    "code.device": code_device,
    "mp.link": mp_link,
    "queue.booking": queue_booking,
    "queue.ticket": queue_ticket,
}


def unknown_id() -> str:
    return str(uuid.UUID(bytes=secrets.token_bytes(16), version=4))
