"""Hotels with a fresh PMS code (the PMS twin told of their rooms), guests who can pay, and driving
the outbox's hotel deliveries."""

from __future__ import annotations

import asyncio
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import httpx

from backend.hotel.repository import HotelRow, RoomTypeRow
from backend.hotel.rules import local_today
from backend.hotel.service import HotelService
from backend.outbox.feature import handlers
from backend.outbox.repository import OutboxRepository
from backend.outbox.settings import OutboxSettings
from backend.outbox.worker import OutboxWorker
from tests.backend.citizen.factories import bearer, register
from tests.miniprogram_api.sandbox_users import bound_on_wechat
from tests.services import Services


@dataclass(frozen=True)
class Guest:
    id: uuid.UUID
    headers: dict[str, str]
    name: str
    id_number: str


def hotels(services: Services) -> HotelService:
    return services.wiring.get(HotelService)


async def make_guest(client: httpx.AsyncClient, *, pays: bool = True) -> Guest:
    """A registered citizen; one who ``pays`` has a WeChat mini-program user linked (JSAPI pays as
    its openid; binds are rate-limited per address, so only payers bind)."""
    registered = await register(client)
    person = registered["_person"]
    if pays:
        await bound_on_wechat(client, person)
    return Guest(
        uuid.UUID(registered["citizen"]["id"]),
        bearer(registered["tokens"]["access_token"]),
        person["name"],
        person["id_number"],
    )


async def make_hotel(
    services: Services,
    client: httpx.AsyncClient,
    *,
    rooms: int = 1,
    price_fen: int = 30000,
    free_cancel_hours: int = 6,
    late_fee_percent: int = 100,
    check_in_minute: int = 840,
) -> tuple[HotelRow, RoomTypeRow]:
    code = f"T-{secrets.token_hex(5)}"
    hotel = await hotels(services).add_hotel(
        by="test",
        code=code,
        name="测试酒店",
        district="宿城区",
        address="宿迁市",
        phone="0527-1234567",
        check_in_minute=check_in_minute,
        free_cancel_hours=free_cancel_hours,
        late_fee_percent=late_fee_percent,
    )
    kind = await hotels(services).add_room_type(
        hotel.id, by="test", code="KING", name="大床房", beds="1张大床", rooms=rooms, price_fen=price_fen
    )
    added = await client.post(
        "/_sandbox/hotelpms/hotels",
        json={"code": code, "rooms": {"KING": [f"{800 + n}" for n in range(max(rooms, 1))]}},
    )
    assert added.status_code == 201, added.text
    return hotel, kind


def stay(services: Services, *, ahead: int = 0, nights: int = 2) -> tuple[date, date]:
    arrival = local_today(services.clock.now()) + timedelta(days=ahead)
    return arrival, arrival + timedelta(days=nights)


async def book(
    client: httpx.AsyncClient,
    guest: Guest,
    kind: RoomTypeRow,
    arrival: date,
    departure: date,
    *,
    channel: str = "wechat_jsapi",
) -> httpx.Response:
    """Book over HTTP; the app channel (``wechat_app``) needs no linked mini-program user."""
    return await client.post(
        "/api/v1/hotel-bookings",
        json={
            "room_type_id": str(kind.id),
            "arrival": arrival.isoformat(),
            "departure": departure.isoformat(),
            "channel": channel,
        },
        headers=guest.headers,
    )


async def deliver_outbox(services: Services, *, rounds: int = 3) -> None:
    """Run the outbox's deliveries (every declared topic) a few rounds, as its workers would."""
    w = services.wiring
    worker = OutboxWorker(
        "test hotel worker",
        repository=OutboxRepository(w.infra.engine),
        handlers=handlers(w),
        settings=w.section(OutboxSettings),
        clock=w.infra.clock,
        cipher=w.infra.cipher,
        wake=asyncio.Event(),
    )
    for _ in range(rounds):
        await worker.step()
