"""Closing an account ends its warning subscriptions and deliveries, and blanks a fan-out's bookmark
where it names the account, leaving the fan-out (still telling the others) in place."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx

from backend.datarights.service import DataRightsService
from backend.warning.tables import WarningDelivery, WarningFanout, WarningSubscription
from tests.backend.datarights.factories import resident
from tests.services import Services


async def _fanout(after: uuid.UUID, now: datetime) -> uuid.UUID:
    warning_id = uuid.uuid4()
    await WarningFanout.insert(
        WarningFanout(
            warning_id=warning_id,
            state="done",  # a finished one: no worker of another test picks it up
            after_citizen=after,
            generation=1,
            planned=1,
            started_at=now,
        )
    )
    return warning_id


async def test_closure_deletes_subscriptions_and_deliveries_and_blanks_the_fanout_bookmark(
    web: httpx.AsyncClient, services: Services
) -> None:
    who = await resident(web)
    chosen = await web.put(
        "/api/v1/warnings/subscription", json={"districts": ["宿城区", "泗洪县"]}, headers=who.headers
    )
    assert chosen.status_code == 200, chosen.text
    now = datetime.now(UTC)
    mine = await _fanout(who.id, now)
    someone = uuid.uuid4()
    theirs = await _fanout(someone, now)
    for warning_id, citizen_id in ((mine, who.id), (theirs, someone)):
        await WarningDelivery.insert(
            WarningDelivery(
                warning_id=warning_id, citizen_id=citizen_id, channel="sms", state="sent", reason="",
                due_at=now, tries=1, updated_at=now + timedelta(seconds=1),
            )
        )  # fmt: skip
    assert await WarningSubscription.count().where(WarningSubscription.citizen_id == who.id) == 2

    await services.wiring.get(DataRightsService).finish_closure(who.id)

    assert await WarningSubscription.count().where(WarningSubscription.citizen_id == who.id) == 0
    assert await WarningDelivery.count().where(WarningDelivery.citizen_id == who.id) == 0
    assert await WarningDelivery.count().where(WarningDelivery.citizen_id == someone) == 1
    bookmarks = {
        row["warning_id"]: row["after_citizen"]
        for row in await WarningFanout.select().where(WarningFanout.warning_id.is_in([mine, theirs]))
    }
    assert bookmarks == {mine: None, theirs: someone}
