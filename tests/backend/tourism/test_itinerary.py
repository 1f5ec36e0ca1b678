"""A day plan over HTTP: visits placed in slots with room, in the visitor's order or closing first,
and spots that cannot fit listed with why."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

import httpx

from backend.tourism.model import BEIJING, NewProduct, Spot
from tests.backend.tourism.factories import buy, make_spot, spots, today
from tests.services import Services


async def _spot(services: Services, name: str, opens: int, closes: int) -> Spot:
    spot, _ = await spots(services).add_spot(
        slug=f"plan-{secrets.token_hex(5)}",
        name=name,
        address="宿迁市",
        description="",
        opens=opens,
        closes=closes,
        slot_minutes=60,
        daily_capacity=20 * (closes - opens) // 60,
        shards=1,
        products=[NewProduct(kind="adult", name="成人票", price_fen=4000)],
        by="test",
    )
    return spot


def _ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_day_is_planned_within_opening_hours_and_places_left(
    services: Services, client: httpx.AsyncClient
) -> None:
    tomorrow = today() + timedelta(days=1)
    lake = await _spot(services, "骆马湖", 8 * 60, 17 * 60)
    museum = await _spot(services, "宿迁博物馆", 9 * 60, 12 * 60)
    full = await make_spot(services, capacity=1, day=tomorrow)
    await buy(services, full)

    def at(hour: int, minute: int = 0) -> datetime:
        return datetime.combine(tomorrow, datetime.min.time(), BEIJING).replace(hour=hour, minute=minute)

    def visits(plan: dict[str, Any]) -> list[tuple[str, datetime, datetime]]:
        return [
            (v["spot_name"], datetime.fromisoformat(v["arrive"]), datetime.fromisoformat(v["leave"]))
            for v in plan["visits"]
        ]

    params: dict[str, Any] = {
        "day": tomorrow.isoformat(),
        "spot_ids": [str(lake.id), str(museum.id), str(full.spot.id)],
    }
    chosen = _ok(await client.get("/api/v1/tourism/itinerary", params=params))
    assert visits(chosen) == [("骆马湖", at(8), at(10))]
    assert [(s["spot_name"], s["reason"]) for s in chosen["skipped"]] == [
        ("宿迁博物馆", "no_time"),
        ("项王故里", "no_room"),
    ]

    closing = _ok(await client.get("/api/v1/tourism/itinerary", params=params | {"order": "closing_first"}))
    assert visits(closing) == [("宿迁博物馆", at(9), at(11)), ("骆马湖", at(11, 30), at(13, 30))]
    too_many = await client.get(
        "/api/v1/tourism/itinerary", params={"day": tomorrow.isoformat(), "spot_ids": []}
    )
    assert too_many.status_code == 400
