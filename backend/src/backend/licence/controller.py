"""The wallet's HTTP edge: the citizen's licences, 亮证 and answering requests, the disclosure log;
the public issuer metadata and status lists; the counter's side of 亮证 (a registered verifier
device); and the operators' verifier registry."""

from __future__ import annotations

import uuid

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from backend.access import ANYONE
from backend.auth.errors import TokenRevoked
from backend.auth.guards import CITIZEN, device, staff
from backend.auth.principal import Principal
from backend.citizen.errors import CitizenNotFound
from backend.licence.errors import (
    FieldsInvalid,
    HandleInvalid,
    LibraryUnavailable,
    LicenceNotFound,
    LicenceUnusable,
    NotHeld,
    OutsidePurpose,
    PresentationInvalid,
    PresentationReplayed,
    RefreshRateLimited,
    RegistrationInvalid,
    RequestClosed,
    RequestNotFound,
    StatusListNotFound,
    VerifierExists,
    VerifierNotFound,
    VerifierSuspended,
    VerifierUnregistered,
)
from backend.licence.kinds import KINDS, claims_of, kind_of
from backend.licence.log import LogView
from backend.licence.schemas import (
    Ask,
    Consent,
    CounterRequest,
    FieldAsk,
    FieldRead,
    IssuerMetadata,
    LicenceDetail,
    LicenceList,
    LicenceRead,
    LogRead,
    LogRowRead,
    RequestList,
    RequestRead,
    ShownRead,
    VerifiedRead,
    VerifierBrief,
    VerifierCreate,
    VerifierList,
    VerifierRead,
    VerifyPresentation,
)
from backend.licence.service import LicenceService
from backend.licence.showing import Asked, ShowService
from backend.licence.status import STATUS_LIST_TYPE, StatusLists
from backend.licence.verifiers import VerifierRegistry
from backend.scanner.errors import ScannerNotFound
from backend.scanner.service import DEVICE_SCOPE


def request_read(asked: Asked) -> RequestRead:
    request, verifier = asked.request, asked.verifier
    kind = KINDS.get(request.kind_code)
    return RequestRead(
        id=request.id,
        state=request.state,
        verifier=VerifierBrief(
            id=verifier.id,
            name=verifier.name,
            kind=verifier.kind,
            legal_basis=verifier.legal_basis,
            purpose=verifier.purpose,
            retention_days=verifier.retention_days,
            contact=verifier.contact,
        ),
        kind_code=request.kind_code,
        kind_name=kind.name if kind else request.kind_code,
        fields=[FieldAsk(claim=c, label=kind.label(c) if kind else c) for c in request.requested],
        disclosed=request.disclosed,
        expires_at=request.expires_at,
    )


def log_read(view: LogView) -> LogRead:
    rows = [LogRowRead(**entry.row.to_json(), row_hash=entry.row_hash.hex()) for entry in view.entries]
    return LogRead(format="suqian-disclosure-log/1", rows=rows, head=view.head)


class LicenceController(Controller):
    path = "/api/v1/licences"
    tags = ("licences",)
    opt = {"access": CITIZEN}  # noqa: RUF012 (Litestar's declaration style)

    @get(
        "/",
        summary="Your licences (pulled from the e-licence library the first time)",
        errors=(CitizenNotFound,),
    )
    async def list(
        self, licences: NamedDependency[LicenceService], principal: NamedDependency[Principal]
    ) -> LicenceList:
        return LicenceList(items=[LicenceRead.of(r) for r in await licences.held(principal.id)])

    @post(
        "/refresh",
        status_code=200,
        summary="Pull your licences from the e-licence library now",
        description="New licences are issued, changed ones re-issued as a new version. While the library "
        "is down this answers 503 `licence.library_unavailable`; the licences you hold keep working.",
        errors=(LibraryUnavailable, RefreshRateLimited, CitizenNotFound),
    )
    async def refresh(
        self, licences: NamedDependency[LicenceService], principal: NamedDependency[Principal]
    ) -> LicenceList:
        return LicenceList(items=[LicenceRead.of(r) for r in await licences.refresh(principal.id)])

    @get(
        "/{licence_id:uuid}",
        summary="One of your licences: every field and the credential issued for it",
        owns={"licence_id": "licence.licence"},
        errors=(LicenceNotFound,),
    )
    async def read(
        self,
        licence_id: FromPath[uuid.UUID],
        licences: NamedDependency[LicenceService],
        principal: NamedDependency[Principal],
    ) -> LicenceDetail:
        held = await licences.get(principal.id, licence_id)
        kind = kind_of(held.licence)
        values = claims_of(held.licence, today=held.record.fetched_at.date())
        return LicenceDetail(
            licence=LicenceRead.of(held.record),
            vct=kind.vct,
            fields=[FieldRead(claim=c, label=kind.label(c), value=v) for c, v in values.items()],
            credential=held.credential,
        )

    @post(
        "/show",
        status_code=201,
        summary="A fresh handle to show at a counter (亮证)",
        description="Render `qr_text` as a QR code. It is valid for one scan within `expires_at` (120 s); "
        "fetch a new one at `refresh_at` (60 s).",
    )
    async def show(
        self, showing: NamedDependency[ShowService], principal: NamedDependency[Principal]
    ) -> ShownRead:
        shown = await showing.show(principal.id)
        return ShownRead(
            handle=shown.handle,
            qr_text=shown.qr_text,
            expires_at=shown.expires_at,
            refresh_at=shown.refresh_at,
        )

    @get("/requests", summary="Counters asking for your licence fields now, oldest first")
    async def requests(
        self, showing: NamedDependency[ShowService], principal: NamedDependency[Principal]
    ) -> RequestList:
        return RequestList(items=[request_read(a) for a in await showing.pending(principal.id)])

    @post(
        "/requests/{request_id:uuid}/consent",
        status_code=200,
        summary="Disclose the fields you approve (a subset of those asked) to the asking counter",
        owns={"request_id": "licence.request"},
        errors=(RequestNotFound, RequestClosed, FieldsInvalid, NotHeld, LicenceUnusable),
    )
    async def consent(
        self,
        request_id: FromPath[uuid.UUID],
        data: JSONBody[Consent],
        showing: NamedDependency[ShowService],
        principal: NamedDependency[Principal],
    ) -> RequestRead:
        await showing.consent(principal.id, request_id, fields=data.fields)
        return await self._read(showing, principal, request_id)

    @post(
        "/requests/{request_id:uuid}/decline",
        status_code=200,
        summary="Decline a counter's request: nothing is disclosed",
        owns={"request_id": "licence.request"},
        errors=(RequestNotFound, RequestClosed),
    )
    async def decline(
        self,
        request_id: FromPath[uuid.UUID],
        showing: NamedDependency[ShowService],
        principal: NamedDependency[Principal],
    ) -> RequestRead:
        await showing.decline(principal.id, request_id)
        return await self._read(showing, principal, request_id)

    async def _read(self, showing: ShowService, principal: Principal, request_id: uuid.UUID) -> RequestRead:
        return request_read(await showing.answered(principal.id, request_id))

    @get(
        "/log",
        summary="Your disclosure log: every issuance and disclosure, hash-chained, with a signed head",
        description="The export format of wallet/README.md: re-verify it with the keys at "
        "`/.well-known/jwt-vc-issuer`. Keep a head you fetched: a later log must extend it.",
    )
    async def log(
        self, showing: NamedDependency[ShowService], principal: NamedDependency[Principal]
    ) -> LogRead:
        return log_read(await showing.log(principal.id))


class IssuerController(Controller):
    path = "/"
    tags = ("licences",)

    @get("/.well-known/jwt-vc-issuer", summary="The licence issuer's metadata and keys", access=ANYONE)
    async def metadata(self, status_lists: NamedDependency[StatusLists]) -> IssuerMetadata:
        return IssuerMetadata(issuer=status_lists.issuer, jwks=await status_lists.jwks())

    @get(
        "/api/v1/licences/status/{status_list:int}",
        summary="A Token Status List (statuslist+jwt): the status of every licence credential on it",
        media_type=STATUS_LIST_TYPE,
        access=ANYONE,
        errors=(StatusListNotFound,),
    )
    async def status_list(
        self, status_list: FromPath[int], status_lists: NamedDependency[StatusLists]
    ) -> Response[str]:
        token = await status_lists.token(status_list)
        headers = {"cache-control": f"public, max-age={status_lists.ttl}"}
        return Response(token, media_type=STATUS_LIST_TYPE, headers=headers)


_AS_VERIFIER = (TokenRevoked, VerifierUnregistered, VerifierSuspended)


class CounterController(Controller):
    path = "/api/v1/licence-verification"
    tags = ("licence-verification",)
    opt = {"access": device(DEVICE_SCOPE)}  # noqa: RUF012 (Litestar's declaration style)

    @post(
        "/requests",
        status_code=201,
        summary="Ask the citizen whose handle you scanned for fields of one licence type",
        description="Only types and fields in your registration may be asked for (403 "
        "`licence.outside_purpose`, before the citizen sees anything). A handle works once.",
        errors=(*_AS_VERIFIER, OutsidePurpose, HandleInvalid),
    )
    async def ask(
        self,
        data: JSONBody[Ask],
        showing: NamedDependency[ShowService],
        principal: NamedDependency[Principal],
    ) -> CounterRequest:
        asked = await showing.ask(
            principal.id, handle=data.handle, kind_code=data.kind_code, fields=data.fields
        )
        return CounterRequest.of(asked.request)

    @get(
        "/requests/{request_id:uuid}",
        summary="Your request: the citizen's presentation appears here once they consent",
        owns={"request_id": "licence.counter_request"},
        errors=(*_AS_VERIFIER, RequestNotFound),
    )
    async def read(
        self,
        request_id: FromPath[uuid.UUID],
        showing: NamedDependency[ShowService],
        principal: NamedDependency[Principal],
    ) -> CounterRequest:
        delivered = await showing.delivered(principal.id, request_id)
        return CounterRequest.of(delivered.request, delivered.presentation)

    @post(
        "/requests/{request_id:uuid}/verify",
        status_code=200,
        summary="Verify the presentation made for your request (once): signature, key binding, status",
        description="Offline counters verify the same presentation themselves with the keys at "
        "`/.well-known/jwt-vc-issuer` and a cached status list.",
        owns={"request_id": "licence.counter_request"},
        errors=(*_AS_VERIFIER, RequestNotFound, RequestClosed, PresentationReplayed, PresentationInvalid),
    )
    async def verify(
        self,
        request_id: FromPath[uuid.UUID],
        data: JSONBody[VerifyPresentation],
        showing: NamedDependency[ShowService],
        principal: NamedDependency[Principal],
    ) -> VerifiedRead:
        verified = await showing.verify(principal.id, request_id, data.presentation)
        disclosed = sorted(str(path[0]) for path in verified.disclosed if len(path) == 1)
        return VerifiedRead(
            vct=verified.vct,
            iss=verified.iss,
            status="valid",
            disclosed=disclosed,
            claims={name: verified.claims[name] for name in disclosed if name in verified.claims},
        )


class VerifierAdminController(Controller):
    path = "/api/v1/admin/licence-verifiers"
    tags = ("admin",)
    opt = {"access": staff("operator")}  # noqa: RUF012 (Litestar's declaration style)

    @post(
        "/",
        status_code=201,
        summary="Register a scanner device as a licence verifier: who, why, and which fields",
        errors=(ScannerNotFound, VerifierExists, OutsidePurpose, RegistrationInvalid),
    )
    async def register(
        self,
        data: JSONBody[VerifierCreate],
        verifiers: NamedDependency[VerifierRegistry],
        principal: NamedDependency[Principal],
    ) -> VerifierRead:
        row = await verifiers.register(
            device_id=data.device_id,
            name=data.name,
            kind=data.kind,
            legal_basis=data.legal_basis,
            purpose=data.purpose,
            allowed=dict(data.allowed),
            retention_days=data.retention_days,
            contact=data.contact,
            by=principal,
        )
        return VerifierRead.of(row)

    @get("/", summary="Registered licence verifiers, oldest first")
    async def list(self, verifiers: NamedDependency[VerifierRegistry]) -> VerifierList:
        return VerifierList(items=[VerifierRead.of(r) for r in await verifiers.all()])

    @get("/{verifier_id:uuid}", summary="One registered verifier", errors=(VerifierNotFound,))
    async def read(
        self, verifier_id: FromPath[uuid.UUID], verifiers: NamedDependency[VerifierRegistry]
    ) -> VerifierRead:
        return VerifierRead.of(await verifiers.get(verifier_id))

    @post(
        "/{verifier_id:uuid}/suspend",
        status_code=200,
        summary="Suspend a verifier: its requests are refused from now on",
        errors=(VerifierNotFound,),
    )
    async def suspend(
        self,
        verifier_id: FromPath[uuid.UUID],
        verifiers: NamedDependency[VerifierRegistry],
        principal: NamedDependency[Principal],
    ) -> VerifierRead:
        return VerifierRead.of(await verifiers.suspend(verifier_id, by=principal))
