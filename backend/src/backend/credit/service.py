"""A citizen's own credit report, the public disclosures of legal persons, and credit objections
(信用異議) filed with the platform through the outbox exactly once and followed to its decision."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

import msgspec
from piccolo.engine.base import Engine

from backend.audit.service import AuditLog
from backend.citizen.service import CitizenService
from backend.clock import Clock
from backend.credit.errors import (
    CreditSubjectUnknown,
    CreditUnavailable,
    DisclosureQueryInvalid,
    ObjectionExists,
    ObjectionNotFound,
)
from backend.credit.notices import OBJECTION_DECIDED, RESULTS
from backend.credit.repository import CreditRepository, ObjectionRow, ObjectionStatus
from backend.crypto import PersonalDataCipher
from backend.database import transaction
from backend.notification.service import NotificationService
from backend.outbox.jobs import ClaimedJob, GiveUp, retry_upstream
from backend.outbox.service import Outbox
from backend.pagination import decode_cursor, encode_cursor
from integrations import UpstreamRejected, UpstreamUnavailable
from integrations.credit import CreditClient, CreditReport, Disclosure, RecordCategory
from integrations.creditcode import is_valid_credit_code

log = logging.getLogger("backend.credit")

TOPIC = "credit.objection"
_REASON = "credit_objection.reason"
_PHONE = "credit_objection.contact_phone"
# The platform's answers that are ours to fix, not the citizen's: an operator looks (dead letter).
_OUR_FAULTS = frozenset({"idempotency_key_reused", "invalid_request"})
# Objections asked about per poll: the platform answers one at a time.
POLL_BATCH = 50


class Delivery(msgspec.Struct, frozen=True):
    objection_id: uuid.UUID


def _query(q: str) -> str:
    """A credit code (exact) or a name fragment of 2-64 visible characters. U+FFFD means the query's
    bytes were not UTF-8 (the framework replaced them): nobody's name holds one."""
    q = q.strip()
    if len(q) == 18 and is_valid_credit_code(q.upper()):
        return q.upper()
    if not 2 <= len(q) <= 64 or not q.isprintable() or "\ufffd" in q:
        raise DisclosureQueryInvalid()
    return q


class CreditService:
    def __init__(
        self,
        *,
        repository: CreditRepository,
        client: CreditClient,
        citizens: CitizenService,
        outbox: Outbox,
        notifications: NotificationService,
        cipher: PersonalDataCipher,
        audit: AuditLog,
        clock: Clock,
        engine: Engine[Any],
    ) -> None:
        self._repository = repository
        self._client = client
        self._citizens = citizens
        self._outbox = outbox
        self._notifications = notifications
        self._cipher = cipher
        self._audit = audit
        self._clock = clock
        self._engine = engine

    async def report(self, citizen_id: uuid.UUID) -> CreditReport:
        """The citizen's own public credit record, read from the platform now."""
        identity = await self._citizens.real_identity(citizen_id)
        try:
            return await self._client.query_person(identity.id_number)
        except UpstreamUnavailable:
            raise CreditUnavailable() from None
        except UpstreamRejected as exc:
            if exc.code == "subject_not_found":
                raise CreditSubjectUnknown() from None
            raise

    async def disclosures(
        self, q: str, *, category: RecordCategory | None, cursor: str | None, limit: int
    ) -> tuple[list[Disclosure], str | None]:
        """Public disclosures of legal persons matching ``q``; the cursor of the next page, if any."""
        after = decode_cursor(cursor, tuple[str])[0] if cursor else None
        try:
            page = await self._client.search_disclosures(
                _query(q), category=category, after=after, limit=limit
            )
        except UpstreamUnavailable:
            raise CreditUnavailable() from None
        except UpstreamRejected as exc:
            if exc.code == "invalid_query":
                raise DisclosureQueryInvalid() from None
            raise
        last = page.items[-1].record.record_id if page.items else None
        return page.items, encode_cursor(last) if page.more and last else None

    async def file(
        self, citizen_id: uuid.UUID, *, record_id: str, reason: str, contact_phone: str
    ) -> ObjectionRow:
        """Object to a record of the citizen's report: saved and owed to the platform in one
        transaction, so it reaches the platform once even while the platform is down."""
        now = self._clock.now()
        row_id = uuid.uuid4()
        row = ObjectionRow(
            id=row_id, citizen_id=citizen_id, record_id=record_id,
            reason=self._cipher.seal(reason, column=f"{_REASON}:{row_id}"),
            contact_phone=self._cipher.seal(contact_phone, column=f"{_PHONE}:{row_id}"),
            status="queued", objection_id="", reply="", refusal="", created_at=now, updated_at=now,
            decided_at=None,
        )  # fmt: skip
        async with transaction(self._engine):
            if not await self._repository.insert(row):
                raise ObjectionExists()
            await self._outbox.enqueue(TOPIC, key=f"credit.objection:{row.id}", payload=Delivery(row.id))
            await self._audit.append(
                actor=f"citizen:{citizen_id}",
                action="credit.objection_filed",
                subject=f"credit_objection:{row.id}",
                data={"record_id": record_id},
                chain="credit",
            )
        self._outbox.wake()
        return row

    async def objections(self, citizen_id: uuid.UUID) -> list[ObjectionRow]:
        return await self._repository.of_citizen(citizen_id)

    async def objection(self, citizen_id: uuid.UUID, objection_id: uuid.UUID) -> ObjectionRow:
        found = await self._repository.owned(citizen_id, objection_id)
        if found is None:
            raise ObjectionNotFound()
        return found

    def reason_of(self, row: ObjectionRow) -> str:
        return self._cipher.open(row.reason, column=f"{_REASON}:{row.id}")

    async def deliver(self, job: ClaimedJob) -> None:
        """The outbox's handler: file the objection under the job's key (a retry after a lost answer
        gets the same receipt) and record the platform's answer, once."""
        row = await self._repository.find(msgspec.json.decode(job.payload, type=Delivery).objection_id)
        if row is None or row.status != "queued":
            return  # recorded by an earlier try
        identity = await self._citizens.real_identity(row.citizen_id)
        try:
            receipt = await self._client.file_objection(
                row.record_id,
                applicant_id_number=identity.id_number,
                reason=self.reason_of(row),
                contact_phone=self._cipher.open(row.contact_phone, column=f"{_PHONE}:{row.id}"),
                idempotency_key=job.key,
            )
        except UpstreamUnavailable as exc:
            raise retry_upstream(exc, "credit") from None
        except UpstreamRejected as exc:
            if exc.code in _OUR_FAULTS:
                raise GiveUp(f"credit platform refused: {exc.code}") from None
            await self._decide(row, to="refused", reply="", refusal=exc.code, now=self._clock.now())
            return
        now = self._clock.now()
        await self._repository.move(
            row.id, expected="queued", to="received", now=now, objection_id=receipt.objection_id
        )

    async def poll(self) -> int:
        """Ask the platform about objections it has not decided; record and tell what changed.
        How many changed; stops at the first outage (the next round asks again)."""
        changed = 0
        for row in await self._repository.awaiting(limit=POLL_BATCH):
            try:
                status = await self._client.objection_status(row.objection_id)
            except UpstreamUnavailable as exc:
                log.warning("credit platform unavailable while polling objections: %s", exc)
                break
            except UpstreamRejected as exc:
                log.error("credit platform does not know objection %s: %s", row.objection_id, exc.code)
                await self._repository.touch(row.id, now=self._clock.now())
                continue
            now = self._clock.now()
            if status.status == row.status:
                await self._repository.touch(row.id, now=now)
            elif status.status in ("upheld", "dismissed"):
                changed += await self._decide(row, to=status.status, reply=status.reply, refusal="", now=now)
            elif status.status == "reviewing":
                changed += await self._repository.move(row.id, expected=row.status, to="reviewing", now=now)
        if changed:
            self._notifications.wake()
        return changed

    async def _decide(
        self, row: ObjectionRow, *, to: ObjectionStatus, reply: str, refusal: str, now: datetime
    ) -> bool:
        """``row`` → a final status, and the citizen told, in one transaction; once."""
        async with transaction(self._engine):
            moved = await self._repository.move(
                row.id, expected=row.status, to=to, now=now, reply=reply, refusal=refusal, decided_at=now
            )
            if moved:
                await self._audit.append(
                    actor="system",
                    action=f"credit.objection_{to}",
                    subject=f"credit_objection:{row.id}",
                    data={"record_id": row.record_id, "refusal": refusal},
                    chain="credit",
                )
                await self._notifications.notify(
                    row.citizen_id,
                    template=OBJECTION_DECIDED,
                    data={
                        "record_id": row.record_id,
                        "result": RESULTS[to],
                        "reply": reply or "如有疑问请联系信用宿迁平台",
                        "at": now,
                        "objection": str(row.id),
                    },
                    key=f"credit.objection:{row.id}:{to}",
                )
        if moved:
            self._notifications.wake()
        return moved
