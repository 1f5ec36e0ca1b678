"""Closing an account while holding tickets paid for a visit still to come is refused, naming them:
the citizen uses or cancels them (a cancellation refunds) rather than lose what they paid."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from backend.tourism.model import BEIJING
from backend.tourism.service import TourismService
from tests.backend.staff.factories import bearer, citizen_token
from tests.backend.tourism.factories import buy, make_spot
from tests.services import Services


async def test_paid_tickets_ahead_block_the_closure_until_cancelled(
    services: Services, client: httpx.AsyncClient
) -> None:
    tourism = services.wiring.get(TourismService)
    world = await make_spot(services, day=datetime.now(BEIJING).date() + timedelta(days=1))
    citizen, hold_id = await buy(services, world)
    _, created = await tourism.pay(citizen, hold_id, channel="wechat_app")
    assert created is not None
    assert await tourism._sales.confirm(hold_id, order_id=created.order.id, now=datetime.now(UTC))
    headers = bearer(await citizen_token(services, citizen))

    refused = await client.post("/api/v1/data-rights/closure", headers=headers)
    assert refused.status_code == 409, refused.text
    blockers = refused.json()["extra"]["blockers"]
    # (The sandbox order is confirmed here without the platform's notice: it also blocks, as pending.)
    assert ("tourism.tickets_ahead", 1) in [(b["code"], b["count"]) for b in blockers]

    cancelled = await client.post(f"/api/v1/tourism/holds/{hold_id}/cancel", headers=headers)
    assert cancelled.status_code == 200, cancelled.text
    after = await client.post("/api/v1/data-rights/closure", headers=headers)
    assert after.status_code != 409 or all(
        b["code"] != "tourism.tickets_ahead" for b in after.json()["extra"]["blockers"]
    ), after.text
