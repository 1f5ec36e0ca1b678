"""Plain async factories for citizen-code tests: citizens and scanners with tokens, the published
trust material, and codes signed with the live key ring (so a test can choose its own times)."""

from __future__ import annotations

import base64
import dataclasses
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

import httpx
from cryptography.hazmat.primitives import serialization

from backend.clock import Clock
from backend.scanner.scenes import Scene
from backend.wiring import Wiring
from citizen_code import DeviceKey, IssuerKey, RevocationList, TrustList, Verifier, load_trust_list
from tests.backend.staff.factories import bearer, citizen_token, operator_principal
from tests.services import Services


@dataclass(frozen=True)
class Citizen:
    id: uuid.UUID
    headers: dict[str, str]


@dataclass(frozen=True)
class Scanner:
    id: uuid.UUID
    scene: str
    venue: str
    headers: dict[str, str]


async def make_citizen(services: Services) -> Citizen:
    """A citizen principal with a token (the code feature needs no registered record)."""
    citizen_id = uuid.uuid4()
    return Citizen(citizen_id, bearer(await citizen_token(services, citizen_id)))


async def make_scanner(services: Services, *, scene: Scene = "library", venue: str | None = None) -> Scanner:
    """A registered scanner and a device token from the real credential exchange."""
    venue = venue or f"venue {secrets.token_hex(4)}"
    row, credential = await services.scanner.register(scene=scene, venue=venue, by=operator_principal())
    token, _ = await services.scanner.exchange(row.id, credential)
    return Scanner(row.id, scene, venue, bearer(token.token))


def worker_at(services: Services, clock: Clock) -> Services:
    """Another worker's services over the same database and store, reading time from ``clock``: a
    test can then make changes within one second, or at a second of its choosing."""
    wiring = services.wiring
    infra = dataclasses.replace(wiring.infra, clock=clock)
    return Services(Wiring(wiring.settings, wiring.features, infrastructure=infra))


async def fetch_trust(client: httpx.AsyncClient) -> TrustList:
    """The trust list as a scanner provisions it: anchor once, then the signed list, verified."""
    anchor = await client.get("/.well-known/citizen-code/anchor")
    assert anchor.status_code == 200, anchor.text
    listed = await client.get("/.well-known/citizen-code/trust-list")
    assert listed.status_code == 200, listed.text
    return load_trust_list(listed.content, anchor.json()["public_key_pem"].encode())


async def offline_verifier(client: httpx.AsyncClient, scanner: Scanner | None = None) -> Verifier:
    """A verifier holding only what the API publishes (trust list + revocation feed)."""
    revocations = RevocationList()
    if scanner is not None:
        page = await client.get("/api/v1/scanner/revocations", headers=scanner.headers)
        assert page.status_code == 200, page.text
        revocations = RevocationList(
            (item["code_id"], int(datetime.fromisoformat(item["revoked_at"]).timestamp()))
            for item in page.json()["items"]
        )
    return Verifier(await fetch_trust(client), revocations=revocations)


async def active_key(services: Services) -> IssuerKey:
    return (await services.code.key_ring()).ring.active


async def code_id_of(services: Services, citizen: Citizen) -> str:
    return (await services.code.holder(citizen.id)).code_id


async def verify(client: httpx.AsyncClient, scanner: Scanner, code: str) -> dict[str, object]:
    response = await client.post("/api/v1/scanner/verify", json={"code": code}, headers=scanner.headers)
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


async def issued_code(client: httpx.AsyncClient, citizen: Citizen) -> str:
    response = await client.get("/api/v1/citizen-code", headers=citizen.headers)
    assert response.status_code == 200, response.text
    code: str = response.json()["code"]
    return code


def public_key_text(key: DeviceKey, *, encoding: str = "point") -> str:
    """The phone's public key as the app sends it: base64url SEC1 point, or base64 DER SPKI."""
    if encoding == "point":
        raw = key.public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    return base64.b64encode(key.spki).decode()


async def enrol(client: httpx.AsyncClient, citizen: Citizen, key: DeviceKey) -> httpx.Response:
    return await client.post(
        "/api/v1/citizen-code/devices",
        json={"public_key": public_key_text(key), "label": "my phone"},
        headers=citizen.headers,
    )


def holder_credential(enrolled: httpx.Response) -> bytes:
    assert enrolled.status_code == 201, enrolled.text
    return base64.urlsafe_b64decode(enrolled.json()["holder_credential"] + "==")
