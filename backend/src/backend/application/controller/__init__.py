"""Applications over HTTP: the citizen's own (``owns=``: another citizen's is a 404), and the
department's signed status callbacks."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from backend.access import ANYONE
from backend.application.controller.materials import OWNS, MaterialController
from backend.application.controller.review import ApplicationReviewController
from backend.application.controller.reviewers import ReviewerController
from backend.application.delivery import Delivery
from backend.application.errors import (
    ApplicationNotFound,
    CallbackSignatureInvalid,
    FormDataInvalid,
    MaterialsMissing,
    NotEditable,
    PrefillChanged,
    TransitionInvalid,
)
from backend.application.schemas import (
    ApplicationCreate,
    ApplicationData,
    ApplicationList,
    ApplicationRead,
    ApplicationSaved,
    ApplicationSummary,
    CallbackReceived,
    EventList,
    EventRead,
    FieldErrorRead,
    Withdrawal,
)
from backend.application.service import ApplicationService, ApplicationView
from backend.auth.errors import ActingOutOfScope
from backend.auth.guards import ACTING_STATE, ActingCheck, citizen
from backend.auth.principal import Principal
from backend.catalogue.errors import ItemNotFound
from backend.evidence.schemas import ProofList, proof_read
from backend.evidence.service import EvidenceService
from backend.licence.errors import LicenceNotFound, LicenceUnusable, NotHeld

__all__ = [
    "ApplicationController",
    "ApplicationReviewController",
    "CaseCallbackController",
    "MaterialController",
    "ReviewerController",
]
_SUBMIT_REFUSALS = (
    ApplicationNotFound, TransitionInvalid, FormDataInvalid, ItemNotFound, LicenceUnusable, NotHeld,
    LicenceNotFound, PrefillChanged, MaterialsMissing,
)  # fmt: skip


async def _sees_licences(request: Request[Any, Any, Any], principal: Principal) -> bool:
    """Whether the caller may see the licences of whoever they act as: their own always; an
    organisation's only under an authorisation holding ``licences`` (an agent authorised to apply
    alone must not read them through a draft's auto-fill)."""
    if principal.organisation is None:
        return True
    checker: ActingCheck | None = request.app.state.get(ACTING_STATE)
    if checker is None:
        return False
    try:
        await checker.check_acting(principal, ("licences",))
    except ActingOutOfScope:
        return False
    return True


def _read(view: ApplicationView) -> ApplicationRead:
    row = view.row
    return ApplicationRead(
        id=row.id,
        item_code=row.item_code,
        item_name=row.item_name,
        item_version=row.item_version,
        status=row.status,
        delivery=view.delivery,
        case_id=row.case_id,
        data=view.data,
        provenance=view.provenance,
        created_at=row.created_at,
        updated_at=row.updated_at,
        submitted_at=row.submitted_at,
    )


class ApplicationController(Controller):
    path = "/api/v1/applications"
    tags = ("applications",)
    # A citizen for themselves, or an agent of an organisation authorised to apply (backend.organisation).
    opt = {"access": citizen(acting="apply")}  # noqa: RUF012 (Litestar's declaration style)

    @post("/", status_code=HTTP_201_CREATED, summary="Start an application (a draft)", errors=(ItemNotFound,))
    async def create(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[ApplicationCreate],
        applications: NamedDependency[ApplicationService],
        principal: NamedDependency[Principal],
    ) -> ApplicationRead:
        """The draft's fields that name a licence are filled from yours (or, acting for an
        organisation, from the organisation's when your authorisation includes `licences`; without
        it they are left for you to fill)."""
        sees = await _sees_licences(request, principal)
        view = await applications.create(
            principal.owner, data.item_code, actor=principal.actor, licences=sees
        )
        return _read(view)

    @get("/", summary="Your applications, newest first")
    async def list(
        self, applications: NamedDependency[ApplicationService], principal: NamedDependency[Principal]
    ) -> ApplicationList:
        rows = await applications.of_citizen(principal.owner)
        return ApplicationList(
            items=[
                ApplicationSummary(
                    id=r.id,
                    item_code=r.item_code,
                    item_name=r.item_name,
                    status=r.status,
                    case_id=r.case_id,
                    updated_at=r.updated_at,
                )
                for r in rows
            ]
        )

    @get(
        "/{application_id:uuid}", summary="One of your applications", owns=OWNS, errors=(ApplicationNotFound,)
    )
    async def read(
        self,
        application_id: FromPath[uuid.UUID],
        applications: NamedDependency[ApplicationService],
        principal: NamedDependency[Principal],
    ) -> ApplicationRead:
        return _read(await applications.get(principal.owner, application_id))

    @put(
        "/{application_id:uuid}/data",
        summary="Autosave the form; the answer lists what submission would still refuse",
        owns=OWNS,
        errors=(ApplicationNotFound, NotEditable),
    )
    async def save(
        self,
        application_id: FromPath[uuid.UUID],
        data: JSONBody[ApplicationData],
        applications: NamedDependency[ApplicationService],
        principal: NamedDependency[Principal],
    ) -> ApplicationSaved:
        view, errors = await applications.save(principal.owner, application_id, data.data)
        return ApplicationSaved(
            application=_read(view),
            errors=[FieldErrorRead(path=e.path, message=e.message, kind=e.kind) for e in errors],
        )

    @post(
        "/{application_id:uuid}/submit",
        status_code=200,
        summary="Submit: checked against the item's published form, then forwarded to the department",
        description="422 `application.form_invalid` lists every field error in `extra.errors` (JSON Pointer "
        "`path`, Chinese `message`). Once submitted the application is kept and forwarded even while "
        "the department's system is down: `delivery` says `forwarding` until it has the case. Fields "
        "filled from a licence are read again: a licence revoked since is 409 `licence.unusable`, and so "
        "are licence materials. Every required material must be given: 422 `application.materials_missing` "
        "names the empty slots in `extra.slots`.",
        owns=OWNS,
        errors=_SUBMIT_REFUSALS,
    )
    async def submit(
        self,
        application_id: FromPath[uuid.UUID],
        applications: NamedDependency[ApplicationService],
        principal: NamedDependency[Principal],
    ) -> ApplicationRead:
        return _read(await applications.submit(principal.owner, application_id, actor=principal.actor))

    @post(
        "/{application_id:uuid}/resubmit",
        status_code=200,
        summary="Send the corrected form of an application the department returned (补正)",
        owns=OWNS,
        errors=_SUBMIT_REFUSALS,
    )
    async def resubmit(
        self,
        application_id: FromPath[uuid.UUID],
        applications: NamedDependency[ApplicationService],
        principal: NamedDependency[Principal],
    ) -> ApplicationRead:
        return _read(await applications.resubmit(principal.owner, application_id, actor=principal.actor))

    @post(
        "/{application_id:uuid}/withdraw",
        status_code=200,
        summary="Withdraw an application (a draft, or one not yet in review or returned for correction)",
        owns=OWNS,
        errors=(ApplicationNotFound, TransitionInvalid),
    )
    async def withdraw(
        self,
        application_id: FromPath[uuid.UUID],
        data: JSONBody[Withdrawal],
        applications: NamedDependency[ApplicationService],
        principal: NamedDependency[Principal],
    ) -> ApplicationRead:
        view = await applications.withdraw(
            principal.owner, application_id, actor=principal.actor, reason=data.reason
        )
        return _read(view)

    @get(
        "/{application_id:uuid}/events",
        summary="Everything that happened to the application, in order (append-only)",
        owns=OWNS,
        errors=(ApplicationNotFound,),
    )
    async def events(
        self,
        application_id: FromPath[uuid.UUID],
        applications: NamedDependency[ApplicationService],
        principal: NamedDependency[Principal],
    ) -> EventList:
        rows = await applications.events(principal.owner, application_id)
        return EventList(
            items=[
                EventRead(
                    seq=e.seq,
                    action=e.action,
                    from_status=e.from_status,
                    to_status=e.to_status,
                    actor=e.actor,
                    source=e.source,
                    reason=e.reason,
                    occurred_at=e.occurred_at,
                )
                for e in rows
            ]
        )

    @get(
        "/{application_id:uuid}/evidence",
        summary="The application's evidence: each audited step with its proof against a signed daily root",
        description="Every submission, resubmission, withdrawal and department decision is an audit entry "
        "holding the digest of what was submitted or decided. Once its day is sealed (after midnight, "
        "Beijing time), the entry comes with its RFC 9162 inclusion proof and the day's signed root "
        "(`/api/v1/evidence/keys`): anyone holding the application can check it was not altered since.",
        owns=OWNS,
        errors=(ApplicationNotFound,),
    )
    async def evidence(
        self,
        application_id: FromPath[uuid.UUID],
        applications: NamedDependency[ApplicationService],
        evidence: NamedDependency[EvidenceService],
        principal: NamedDependency[Principal],
    ) -> ProofList:
        await applications.get(principal.owner, application_id)
        proofs = await evidence.proofs_of("application", f"application:{application_id}")
        return ProofList(items=[proof_read(p) for p in proofs])


class CaseCallbackController(Controller):
    path = "/api/v1/departments/cases"
    tags = ("departments",)

    @post(
        "/callbacks",
        status_code=200,
        summary="A department's signed status callback (HMAC; deduplicated by event id)",
        access=ANYONE,
        errors=(CallbackSignatureInvalid,),
    )
    async def callback(
        self, request: Request[Any, Any, Any], delivery: NamedDependency[Delivery]
    ) -> CallbackReceived:
        body = await request.body()
        return CallbackReceived(fresh=await delivery.receive_callback(dict(request.headers), body))
