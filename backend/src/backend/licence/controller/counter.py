"""The counter's side of 亮证 (a registered verifier device) and the operators' verifier registry."""

from __future__ import annotations

import uuid

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from backend.auth.errors import TokenRevoked
from backend.auth.guards import device, staff
from backend.auth.principal import Principal
from backend.licence.errors import (
    HandleInvalid,
    OutsidePurpose,
    PresentationInvalid,
    PresentationReplayed,
    RegistrationInvalid,
    RequestClosed,
    RequestNotFound,
    VerifierExists,
    VerifierNotFound,
    VerifierSuspended,
    VerifierUnregistered,
)
from backend.licence.schemas import (
    Ask,
    CounterRequest,
    VerifiedRead,
    VerifierCreate,
    VerifierList,
    VerifierRead,
    VerifyPresentation,
)
from backend.licence.showing import ShowService
from backend.licence.verifiers import VerifierRegistry
from backend.scanner.errors import ScannerNotFound
from backend.scanner.service import DEVICE_SCOPE

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
