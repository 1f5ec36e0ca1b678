"""Restricting a citizen, and the revocation delta feed offline scanners sync with."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

import httpx
import pytest
from litestar import Litestar

from backend.code.repository import RevocationRepository
from backend.code.service import CitizenCodeService
from backend.code.trust import CodeTrust
from backend.database import transaction
from citizen_code import DeviceKey, ParsedCode, Status, Verdict
from tests.backend.auth.clock import ManualClock
from tests.backend.citizen.factories import register
from tests.backend.code.factories import (
    Citizen,
    code_id_of,
    enrol,
    issued_code,
    make_citizen,
    make_scanner,
    offline_verifier,
    public_key_text,
    verify,
    worker_at,
)
from tests.backend.staff.factories import bearer, operator_principal, staff_token
from tests.services import Services


@pytest.fixture(scope="module")
async def operator(app: Litestar, services: Services) -> dict[str, str]:
    return bearer(await staff_token(app, services, role="operator"))


async def _registered(web: httpx.AsyncClient) -> Citizen:
    body = await register(web)
    return Citizen(uuid.UUID(body["citizen"]["id"]), bearer(body["tokens"]["access_token"]))


async def _feed(client: httpx.AsyncClient, headers: dict[str, str], **params: str | int) -> dict[str, object]:
    response = await client.get("/api/v1/scanner/revocations", params=params, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


async def test_restricting_a_citizen_changes_what_their_codes_assert_and_revokes_older_ones(
    client: httpx.AsyncClient, web: httpx.AsyncClient, services: Services, operator: dict[str, str]
) -> None:
    citizen = await _registered(web)
    library, factory = await make_scanner(services), await make_scanner(services, scene="factory")
    before = await issued_code(client, citizen)
    response = await client.put(
        f"/api/v1/admin/citizen-code/holders/{citizen.id}/status",
        json={"status": "restricted"},
        headers=operator,
    )
    assert response.status_code == 204, response.text
    assert (await verify(client, library, before))["reason"] == "revoked"
    assert (await verify(client, factory, await issued_code(client, citizen)))["reason"] == "restricted"
    assert (await verify(client, library, await issued_code(client, citizen)))["decision"] == "pass"
    feed = await _feed(client, library.headers)
    items = feed["items"]
    assert isinstance(items, list)
    assert await code_id_of(services, citizen) in {item["code_id"] for item in items}
    cleared = await client.put(
        f"/api/v1/admin/citizen-code/holders/{citizen.id}/status", json={"status": "normal"}, headers=operator
    )
    assert cleared.status_code == 204
    assert (await verify(client, factory, await issued_code(client, citizen)))["decision"] == "pass"


async def test_status_of_an_unknown_citizen_is_404_and_counter_staff_may_not_set_it(
    client: httpx.AsyncClient, app: Litestar, services: Services, operator: dict[str, str]
) -> None:
    path = f"/api/v1/admin/citizen-code/holders/{uuid.uuid4()}/status"
    missing = await client.put(path, json={"status": "restricted"}, headers=operator)
    assert missing.status_code == 404
    counter = bearer(await staff_token(app, services, role="counter"))
    assert (await client.put(path, json={"status": "restricted"}, headers=counter)).status_code == 403


async def _revoke_a_device(client: httpx.AsyncClient, services: Services) -> str:
    citizen = await make_citizen(services)
    device_id = (await enrol(client, citizen, DeviceKey.generate())).json()["device"]["id"]
    response = await client.post(f"/api/v1/citizen-code/devices/{device_id}/revoke", headers=citizen.headers)
    assert response.status_code == 204
    return await code_id_of(services, citizen)


async def test_feed_pages_by_cursor_oldest_first_without_gaps_or_repeats(
    client: httpx.AsyncClient, services: Services
) -> None:
    scanner = await make_scanner(services)
    start = str((await _feed(client, scanner.headers, limit=1000))["next_cursor"])
    revoked = [await _revoke_a_device(client, services) for _ in range(5)]
    seen: list[str] = []
    cursor, pages = start, 0
    while True:
        page = await _feed(client, scanner.headers, since=cursor, limit=2)
        items = page["items"]
        assert isinstance(items, list)
        assert len(items) <= 2
        seen.extend(item["code_id"] for item in items)
        cursor, pages = str(page["next_cursor"]), pages + 1
        if not page["has_more"]:
            break
    assert seen == revoked
    assert pages == 3
    assert (await _feed(client, scanner.headers, since=cursor))["items"] == []
    assert (await _feed(client, scanner.headers, since=cursor))["next_cursor"] == cursor


async def test_feed_without_a_cursor_starts_at_the_48_hour_horizon(
    client: httpx.AsyncClient, services: Services
) -> None:
    scanner = await make_scanner(services)
    async with transaction(services.engine):
        await RevocationRepository(services.engine).add(
            "oldoldoldoldoldo", revoked_at=int(time.time()) - 3 * 86_400, reason="device_revoked"
        )
    recent = await _revoke_a_device(client, services)
    items = (await _feed(client, scanner.headers, limit=1000))["items"]
    assert isinstance(items, list)
    codes = {item["code_id"] for item in items}
    assert recent in codes
    assert "oldoldoldoldoldo" not in codes
    assert all(datetime.fromisoformat(item["revoked_at"]).tzinfo is not None for item in items)


@pytest.mark.parametrize("cursor", ["-1", "abc", "1.5", "9" * 30])
async def test_feed_refuses_a_cursor_it_never_handed_out(
    client: httpx.AsyncClient, services: Services, cursor: str
) -> None:
    scanner = await make_scanner(services)
    response = await client.get(
        "/api/v1/scanner/revocations", params={"since": cursor}, headers=scanner.headers
    )
    assert response.status_code == 422
    assert response.json()["code"] == "request.cursor_invalid"


async def test_feed_is_for_scanners(client: httpx.AsyncClient, services: Services) -> None:
    citizen = await make_citizen(services)
    assert (await client.get("/api/v1/scanner/revocations", headers=citizen.headers)).status_code == 403


async def test_offline_verifier_built_from_the_feed_denies_a_revoked_code(
    client: httpx.AsyncClient, web: httpx.AsyncClient, services: Services, operator: dict[str, str]
) -> None:
    citizen, scanner = await _registered(web), await make_scanner(services)
    code = await issued_code(client, citizen)
    await client.put(
        f"/api/v1/admin/citizen-code/holders/{citizen.id}/status",
        json={"status": "restricted"},
        headers=operator,
    )
    verdict = (await offline_verifier(client, scanner)).verify(code, now=int(time.time()))
    assert verdict.reason == "revoked"


def _second_worker(services: Services) -> tuple[CitizenCodeService, CodeTrust]:
    """Another process's issuing side over the same database, with its own in-memory caches."""
    other = services.rewired()
    return other.code, other.code_trust


async def test_a_worker_that_has_not_yet_heard_of_a_restriction_issues_codes_that_do_not_pass(
    client: httpx.AsyncClient, web: httpx.AsyncClient, services: Services, operator: dict[str, str]
) -> None:
    citizen, factory = await _registered(web), await make_scanner(services, scene="factory")
    other, other_trust = _second_worker(services)
    assert (await verify(client, factory, (await other.issue(citizen.id)).code))["decision"] == "pass"
    await client.put(
        f"/api/v1/admin/citizen-code/holders/{citizen.id}/status",
        json={"status": "restricted"},
        headers=operator,
    )
    stale = await other.issue(citizen.id)  # still believes "normal": it has not refreshed
    assert (await verify(client, factory, stale.code))["reason"] == "revoked"
    await other_trust.refresh()
    assert (await verify(client, factory, (await other.issue(citizen.id)).code))["reason"] == "restricted"


def _stopped_clock() -> ManualClock:
    """Wall time frozen at the start of a second: every step of a test then falls within it."""
    return ManualClock(datetime.now(UTC).replace(microsecond=0))


async def test_restrict_lift_restrict_within_one_second_voids_the_code_issued_while_lifted(
    web: httpx.AsyncClient, services: Services
) -> None:
    citizen, worker = await _registered(web), worker_at(services, _stopped_clock())
    codes, operator = worker.code, operator_principal()
    await codes.set_status(citizen.id, Status.RESTRICTED, by=operator)
    await codes.set_status(citizen.id, Status.NORMAL, by=operator)
    lifted = (await codes.issue(citizen.id)).code
    await codes.set_status(citizen.id, Status.RESTRICTED, by=operator)
    restricted = (await codes.issue(citizen.id)).code
    verifier, now = await worker.code_trust.verifier(), worker.code_trust.now()
    verdict = verifier.check(lifted, now=now)
    assert isinstance(verdict, Verdict)
    assert verdict.reason == "revoked"
    await codes.set_status(citizen.id, Status.NORMAL, by=operator)
    after = (await codes.issue(citizen.id)).code
    assert isinstance(verifier.check(restricted, now=now), Verdict)
    passed = verifier.check(after, now=now)
    assert isinstance(passed, ParsedCode)
    assert passed.claims.status == Status.NORMAL


async def test_the_last_of_many_status_changes_in_one_second_wins(
    web: httpx.AsyncClient, services: Services
) -> None:
    citizen, worker = await _registered(web), worker_at(services, _stopped_clock())
    codes, operator = worker.code, operator_principal()
    issued: list[str] = []
    for status in (Status.RESTRICTED, Status.NORMAL) * 3:
        await codes.set_status(citizen.id, status, by=operator)
        issued.append((await codes.issue(citizen.id)).code)
    verifier, now = await worker.code_trust.verifier(), worker.code_trust.now()
    last = verifier.check(issued.pop(), now=now)
    assert isinstance(last, ParsedCode)
    assert last.claims.status == Status.NORMAL
    assert [getattr(verifier.check(code, now=now), "reason", None) for code in issued] == ["revoked"] * 5


async def _end_of_feed(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    cursor: str | None = None
    while True:
        page = await _feed(client, headers, limit=1000, **({"since": cursor} if cursor else {}))
        cursor = str(page["next_cursor"])
        if not page["has_more"]:
            return cursor


async def test_feed_entries_of_a_lost_phone_and_of_a_restriction_differ_only_in_code_id(
    client: httpx.AsyncClient, web: httpx.AsyncClient, services: Services
) -> None:
    scanner, worker = await make_scanner(services), worker_at(services, _stopped_clock())
    start = await _end_of_feed(client, scanner.headers)
    phone_owner, restricted = await make_citizen(services), await _registered(web)
    enrolled = await worker.code.enrol(
        phone_owner.id, public_key=public_key_text(DeviceKey.generate()), label="phone"
    )
    await worker.code.revoke_device(phone_owner.id, enrolled.device.id, reported_from=None)
    await worker.code.set_status(restricted.id, Status.RESTRICTED, by=operator_principal())
    items = (await _feed(client, scanner.headers, since=start))["items"]
    assert isinstance(items, list)
    lost, status = items
    assert (lost["code_id"], status["code_id"]) == (
        await code_id_of(services, phone_owner),
        await code_id_of(services, restricted),
    )
    assert {**lost, "code_id": None} == {**status, "code_id": None}
