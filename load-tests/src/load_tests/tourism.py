"""Seeding for the tourism rows (issue 15): one citizen with many companions (a hold is one real-name
ticket per visitor, one ticket per ID number, spot and day), spots made fresh for each run so the
same visitors buy again, and free tickets confirmed at once so a gate has tickets to let in.

Seeding is the bulk of a tourism row's cost, so it runs on ``WORKERS`` connections of its own (the
seeder's single connection would take minutes for the visitors).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, TypeVar

import httpx

from load_tests.identities import SeedError
from load_tests.seed import API, Seeder

T = TypeVar("T")
WORKERS = 8
BEIJING = timezone(timedelta(hours=8))
# Visitors per crowd member: 16 × 2,000 = 32,000 in a full run, 16,000 in a quick one — more holds
# (and redeems) than one 10 s run makes, so no request repeats a visitor on a spot's day. (20,000 ran
# out on 2026-12-05: the closed-loop redeem row made ~2,000/s, and the scans past the last ticket
# were its errors.)
VISITORS_PER_CROWD = 2000
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(n: int) -> str:
    """A valid resident ID number (GB 11643 check character), distinct for each ``n`` < 10^7."""
    born = datetime(1950, 1, 1, tzinfo=UTC) + timedelta(days=(n // 1000) % 18_000)
    first17 = f"321302{born:%Y%m%d}{n % 1000:03d}"
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


@dataclass
class Fixtures:
    token: str = ""
    visitors: list[str] = field(default_factory=list)


_FIXTURES: dict[int, Fixtures] = {}


def _parallel(base_url: str, calls: Sequence[Callable[[httpx.Client], T]]) -> list[T]:
    def run(chunk: Sequence[Callable[[httpx.Client], T]]) -> list[T]:
        with httpx.Client(base_url=base_url, timeout=30.0) as client:
            return [call(client) for call in chunk]

    chunks = [calls[i::WORKERS] for i in range(WORKERS)]
    with ThreadPoolExecutor(WORKERS) as pool:
        parts = list(pool.map(run, chunks))
    # Back in the order asked (chunk i holds calls i, i + WORKERS, ...).
    return [parts[i % WORKERS][i // WORKERS] for i in range(len(calls))]


def _ok(response: httpx.Response) -> Any:
    if response.status_code not in (200, 201):
        request = response.request
        raise SeedError(f"{request.method} {request.url.path}: {response.status_code} {response.text[:300]}")
    return response.json()


def fixtures(seeder: Seeder) -> Fixtures:
    """The buyer and their visitors, made once per run."""
    seeder.require(("POST", f"{API}/tourism/visitors"), ("POST", f"{API}/tourism/holds"))
    found = _FIXTURES.setdefault(id(seeder), Fixtures())
    found.token = seeder.citizens(1)[0].access_token
    wanted = seeder.crowd * VISITORS_PER_CROWD
    if len(found.visitors) < wanted:
        start = secrets.randbelow(10**6)
        headers = {"Authorization": f"Bearer {found.token}"}

        def add(n: int) -> Callable[[httpx.Client], str]:
            body = {"name": "王小明", "id_number": id_number(start + n)}
            return lambda client: str(
                _ok(client.post(f"{API}/tourism/visitors", json=body, headers=headers))["id"]
            )

        found.visitors += _parallel(seeder.base_url, [add(n) for n in range(len(found.visitors), wanted)])
    return found


@dataclass(frozen=True)
class Spot:
    id: str
    slug: str
    slot: str
    product: str


def spot(seeder: Seeder, *, capacity: int, shards: int, price_fen: int) -> Spot:
    """A fresh spot open all day (one slot a day), with its slot of today and its adult product."""
    seeder.require(("POST", f"{API}/admin/tourism/spots"))
    slug = f"bench-{secrets.token_hex(6)}"
    made = seeder.call(
        "POST",
        f"{API}/admin/tourism/spots",
        json={
            "slug": slug,
            "name": "bench spot",
            "address": "宿迁",
            "opens": 0,
            "closes": 1440,
            "slot_minutes": 1440,
            "daily_capacity": capacity,
            "shards": shards,
            "products": [{"kind": "adult", "name": "成人票", "price_fen": price_fen}],
        },
        headers={"Authorization": f"Bearer {seeder.operator_token()}"},
    )
    today = datetime.now(BEIJING).date().isoformat()
    slots = seeder.call("GET", f"{API}/tourism/spots/{made['id']}/slots", params={"day": today})
    return Spot(str(made["id"]), slug, str(slots["items"][0]["id"]), str(made["products"][0]["id"]))


def hold_body(slot_id: str, product_id: str, visitor_id: str) -> dict[str, Any]:
    return {"slot_id": slot_id, "tickets": [{"visitor_id": visitor_id, "product_id": product_id}]}


def tickets(seeder: Seeder, found: Fixtures, slot_id: str, product_id: str) -> list[str]:
    """A free ticket for every visitor on ``slot_id`` (holds of 10, confirmed at once): ticket ids."""
    headers = {"Authorization": f"Bearer {found.token}"}

    def buy(group: list[str]) -> Callable[[httpx.Client], list[str]]:
        body = {"slot_id": slot_id, "tickets": [{"visitor_id": v, "product_id": product_id} for v in group]}

        def call(client: httpx.Client) -> list[str]:
            hold = _ok(client.post(f"{API}/tourism/holds", json=body, headers=headers))
            paid = _ok(
                client.post(
                    f"{API}/tourism/holds/{hold['id']}/pay", json={"channel": "wechat_app"}, headers=headers
                )
            )
            return [str(t["id"]) for t in paid["hold"]["tickets"]]

        return call

    groups = [found.visitors[i : i + 10] for i in range(0, len(found.visitors), 10)]
    return [t for made in _parallel(seeder.base_url, [buy(g) for g in groups]) for t in made]


def codes(seeder: Seeder, found: Fixtures, ticket_ids: Sequence[str]) -> list[str]:
    """A fresh signed code for each ticket (they live a minute: made just before the run)."""
    headers = {"Authorization": f"Bearer {found.token}"}

    def show(ticket_id: str) -> Callable[[httpx.Client], str]:
        return lambda client: str(
            _ok(client.get(f"{API}/tourism/tickets/{ticket_id}/code", headers=headers))["code"]
        )

    return _parallel(seeder.base_url, [show(t) for t in ticket_ids])


def gate_token(seeder: Seeder, slug_of_spot: str) -> str:
    """A gate (scanner device of scene scenic_spot) at the spot ``slug_of_spot``: its device token."""
    operator = {"Authorization": f"Bearer {seeder.operator_token()}"}
    registered = seeder.call(
        "POST",
        f"{API}/admin/scanners",
        json={"scene": "scenic_spot", "venue": slug_of_spot},
        headers=operator,
    )
    device = seeder.call(
        "POST",
        f"{API}/scanner/token",
        json={"device_id": registered["device"]["id"], "credential": registered["credential"]},
    )
    return str(device["access_token"])
