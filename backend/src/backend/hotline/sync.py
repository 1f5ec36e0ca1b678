"""The hotline's side of the 12345 platform: tickets and ratings delivered through the outbox, and
replies pulled by a poll.

Polling, not a callback: 12345 platforms answer status queries (this one ≤ 100 tickets a call), a
poll needs no endpoint of ours reachable from their network nor a signature scheme agreed with them,
and it cannot miss an update — a lost callback would leave a ticket silent for good, a missed poll
is caught by the next. The price is latency (``every`` seconds, 30 by default) and one call per
hundred open tickets a round; replies come hours or days apart, so neither matters.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

import msgspec
from piccolo.engine.base import Engine

from backend.citizen.service import CitizenService
from backend.clock import Clock
from backend.database import transaction
from backend.hotline.errors import HotlineUnavailable
from backend.hotline.notices import REFUSALS, REFUSED, REPLIED
from backend.hotline.repository import OPEN, HotlineRepository, ReplyRow, TicketRow
from backend.hotline.service import HotlineService, TicketJob, TicketView
from backend.notification.service import NotificationService
from backend.outbox.jobs import ClaimedJob, GiveUp, RetryLater, retry_upstream
from blobstore import BlobStoreError, StoreUnavailable
from integrations import UpstreamRejected, UpstreamUnavailable
from integrations.hotline12345 import MAX_QUERY, Contact, Hotline12345Client, Location, NewTicket, Rating
from integrations.hotline12345 import TicketStatus as PlatformStatus

log = logging.getLogger("backend.hotline")

# Refusals that are ours to fix (a bug, a lost photo): dead-lettered for an operator, not the citizen's.
_OUR_FAULTS = frozenset({"idempotency_key_reused", "invalid_request", "idempotency_key_required"})
# Tickets asked about per poll round (the platform's page limit, a few calls a round).
POLL_ROUND = 5 * MAX_QUERY


class HotlineSync:
    def __init__(
        self,
        *,
        repository: HotlineRepository,
        hotline: HotlineService,
        citizens: CitizenService,
        client: Hotline12345Client,
        notifications: NotificationService,
        clock: Clock,
        engine: Engine[Any],
    ) -> None:
        self._repository = repository
        self._hotline = hotline
        self._citizens = citizens
        self._client = client
        self._notifications = notifications
        self._clock = clock
        self._engine = engine

    async def deliver(self, job: ClaimedJob) -> None:
        """File the ticket under the job's key (a retry after a lost answer gets the same ticket
        number); photos first, stored by digest so resending stores nothing new."""
        row = await self._repository.find(msgspec.json.decode(job.payload, type=TicketJob).ticket_id)
        if row is None or row.status != "queued":
            return  # recorded by an earlier try
        view = await self._hotline.view(row)
        name = (await self._citizens.real_identity(row.citizen_id)).name
        try:
            digests = [await self._send_photo(photo) for photo in view.photos]
            receipt = await self._client.file(
                NewTicket(
                    reference=row.tracking_no, kind=row.kind,  # type: ignore[arg-type]
                    category=row.category, title=view.title, content=view.content,
                    location=Location(address=view.location.address, district=view.location.district,
                                      latitude=view.location.latitude, longitude=view.location.longitude)
                    if view.location else None,
                    attachments=digests,
                    contact=Contact(name=name, phone=self._hotline.opened(row, "contact_phone")),
                ),
                idempotency_key=job.key,
            )  # fmt: skip
        except UpstreamUnavailable as exc:
            raise retry_upstream(exc, "hotline12345") from None
        except StoreUnavailable as exc:
            raise RetryLater(f"blob store unavailable: {exc.reason}") from None
        except BlobStoreError as exc:
            raise GiveUp(f"a photo of the ticket is gone or altered: {exc}") from None
        except UpstreamRejected as exc:
            if exc.code in _OUR_FAULTS:
                raise GiveUp(f"12345 refused: {exc.code}") from None
            await self._refuse(row, exc.code)
            return
        await self._repository.move(row.id, expected="queued", now=self._clock.now(),
                                    status="received", ticket_no=receipt.ticket_no)  # fmt: skip

    async def _send_photo(self, photo: Any) -> str:
        return await self._client.put_attachment(
            await self._hotline.photo_bytes(photo), content_type=photo.media_type
        )

    async def _refuse(self, row: TicketRow, code: str) -> None:
        async with transaction(self._engine):
            if await self._repository.move(
                row.id, expected="queued", now=self._clock.now(), status="refused", refusal=code
            ):
                await self._notifications.notify(
                    row.citizen_id,
                    template=REFUSED,
                    data={
                        "tracking_no": row.tracking_no,
                        "reason": REFUSALS.get(code, "请联系12345热线"),
                        "ticket": str(row.id),
                    },
                    key=f"hotline:{row.id}:refused",
                )
        self._notifications.wake()

    async def deliver_rating(self, job: ClaimedJob) -> None:
        row = await self._repository.find(msgspec.json.decode(job.payload, type=TicketJob).ticket_id)
        if row is None or row.rating is None or row.rating_state != "queued":
            return
        try:
            await self._client.rate(
                row.ticket_no, Rating(score=row.rating, comment=row.rating_comment), idempotency_key=job.key
            )
        except UpstreamUnavailable as exc:
            raise retry_upstream(exc, "hotline12345") from None
        except UpstreamRejected as exc:
            if exc.code != "already_rated":  # rated at the platform already (by phone): nothing owed
                raise GiveUp(f"12345 refused the rating: {exc.code}") from None
        await self._repository.rating_delivered(row.id)

    async def refresh(self, citizen_id: uuid.UUID, ticket_id: uuid.UUID) -> TicketView:
        """The citizen's ticket with what 12345 says of it now (the poll's work for one ticket, on
        demand): 503 ``hotline.unavailable`` when 12345 is down."""
        view = await self._hotline.ticket(citizen_id, ticket_id)
        row = view.row
        if row.status not in OPEN:
            return view
        try:
            found = await self._client.statuses([row.ticket_no])
        except UpstreamUnavailable:
            raise HotlineUnavailable() from None
        for status in found:
            if status.status != row.status or len(status.replies) > row.replies_seen:
                if await self._record(row, status):
                    self._notifications.wake()
                return await self._hotline.ticket(citizen_id, ticket_id)
        return view

    async def poll(self) -> int:
        """Pull status and replies of open tickets; store new replies and tell the citizen of each,
        once. How many replies were new."""
        rows = await self._repository.open_tickets(limit=POLL_ROUND)
        new = 0
        for start in range(0, len(rows), MAX_QUERY):
            batch = {r.ticket_no: r for r in rows[start : start + MAX_QUERY]}
            try:
                found = await self._client.statuses(list(batch))
            except UpstreamUnavailable as exc:
                log.warning("12345 unavailable while polling tickets: %s", exc)
                break
            unchanged = [r.id for r in batch.values()]
            for status in found:
                row = batch.get(status.ticket_no)
                if row is not None and (
                    status.status != row.status or len(status.replies) > row.replies_seen
                ):
                    unchanged.remove(row.id)
                    new += await self._record(row, status)
            await self._repository.touch(unchanged, now=self._clock.now())
        if new:
            self._notifications.wake()
        return new

    async def _record(self, row: TicketRow, status: PlatformStatus) -> int:
        fresh = [r for r in status.replies if r.seq > row.replies_seen]
        now = self._clock.now()
        async with transaction(self._engine):
            if not await self._repository.advance(
                row.id, seen=row.replies_seen, now=now, status=status.status,
                replies_seen=max([row.replies_seen, *(r.seq for r in fresh)]), closed_at=status.closed_at,
            ):  # fmt: skip
                return 0  # another poller recorded it first
            for reply in fresh:
                await self._repository.add_reply(
                    ReplyRow(
                        id=uuid.uuid4(),
                        ticket_id=row.id,
                        seq=reply.seq,
                        department=reply.department,
                        text=reply.text,
                        at=reply.at,
                    )
                )
                await self._notifications.notify(
                    row.citizen_id,
                    template=REPLIED,
                    data={
                        "tracking_no": row.tracking_no,
                        "department": reply.department,
                        "reply": reply.text,
                        "at": reply.at,
                        "ticket": str(row.id),
                    },
                    key=f"hotline:{row.id}:reply:{reply.seq}",
                )
        return len(fresh)
