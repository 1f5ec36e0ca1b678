"""Delivering applications to the department's case system, and taking in what it decides.

``deliver`` (outbox topic ``application.deliver``) sends the submission under its idempotency key
and saves the case number the moment the department answers — before anything else — so a try
repeated after a crash, a timeout or a lost answer gets the same case back, never a second one.
``supplement`` sends a correction (补正) to the case.

Department callbacks are thin and at-least-once: ``receive_callback`` verifies the signature and
enqueues a ``sync`` keyed by the callback's event id (a duplicate is the same job: deduplicated by the
outbox's unique key). ``sync`` reads the case's full, append-only history from the department and
applies each entry past the ones already applied, in the history's order, each as one event with the
entry as its external id — so callbacks out of order, duplicated or lost change nothing.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from typing import Any

import msgspec
from piccolo.engine.base import Engine

from backend.application.errors import CallbackSignatureInvalid, MaterialNotFound
from backend.application.hooks import Decided, DecisionHooks
from backend.application.lifecycle import Status, department_move
from backend.application.materials import MaterialService
from backend.application.notices import tell
from backend.application.repository import ApplicationRepository, ApplicationRow
from backend.application.service import DELIVER, SYNC, DeliveryJob, deliver_key
from backend.audit.service import AuditLog
from backend.clock import Clock
from backend.crypto import SealedValueCorrupt
from backend.database import transaction
from backend.notification.service import NotificationService
from backend.outbox.jobs import ClaimedJob, GiveUp, RetryLater, retry_upstream
from backend.outbox.service import Outbox
from blobstore import BlobStoreError, StoreUnavailable
from integrations import (
    SignatureRejected,
    UpstreamMalformed,
    UpstreamRejected,
    UpstreamUnavailable,
)
from integrations.cases import CaseClient, MaterialRef, parse_status_callback

log = logging.getLogger("backend.application")


class SyncJob(msgspec.Struct, frozen=True, kw_only=True):
    case_id: str
    event_id: str


class Delivery:
    def __init__(
        self,
        *,
        repository: ApplicationRepository,
        cases: CaseClient,
        materials: MaterialService,
        outbox: Outbox,
        notifications: NotificationService,
        audit: AuditLog,
        clock: Clock,
        engine: Engine[Any],
        callback_secret: str,
        hooks: DecisionHooks | None = None,
    ) -> None:
        self._hooks = hooks or DecisionHooks()
        self._repository = repository
        self._cases = cases
        self._materials = materials
        self._outbox = outbox
        self._notifications = notifications
        self._audit = audit
        self._clock = clock
        self._engine = engine
        self._secret = callback_secret

    async def deliver(self, job: ClaimedJob) -> None:
        payload = msgspec.json.decode(job.payload, type=DeliveryJob)
        row = await self._repository.find(payload.application_id)
        if row is None or row.case_id is not None or payload.submission is None:
            return  # recorded by an earlier try: nothing left to do
        if row.status == "withdrawn":
            return  # withdrawn before it reached the department: no case to open
        await self._send_documents(row.id, payload.submission.materials)
        try:
            receipt = await self._cases.submit_application(payload.submission, idempotency_key=job.key)
        except UpstreamUnavailable as exc:
            raise retry_upstream(exc, "case system") from None
        except UpstreamRejected as exc:
            raise GiveUp(f"case system refused: {exc.code}") from None
        except ValueError as exc:  # an ID number the adapter refuses to send
            raise GiveUp(f"not deliverable: {exc}") from None
        now = self._clock.now()
        async with transaction(self._engine):
            if await self._repository.record_case(row.id, receipt.case_id, now=now):
                await self._repository.append_event(
                    row.id, action="delivered", from_status=row.status, to_status=row.status,
                    actor="system:outbox", source="system", reason=f"部门已收件，办件编号 {receipt.case_id}",
                    data=msgspec.json.encode({"case_id": receipt.case_id}).decode(), now=now,
                )  # fmt: skip

    async def supplement(self, job: ClaimedJob) -> None:
        payload = msgspec.json.decode(job.payload, type=DeliveryJob)
        row = await self._repository.find(payload.application_id)
        if row is None or payload.supplement is None:
            return
        if row.case_id is None:
            raise RetryLater("the case number is not recorded yet")
        await self._send_documents(row.id, payload.supplement.materials)
        try:
            await self._cases.submit_supplement(row.case_id, payload.supplement, idempotency_key=job.key)
        except UpstreamUnavailable as exc:
            raise retry_upstream(exc, "case system") from None
        except UpstreamRejected as exc:
            raise GiveUp(f"case system refused: {exc.code}") from None
        now = self._clock.now()
        async with transaction(self._engine):
            # Keyed by the job: a try repeated after a crash records it once.
            await self._repository.append_event(
                row.id, action="supplement_delivered", from_status=row.status, to_status=row.status,
                actor="system:outbox", source="system", reason="补正材料已送达部门", external_id=job.key,
                now=now,
            )  # fmt: skip

    async def withdraw(self, job: ClaimedJob) -> None:
        """Tell the department the citizen withdrew (under the job's key), once the case exists."""
        payload = msgspec.json.decode(job.payload, type=DeliveryJob)
        row = await self._repository.find(payload.application_id)
        if row is None or payload.withdrawal is None:
            return
        if row.case_id is None:
            deliver = await self._outbox.find(DELIVER, deliver_key(row.id))
            if deliver is None or deliver.state in ("done", "dead"):
                return  # it never reached the department (a held delivery now stays withdrawn)
            raise RetryLater("the case number is not recorded yet")
        reason = "撤回已送达部门"
        try:
            await self._cases.withdraw(row.case_id, payload.withdrawal, idempotency_key=job.key)
        except UpstreamUnavailable as exc:
            raise retry_upstream(exc, "case system") from None
        except UpstreamRejected as exc:
            if exc.code != "case_closed":
                raise GiveUp(f"case system refused: {exc.code}") from None
            reason = (
                "部门已办结，撤回未能送达"  # decided before the withdrawal arrived: recorded, not retried
            )
        now = self._clock.now()
        async with transaction(self._engine):
            await self._repository.append_event(
                row.id, action="withdrawal_delivered", from_status=row.status, to_status=row.status,
                actor="system:outbox", source="system", reason=reason, external_id=job.key, now=now,
            )  # fmt: skip

    async def _send_documents(self, application_id: Any, materials: list[MaterialRef]) -> None:
        """Every uploaded material, before the submission naming it (the department stores them by
        digest: a retry sends them again and stores nothing new)."""
        for ref in materials:
            if ref.source != "upload":
                continue
            try:
                document = await self._materials.document(application_id, ref)
                await self._cases.put_document(ref.sha256, document)
            except StoreUnavailable as exc:
                raise RetryLater(f"blob store: {exc.reason}") from None
            except (BlobStoreError, MaterialNotFound, SealedValueCorrupt) as exc:  # the operators must look
                raise GiveUp(f"material {ref.sha256} unreadable: {exc}") from None
            except UpstreamUnavailable as exc:
                raise retry_upstream(exc, "case system") from None
            except UpstreamRejected as exc:
                raise GiveUp(f"case system refused a document: {exc.code}") from None

    async def receive_callback(self, headers: Mapping[str, str], body: bytes) -> bool:
        """Verify and enqueue; False for a callback seen before (by its event id)."""
        try:
            callback = parse_status_callback(
                headers, body, secret=self._secret, now=self._clock.now().timestamp()
            )
        except (SignatureRejected, UpstreamMalformed):
            raise CallbackSignatureInvalid() from None
        job = SyncJob(case_id=callback.case_id, event_id=callback.event_id)
        async with transaction(self._engine):
            fresh = await self._outbox.enqueue(SYNC, key=f"callback:{callback.event_id}", payload=job)
        self._outbox.wake()
        return fresh

    async def sync(self, job: ClaimedJob) -> None:
        payload = msgspec.json.decode(job.payload, type=SyncJob)
        row = await self._repository.find_by_case(payload.case_id)
        if row is None:
            # The department told us of a case before we recorded its number (our answer was lost):
            # the delivery's retry records it; until then, this waits.
            raise RetryLater(f"case {payload.case_id} is not recorded yet")
        try:
            case = await self._cases.get_status(payload.case_id)
        except UpstreamUnavailable as exc:
            raise retry_upstream(exc, "case system") from None
        except UpstreamRejected as exc:
            raise GiveUp(f"case system refused: {exc.code}") from None
        told = False
        for index in range(row.dept_seen, len(case.history)):
            told |= await self._apply(row.id, payload.case_id, index, case.history[index])
        if told:
            self._notifications.wake()

    async def _apply(self, application_id: Any, case_id: str, index: int, entry: Any) -> bool:
        """Apply one history entry; True when the citizen was told of it (a notice is owed)."""
        now = self._clock.now()
        async with transaction(self._engine):
            # The compare-and-set takes the row (its lock, on PostgreSQL) before the status is read:
            # another sync that applied this entry first, or a withdrawal racing it, is seen.
            if not await self._repository.advance_seen(application_id, seen=index, to=index + 1):
                return False  # another sync applied it (or the history moved past it) first
            row = await self._repository.find(application_id)
            assert row is not None
            target = department_move(row.status, entry.status)
            to_status = target or row.status
            if target is not None:
                await self._repository.move(row.id, expected=row.status, to=target, now=now)
            await self._repository.append_event(
                row.id,
                action=f"department.{entry.status}",
                from_status=row.status,
                to_status=to_status,
                actor=f"department:{case_id}",
                source="department",
                reason=entry.note
                if target is not None
                else f"{entry.note}（未应用：申请当前为 {row.status}）",
                data=msgspec.json.encode({"case_status": entry.status, "at": entry.at}).decode(),
                external_id=f"{case_id}#{index}",
                now=now,
            )
            await self._audit.append(
                actor=f"department:{case_id}",
                action="application.department",
                subject=f"application:{row.id}",
                data={
                    "case_status": entry.status,
                    "from": row.status,
                    "to": to_status,
                    "entry": index,
                    # The decision as the department recorded it (status, time, note): provable later.
                    "decision_digest": hashlib.sha256(msgspec.json.encode(entry, order="sorted")).hexdigest(),
                },
                chain="application",
            )
            if target is None:
                return False
            decided = Decided(
                application_id=row.id, citizen_id=row.citizen_id, item_code=row.item_code,
                status=target, entry=f"{case_id}#{index}", note=entry.note,
            )  # fmt: skip
            if await self._hooks.decided(decided):
                return True
            return await self._tell(row, target, entry=f"{case_id}#{index}", note=entry.note)

    async def _tell(self, row: ApplicationRow, status: Status, *, entry: str, note: str) -> bool:
        """Owe the citizen a notice of the move, in the move's transaction: once per history entry."""
        return await tell(
            self._notifications, row, status, key=f"application:{row.id}:{entry}", note=note,
            at=self._clock.now(),
        )  # fmt: skip
