"""Seeding for the credit and 12345 rows, over the public API only: the public disclosure search
(answered by the credit twin through the adapter), and a citizen reading their own 12345 ticket with
its replies pulled from the hotline twin (sealed text opened, replies and photos read)."""

from __future__ import annotations

import time
from urllib.parse import quote

from load_tests.seed import API, Seeder
from load_tests.wrk import RequestSpec

SANDBOX = "/_sandbox"
# Two of the credit twin's seeded enterprises carry "宿迁" in their names: a two-item page.
DISCLOSURE_QUERY = "宿迁"
TICKET = {
    "kind": "complaint",
    "category": "tourism",
    "title": "景区门票价格与公示不符",
    "content": "项王故里售票处实际收费120元，高于公示的80元，请核查。",
    "location": {"address": "宿迁市宿城区项王故里景区售票处", "district": "宿城区"},
    "contact_phone": "13905270001",
}
REPLIES = ("已转市场监管部门核查", "经核查属实，已责令退还差价")

_tickets: dict[int, tuple[str, str]] = {}


def credit_disclosures(seeder: Seeder) -> RequestSpec:
    """One page of legal persons' public disclosures, searched by name."""
    seeder.require(("GET", f"{API}/credit/disclosures"))
    return RequestSpec("GET", f"{API}/credit/disclosures?q={quote(DISCLOSURE_QUERY)}&limit=20", {})


def hotline_ticket(seeder: Seeder) -> RequestSpec:
    """A citizen's own ticket, delivered to 12345 and answered twice (replies pulled on refresh)."""
    seeder.require(
        ("POST", f"{API}/hotline/tickets"), ("POST", f"{API}/hotline/tickets/{{ticket_id}}/refresh")
    )
    citizen = seeder.citizens(1)[0]
    headers = {"Authorization": f"Bearer {citizen.access_token}"}
    if id(seeder) not in _tickets:
        filed = seeder.call("POST", f"{API}/hotline/tickets", json=TICKET, headers=headers)
        ticket_id = filed["id"]
        ticket_no = _delivered(seeder, ticket_id, headers)
        for text in REPLIES:
            seeder.call(
                "POST",
                f"{SANDBOX}/hotline12345/tickets/{ticket_no}/replies",
                json={"department": "宿迁市文化广电和旅游局", "text": text},
            )
        seeder.call("POST", f"{API}/hotline/tickets/{ticket_id}/refresh", headers=headers)
        _tickets[id(seeder)] = (ticket_id, ticket_no)
    ticket_id, _ = _tickets[id(seeder)]
    return RequestSpec("GET", f"{API}/hotline/tickets/{ticket_id}", headers)


def _delivered(seeder: Seeder, ticket_id: str, headers: dict[str, str]) -> str:
    """The 12345 number once the API's outbox workers have delivered the ticket (within seconds)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ticket = seeder.call("GET", f"{API}/hotline/tickets/{ticket_id}", headers=headers)
        if ticket["ticket_no"]:
            return str(ticket["ticket_no"])
        time.sleep(0.2)
    raise RuntimeError("the 12345 ticket was not delivered within 60 s")
