"""Seeding for the stay rows (hotel and parking availability), over the public API only: the Suqian
hotels and car parks the API seeds outside production (the benchmark mode included), with some of
their inventory taken by citizens' bookings and reservations, so a read sums real counter rows."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from load_tests.seed import API, NotAvailable, Seeder
from load_tests.wrk import RequestSpec

CHINA = dt.timezone(dt.timedelta(hours=8))
HOTEL = "SQ-HT-001"  # seeded by the API (backend.hotel.seed), known to the PMS twin
LOT = "SQ-P-002"  # seeded by the API: 20 bays, 8 reservable
HOTEL_BOOKINGS = 2  # of the KING type's 3 rooms, for the nights read
RESERVATIONS = 3  # of the lot's 8 reservable bays, for the hours read
_PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"


@dataclass
class _Seeded:
    hotel: dict[str, Any] | None = None
    lot: str | None = None


_seeded: dict[int, _Seeded] = {}


def _state(seeder: Seeder) -> _Seeded:
    return _seeded.setdefault(id(seeder), _Seeded())


def _stay_nights() -> tuple[str, str]:
    tomorrow = dt.datetime.now(CHINA).date() + dt.timedelta(days=1)
    return tomorrow.isoformat(), (tomorrow + dt.timedelta(days=2)).isoformat()


def _find(items: list[dict[str, Any]], code: str, what: str) -> dict[str, Any]:
    found = next((item for item in items if item["code"] == code), None)
    if found is None:
        raise NotAvailable(f"{what} {code} is not seeded (the API seeds it outside production)")
    return found


def hotel_availability(seeder: Seeder) -> RequestSpec:
    """Tomorrow's two-night stay at a seeded hotel, some of its nights held by bookings."""
    seeded = _state(seeder)
    arrival, departure = _stay_nights()
    if seeded.hotel is None:
        seeder.require(("GET", f"{API}/hotels"), ("POST", f"{API}/hotel-bookings"))
        hotel = _find(seeder.call("GET", f"{API}/hotels")["items"], HOTEL, "hotel")
        kinds = seeder.call("GET", f"{API}/hotels/{hotel['id']}")["room_types"]
        king = _find(kinds, "KING", "room type")
        citizen = seeder.citizens(1)[0]
        for _ in range(HOTEL_BOOKINGS):
            seeder.call(
                "POST",
                f"{API}/hotel-bookings",
                json={
                    "room_type_id": king["id"],
                    "arrival": arrival,
                    "departure": departure,
                    "channel": "wechat_app",  # no mini-program user needed: the hold is the point
                },
                headers={"Authorization": f"Bearer {citizen.access_token}"},
            )
        seeded.hotel = hotel
    path = f"{API}/hotels/{seeded.hotel['id']}/availability?arrival={arrival}&departure={departure}"
    return RequestSpec("GET", path, {})


def _window() -> tuple[str, str]:
    # An hour from now for two hours: in the future for the whole run (a window may not start more
    # than 5 minutes in the past), so prepare it again before each run all the same.
    start = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
    return start.isoformat(), (start + dt.timedelta(hours=2)).isoformat()


def parking_availability(seeder: Seeder) -> RequestSpec:
    """The next two hours' bays left at a seeded car park, some of its hours taken by reservations."""
    seeded = _state(seeder)
    starts_at, ends_at = _window()
    if seeded.lot is None:
        seeder.require(("GET", f"{API}/parking/lots"), ("POST", f"{API}/parking/reservations"))
        lot = _find(seeder.call("GET", f"{API}/parking/lots")["items"], LOT, "car park")
        for citizen in seeder.citizens(RESERVATIONS):
            headers = {"Authorization": f"Bearer {citizen.access_token}"}
            plate = "苏N" + "".join(secrets.choice(_PLATE_LETTERS) for _ in range(5))
            linked = seeder.call("POST", f"{API}/parking/plates", json={"plate": plate}, headers=headers)
            seeder.call(
                "POST",
                f"{API}/parking/reservations",
                json={
                    "lot_id": lot["id"],
                    "plate_id": linked["id"],
                    "starts_at": starts_at,
                    "ends_at": ends_at,
                },
                headers=headers,
            )
        seeded.lot = str(lot["id"])
    query = f"starts_at={starts_at}&ends_at={ends_at}".replace("+", "%2B")
    return RequestSpec("GET", f"{API}/parking/lots/{seeded.lot}/availability?{query}", {})
