"""The queue routes over HTTP (in process, PostgreSQL + Redis): booking answers, rescheduling with
``replaces``, a kiosk check-in with the citizen code, the check-in window, and polling with ETag."""

from __future__ import annotations

from datetime import timedelta

import httpx

from backend.queues.model import LOCAL
from tests.backend.code.factories import issued_code, make_citizen, make_scanner
from tests.backend.queues.factories import future_slot, halls, make_hall
from tests.services import Services


async def test_booking_answers_and_a_reschedule_that_replaces(
    client: httpx.AsyncClient, services: Services
) -> None:
    world = await make_hall(services, capacity=1)
    slot = await future_slot(services, world.services[0])
    later = await future_slot(services, world.services[0], days=2)
    citizen, other = await make_citizen(services), await make_citizen(services)
    # A day that is no date (a NUL in it reached PostgreSQL once: schemathesis) is the client's 400.
    bad_day = await client.get(
        f"/api/v1/queue/services/{slot.service_id}/slots", params={"day": "2026-1\x00"}
    )
    assert (bad_day.status_code, bad_day.json()["code"]) == (400, "request.invalid")
    booked = await client.post(
        "/api/v1/queue/bookings", json={"slot_id": str(slot.id)}, headers=citizen.headers
    )
    assert booked.status_code == 201, booked.text
    full = await client.post("/api/v1/queue/bookings", json={"slot_id": str(slot.id)}, headers=other.headers)
    assert (full.status_code, full.json()["code"]) == (409, "queue.slot_full")
    moved = await client.post(
        "/api/v1/queue/bookings",
        json={"slot_id": str(later.id), "replaces": booked.json()["id"]},
        headers=citizen.headers,
    )
    assert moved.status_code == 201, moved.text
    # The first slot is free again; someone else's booking can't be replaced.
    retaken = await client.post(
        "/api/v1/queue/bookings", json={"slot_id": str(slot.id)}, headers=other.headers
    )
    assert retaken.status_code == 201, retaken.text
    stolen = await client.post(
        "/api/v1/queue/bookings",
        json={"slot_id": str(later.id), "replaces": retaken.json()["id"]},
        headers=citizen.headers,
    )
    assert (stolen.status_code, stolen.json()["code"]) == (404, "queue.booking_not_found")
    mine = await client.get("/api/v1/queue/bookings", headers=citizen.headers)
    assert [b["status"] for b in mine.json()["items"]] == ["active", "cancelled"]


async def test_a_kiosk_checks_a_citizen_in_with_their_code_inside_the_window_only(
    client: httpx.AsyncClient, services: Services
) -> None:
    world = await make_hall(services)
    kiosk = await make_scanner(services, scene="public_office", venue=world.hall.venue)
    stranger = await make_scanner(services, scene="public_office")
    citizen = await make_citizen(services)
    service = world.services[0]
    await halls(services).materialise(days=3, service_id=service.id)
    now = services.clock.now()
    days = [(now + timedelta(days=d)).astimezone(LOCAL).date().isoformat() for d in (0, 1, 2)]
    slots = [s for day in days for s in await halls(services).slots(service.id, day) if s.starts_at > now]
    soon, far = (
        slots[0],
        next(s for s in slots if s.starts_at - now > timedelta(hours=2) and s.day != slots[0].day),
    )

    code = await issued_code(client, citizen)
    nothing = await client.post("/api/v1/queue/kiosk/check-in", json={"code": code}, headers=kiosk.headers)
    assert (nothing.status_code, nothing.json()["code"]) == (404, "queue.booking_not_found")
    elsewhere = await client.post(
        "/api/v1/queue/kiosk/check-in",
        json={"code": await issued_code(client, citizen)},
        headers=stranger.headers,
    )
    assert (elsewhere.status_code, elsewhere.json()["code"]) == (403, "queue.kiosk_not_here")

    booked = await client.post(
        "/api/v1/queue/bookings", json={"slot_id": str(far.id)}, headers=citizen.headers
    )
    assert booked.status_code == 201, booked.text
    early = await client.post(
        "/api/v1/queue/check-in",
        json={"hall_id": str(world.hall.id), "hall_code": world.code},
        headers=citizen.headers,
    )
    # Booked for another day: nothing to check in today.
    assert early.status_code in (404, 422), early.text

    booked = await client.post(
        "/api/v1/queue/bookings", json={"slot_id": str(soon.id)}, headers=citizen.headers
    )
    assert booked.status_code == 201, booked.text
    replayed = await client.post("/api/v1/queue/kiosk/check-in", json={"code": code}, headers=kiosk.headers)
    assert (replayed.status_code, replayed.json()["code"]) == (422, "queue.code_not_accepted")
    fresh = await issued_code(client, citizen)
    ticket = await client.post("/api/v1/queue/kiosk/check-in", json={"code": fresh}, headers=kiosk.headers)
    assert ticket.status_code == 201, ticket.text
    assert (ticket.json()["label"], ticket.json()["band_name"]) == ("A001", "booked")

    place = await client.get(f"/api/v1/queue/tickets/{ticket.json()['id']}", headers=citizen.headers)
    assert place.json()["ahead"] == 0
    same = await client.get(
        f"/api/v1/queue/tickets/{ticket.json()['id']}",
        headers={**citizen.headers, "if-none-match": place.headers["etag"]},
    )
    assert same.status_code == 304
    board = await client.get(f"/api/v1/queue/halls/{world.hall.id}/board")
    assert board.status_code == 200
    assert board.json()["hall_id"] == str(world.hall.id)
