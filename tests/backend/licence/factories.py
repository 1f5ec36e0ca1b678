"""Factories for licence tests: a registered citizen holding fresh licences at the e-licence twin,
a registered verifier device, and the steps of 亮证 over HTTP."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from backend.licence.verifiers import VerifierRegistry
from tests.backend.citizen.factories import bearer, register
from tests.backend.code.factories import Scanner, make_scanner
from tests.backend.staff.factories import operator_principal
from tests.services import Services

# A counter at the 政务服务中心: identity, the driving licence's class, nothing else.
COUNTER_FIELDS = {
    "JMSFZ": ["name", "id_number", "address", "age_over_18"],
    "JDCJSZ": ["name", "vehicle_classes"],
}


@dataclass(frozen=True)
class Holder:
    id: uuid.UUID
    headers: dict[str, str]
    person: dict[str, str]


@dataclass(frozen=True)
class Counter:
    scanner: Scanner
    verifier_id: uuid.UUID

    @property
    def headers(self) -> dict[str, str]:
        return self.scanner.headers


async def issue_at_library(
    client: httpx.AsyncClient, person: dict[str, str], kind_code: str
) -> dict[str, Any]:
    """The department issues ``person`` a licence at the e-licence twin; the library's record."""
    answer = await client.post(
        "/_sandbox/elicence/licences",
        json={"name": person["name"], "id_number": person["id_number"], "kind_code": kind_code},
    )
    assert answer.status_code == 201, answer.text
    licence: dict[str, Any] = answer.json()
    return licence


async def set_library_status(client: httpx.AsyncClient, identifier: str, status: str) -> None:
    answer = await client.post(f"/_sandbox/elicence/licences/{identifier}/status", json={"status": status})
    assert answer.status_code == 200, answer.text


async def holder(client: httpx.AsyncClient, *kinds: str) -> Holder:
    """A newly registered citizen holding licences of ``kinds`` (default: an ID card and a driving
    licence) at the library, before their first look at the wallet."""
    registered = await register(client)
    person = registered["_person"]
    for kind in kinds or ("JMSFZ", "JDCJSZ"):
        await issue_at_library(client, person, kind)
    return Holder(
        uuid.UUID(registered["citizen"]["id"]), bearer(registered["tokens"]["access_token"]), person
    )


async def counter(
    services: Services,
    allowed: dict[str, list[str]] | None = None,
    *,
    name: str = "宿城区政务服务中心3号窗口",
) -> Counter:
    scanner = await make_scanner(services, scene="public_office")
    registry = services.wiring.get(VerifierRegistry)
    row = await registry.register(
        device_id=scanner.id,
        name=name,
        kind="counter",
        legal_basis="《江苏省政务服务管理办法》第二十条",
        purpose="核验办事人身份",
        allowed=allowed or COUNTER_FIELDS,
        retention_days=30,
        contact="0527-12345",
        by=operator_principal(),
    )
    return Counter(scanner, row.id)


async def licences(client: httpx.AsyncClient, holder: Holder) -> list[dict[str, Any]]:
    answer = await client.get("/api/v1/licences", headers=holder.headers)
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


async def show(client: httpx.AsyncClient, holder: Holder) -> str:
    answer = await client.post("/api/v1/licences/show", headers=holder.headers)
    assert answer.status_code == 201, answer.text
    handle: str = answer.json()["handle"]
    return handle


async def ask(
    client: httpx.AsyncClient, at: Counter, handle: str, kind_code: str, fields: list[str]
) -> httpx.Response:
    return await client.post(
        "/api/v1/licence-verification/requests",
        json={"handle": handle, "kind_code": kind_code, "fields": fields},
        headers=at.headers,
    )


async def asked(
    client: httpx.AsyncClient, holder: Holder, at: Counter, kind_code: str, fields: list[str]
) -> str:
    """The citizen shows a handle, the counter asks; the request id."""
    answer = await ask(client, at, await show(client, holder), kind_code, fields)
    assert answer.status_code == 201, answer.text
    request_id: str = answer.json()["id"]
    return request_id


async def consent(
    client: httpx.AsyncClient, holder: Holder, request_id: str, fields: list[str]
) -> httpx.Response:
    return await client.post(
        f"/api/v1/licences/requests/{request_id}/consent", json={"fields": fields}, headers=holder.headers
    )


async def delivered(client: httpx.AsyncClient, at: Counter, request_id: str) -> dict[str, Any]:
    answer = await client.get(f"/api/v1/licence-verification/requests/{request_id}", headers=at.headers)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body
