"""Car parks with a fresh gate code (the gate twin told of them), drivers with a linked plate, the
gate's camera reads, and the feed and outbox steps the background jobs would run."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass

import httpx

from backend.parking.gate import GateFeed
from backend.parking.repository import LotRow
from backend.parking.service import ParkingService
from tests.backend.hotel.factories import make_guest
from tests.services import Services


@dataclass(frozen=True)
class Driver:
    id: uuid.UUID
    headers: dict[str, str]
    plate: str
    plate_id: str


def parking(services: Services) -> ParkingService:
    return services.wiring.get(ParkingService)


def feed(services: Services) -> GateFeed:
    return services.wiring.get(GateFeed)


def random_plate() -> str:
    return (
        "苏N"
        + "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(4))
        + str(secrets.randbelow(10))
    )


async def make_lot(
    services: Services, client: httpx.AsyncClient, *, reservable: int = 1, free_minutes: int = 0
) -> LotRow:
    code = f"T-P-{secrets.token_hex(5)}"
    lot = await parking(services).add_lot(
        by="test",
        bays=[(f"B{n}", "standard", n < reservable) for n in range(reservable + 2)],
        code=code,
        name="测试停车场",
        address="宿迁市",
        free_minutes=free_minutes,
        hour_fen=500,
        daily_cap_fen=4000,
    )
    added = await client.post("/_sandbox/parking/lots", json={"code": code})
    assert added.status_code == 201, added.text
    return lot


async def make_driver(client: httpx.AsyncClient, *, pays: bool = False) -> Driver:
    guest = await make_guest(client, pays=pays)
    plate = random_plate()
    linked = await client.post("/api/v1/parking/plates", json={"plate": plate}, headers=guest.headers)
    assert linked.status_code == 201, linked.text
    return Driver(guest.id, guest.headers, plate, linked.json()["id"])


async def camera(client: httpx.AsyncClient, lot: LotRow, gate: str, plate: str) -> dict[str, str]:
    """A car at the lot's entry (``arrive``) or exit (``depart``) camera."""
    answer = await client.post(f"/_sandbox/parking/lots/{lot.code}/{gate}", json={"plate": plate})
    assert answer.status_code in (200, 201), answer.text
    body: dict[str, str] = answer.json()
    return body
