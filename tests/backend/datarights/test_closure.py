"""Closing an account (注销): refused while something blocks it, naming what; otherwise finished by the
outbox even after a crash; and afterwards no table holds the person's name, ID number or phone in
clear, sealed under a key we keep, or as a blind index we could recompute — except the retained
records of docs/data-retention.md, which hold none of the three either."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, datetime
from typing import Any

import httpx

from backend.citizen.records import ID_NUMBER, NAME, PHONE
from backend.crypto import PersonalDataCipher, SealedValueCorrupt
from backend.datarights.service import CLOSE_TOPIC, DataRightsService
from backend.outbox.jobs import ClaimedJob, payload_column
from backend.outbox.service import Outbox
from backend.payment.tables import PaymentOrder
from backend.personal_data import Held
from backend.tourism.visitors import ID_NUMBER as VISITOR_ID_NUMBER
from backend.tourism.visitors import NAME as VISITOR_NAME
from tests.architecture.test_personal_data import _declared
from tests.backend.application.conftest import eventually, worker
from tests.backend.datarights.factories import Resident, everything, resident
from tests.contract.owned import payment_order
from tests.contract.owner import Owner
from tests.services import Services

PATH = "/api/v1/data-rights"
TOKEN = "/api/v1/auth/token"
# Every column a name, ID number or phone is blind-indexed or sealed under without a row's id.
INDEXED = (ID_NUMBER, PHONE, NAME, VISITOR_ID_NUMBER, VISITOR_NAME, "auth.sms_phone")


def _texts(value: Any) -> list[str]:
    if value is None or isinstance(value, int | float | bool | uuid.UUID | date | datetime):
        return []
    if isinstance(value, bytes | bytearray | memoryview):
        return [bytes(value).decode("latin-1")]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _texts(v)] + [str(k) for k in value]
    if isinstance(value, list):
        return [t for v in value for t in _texts(v)]
    return [str(value)]


def _aads(table: str, row: dict[str, Any], held: dict[str, Held]) -> list[str]:
    """Every associated data a sealed value of this row could be sealed under, with our keys."""
    found = list(INDEXED)
    if table == "outbox_job":
        found.append(payload_column(row["topic"], row["key"]))
    if table in held:
        pk = held[table].table._meta.primary_key._meta.name
        found += [aad.format_map({**row, "id": row[pk]}) for aad in held[table].sealed.values()]
    found.append(f"datarights_export.content:{row.get('id')}")
    return found


def _opens(cipher: PersonalDataCipher, text: str, aads: list[str]) -> str | None:
    for aad in aads:
        try:
            return cipher.open_bytes(text, column=aad).decode("utf-8", "replace")
        except (SealedValueCorrupt, ValueError):
            continue
    return None


async def _leaks(services: Services, who: Resident) -> list[str]:
    """Where the person's name, ID number or phone can still be read, with the keys we keep."""
    cipher = services.wiring.infra.cipher
    clear = (who.name, who.id_number, who.phone)
    indexes = {
        cipher.blind_index(value, column=column)
        for value in (*clear, who.id_number.upper(), f"register:{who.phone}")
        for column in INDEXED
    }
    held = {h.name: h for _, _, d in _declared() if d is not None for h in d.held}
    leaks = []
    for _, tables, _ in _declared():
        for table in tables:
            name = table._meta.tablename
            for row in await table.select():
                for column, value in row.items():
                    for text in _texts(value):
                        opened = (
                            _opens(cipher, text, _aads(name, row, held)) if text.startswith("v1") else None
                        )
                        if any(v in text for v in clear) or text in indexes:
                            leaks.append(f"{name}.{column} (clear or index)")
                        elif opened is not None and any(v in opened for v in clear):
                            leaks.append(f"{name}.{column} (sealed with our key)")
    return leaks


async def test_after_closure_no_table_holds_the_name_id_number_or_phone_in_a_form_we_can_read(
    web: httpx.AsyncClient, services: Services
) -> None:
    who = await resident(web)
    await everything(web, services, who)
    before = await _leaks(services, who)
    # The net catches them while the account is open (else it proves nothing afterwards).
    assert {leak.split(".")[0] for leak in before} >= {"citizen", "tourism_visitor", "application"}, before
    service = services.wiring.get(DataRightsService)
    # The makers leave a pending order, which would block the request: the job's step itself here
    # (the request's blockers are the test below).
    await service.finish_closure(who.id)
    assert await _leaks(services, who) == []
    me = await web.get("/api/v1/me", headers=who.headers)
    assert me.status_code == 401, me.text
    # Retained: the payment records stay, with no platform id of the payer.
    rows = await PaymentOrder.select(PaymentOrder.payer).where(PaymentOrder.citizen_id == who.id)
    assert rows
    assert {row["payer"] for row in rows} == {""}
    # Running it again (a worker died before finishing the job) touches nothing more.
    await service.finish_closure(who.id)
    assert await _leaks(services, who) == []


async def test_closure_is_refused_while_a_payment_is_pending_naming_it(
    web: httpx.AsyncClient, services: Services
) -> None:
    who = await resident(web)
    owner = Owner(kind="citizen", id=who.id, headers=who.headers, phone=who.phone, services=services)
    await payment_order(web, owner)
    refused = await web.post(f"{PATH}/closure", headers=who.headers)
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["code"] == "datarights.closure_blocked"
    assert problem["extra"]["blockers"] == [
        {"code": "payment.pending", "detail": "payment(s) pending: pay or cancel them", "count": 1}
    ]
    assert "1 payment(s) pending" in problem["detail"]
    still = await web.get("/api/v1/me", headers=who.headers)
    assert still.status_code == 200


async def test_a_closure_that_crashed_midway_is_finished_by_the_outbox(
    web: httpx.AsyncClient, services: Services
) -> None:
    who = await resident(web)
    asked = await web.post(f"{PATH}/closure", headers=who.headers)
    assert asked.status_code == 202, asked.text
    assert asked.json()["state"] == "closing"
    # The token that asked is dead at once (not when the outbox gets to the job): nothing the blockers
    # were checked against can be started by it now.
    again = await web.post(f"{PATH}/closure", headers=who.headers)
    assert again.status_code == 401, again.text
    pay = await web.get("/api/v1/applications", headers=who.headers)
    assert pay.status_code == 401, pay.text
    # Closing: no new session, whatever the password.
    login = await web.post(
        TOKEN, json={"grant_type": "password", "phone": who.phone, "password": "correct horse battery staple"}
    )
    assert login.status_code == 403, login.text
    service = services.wiring.get(DataRightsService)
    tries = []

    async def killed_first(job: ClaimedJob) -> None:
        tries.append(job.attempt)
        if len(tries) == 1:
            # The sessions ended, then the worker died before the deleting transaction committed.
            raise RuntimeError("worker killed mid-closure")
        await service.finish_closure(uuid.UUID(job.key.removeprefix("close:")))

    running = [worker(services, override={CLOSE_TOPIC: killed_first})]
    tasks = [asyncio.create_task(w.run()) for w in running]
    try:

        async def closed() -> bool:
            found = await service.closure(who.id)
            return found is not None and found.done_at is not None

        await eventually(closed)
    finally:
        for w in running:
            w.stop()
        await asyncio.wait_for(asyncio.gather(*tasks), 30)
    assert len(tries) >= 2
    job = await services.wiring.get(Outbox).find(CLOSE_TOPIC, f"close:{who.id}")
    assert job is not None
    assert job.state == "done"
    assert await _leaks(services, who) == []
    trail = await services.wiring.infra.audit.of_subject("auth", f"citizen:{who.id}")
    assert [e.action for e in trail if e.action.startswith("datarights.")] == [
        "datarights.closure_requested",
        "datarights.closed",
    ]
