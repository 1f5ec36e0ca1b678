"""Filing a 12345 ticket (content check, photos, a tracking number at once; the platform told through
the outbox exactly once), reading one's own tickets and replies, rating a closed ticket."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

import msgspec
from piccolo.engine.base import Engine

from backend.application.sniff import MEDIA_TYPES, sniff
from backend.audit.service import AuditLog
from backend.clock import Clock
from backend.crypto import PersonalDataCipher
from backend.database import UniqueViolation, transaction
from backend.hotline import screen
from backend.hotline.errors import (
    AlreadyRated,
    CategoryUnknown,
    PhotoNotFound,
    PhotoStoreUnavailable,
    PhotoTypeUnsupported,
    TicketNotClosed,
    TicketNotFound,
)
from backend.hotline.repository import HotlineRepository, PhotoRow, ReplyRow, TicketRow
from backend.outbox.service import Outbox
from blobstore import BlobStore, StoreUnavailable
from integrations.hotline12345 import CATEGORIES, TicketKind

log = logging.getLogger("backend.hotline")

FILE_TOPIC = "hotline.file"
RATE_TOPIC = "hotline.rate"
_CHINA = timezone(timedelta(hours=8))
MAX_PHOTOS = 9


class TicketJob(msgspec.Struct, frozen=True):
    ticket_id: uuid.UUID


class Location(msgspec.Struct, frozen=True, kw_only=True):
    address: str
    district: str = ""
    latitude: float | None = None
    longitude: float | None = None


class TicketView(msgspec.Struct, frozen=True, kw_only=True):
    """A ticket with its sealed fields opened, for its owner."""

    row: TicketRow
    title: str
    content: str
    location: Location | None
    replies: list[ReplyRow]
    photos: list[PhotoRow]


def sealed_column(ticket_id: uuid.UUID, name: str) -> str:
    return f"hotline_ticket.{name}:{ticket_id}"


def photo_column(photo_id: uuid.UUID) -> str:
    return f"hotline_photo:{photo_id}"


class HotlineService:
    def __init__(
        self,
        *,
        repository: HotlineRepository,
        outbox: Outbox,
        blobs: BlobStore,
        cipher: PersonalDataCipher,
        audit: AuditLog,
        clock: Clock,
        engine: Engine[Any],
        max_photo_bytes: int = 5 * 1024 * 1024,
    ) -> None:
        self._repository = repository
        self._outbox = outbox
        self._blobs = blobs
        self._cipher = cipher
        self._audit = audit
        self._clock = clock
        self._engine = engine
        self.max_photo_bytes = max_photo_bytes

    async def add_photo(self, citizen_id: uuid.UUID, content: bytes) -> PhotoRow:
        """A JPEG or PNG (sniffed from its bytes, polyglots refused), sealed into the blob store."""
        sniffed = await asyncio.to_thread(sniff, content)  # a crafted file costs a thread, not the loop
        if sniffed.kind not in ("jpeg", "png"):
            raise PhotoTypeUnsupported(sniffed.refusal or "not_a_photo")
        photo_id = uuid.uuid4()
        sha256 = await asyncio.to_thread(lambda: hashlib.sha256(content).hexdigest())
        sealed = await asyncio.to_thread(self._cipher.seal_blob, content, column=photo_column(photo_id))
        try:
            blob = await self._blobs.put(sealed)
        except StoreUnavailable:
            raise PhotoStoreUnavailable() from None
        row = PhotoRow(
            id=photo_id, citizen_id=citizen_id, ticket_id=None, sha256=sha256, blob=blob,
            media_type=MEDIA_TYPES[sniffed.kind], size=len(content), created_at=self._clock.now(),
        )  # fmt: skip
        await self._repository.add_photo(row)
        return row

    async def purge_unfiled_photos(self, *, older_than: timedelta, batch: int = 200) -> int:
        """Delete photos uploaded ``older_than`` ago that no ticket took, and their blobs (sealed per
        photo, so no other row shares one). How many."""
        dropped = await self._repository.drop_unfiled_photos(
            before=self._clock.now() - older_than, limit=batch
        )
        for photo in dropped:
            try:
                await self._blobs.delete(photo.blob)
            except StoreUnavailable:
                # Only space (and sealed, its key gone with the row's id): logged, not retried.
                log.warning("hotline photo blob %s left behind: the store is unavailable", photo.blob)
        return len(dropped)

    async def photo_bytes(self, photo: PhotoRow) -> bytes:
        sealed = await self._blobs.get(photo.blob)
        return self._cipher.open_blob(sealed, column=photo_column(photo.id))

    async def file(
        self,
        citizen_id: uuid.UUID,
        *,
        kind: TicketKind,
        category: str,
        title: str,
        content: str,
        location: Location | None,
        photo_ids: Sequence[uuid.UUID],
        contact_phone: str,
    ) -> TicketRow:
        """Check the text, save the ticket with a tracking number and owe it to the platform, in one
        transaction: it reaches 12345 once, also when 12345 is down now."""
        if category not in CATEGORIES:
            raise CategoryUnknown()
        screen.check("title", title)
        screen.check("content", content)
        if location is not None:
            screen.check("location.address", location.address)
        ticket_id, now = uuid.uuid4(), self._clock.now()

        def seal(name: str, value: str) -> str:
            return self._cipher.seal(value, column=sealed_column(ticket_id, name))

        for _ in range(3):  # a tracking number taken already (1 in 10^8 a day): draw another
            row = TicketRow(
                id=ticket_id, citizen_id=citizen_id, tracking_no=self._tracking_no(now), kind=kind,
                category=category, title=seal("title", title), content=seal("content", content),
                address=seal("address", location.address if location else ""),
                district=location.district if location else "",
                latitude=location.latitude if location else None,
                longitude=location.longitude if location else None,
                contact_phone=seal("contact_phone", contact_phone), status="queued", ticket_no="",
                refusal="", replies_seen=0, rating=None, rating_comment="", rating_state="",
                created_at=now, updated_at=now, closed_at=None,
            )  # fmt: skip
            with UniqueViolation() as taken:
                await self._save(row, photo_ids)
            if not taken.occurred:
                break
        else:
            raise RuntimeError("three tracking numbers taken in a row")
        self._outbox.wake()
        return row

    async def _save(self, row: TicketRow, photo_ids: Sequence[uuid.UUID]) -> None:
        async with transaction(self._engine):
            await self._repository.insert(row)
            unique = list(dict.fromkeys(photo_ids))
            if await self._repository.take_photos(row.citizen_id, unique, row.id) != len(unique):
                raise PhotoNotFound()  # rolls the ticket back: nothing half-filed
            await self._outbox.enqueue(FILE_TOPIC, key=f"hotline.file:{row.id}", payload=TicketJob(row.id))
            await self._audit.append(
                actor=f"citizen:{row.citizen_id}",
                action="hotline.filed",
                subject=f"hotline_ticket:{row.id}",
                data={"tracking_no": row.tracking_no, "kind": row.kind, "category": row.category},
                chain="hotline",
            )

    @staticmethod
    def _tracking_no(now: datetime) -> str:
        return f"RX{now.astimezone(_CHINA):%Y%m%d}{secrets.randbelow(10**8):08d}"

    async def tickets(
        self, citizen_id: uuid.UUID, *, before: tuple[datetime, uuid.UUID] | None, limit: int
    ) -> list[TicketRow]:
        return await self._repository.of_citizen(citizen_id, before=before, limit=limit)

    async def ticket(self, citizen_id: uuid.UUID, ticket_id: uuid.UUID) -> TicketView:
        row = await self._repository.owned(citizen_id, ticket_id)
        if row is None:
            raise TicketNotFound()
        return await self.view(row)

    def opened(self, row: TicketRow, name: str) -> str:
        return self._cipher.open(getattr(row, name), column=sealed_column(row.id, name))

    async def view(self, row: TicketRow) -> TicketView:
        address = self.opened(row, "address")
        location = (
            Location(address=address, district=row.district, latitude=row.latitude, longitude=row.longitude)
            if address
            else None
        )
        return TicketView(
            row=row,
            title=self.opened(row, "title"),
            content=self.opened(row, "content"),
            location=location,
            replies=await self._repository.replies(row.id) if row.replies_seen else [],
            photos=await self._repository.photos(row.id),
        )

    async def rate(
        self, citizen_id: uuid.UUID, ticket_id: uuid.UUID, *, score: int, comment: str
    ) -> TicketView:
        """满意度评价 once the ticket is closed: saved and owed to the platform in one transaction."""
        if comment:
            screen.check("comment", comment)
        async with transaction(self._engine):
            if not await self._repository.rate(
                citizen_id, ticket_id, score=score, comment=comment, now=self._clock.now()
            ):
                row = await self._repository.owned(citizen_id, ticket_id)
                if row is None:
                    raise TicketNotFound()
                raise AlreadyRated() if row.rating is not None else TicketNotClosed()
            await self._outbox.enqueue(
                RATE_TOPIC, key=f"hotline.rate:{ticket_id}", payload=TicketJob(ticket_id)
            )
        self._outbox.wake()
        return await self.ticket(citizen_id, ticket_id)
