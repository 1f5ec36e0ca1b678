"""The export holds everything the citizen's account holds: after a citizen used every feature, the
export built by the outbox has, for every table with a citizen column (and every table hanging off
one), exactly the rows the database holds for them — sealed columns opened, secrets left out — and
is handed out once."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import httpx

from backend.app import FEATURES
from backend.datarights.repository import DataRightsRepository
from backend.datarights.service import DataRightsService
from tests.architecture.test_personal_data import _declared, citizen_columns
from tests.backend.application.conftest import eventually, workers
from tests.backend.datarights.factories import everything, resident
from tests.services import Services

PATH = "/api/v1/data-rights"


async def _rows_in_database(table: Any, columns: set[str], citizen_id: uuid.UUID) -> set[str]:
    """The table's rows naming the citizen, found without the declarations."""
    pk = table._meta.primary_key._meta.name
    found: set[str] = set()
    for column in columns:
        rows = await table.select(getattr(table, pk)).where(getattr(table, column) == citizen_id)
        found |= {str(row[pk]) for row in rows}
    return found


async def _exported(web: httpx.AsyncClient, services: Services, headers: dict[str, str]) -> dict[str, Any]:
    asked = await web.post(f"{PATH}/exports", headers=headers)
    assert asked.status_code == 202, asked.text
    export = asked.json()
    assert export["state"] == "pending"
    assert export["download"] is None
    async with workers(services):

        async def ready() -> bool:
            answer = await web.get(f"{PATH}/exports/{export['id']}", headers=headers)
            return bool(answer.json()["state"] == "ready")

        await eventually(ready)
    read = (await web.get(f"{PATH}/exports/{export['id']}", headers=headers)).json()
    downloaded = await web.get(read["download"], headers=headers)
    assert downloaded.status_code == 200, downloaded.text
    assert downloaded.headers["content-type"].startswith("application/json")
    again = await web.get(read["download"], headers=headers)
    assert again.status_code == 409
    assert again.json()["code"] == "datarights.export_gone"
    document: dict[str, Any] = downloaded.json()
    return document


async def test_the_export_holds_every_row_of_every_table_with_a_citizen_column(
    web: httpx.AsyncClient, services: Services
) -> None:
    who = await resident(web)
    await everything(web, services, who)
    document = await _exported(web, services, who.headers)
    assert document["format"] == "suqian.personal-data-export/1"
    assert document["citizen_id"] == str(who.id)
    tables = document["tables"]
    walked = []
    for _, app_tables, _ in _declared():
        for table in app_tables:
            columns = citizen_columns(table)
            if not columns:
                continue
            name = table._meta.tablename
            held = await _rows_in_database(table, columns, who.id)
            pk = table._meta.primary_key._meta.name
            exported = {str(row[pk]) for row in tables.get(name, [])}
            assert exported == held, f"{name}: the export has {len(exported)} rows, the database {len(held)}"
            walked.append((name, len(held)))
    filled = sorted(name for name, n in walked if n)
    # The makers reached most features; a table they left empty is still compared (0 == 0).
    assert len(filled) >= 20, filled
    (citizen,) = tables["citizen"]
    assert (citizen["name"], citizen["id_number"], citizen["phone"]) == (who.name, who.id_number, who.phone)
    assert "password_hash" not in citizen
    assert "phone_index" not in citizen
    unopened = [
        f"{name}.{column}"
        for name, rows in tables.items()
        for row in rows
        for column, value in row.items()
        if '"v1.' in json.dumps(value)
    ]
    assert unopened == [], "sealed values handed out unopened"
    # Children found through their parents ride along: the order's ledger, the application's history.
    assert tables["payment_event"]
    assert tables["application_event"]
    assert {c["name"] for c in document["categories"]} >= {"identity", "payments", "applications"}


async def test_an_export_can_not_be_downloaded_after_it_expired(
    web: httpx.AsyncClient, services: Services
) -> None:
    who = await resident(web)
    service = services.wiring.get(DataRightsService)
    export = await service.request_export(who.id)
    await service.build_export(export.id)
    repository = DataRightsRepository(services.wiring.infra.engine)
    ready = await repository.find_export(export.id)
    assert ready is not None
    assert ready.state == "ready"
    assert ready.expires_at is not None
    later = ready.expires_at + timedelta(seconds=1)
    assert await repository.take_export(export.id, who.id, now=later) is None
    assert await repository.expire_exports(now=later) >= 1
    gone = await web.get(f"{PATH}/exports/{export.id}/download", headers=who.headers)
    assert gone.status_code == 409
    assert gone.json()["code"] == "datarights.export_gone"
    read = (await web.get(f"{PATH}/exports/{export.id}", headers=who.headers)).json()
    assert read["state"] == "expired"


async def test_the_categories_say_why_and_for_how_long_for_every_feature_that_holds_data(
    web: httpx.AsyncClient,
) -> None:
    who = await resident(web)
    answer = await web.get(f"{PATH}/categories", headers=who.headers)
    assert answer.status_code == 200, answer.text
    items = answer.json()["items"]
    holding = {f.name for f in FEATURES if f.personal_data is not None and f.personal_data.held}
    assert {item["feature"] for item in items} == holding | {"audit"}
    assert all(item["purpose"] and item["legal_basis"] and item["retention"] for item in items)
    payments = next(item for item in items if item["name"] == "payments")
    assert payments["on_closure"].startswith("retained: ")
