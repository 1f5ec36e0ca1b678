"""The benchmark, declared: what is driven, against which reference, with which target and seeding.

Adding an endpoint is adding an entry here. ``prepare`` turns the seeder's fixtures into the request
wrk sends; it raises ``NotAvailable`` while a route it needs is not served, and the table says so.
Targets come from issue 6 and live only here and in BENCHMARKS.md, never in unit tests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal
from urllib.parse import quote

import msgspec

from load_tests import tourism
from load_tests.citizen_services import credit_disclosures, hotline_ticket
from load_tests.organisations import acting_applications
from load_tests.results import Target
from load_tests.seed import API, Seeder
from load_tests.stack.run import ReferenceApp
from load_tests.stays import hotel_availability, parking_availability
from load_tests.wrk import RequestSpec

JSON = {"Content-Type": "application/json"}
# Not in the OpenAPI document (the platforms call it, no client of ours): always served.
NOTIFY = f"{API}/payments/notify/wechatpay"

# Codes per citizen for a scanner run; the citizens are the seeder's crowd (16, 8 in quick mode):
# enough that per-citizen caches and limits see a crowd, few enough to seed within the quick minute.
# A gate run scans each code many times: the first scan passes, the rest are answered "replayed"
# through the same path (signature verify, one SET NX round trip, the audit record).
CODES_PER_CITIZEN = 32


REFERENCES = (
    ReferenceApp("litestar hello", "hello"),
    ReferenceApp("litestar + 1 redis GET", "redis"),
)
HELLO, REDIS = (r.name for r in REFERENCES)


@dataclass(frozen=True, slots=True)
class Endpoint:
    name: str
    method: str
    path: str
    reference: str | None
    targets: tuple[Target, ...] = ()
    connections: int = 64
    prepare: Callable[[Seeder], RequestSpec] | None = None
    # Prepare again before every run: citizen codes live 60 s, access tokens 10-15 minutes.
    prepare_each_run: bool = False
    # "crowd": many client addresses, for slow endpoints limited per address (load_tests.crowd).
    driver: Literal["wrk", "crowd"] = "wrk"
    # False for routes the OpenAPI document leaves out (the platforms' notification callbacks): they
    # are not checked for there, and their ``prepare`` finds out whether they are served.
    documented: bool = True


def _bearer(token: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **(extra or {})}


def _code_issue(seeder: Seeder) -> RequestSpec:
    citizen = seeder.citizens(1)[0]
    return RequestSpec("GET", f"{API}/citizen-code", _bearer(citizen.access_token))


def _me(seeder: Seeder) -> RequestSpec:
    seeder.require(("GET", f"{API}/me"))
    citizen = seeder.citizens(1)[0]
    return RequestSpec("GET", f"{API}/me", _bearer(citizen.access_token))


def _inbox(seeder: Seeder) -> RequestSpec:
    # The inbox's read path (token check, one indexed page query); the seeded citizens were told
    # nothing yet, so the page is empty: what a mini program polls on opening "消息".
    seeder.require(("GET", f"{API}/notifications"))
    citizen = seeder.citizens(1)[0]
    return RequestSpec("GET", f"{API}/notifications?limit=20", _bearer(citizen.access_token))


def _data_categories(seeder: Seeder) -> RequestSpec:
    # "What do you hold about me" (PIPL art. 44): the token check and the categories every feature
    # declared, gathered once per worker; no query.
    seeder.require(("GET", f"{API}/data-rights/categories"))
    citizen = seeder.citizens(1)[0]
    return RequestSpec("GET", f"{API}/data-rights/categories", _bearer(citizen.access_token))


def _scanner_verify(seeder: Seeder) -> RequestSpec:
    token = seeder.scanner_token()
    codes = seeder.citizen_codes(seeder.citizens(seeder.crowd), CODES_PER_CITIZEN)
    bodies = [msgspec.json.encode({"code": code}).decode() for code in codes]
    return RequestSpec("POST", f"{API}/scanner/verify", _bearer(token, JSON), bodies)


def _status_list(seeder: Seeder) -> RequestSpec:
    # What every online counter fetches (and re-fetches after its ``ttl``): the signed list is cached
    # per worker for 5 s, so this measures serving it, and one re-sign of 2^20 entries every 5 s.
    seeder.licence_holder()
    return RequestSpec("GET", f"{API}/licences/status/1", {})


def _login(seeder: Seeder) -> RequestSpec:
    bodies = [
        msgspec.json.encode({"grant_type": "password", "phone": c.phone, "password": c.password}).decode()
        for c in seeder.citizens(seeder.crowd)
    ]
    return RequestSpec("POST", f"{API}/auth/token", JSON, bodies)


def _payment_notification(seeder: Seeder) -> RequestSpec:
    headers, body = seeder.paid_notification()
    return RequestSpec("POST", NOTIFY, {**headers, **JSON}, [body])


def _take_number(seeder: Seeder) -> RequestSpec:
    token = seeder.scanner_token()
    body = msgspec.json.encode({"service_id": seeder.queue_service()}).decode()
    return RequestSpec("POST", f"{API}/queue/kiosk/tickets", _bearer(token, JSON), [body])


def _tourism_hold(seeder: Seeder) -> RequestSpec:
    # One hot slot (8 counter rows), a place per request, a different real-name visitor each time.
    found = tourism.fixtures(seeder)
    hot = tourism.spot(seeder, capacity=1_000_000, shards=8, price_fen=6000)
    bodies = [_json(tourism.hold_body(hot.slot, hot.product, v)) for v in found.visitors]
    return RequestSpec("POST", f"{API}/tourism/holds", _bearer(found.token, JSON), bodies)


def _tourism_sold_out(seeder: Seeder) -> RequestSpec:
    # A slot of one place, held: every request is a loser the Redis flag turns away (409).
    found = tourism.fixtures(seeder)
    full = tourism.spot(seeder, capacity=1, shards=1, price_fen=6000)
    first, *rest = (_json(tourism.hold_body(full.slot, full.product, v)) for v in found.visitors[:65])
    headers = _bearer(found.token, JSON)
    seeder.call("POST", f"{API}/tourism/holds", content=first, headers=headers)
    seeder.call("POST", f"{API}/tourism/holds", content=rest[0], headers=headers, expect=(409,))
    return RequestSpec("POST", f"{API}/tourism/holds", headers, rest, expect_status=409)


def _tourism_redeem(seeder: Seeder) -> RequestSpec:
    # Every visitor's free ticket for today, shown just before the run; each is let in once.
    found = tourism.fixtures(seeder)
    free = tourism.spot(seeder, capacity=1_000_000, shards=8, price_fen=0)
    codes = tourism.codes(seeder, found, tourism.tickets(seeder, found, free.slot, free.product))
    gate = tourism.gate_token(seeder, free.slug)
    return RequestSpec(
        "POST", f"{API}/tourism/gate/redeem", _bearer(gate, JSON), [_json({"code": c}) for c in codes]
    )


# The gates' own load: 32 connections, each waiting 27 ms before every scan (plus its ~5 ms answer),
# offer ~1,000 redeems a second (twice the issue's 500/s) however fast the server is, so the p99 is
# what a gate sees at that load. The closed-loop row above measures the most the API redeems; its p99
# is 32 connections divided by that rate, a property of the loop rather than of a scan.
GATE_PACE_MS = 27


def _tourism_redeem_paced(seeder: Seeder) -> RequestSpec:
    return replace(_tourism_redeem(seeder), pace_ms=GATE_PACE_MS)


def _tourism_availability(seeder: Seeder) -> RequestSpec:
    seeder.require(("GET", f"{API}/tourism/spots/{{spot_id}}/slots"))
    spot = tourism.spot(seeder, capacity=10_000, shards=1, price_fen=6000)
    day = datetime.now(tourism.BEIJING).date().isoformat()
    return RequestSpec("GET", f"{API}/tourism/spots/{spot.id}/slots?day={day}", {})


def _guidance(seeder: Seeder) -> RequestSpec:
    # A resident's question in traditional characters with a Taiwan term (身分證): folded, ranked
    # over the seeded catalogue, aliases and FAQ entries in memory, answered (no write: it finds its item).
    seeder.require(("GET", f"{API}/guidance"))
    return RequestSpec("GET", f"{API}/guidance?q={quote('身分證丟了怎麼補辦')}", {})


def _school_district(seeder: Seeder) -> RequestSpec:
    """A parent's address in the seeded 学区划分 (the education feature seeds it outside production)."""
    seeder.require(("GET", f"{API}/education/school-districts"))
    address = quote("江苏省宿迁市宿城区幸福中路18号")
    return RequestSpec("GET", f"{API}/education/school-districts?address={address}", {})


def _json(value: object) -> str:
    return msgspec.json.encode(value).decode()


ENDPOINTS = (
    Endpoint("health", "GET", "/health/live", HELLO),
    Endpoint(
        "code issue",
        "GET",
        f"{API}/citizen-code",
        HELLO,
        targets=(Target("ratio", 0.35),),
        prepare=_code_issue,
        prepare_each_run=True,
    ),
    Endpoint("me", "GET", f"{API}/me", HELLO, prepare=_me, prepare_each_run=True),
    Endpoint(
        "notification inbox", "GET", f"{API}/notifications", HELLO, prepare=_inbox, prepare_each_run=True
    ),
    Endpoint(
        "data categories",
        "GET",
        f"{API}/data-rights/categories",
        HELLO,
        prepare=_data_categories,
        prepare_each_run=True,
    ),
    # ``path`` is the route as documented (its availability check); prepare names list 1.
    Endpoint(
        "licence status list", "GET", f"{API}/licences/status/{{status_list}}", HELLO, prepare=_status_list
    ),
    Endpoint(
        "scanner verify",
        "POST",
        f"{API}/scanner/verify",
        REDIS,
        targets=(Target("ratio", 0.60), Target("p99_ms", 30.0)),
        prepare=_scanner_verify,
        prepare_each_run=True,
    ),
    # A paid order's WeChat Pay notification replayed, as the platform retries until it hears 2xx:
    # header checks, the RSA-2048 platform signature, the AES-256-GCM resource, the order read, and
    # the ledger's unique (order, paid, transaction) insert that makes it a no-op (issue 14).
    Endpoint(
        "payment notification (replayed)",
        "POST",
        NOTIFY,
        HELLO,
        connections=16,
        prepare=_payment_notification,
        prepare_each_run=True,
        documented=False,
    ),
    # Paper tickets at one hall's kiosk: every request bumps the same (service, day) counter row and
    # the band's rank row, one statement and one commit each (issue 16: >= 2,000 numbers/s).
    Endpoint(
        "queue take number",
        "POST",
        f"{API}/queue/kiosk/tickets",
        HELLO,
        targets=(Target("rate", 2000.0),),
        connections=32,
        prepare=_take_number,
        prepare_each_run=True,
    ),
    # What a guest's search asks before booking: the hotel, its room types and the fewest rooms left
    # over the stay's nights (2 of 3 held by bookings) from the per-night counter rows, one SELECT each.
    Endpoint(
        "hotel availability",
        "GET",
        f"{API}/hotels/{{hotel_id}}/availability",
        HELLO,
        prepare=hotel_availability,
    ),
    # An agent acting for an organisation reads its applications: the guard reads the authorisation
    # behind the token at every use (revocation and expiry bite at once), then the list as for oneself.
    Endpoint(
        "acting-as applications",
        "GET",
        f"{API}/applications",
        HELLO,
        prepare=acting_applications,
        prepare_each_run=True,
    ),
    # Enrolment season's first page (教育一站直通): the school district of an address, each stage's
    # school from the district lines held in memory (re-read every 30 s), no database on the way.
    Endpoint(
        "school district lookup",
        "GET",
        f"{API}/education/school-districts",
        HELLO,
        prepare=_school_district,
    ),
    # Credit disclosures (issue 13.2): one signed call to the credit platform (the in-process twin
    # here) through the adapter, its page mapped to ours with a keyset cursor.
    Endpoint(
        "credit disclosure search",
        "GET",
        f"{API}/credit/disclosures",
        HELLO,
        prepare=credit_disclosures,
    ),
    # A citizen looking at their 12345 ticket (issue 13.3): the ticket, its replies and photos, three
    # indexed reads, and its sealed text opened (AES-GCM); 12345 itself is not asked (replies are polled).
    Endpoint(
        "hotline ticket read",
        "GET",
        f"{API}/hotline/tickets/{{ticket_id}}",
        HELLO,
        prepare=hotline_ticket,
        prepare_each_run=True,
    ),
    # What a driver's app asks before reserving: the car park and the most reservations any hour of
    # the window holds (3 of 8 taken) from the hour buckets, one MAX() over an index range.
    Endpoint(
        "parking availability",
        "GET",
        f"{API}/parking/lots/{{lot_id}}/availability",
        HELLO,
        prepare=parking_availability,
        prepare_each_run=True,
    ),
    # Scenic-spot tickets (issue 15). Holds: one conditional write on one of the hot slot's 8 counter
    # rows plus the visitor read; sold-out losers are turned away by a Redis flag before the database.
    Endpoint(
        "tourism hold (hot slot)",
        "POST",
        f"{API}/tourism/holds",
        HELLO,
        targets=(Target("rate", 1000.0),),
        connections=32,
        prepare=_tourism_hold,
        prepare_each_run=True,
    ),
    Endpoint(
        "tourism sold-out rejection",
        "POST",
        f"{API}/tourism/holds",
        REDIS,
        targets=(Target("rate", 10_000.0),),
        connections=64,
        prepare=_tourism_sold_out,
        prepare_each_run=True,
    ),
    Endpoint(
        "tourism redeem online",
        "POST",
        f"{API}/tourism/gate/redeem",
        REDIS,
        targets=(Target("rate", 500.0),),
        connections=32,
        prepare=_tourism_redeem,
        prepare_each_run=True,
    ),
    Endpoint(
        "tourism redeem at ~1,000/s",
        "POST",
        f"{API}/tourism/gate/redeem",
        None,
        targets=(Target("rate", 500.0), Target("p99_ms", 30.0)),
        connections=32,
        prepare=_tourism_redeem_paced,
        prepare_each_run=True,
    ),
    Endpoint(
        "tourism availability",
        "GET",
        f"{API}/tourism/spots/{{spot_id}}/slots",
        HELLO,
        targets=(Target("p99_ms", 20.0),),
        prepare=_tourism_availability,
    ),
    # Smart guidance (issue 13): p95 ≤ 30 ms asked; wrk reports p99, a stricter ceiling.
    Endpoint(
        "guidance ask",
        "GET",
        f"{API}/guidance",
        HELLO,
        targets=(Target("p99_ms", 30.0),),
        prepare=_guidance,
    ),
)


@dataclass(frozen=True, slots=True)
class Storm:
    """A CPU-heavy load and a light probe driven at once: does the probe stay fast?"""

    load: Endpoint
    probe: Endpoint


# 8 logins in flight = 2 workers × hash_concurrency 4: both cores hash and nothing queues in the app
# (more connections only lengthen the queue; an Argon2id verify is ~165 ms of CPU here). Logins come
# from many addresses: the API allows one address 30 per 15 minutes. The probe is a handful of
# connections, like a load balancer's health checks.
LOGIN_STORM = Storm(
    load=Endpoint(
        "login (argon2)", "POST", f"{API}/auth/token", HELLO, connections=8, prepare=_login, driver="crowd"
    ),
    probe=Endpoint(
        "health during login storm",
        "GET",
        "/health/live",
        None,
        targets=(Target("p99_ms", 50.0),),
        connections=4,
    ),
)
