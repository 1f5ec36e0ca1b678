"""``ApplicationService``: a citizen's applications — drafts, autosave, submit (validated against the
item's published form, then written with its delivery job in one transaction), correction, withdrawal —
and what they can see of them."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

import msgspec
from piccolo.engine.base import Engine

from backend.application.autofill import AutoFill, set_path
from backend.application.errors import ApplicationNotFound, FormDataInvalid, NotEditable, TransitionInvalid
from backend.application.lifecycle import EDITABLE, Status, allowed
from backend.application.materials import MaterialService
from backend.application.repository import ApplicationRepository, ApplicationRow, EventRow
from backend.audit.service import AuditLog
from backend.catalogue.forms import FieldError
from backend.catalogue.service import CatalogueService
from backend.clock import Clock
from backend.crypto import PersonalDataCipher
from backend.database import transaction
from backend.outbox.service import Outbox
from integrations.cases import Applicant, ApplicationSubmission, Supplement, Withdrawal

DELIVER, SUPPLEMENT, SYNC = "application.deliver", "application.supplement", "application.sync"
WITHDRAW = "application.withdraw"
# What the citizen is told of the forwarding to the department: never "failed" while it is retried.
Delivery = Literal["not_sent", "forwarding", "delivered", "held"]


def deliver_key(application_id: uuid.UUID) -> str:
    return f"application:{application_id}:submit"


def supplement_key(application_id: uuid.UUID, n: int) -> str:
    return f"application:{application_id}:supplement:{n}"


class DeliveryJob(msgspec.Struct, frozen=True, kw_only=True):
    """The outbox payload: the exact body to send, so every retry sends the same bytes under its key."""

    application_id: uuid.UUID
    submission: ApplicationSubmission | None = None
    supplement: Supplement | None = None
    withdrawal: Withdrawal | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ApplicationView:
    row: ApplicationRow
    data: dict[str, Any]
    provenance: dict[str, Any]
    delivery: Delivery


@dataclass(frozen=True, slots=True)
class Prefilled:
    """A value a feature read for the citizen and where from: ``source`` is its provenance entry
    (``{"source": "household_register", "household_no": ...}``)."""

    value: Any
    source: dict[str, Any]


def flatten(data: Any, prefix: str = "") -> dict[str, str]:
    """The form as the department's flat ``{"details.reason": "…"}``."""
    if isinstance(data, dict):
        flat: dict[str, str] = {}
        for key, value in data.items():
            flat.update(flatten(value, f"{prefix}{key}."))
        return flat
    text = data if isinstance(data, str) else msgspec.json.encode(data).decode()
    return {prefix.rstrip("."): text}


def _audience(item_code: str) -> str:
    # The audience of the one-claim presentations auto-fill takes: this item's applications.
    return f"urn:suqian:application:{item_code}"


def _errors(errors: list[FieldError]) -> list[dict[str, str]]:
    return [{"path": e.path, "message": e.message, "kind": e.kind} for e in errors]


class ApplicationService:
    def __init__(
        self,
        *,
        repository: ApplicationRepository,
        catalogue: CatalogueService,
        autofill: AutoFill,
        materials: MaterialService,
        outbox: Outbox,
        cipher: PersonalDataCipher,
        audit: AuditLog,
        clock: Clock,
        engine: Engine[Any],
    ) -> None:
        self._repository = repository
        self._catalogue = catalogue
        self._autofill = autofill
        self._materials = materials
        self._cipher = cipher
        self._outbox = outbox
        self._audit = audit
        self._clock = clock
        self._engine = engine

    async def create(
        self,
        citizen_id: uuid.UUID,
        item_code: str,
        *,
        actor: str,
        prefill: Mapping[str, Prefilled] | None = None,
        licences: bool = True,
    ) -> ApplicationView:
        """A draft for the item's current published version (``ItemNotFound`` otherwise), filled from
        the citizen's licences where the form says so (unless ``licences`` is False: the caller may
        not see them, e.g. an agent authorised to apply but not to see the organisation's licences);
        then ``prefill`` (field path → a value another feature read for the citizen, e.g. from the
        household register, with its provenance) fills the fields of the form no licence did."""
        item = await self._catalogue.get(item_code)
        form = await self._catalogue.form(item_code, item.version)
        data: dict[str, Any] = {}
        provenance: dict[str, Any] = {}
        if licences:
            data, provenance = await self._autofill.fill(citizen_id, form, audience=_audience(item_code))
        for path, given in (prefill or {}).items():
            if path in form.fields and path not in provenance:
                set_path(data, path, given.value)
                provenance[path] = {**given.source, "value": given.value}
        now = self._clock.now()
        application_id = uuid.uuid4()
        row = ApplicationRow(
            id=application_id, citizen_id=citizen_id, item_code=item_code, item_version=item.version,
            item_digest=item.digest, item_name=item.definition.name,
            case_item_code=item.definition.case_item_code, status="draft",
            data=self._seal(application_id, "data", data),
            provenance=self._seal(application_id, "provenance", provenance), prefilled=int(bool(provenance)),
            case_id=None, dept_seen=0, corrections=0, created_at=now, updated_at=now, submitted_at=None,
        )  # fmt: skip
        async with transaction(self._engine):
            await self._repository.insert(row)
            await self._repository.append_event(
                row.id,
                action="create",
                from_status="",
                to_status="draft",
                actor=actor,
                source="citizen",
                now=now,
            )
        return await self.get(citizen_id, row.id)

    async def get(self, citizen_id: uuid.UUID, application_id: uuid.UUID) -> ApplicationView:
        row = await self._repository.find(application_id, citizen_id=citizen_id)
        if row is None:
            raise ApplicationNotFound()
        return await self.view(row)

    async def view(self, row: ApplicationRow) -> ApplicationView:
        """The application as its owner sees it (its data and provenance opened)."""
        return ApplicationView(
            row=row,
            data=self._open(row.id, "data", row.data),
            provenance=self._open(row.id, "provenance", row.provenance),
            delivery=await self._delivery(row),
        )

    async def of_citizen(self, citizen_id: uuid.UUID, *, limit: int = 100) -> list[ApplicationRow]:
        return await self._repository.of_citizen(citizen_id, limit=limit)

    async def events(self, citizen_id: uuid.UUID, application_id: uuid.UUID) -> list[EventRow]:
        await self.get(citizen_id, application_id)
        return await self._repository.events(application_id)

    async def save(
        self, citizen_id: uuid.UUID, application_id: uuid.UUID, data: dict[str, Any]
    ) -> tuple[ApplicationView, list[FieldError]]:
        """Autosave: keep the form as it is, and say what is still wrong with it (no refusal)."""
        view = await self.get(citizen_id, application_id)
        provenance = self._autofill.mark_overrides(data, view.provenance)
        saved = await self._repository.save_data(
            application_id,
            editable=EDITABLE,
            data=self._seal(application_id, "data", data),
            provenance=self._seal(application_id, "provenance", provenance),
            prefilled=any(p.get("source") not in (None, "citizen") for p in provenance.values()),
            now=self._clock.now(),
        )
        if not saved:
            raise NotEditable()
        form = await self._catalogue.form(view.row.item_code, view.row.item_version)
        return await self.get(citizen_id, application_id), form.errors(data)

    async def submit(
        self, citizen_id: uuid.UUID, application_id: uuid.UUID, *, actor: str
    ) -> ApplicationView:
        """Validate against the published form (every error, 422), then in one transaction: the move to
        ``submitted``, its event, its audit entry and the delivery job."""
        view = await self._checked(citizen_id, application_id, expected="draft", target="submitted")
        row = view.row
        # Every required material given, licence materials read again (revoked since: its code).
        materials = await self._materials.for_submission(citizen_id, row)
        submission = ApplicationSubmission(
            item_code=row.case_item_code,
            applicant=Applicant(
                name=str(view.data["applicant"]["name"]),
                id_number=str(view.data["applicant"]["id_number"]),
                phone=str(view.data["applicant"]["phone"]),
            ),
            form=flatten(view.data),
            materials=materials,
        )
        job = DeliveryJob(application_id=row.id, submission=submission)
        now = self._clock.now()
        await self.transition(
            row, "draft", "submitted", actor=actor, source="citizen", action="submit",
            job=(DELIVER, deliver_key(row.id), job), submitted_at=now,
            provenance=self._seal(row.id, "provenance", view.provenance),
        )  # fmt: skip
        return await self.get(citizen_id, application_id)

    async def resubmit(
        self, citizen_id: uuid.UUID, application_id: uuid.UUID, *, actor: str
    ) -> ApplicationView:
        """The corrected form (补正), sent to the department as a supplement of its case."""
        view = await self._checked(
            citizen_id, application_id, expected="correction_requested", target="resubmitted"
        )
        row = view.row
        n = row.corrections + 1
        materials = await self._materials.for_submission(citizen_id, row)
        supplement = Supplement(form=flatten(view.data), materials=materials)
        job = DeliveryJob(application_id=row.id, supplement=supplement)
        await self.transition(
            row, "correction_requested", "resubmitted", actor=actor, source="citizen", action="resubmit",
            job=(SUPPLEMENT, supplement_key(row.id, n), job), corrections=n,
            provenance=self._seal(row.id, "provenance", view.provenance),
        )  # fmt: skip
        return await self.get(citizen_id, application_id)

    async def withdraw(
        self, citizen_id: uuid.UUID, application_id: uuid.UUID, *, actor: str, reason: str
    ) -> ApplicationView:
        view = await self.get(citizen_id, application_id)
        if not allowed(view.row.status, "withdrawn"):
            raise TransitionInvalid(view.row.status, "withdrawn")
        # Sent already: the department is told, through the outbox, in the same transaction.
        job = None
        if view.row.status != "draft":
            told = DeliveryJob(application_id=view.row.id, withdrawal=Withdrawal(reason=reason))
            job = (WITHDRAW, f"application:{view.row.id}:withdraw", told)
        await self.transition(
            view.row,
            view.row.status,
            "withdrawn",
            actor=actor,
            source="citizen",
            action="withdraw",
            reason=reason,
            job=job,
        )
        return await self.get(citizen_id, application_id)

    async def _checked(
        self, citizen_id: uuid.UUID, application_id: uuid.UUID, *, expected: Status, target: Status
    ) -> ApplicationView:
        view = await self.get(citizen_id, application_id)
        if view.row.status != expected:
            raise TransitionInvalid(view.row.status, target)
        form = await self._catalogue.form(view.row.item_code, view.row.item_version)
        errors = form.errors(view.data)
        if errors:
            raise FormDataInvalid(_errors(errors))
        # Licence-filled fields are read again now: a licence revoked since blocks with its own code.
        provenance = await self._autofill.recheck(
            citizen_id, view.data, view.provenance, audience=_audience(view.row.item_code)
        )
        return ApplicationView(row=view.row, data=view.data, provenance=provenance, delivery=view.delivery)

    async def purge_stale_drafts(self, *, older_than: timedelta) -> int:
        """Empty drafts holding licence data untouched for ``older_than`` (72 h): the data was the
        licences', lent for a form the citizen did not send."""
        before = self._clock.now() - older_than
        return await self._repository.purge_stale_drafts(
            before=before,
            empty_data=lambda i: self._seal(i, "data", {}),
            empty_provenance=lambda i: self._seal(i, "provenance", {}),
        )

    def _seal(self, application_id: uuid.UUID, part: str, value: dict[str, Any]) -> str:
        # Personal data at rest (the ID number is in the form): sealed per application and part.
        return self._cipher.seal_bytes(
            msgspec.json.encode(value), column=f"application.{part}:{application_id}"
        )

    def _open(self, application_id: uuid.UUID, part: str, sealed: str) -> dict[str, Any]:
        opened: dict[str, Any] = msgspec.json.decode(
            self._cipher.open_bytes(sealed, column=f"application.{part}:{application_id}")
        )
        return opened

    async def transition(
        self,
        row: ApplicationRow,
        expected: Status,
        target: Status,
        *,
        actor: str,
        source: str,
        action: str,
        reason: str = "",
        job: tuple[str, str, DeliveryJob] | None = None,
        also: Callable[[], Awaitable[object]] | None = None,
        **values: Any,
    ) -> None:
        """The one path every move of ours takes (the citizen's, a reviewer's): compare-and-set the
        status, its event, its audit entry, then ``job`` and ``also`` (a reviewer's notice to the
        citizen) — all in one transaction."""
        now = self._clock.now()
        # The evidence of what was sent: SHA-256 of the form data as JSON, keys sorted, no spaces —
        # recomputable by anyone holding the data (the citizen's GET of the application).
        data = self._open(row.id, "data", row.data)
        digest = hashlib.sha256(msgspec.json.encode(data, order="sorted")).hexdigest()
        async with transaction(self._engine):
            if not await self._repository.move(row.id, expected=expected, to=target, now=now, **values):
                current = await self._repository.find(row.id)
                raise TransitionInvalid(current.status if current else expected, target)
            await self._repository.append_event(
                row.id, action=action, from_status=expected, to_status=target, actor=actor, source=source,
                reason=reason, data=msgspec.json.encode({"data_digest": digest}).decode(), now=now,
            )  # fmt: skip
            await self._audit.append(
                actor=actor,
                action=f"application.{action}",
                subject=f"application:{row.id}",
                data={"item": row.item_code, "from": expected, "to": target, "data_digest": digest},
                chain="application",
            )
            if job is not None:
                topic, key, payload = job
                await self._outbox.enqueue(topic, key=key, payload=payload)
            if also is not None:
                await also()
        if job is not None:
            self._outbox.wake()

    async def _delivery(self, row: ApplicationRow) -> Delivery:
        if row.case_id is not None:
            return "delivered"
        if row.status in ("draft", "withdrawn") and row.submitted_at is None:
            return "not_sent"
        job = await self._outbox.find(DELIVER, deliver_key(row.id))
        if job is None:
            return "not_sent"
        return {"done": "delivered", "dead": "held"}.get(job.state, "forwarding")  # type: ignore[return-value]
