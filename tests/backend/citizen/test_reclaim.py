"""Reclaiming an identity (issue 21, row 1): the person it belongs to proves it and takes it back; the
account that held it is frozen — no login, no refresh, no sessions, no citizen-code devices — its phone
is told, and every step is audited."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from backend.audit.tables import AuditEntry
from backend.citizen.repository import CitizenRepository
from backend.citizen.tables import Citizen as CitizenTable
from backend.database import transaction
from citizen_code import DeviceKey
from tests.backend.citizen.factories import (
    add_person,
    bearer,
    face_verification,
    move_phone,
    random_phone,
    register,
    request_code,
    scan_face,
    taken_with_a_former_number,
)
from tests.backend.code.factories import Citizen, enrol
from tests.miniprogram_api.sandbox_users import bound_on_wechat, wechat_login
from tests.services import Services

REGISTER, RECLAIM, TOKEN = "/api/v1/auth/register", "/api/v1/auth/reclaim", "/api/v1/auth/token"


def _body(person: dict[str, str], **proof: str) -> dict[str, str]:
    return {"phone": person["phone"], "name": person["name"], "id_number": person["id_number"], **proof}


async def _with_sms(web: httpx.AsyncClient, path: str, person: dict[str, str]) -> httpx.Response:
    code = await request_code(web, person["phone"], "register")
    return await web.post(path, json=_body(person, sms_code=code, password="the owner's own passphrase"))


async def test_the_owner_reclaims_an_identity_registered_with_their_former_number(
    services: Services, web: httpx.AsyncClient
) -> None:
    taken, owner = await taken_with_a_former_number(web)
    old_phone, old_id = taken["_person"]["phone"], taken["citizen"]["id"]
    old_tokens = taken["tokens"]
    old_citizen = Citizen(uuid.UUID(old_id), bearer(old_tokens["access_token"]))
    assert (await enrol(web, old_citizen, DeviceKey.generate())).status_code == 201

    refused = await _with_sms(web, REGISTER, owner)
    assert (refused.status_code, refused.json()["code"]) == (409, "citizen.already_registered")
    reclaimed = await _with_sms(web, RECLAIM, owner)
    assert reclaimed.status_code == 201, reclaimed.text
    new = reclaimed.json()
    assert new["citizen"]["id"] != old_id
    assert new["citizen"]["id_number"] == taken["citizen"]["id_number"]
    me = await web.get("/api/v1/me", headers=bearer(new["tokens"]["access_token"]))
    assert me.json()["phone"] == owner["phone"][:3] + "****" + owner["phone"][-4:]

    # The old account: no login (a right password or SMS code says why), no refresh, no session.
    password = await web.post(
        TOKEN, json={"grant_type": "password", "phone": old_phone, "password": taken["_password"]}
    )
    assert (password.status_code, password.json()["code"]) == (403, "citizen.account_frozen")
    sms = await web.post(
        TOKEN,
        json={
            "grant_type": "sms_code",
            "phone": old_phone,
            "sms_code": await request_code(web, old_phone, "login"),
        },
    )
    assert (sms.status_code, sms.json()["code"]) == (403, "citizen.account_frozen")
    refresh = await web.post(
        TOKEN, json={"grant_type": "refresh_token", "refresh_token": old_tokens["refresh_token"]}
    )
    assert refresh.status_code == 401
    revoked = await web.get("/api/v1/me", headers=bearer(old_tokens["access_token"]))
    assert revoked.json()["code"] == "auth.token_revoked"

    # Its citizen code: every device revoked, the holder restricted.
    holder = await services.code.holder(old_citizen.id)
    assert holder.status == "restricted"
    assert await services.code.devices(old_citizen.id, include_revoked=False) == []

    # Its phone was told.
    outbox = (await web.get("/_sandbox/sms/outbox", params={"phone": old_phone})).json()
    assert any("已冻结" in message["text"] for message in outbox)

    # Audited, with masked data only, on an intact chain.
    rows = await AuditEntry.select(AuditEntry.action, AuditEntry.data).where(
        AuditEntry.subject == f"citizen:{old_id}"
    )
    actions = {row["action"] for row in rows}
    expected = {
        "citizen.frozen",
        "code.holder_suspended",
        "auth.sessions_revoked",
        "citizen.reclaim_notified",
    }
    assert expected <= actions
    for row in rows:
        assert owner["id_number"] not in row["data"]
        assert old_phone not in row["data"]
        assert owner["phone"] not in row["data"]
    for chain in ("auth", "code"):
        assert (await services.audit.verify(chain)).intact


async def test_a_frozen_accounts_linked_mini_program_login_is_refused(web: httpx.AsyncClient) -> None:
    taken, owner = await taken_with_a_former_number(web)
    n, _ = await bound_on_wechat(web, taken["_person"])
    assert (await _with_sms(web, RECLAIM, owner)).status_code == 201
    login = await wechat_login(web, n)
    assert (login.status_code, login.json()["code"]) == (403, "citizen.account_frozen")


async def test_when_both_phones_are_the_persons_only_a_face_verification_reclaims(
    web: httpx.AsyncClient,
) -> None:
    owner = await add_person(web)
    await register(web, owner)
    second_phone = random_phone()
    await move_phone(web, second_phone, to=owner)  # the operators: this one is the owner's too
    with_second = {**owner, "phone": second_phone}
    face = face_verification(await _with_sms(web, RECLAIM, with_second))
    await scan_face(web, face["verification_id"], passes=True)
    reclaimed = await web.post(RECLAIM, json=_body(with_second, face_ticket=face["ticket"]))
    assert reclaimed.status_code == 201, reclaimed.text


async def test_a_stranger_cannot_reclaim_with_their_own_phone(web: httpx.AsyncClient) -> None:
    taken = await register(web)
    owner = taken["_person"]
    stranger = await add_person(web)
    as_owner = {**owner, "phone": stranger["phone"]}
    face = face_verification(await _with_sms(web, RECLAIM, as_owner))
    await scan_face(web, face["verification_id"], passes=False)
    refused = await web.post(RECLAIM, json=_body(as_owner, face_ticket=face["ticket"]))
    assert (refused.status_code, refused.json()["code"]) == (422, "citizen.face_verification_failed")
    login = await web.post(
        TOKEN, json={"grant_type": "password", "phone": owner["phone"], "password": taken["_password"]}
    )
    assert login.status_code == 200


async def test_reclaim_answers_for_nothing_to_take_and_for_ones_own_account(web: httpx.AsyncClient) -> None:
    nobody_holds = await _with_sms(web, RECLAIM, await add_person(web))
    assert (nobody_holds.status_code, nobody_holds.json()["code"]) == (404, "citizen.reclaim_not_found")
    mine = (await register(web))["_person"]
    own = await _with_sms(web, RECLAIM, mine)
    assert (own.status_code, own.json()["code"]) == (409, "citizen.phone_taken")


async def test_a_refresh_for_a_frozen_citizen_is_refused_and_ends_the_session(
    services: Services, web: httpx.AsyncClient
) -> None:
    taken = await register(web)
    citizen_id = uuid.UUID(taken["citizen"]["id"])
    # Frozen while the session lived on (a renewal racing the reclaim): the status decides.
    assert await CitizenRepository(services.engine).freeze(citizen_id, now=services.clock.now())
    refresh = await web.post(
        TOKEN, json={"grant_type": "refresh_token", "refresh_token": taken["tokens"]["refresh_token"]}
    )
    assert (refresh.status_code, refresh.json()["code"]) == (403, "citizen.account_frozen")
    revoked = await web.get("/api/v1/me", headers=bearer(taken["tokens"]["access_token"]))
    assert revoked.status_code == 401


async def _until_a_query_waits_for_a_row_lock(racing: asyncio.Task[Any]) -> None:
    """Return once some session of this database waits for a lock (the racing request reached its
    freeze); fail if the request ended first."""
    for _ in range(2000):
        assert not racing.done(), racing.result().text
        rows = await CitizenTable.raw(
            "SELECT count(*) AS n FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        if rows[0]["n"]:
            return
        await asyncio.sleep(0.005)
    pytest.fail("the racing reclaim never reached the freeze")


async def test_a_reclaim_that_loses_the_race_keeps_its_face_ticket(
    services: Services, web: httpx.AsyncClient
) -> None:
    # Review of issue 21: the ticket was spent before the freeze, so losing the race cost one of the
    # person's three face verifications a day.
    owner = await add_person(web)
    holder = uuid.UUID((await register(web, owner))["citizen"]["id"])
    with_second = {**owner, "phone": random_phone()}
    await move_phone(web, with_second["phone"], to=owner)
    face = face_verification(await _with_sms(web, RECLAIM, with_second))
    await scan_face(web, face["verification_id"], passes=True)

    # Another reclaim of the same account is committing: its freeze holds the holder's row.
    frozen, release = asyncio.Event(), asyncio.Event()

    async def the_other_reclaim() -> None:
        async with transaction(services.engine):
            assert await CitizenRepository(services.engine).freeze(holder, now=services.clock.now())
            frozen.set()
            await release.wait()

    other = asyncio.create_task(the_other_reclaim())
    await frozen.wait()
    racing = asyncio.create_task(web.post(RECLAIM, json=_body(with_second, face_ticket=face["ticket"])))
    await _until_a_query_waits_for_a_row_lock(racing)
    release.set()
    await other
    lost = await racing
    assert (lost.status_code, lost.json()["code"]) == (409, "citizen.reclaim_conflict")
    # The verification still stands: nobody holds the identity now, and the same ticket registers.
    registered = await web.post(REGISTER, json=_body(with_second, face_ticket=face["ticket"]))
    assert registered.status_code == 201, registered.text
    # Once, though: one verification makes one citizen.
    again = await web.post(REGISTER, json=_body(with_second, face_ticket=face["ticket"]))
    assert again.status_code in (409, 422), again.text
