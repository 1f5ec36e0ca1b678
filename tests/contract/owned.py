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
from tests.miniprogram_api.sandbox_users import fresh_n, wechat_code


@dataclass(frozen=True)
class Owner:
    """Who the object belongs to: a citizen (with a session and their proven phone) or a device."""

    kind: str
    id: uuid.UUID
    headers: dict[str, str]
    phone: str | None = None


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


async def application(client: httpx.AsyncClient, owner: Owner) -> str:
    created = await client.post(
        "/api/v1/applications", json={"item_code": "SQ-GA-0001"}, headers=owner.headers
    )
    assert created.status_code == 201, created.text
    application_id: str = created.json()["id"]
    return application_id


MAKERS: dict[str, Maker] = {
    "application.application": application,
    "code.device": code_device,
    "mp.link": mp_link,
}


def unknown_id() -> str:
    return str(uuid.UUID(bytes=secrets.token_bytes(16), version=4))
