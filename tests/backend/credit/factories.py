"""Citizens the credit platform knows (with a record of their own), and the credit feature built
around a client of its own (so a drill's failures never open the app's shared breaker)."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass

import httpx

from backend.citizen.service import CitizenService
from backend.credit.repository import CreditRepository
from backend.credit.service import CreditService
from backend.notification.service import NotificationService
from backend.outbox.service import Outbox
from integrations import BreakerPolicy, UpstreamConfig
from integrations.credit import CreditClient
from integrations.sandbox import SANDBOX_APP_KEY, SANDBOX_APP_SECRET
from integrations.sandbox.inprocess import SANDBOX_BASE_URL, in_process_transport
from tests.backend.hotel.factories import make_guest
from tests.services import Services


@dataclass(frozen=True)
class Subject:
    id: uuid.UUID
    headers: dict[str, str]
    id_number: str
    phone: str
    record_id: str


async def add_record(client: httpx.AsyncClient, subject: str, *, category: str = "dishonest") -> str:
    record_id = f"CRT{secrets.token_hex(5).upper()}"
    added = await client.post(
        "/_sandbox/credit/records",
        json={
            "subject": subject,
            "record": {
                "record_id": record_id,
                "category": category,
                "title": "失信被执行人",
                "authority": "宿迁市宿城区人民法院",
                "decided_on": "2025-05-06",
                "valid_until": None,
                "status": "active",
            },
        },
    )
    assert added.status_code == 201, added.text
    return record_id


async def make_subject(client: httpx.AsyncClient) -> Subject:
    """A registered citizen the credit platform knows, with one record about them."""
    guest = await make_guest(client, pays=False)
    known = await client.post(
        "/_sandbox/credit/people", json={"id_number": guest.id_number, "name": guest.name}
    )
    assert known.status_code == 201, known.text
    record_id = await add_record(client, guest.id_number)
    phone = f"139{secrets.randbelow(10**8):08d}"
    return Subject(guest.id, guest.headers, guest.id_number, phone, record_id)


def credit_with_own_client(services: Services) -> CreditService:
    """The credit service over a client of its own whose breaker never opens."""
    w = services.wiring
    sandbox = w.infra.upstreams.sandbox
    assert sandbox is not None
    client = CreditClient(
        UpstreamConfig(
            base_url=f"{SANDBOX_BASE_URL}/credit",
            app_key=SANDBOX_APP_KEY,
            app_secret=SANDBOX_APP_SECRET,
            breaker=BreakerPolicy(consecutive_failures=10_000, min_calls=10_000),
        ),
        transport=in_process_transport(sandbox),
    )
    return CreditService(
        repository=CreditRepository(w.infra.engine),
        client=client,
        citizens=w.get(CitizenService),
        outbox=w.get(Outbox),
        notifications=w.get(NotificationService),
        cipher=w.infra.cipher,
        audit=w.infra.audit,
        clock=w.infra.clock,
        engine=w.infra.engine,
    )
