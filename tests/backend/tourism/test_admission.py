"""A flash sale's admission queue over HTTP: numbers are let through at the operator's rate, a hold
needs the buyer's own unexpired pass, a buyer keeps their number, and without Redis the queue is
skipped (the database still decides every place)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any, cast

import httpx
from litestar import Litestar

from backend.audit.service import AuditLog
from backend.clock import SystemClock
from backend.store import StoreUnavailable
from backend.tourism.admission import Admission
from tests.backend.citizen.factories import bearer
from tests.backend.staff.factories import citizen_token, staff_token
from tests.backend.tourism.factories import make_spot, make_visitor
from tests.services import Services


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def test_a_flash_sale_lets_buyers_through_in_turn_each_with_a_pass_of_their_own(
    app: Litestar, services: Services, client: httpx.AsyncClient
) -> None:
    world = await make_spot(services, capacity=10)
    operator = bearer(await staff_token(app, services, role="operator"))
    opened = _ok(
        await client.put(
            f"/api/v1/admin/tourism/slots/{world.slot.id}/admission",
            json={"rate": 1, "burst": 1},
            headers=operator,
        )
    )
    assert (opened["rate"], opened["burst"]) == (1, 1)
    buyers = []
    for _ in range(2):
        citizen_id, visitor_id = await make_visitor(services)
        buyers.append((bearer(await citizen_token(services, citizen_id)), visitor_id))
    (first, first_visitor), (second, second_visitor) = buyers
    url = f"/api/v1/tourism/slots/{world.slot.id}/admission"

    admitted = _ok(await client.post(url, headers=first))
    assert (admitted["queued"], admitted["number"], admitted["position"]) == (True, 1, 0)
    waiting = await client.post(url, headers=second)
    assert waiting.status_code == 202, waiting.text
    assert (waiting.json()["number"], waiting.json()["position"], waiting.headers["retry-after"]) == (
        2,
        1,
        "1",
    )
    again = await client.post(url, headers=second)
    assert again.json()["number"] == 2  # asking again keeps your number

    def hold(visitor: uuid.UUID, admission: str | None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "slot_id": str(world.slot.id),
            "tickets": [{"visitor_id": str(visitor), "product_id": str(world.adult.id)}],
        }
        return body | ({"admission": admission} if admission else {})

    without = await client.post("/api/v1/tourism/holds", json=hold(second_visitor, None), headers=second)
    assert (without.status_code, without.json()["code"]) == (409, "tourism.admission_required")
    borrowed = await client.post(
        "/api/v1/tourism/holds", json=hold(second_visitor, admitted["admission"]), headers=second
    )
    assert (borrowed.status_code, borrowed.json()["code"]) == (409, "tourism.admission_required")
    _ok(
        await client.post(
            "/api/v1/tourism/holds", json=hold(first_visitor, admitted["admission"]), headers=first
        ),
        201,
    )

    await asyncio.sleep(1.1)  # one more buyer a second
    turn = _ok(await client.post(url, headers=second))
    assert (turn["number"], turn["position"]) == (2, 0)
    _ok(
        await client.post(
            "/api/v1/tourism/holds", json=hold(second_visitor, turn["admission"]), headers=second
        ),
        201,
    )

    closed = await client.delete(f"/api/v1/admin/tourism/slots/{world.slot.id}/admission", headers=operator)
    assert closed.status_code == 204
    free = _ok(await client.post(url, headers=first))
    assert (free["queued"], free["admission"]) == (False, None)
    refused = await client.put(
        f"/api/v1/admin/tourism/slots/{world.slot.id}/admission", json={"rate": 1}, headers=first
    )
    assert refused.status_code == 403


class _DownStore:
    """A store whose every call fails as Redis down does."""

    def __getattr__(self, name: str) -> Any:
        async def fail(*args: object, **kwargs: object) -> None:
            raise StoreUnavailable()

        return fail


async def test_with_redis_down_the_queue_is_skipped_and_the_database_decides() -> None:
    admission = Admission(
        store=_DownStore(), data_key=b"k" * 32, clock=SystemClock(), audit=cast(AuditLog, None)
    )
    entry = await admission.enter(uuid.uuid4(), uuid.uuid4())
    assert (entry.queued, entry.admission) == (False, None)
    await admission.check(uuid.uuid4(), uuid.uuid4(), None)  # no refusal: the hold goes on
