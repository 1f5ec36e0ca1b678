"""Plain async factories for identity tests: fresh sandbox people (their phone real-name registered to
them at the telecom twin), SMS codes from the twin's outbox, face scans, registered citizens. Every
identity and client address is random, so tests never collide."""

from __future__ import annotations

import datetime as dt
import random
import re
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from litestar import Litestar

from integrations import id_check_digit

_rng = random.SystemRandom()


def random_phone() -> str:
    # 13x, 15x, 18x, 19x: the big operators' ranges; a virtual operator's number (17x, 16x) is one the
    # operators' real-name check can't answer for (``virtual_operator_phone``).
    return f"1{_rng.choice('3589')}{_rng.randrange(10**9):09d}"


def virtual_operator_phone() -> str:
    return f"170{_rng.randrange(10**8):08d}"


def random_id_number(area: str = "321302") -> str:
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=_rng.randrange(365 * 50))
    body = f"{area}{birth:%Y%m%d}{_rng.randrange(1000):03d}"
    return body + id_check_digit(body)


class _SandboxFromThisMachine(httpx.AsyncBaseTransport):
    """The API from the citizen's ``address``; the sandbox's control routes (seeding residents, reading
    the SMS outbox) from the machine itself, as the bench's seeding does: outside the embedded mode
    the mount answers loopback callers only (``backend.app._mount_sandbox``)."""

    def __init__(self, app: Litestar, address: str) -> None:
        self._api = httpx.ASGITransport(app=app, client=(address, 40000))  # type: ignore[arg-type]
        self._sandbox = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))  # type: ignore[arg-type]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        by = self._sandbox if request.url.path.startswith("/_sandbox/") else self._api
        return await by.handle_async_request(request)


@asynccontextmanager
async def client_from(app: Litestar, address: str | None = None) -> AsyncIterator[httpx.AsyncClient]:
    """A client with its own peer address, so per-address rate limits don't leak between tests."""
    address = address or f"10.{_rng.randrange(256)}.{_rng.randrange(256)}.{_rng.randrange(1, 255)}"
    transport = _SandboxFromThisMachine(app, address)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def add_person(
    client: httpx.AsyncClient, *, deceased: bool = False, phone: str | None = None
) -> dict[str, str]:
    """A new resident of the population twin: ``{"name", "id_number", "phone"}``; the twin registers
    their phone (``phone``, or a fresh one) to them at the operators too."""
    person = {
        "name": _rng.choice("王李张刘陈杨黄赵") + _rng.choice(["伟", "芳", "秀英", "子涵"]),
        "id_number": random_id_number(),
        "phone": phone or random_phone(),
    }
    response = await client.post("/_sandbox/population/people", json={**person, "deceased": deceased})
    assert response.status_code == 201, response.text
    return person


async def move_phone(client: httpx.AsyncClient, phone: str, *, to: dict[str, str]) -> None:
    """The operators now have ``phone`` real-name registered to ``to`` (a number that changed hands)."""
    response = await client.put(
        f"/_sandbox/telecom/subscribers/{phone}", json={"name": to["name"], "id_number": to["id_number"]}
    )
    assert response.status_code == 200, response.text


async def scan_face(client: httpx.AsyncClient, verification_id: str, *, passes: bool) -> None:
    """The citizen's face scan in the platform SDK, played on the face verification twin."""
    response = await client.post(
        f"/_sandbox/faceverify/verifications/{verification_id}/scan",
        json={"outcome": "pass" if passes else "fail"},
    )
    assert response.status_code == 200, response.text


def face_verification(response: httpx.Response) -> dict[str, Any]:
    """The ``extra.face_verification`` of a 409 ``citizen.face_verification_required``."""
    assert response.status_code == 409, response.text
    body = response.json()
    assert body["code"] == "citizen.face_verification_required", body
    found: dict[str, Any] = body["extra"]["face_verification"]
    return found


async def latest_sms_code(client: httpx.AsyncClient, phone: str) -> str:
    outbox = (await client.get("/_sandbox/sms/outbox", params={"phone": phone})).json()
    assert outbox, f"no text was sent to {phone}"
    match = re.search(r"验证码为(\d{6})", outbox[-1]["text"])
    assert match, outbox[-1]["text"]
    return match.group(1)


async def request_code(client: httpx.AsyncClient, phone: str, purpose: str) -> str:
    response = await client.post("/api/v1/auth/sms-codes", json={"phone": phone, "purpose": purpose})
    assert response.status_code == 202, response.text
    return await latest_sms_code(client, phone)


async def register(
    client: httpx.AsyncClient, person: dict[str, str] | None = None, **overrides: Any
) -> dict[str, Any]:
    """Register ``person`` (a fresh one by default); the 201 body plus ``person`` under "_person"."""
    person = person or await add_person(client)
    body = {
        "phone": person["phone"],
        "sms_code": await request_code(client, person["phone"], "register"),
        "name": person["name"],
        "id_number": person["id_number"],
        "password": "correct horse battery staple",
        **overrides,
    }
    response = await client.post("/api/v1/auth/register", json=body)
    assert response.status_code == 201, response.text
    return {**response.json(), "_person": person, "_password": body["password"]}


async def taken_with_a_former_number(client: httpx.AsyncClient) -> tuple[dict[str, Any], dict[str, str]]:
    """Someone registered the owner's identity with the owner's former number (the operators' check
    passed: it was still registered to the owner); the number has since gone to someone else, and the
    owner has a new one. The registration's answer, and the owner with their new phone."""
    owner = await add_person(client)
    taken = await register(client, owner)
    await move_phone(client, owner["phone"], to=await add_person(client))
    new_phone = random_phone()
    await move_phone(client, new_phone, to=owner)
    return taken, {**owner, "phone": new_phone}


def bearer(access_token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {access_token}"}


def fresh_password() -> str:
    return secrets.token_urlsafe(12)


@pytest.fixture
async def web(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the session app from a random peer address of its own."""
    async with client_from(app) as client:
        yield client
