"""What the hotline feature keeps of a citizen: their 12345 tickets (title, text, address and contact
phone sealed), the departments' replies to them, and the photos they uploaded (sealed in the blob
store). Everything is deleted with the account; the photos' blobs first (``_forget``).

A ticket still ``queued`` (owed to 12345 through the outbox, e.g. while 12345 is down) blocks closing
the account: closing now would drop the complaint unfiled, silently, and its delivery needs the
citizen's real name, which the closure erases. Once 12345 has it (a ``ticket_no``), the ticket is a
government record held by the 12345 centre (its ticket number, text, photos, the departments'
handling and replies): the centre follows it up on the contact phone given and the citizen can ask
after it by calling 12345 with the number. Our copy is only a mirror for following it in the app, so
it goes with the account; the poll and a still-owed rating find no row and do nothing."""

from __future__ import annotations

import uuid

from backend.application.blobs import blob_store
from backend.hotline.tables import HotlinePhoto, HotlineReply, HotlineTicket
from backend.outbox.jobs import RetryLater
from backend.personal_data import Blocker, BlockerCheck, Category, CitizenStep, Held, PersonalData
from backend.wiring import Wiring
from blobstore import StoreUnavailable

_SEALED = ("title", "content", "address", "contact_phone")


def _blockers(w: Wiring) -> BlockerCheck:
    async def check(citizen_id: uuid.UUID) -> list[Blocker]:
        queued = await HotlineTicket.count().where(
            (HotlineTicket.citizen_id == citizen_id) & (HotlineTicket.status == "queued")
        )
        if not queued:
            return []
        detail = "12345 ticket(s) not yet filed with 12345: wait for them to be received"
        return [Blocker(code="hotline.ticket_queued", detail=detail, count=queued)]

    return check


def _forget(w: Wiring) -> CitizenStep:
    blobs = blob_store(w)

    async def step(citizen_id: uuid.UUID) -> None:
        # Before the closure's transaction deletes the rows naming them (a crash in between repeats
        # this: deleting a missing blob does nothing). Each photo is sealed under its own id, so no
        # other row shares its blob; 12345 holds its own copy of the ones a filed ticket sent.
        rows = await HotlinePhoto.select(HotlinePhoto.blob).where(HotlinePhoto.citizen_id == citizen_id)
        for blob in {row["blob"] for row in rows}:
            try:
                await blobs.delete(blob)
            except StoreUnavailable as exc:
                raise RetryLater(f"blob store: {exc.reason}") from None

    return step


PERSONAL_DATA = PersonalData(
    categories=(
        Category(
            name="hotline",
            description="Your 12345 tickets (title, text, place, contact phone), the photos you attached, "
            "the departments' replies and your ratings",
            purpose="Filing your request or complaint with the 12345 hotline and following its handling",
            legal_basis="PIPL art. 13(3): public duties (the 12345 government service hotline)",
            retention="While the account is open; the 12345 centre keeps its own record of each filed ticket",
        ),
    ),
    held=(
        Held(
            table=HotlineTicket,
            category="hotline",
            # As ``service.sealed_column`` seals them.
            sealed={name: f"hotline_ticket.{name}:{{id}}" for name in _SEALED},
        ),
        Held(table=HotlineReply, category="hotline", parent=("ticket_id", HotlineTicket)),
        # The blob's name and the plain bytes' digest mean nothing to anyone else.
        Held(table=HotlinePhoto, category="hotline", omit=("blob", "sha256")),
    ),
    blockers=_blockers,
    on_closure=_forget,
)
