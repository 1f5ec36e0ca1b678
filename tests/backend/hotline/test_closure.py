"""Closing the account of a citizen with 12345 tickets: refused while a ticket has not reached 12345
yet (it would be dropped unfiled), then everything goes: tickets, replies, photos and the photos'
blobs in the store (12345 keeps its own record of a filed ticket)."""

from __future__ import annotations

import httpx

from backend.application.blobs import blob_store
from backend.datarights.service import DataRightsService
from backend.hotline.tables import HotlinePhoto, HotlineReply, HotlineTicket
from tests.backend.hotel.factories import make_guest
from tests.backend.hotline.factories import (
    file_ticket,
    job,
    poll_all,
    reply,
    sync_with_own_client,
    upload_photo,
)
from tests.services import Services


async def test_a_queued_ticket_blocks_closure_and_a_filed_one_goes_with_its_photo_blobs(
    client: httpx.AsyncClient, services: Services
) -> None:
    citizen = await make_guest(client, pays=False)
    photo, _loose = (
        await upload_photo(client, citizen.headers, b"closure"),
        await upload_photo(client, citizen.headers, b"closure-loose"),
    )
    filed = await file_ticket(client, citizen.headers, photo_ids=[photo])
    assert filed.status_code == 201, filed.text
    ticket_id = filed.json()["id"]
    refused = await client.post("/api/v1/data-rights/closure", headers=citizen.headers)
    assert refused.status_code == 409, refused.text
    assert [b["code"] for b in refused.json()["extra"]["blockers"]] == ["hotline.ticket_queued"]

    sync = sync_with_own_client(services)
    await sync.deliver(await job(services, ticket_id))
    ticket = (await client.get(f"/api/v1/hotline/tickets/{ticket_id}", headers=citizen.headers)).json()
    await reply(client, ticket["ticket_no"], "已转交宿城区市场监管局核查。")
    await poll_all(sync)
    blobs = [
        row["blob"]
        for row in await HotlinePhoto.select(HotlinePhoto.blob).where(HotlinePhoto.citizen_id == citizen.id)
    ]
    store = blob_store(services.wiring)
    assert len(blobs) == 2
    assert all([await store.exists(blob) for blob in blobs])
    assert await HotlineReply.count().where(HotlineReply.ticket_id == ticket_id) == 1

    await services.wiring.get(DataRightsService).finish_closure(citizen.id)
    assert not any([await store.exists(blob) for blob in blobs])
    assert await HotlinePhoto.count().where(HotlinePhoto.citizen_id == citizen.id) == 0
    assert await HotlineTicket.count().where(HotlineTicket.citizen_id == citizen.id) == 0
    assert await HotlineReply.count().where(HotlineReply.ticket_id == ticket_id) == 0
    # Repeated (the outbox runs a crashed closure again): nothing left, nothing fails.
    await services.wiring.get(DataRightsService).finish_closure(citizen.id)
