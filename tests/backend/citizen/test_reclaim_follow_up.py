"""What a reclaim owes the frozen account after its commit — the end of its outstanding access tokens
and the SMS telling its phone — is written in the freeze's own transaction and finished by the
follow-up job, whatever fails in between (review of issue 21: both were done once, after the commit,
and lost for good if the process died there)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import httpx

from backend.audit.tables import AuditEntry
from backend.citizen.reclaim import TakenOver
from backend.citizen.tables import Citizen, ReclaimFollowUp
from backend.citizen.tasks import NOTICE_TEMPLATE, notice_key
from integrations.sandbox import Faults
from tests.backend.citizen.factories import bearer, request_code, taken_with_a_former_number
from tests.services import Services

RECLAIM, TOKEN = "/api/v1/auth/reclaim", "/api/v1/auth/token"
# Past any retry wait the job keeps: every follow-up still owed is due then.
LATER = timedelta(days=1)


@contextmanager
def _sms_gateway(services: Services, faults: Faults) -> Iterator[None]:
    assert services.upstreams.sandbox is not None
    twin = services.upstreams.sandbox.twins["sms"]
    twin.faults.faults = faults
    try:
        yield
    finally:
        twin.faults.faults = Faults()


async def _notices(web: httpx.AsyncClient, phone: str) -> int:
    outbox = (await web.get("/_sandbox/sms/outbox", params={"phone": phone})).json()
    return sum("已冻结" in message["text"] for message in outbox)


async def _audited(citizen_id: str) -> list[str]:
    rows = await AuditEntry.select(AuditEntry.action).where(AuditEntry.subject == f"citizen:{citizen_id}")
    return sorted(row["action"] for row in rows)


async def _take_over_and_crash(
    services: Services, web: httpx.AsyncClient, owner: dict[str, str]
) -> TakenOver:
    """The reclaim's transaction, and nothing after it: what a process that died right after the
    commit leaves behind."""
    return await services.reclaims.take_over(
        phone=owner["phone"],
        sms_code=await request_code(web, owner["phone"], "register"),
        name=owner["name"],
        id_number=owner["id_number"],
        client="192.0.2.21",
    )


async def test_a_crash_right_after_the_reclaim_commits_is_finished_by_the_follow_up_job(
    services: Services, web: httpx.AsyncClient
) -> None:
    taken, owner = await taken_with_a_former_number(web)
    old: dict[str, Any] = {
        "id": taken["citizen"]["id"],
        "phone": taken["_person"]["phone"],
        **taken["tokens"],
    }
    assert (await _take_over_and_crash(services, web, owner)).frozen == uuid.UUID(old["id"])

    # The commit alone ended the sessions: the refresh-token families were revoked in it.
    refresh = await web.post(
        TOKEN, json={"grant_type": "refresh_token", "refresh_token": old["refresh_token"]}
    )
    assert (refresh.status_code, refresh.json()["code"]) == (401, "auth.refresh_token_invalid")
    # What lives outside the database waits for the follow-up: the access token, the text.
    assert (await web.get("/api/v1/me", headers=bearer(old["access_token"]))).status_code == 200
    assert await _notices(web, old["phone"]) == 0

    await services.reclaim_follow_ups.run_due(now=services.clock.now() + LATER)
    revoked = await web.get("/api/v1/me", headers=bearer(old["access_token"]))
    assert revoked.json()["code"] == "auth.token_revoked"
    assert await _notices(web, old["phone"]) == 1
    audited = await _audited(old["id"])
    assert audited.count("auth.sessions_revoked") == 1
    assert audited.count("citizen.reclaim_notified") == 1

    # Finished: another run neither texts nor audits again.
    await services.reclaim_follow_ups.run_due(now=services.clock.now() + 2 * LATER)
    assert await _notices(web, old["phone"]) == 1
    assert await _audited(old["id"]) == audited


async def test_a_notice_the_gateway_could_not_take_is_sent_once_it_is_back(
    services: Services, web: httpx.AsyncClient
) -> None:
    taken, owner = await taken_with_a_former_number(web)
    old_id, old_phone = taken["citizen"]["id"], taken["_person"]["phone"]
    code = await request_code(web, owner["phone"], "register")
    with _sms_gateway(services, Faults(down=True)):
        reclaimed = await web.post(
            RECLAIM,
            json={
                "phone": owner["phone"],
                "sms_code": code,
                "name": owner["name"],
                "id_number": owner["id_number"],
            },
        )
    assert reclaimed.status_code == 201, reclaimed.text
    # The sessions ended in the request; the text is owed, not given up.
    revoked = await web.get("/api/v1/me", headers=bearer(taken["tokens"]["access_token"]))
    assert revoked.json()["code"] == "auth.token_revoked"
    assert await _notices(web, old_phone) == 0
    assert "citizen.reclaim_notice_failed" not in await _audited(old_id)

    await services.reclaim_follow_ups.run_due(now=services.clock.now() + LATER)
    assert await _notices(web, old_phone) == 1
    assert (await _audited(old_id)).count("citizen.reclaim_notified") == 1


async def test_a_notice_that_went_out_before_a_crash_is_not_sent_twice(
    services: Services, web: httpx.AsyncClient
) -> None:
    taken, owner = await taken_with_a_former_number(web)
    old_phone = taken["_person"]["phone"]
    took = await _take_over_and_crash(services, web, owner)
    # The text went out, and the process died before it could write that down.
    await services.upstreams.sms.send(old_phone, NOTICE_TEMPLATE, idempotency_key=notice_key(took.follow_up))
    assert await _notices(web, old_phone) == 1

    await services.reclaim_follow_ups.run_due(now=services.clock.now() + LATER)
    # The gateway knew the idempotency key: the phone got one text.
    assert await _notices(web, old_phone) == 1
    assert (await _audited(str(took.frozen))).count("citizen.reclaim_notified") == 1


async def test_a_notice_the_gateway_refuses_is_given_up_and_audited_for_the_service_desk(
    services: Services, web: httpx.AsyncClient
) -> None:
    taken, owner = await taken_with_a_former_number(web)
    old_id = taken["citizen"]["id"]
    took = await _take_over_and_crash(services, web, owner)
    with _sms_gateway(services, Faults(error_rate=1.0, error_status=400)):
        await services.reclaim_follow_ups.run_due(now=services.clock.now() + LATER)
    assert (await _audited(old_id)).count("citizen.reclaim_notice_failed") == 1
    # Given up is finished too: nothing is sent later.
    await services.reclaim_follow_ups.run_due(now=services.clock.now() + 2 * LATER)
    assert await _notices(web, taken["_person"]["phone"]) == 0
    assert (await _audited(str(took.frozen))).count("citizen.reclaim_notified") == 0


async def _reclaim(web: httpx.AsyncClient, owner: dict[str, str]) -> httpx.Response:
    body = {
        "phone": owner["phone"],
        "sms_code": await request_code(web, owner["phone"], "register"),
        "name": owner["name"],
        "id_number": owner["id_number"],
    }
    return await web.post(RECLAIM, json=body)


async def _appeal_upheld(*, frozen: str, reclaimed_by: str) -> None:
    """The service desk upholds the frozen account's appeal (by hand: there is no route for it): the
    reclaim's account is frozen in its place, and the account is active again."""
    frozen_at = await Citizen.select(Citizen.frozen_at).where(Citizen.id == uuid.UUID(frozen)).first()
    assert frozen_at is not None
    await Citizen.update({Citizen.status: "frozen", Citizen.frozen_at: frozen_at["frozen_at"]}).where(
        Citizen.id == uuid.UUID(reclaimed_by)
    )
    await Citizen.update({Citizen.status: "active", Citizen.frozen_at: None}).where(
        Citizen.id == uuid.UUID(frozen)
    )


async def test_an_account_unfrozen_on_appeal_and_reclaimed_again_owes_a_second_follow_up(
    services: Services, web: httpx.AsyncClient
) -> None:
    # Security review: the follow-up was keyed by the frozen account, so the second reclaim's insert
    # was a unique violation inside the freeze's transaction: a 500, and nothing frozen.
    taken, owner = await taken_with_a_former_number(web)
    old_id, old_phone = taken["citizen"]["id"], taken["_person"]["phone"]
    first = await _reclaim(web, owner)
    assert first.status_code == 201, first.text
    await _appeal_upheld(frozen=old_id, reclaimed_by=first.json()["citizen"]["id"])

    again = await _reclaim(web, owner)
    assert again.status_code == 201, again.text
    rows = await ReclaimFollowUp.select(ReclaimFollowUp.by_citizen, ReclaimFollowUp.done_at).where(
        ReclaimFollowUp.frozen_citizen == uuid.UUID(old_id)
    )
    assert sorted(str(row["by_citizen"]) for row in rows) == sorted(
        [first.json()["citizen"]["id"], again.json()["citizen"]["id"]]
    )
    assert all(row["done_at"] is not None for row in rows)
    # Each reclaim told the phone, under its own idempotency key, and audited its steps.
    assert await _notices(web, old_phone) == 2
    audited = await _audited(old_id)
    for action in ("citizen.frozen", "auth.sessions_revoked", "citizen.reclaim_notified"):
        assert audited.count(action) == 2, action
