"""HTTP edge of the citizen code: citizens, scanners, the published trust material, operators.

Problem codes: ``code.device_key_invalid`` (422), ``code.device_limit`` / ``code.device_revoked``
(409), ``code.device_not_found`` (404), ``code.scene_unknown`` (403), ``code.scan_time_invalid``
(422), ``code.issue_rate_limited`` (429), ``request.cursor_invalid`` (422). A denied code is not
an error: verify answers 200 with ``decision: deny`` and the reason.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from backend.access import ANYONE
from backend.auth.errors import TokenRevoked
from backend.auth.guards import CITIZEN, current_principal, device, staff
from backend.auth.principal import Principal
from backend.citizen.errors import CitizenNotFound
from backend.code.errors import (
    DeviceKeyInvalid,
    DeviceLimit,
    DeviceNotFound,
    DeviceRevoked,
    EnrolRateLimited,
    HolderConflict,
    IssueRateLimited,
    ScanTimeInvalid,
    SceneUnknown,
)
from backend.code.repository import DeviceRow
from backend.code.scanning import GateDecision, ScanService
from backend.code.scans import OfflineScan, ScanUploads
from backend.code.schemas import (
    CloneFlag,
    CloneFlagList,
    CodeRead,
    DeviceCreate,
    DeviceEnrolled,
    DeviceList,
    DeviceRead,
    HolderStatusUpdate,
    IssuerKeyList,
    RevocationPage,
    RevocationRead,
    ScanBatch,
    ScanReceipt,
    TrustAnchorRead,
    VerifyRequest,
    VerifyResult,
    clone_flag,
    issuer_key_list,
)
from backend.code.service import CitizenCodeService, IssuedCode
from backend.pagination import CursorInvalid
from backend.scanner.service import DEVICE_SCOPE
from citizen_code import Reason, Status

TRUST_LIST_MEDIA_TYPE = "application/sq1-trust-list+cbor"
PageSize = Annotated[int, QueryParameter(ge=1, le=1000)]
_NO_STORE = {"cache-control": "no-store"}


_QR_MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml"}


async def _qr(
    codes: CitizenCodeService, principal: Principal, image: Literal["png", "svg"]
) -> Response[bytes]:
    rendered, code = await codes.render(principal.id, image=image)
    headers = {**_NO_STORE, "x-code-expires-at": code.expires_at.isoformat()}
    return Response(rendered, media_type=_QR_MEDIA_TYPES[image], headers=headers)


def _device(row: DeviceRow) -> DeviceRead:
    return DeviceRead(
        id=row.id,
        label=row.label,
        created_at=row.created_at,
        credential_expires_at=row.credential_expires_at,
        revoked_at=row.revoked_at,
    )


def verdict(decision: GateDecision) -> VerifyResult:
    """The gate's answer to a decision (the route's, and the early answer's: ``backend.code.early``)."""
    return VerifyResult(
        decision=decision.decision,
        reason=Reason(decision.reason),
        scene=decision.scene,
        pseudonym=decision.pseudonym,
    )


def code_read(code: IssuedCode) -> CodeRead:
    """A fresh code as the citizen's app reads it (the route's, and the early answer's)."""
    return CodeRead(
        code=code.code, issued_at=code.issued_at, expires_at=code.expires_at, refresh_in=code.refresh_in
    )


# A code is a bearer credential for 60 s: never cached on the way (also the early answer's headers).
ISSUE_HEADERS = _NO_STORE
# The gate's token: a scanner device; the denylist read is folded into verify's own store round trip
# (ScanService.verify).
VERIFY_ACCESS = device(DEVICE_SCOPE, check_revocation=False)

# Issuing a code: the per-citizen issuance budget, and a holder record that moved under us.
_ISSUE = (IssueRateLimited, HolderConflict, CitizenNotFound)


class CitizenCodeController(Controller):
    path = "/api/v1/citizen-code"
    tags = ("citizen-code",)
    opt = {"access": CITIZEN}  # noqa: RUF012 (Litestar's declaration style)

    @get(
        "/",
        summary="A fresh online citizen code (valid 60 s; fetch a new one after refresh_in s)",
        errors=_ISSUE,
    )
    async def current(
        self, request: Request[Any, Any, Any], codes: NamedDependency[CitizenCodeService]
    ) -> Response[CodeRead]:
        # Answered before routing when the request is plain (``backend.code.early``); this is the rest.
        code = await codes.issue(current_principal(request).id)
        return Response(code_read(code), headers=ISSUE_HEADERS)

    @get("/qr.png", summary="A fresh online citizen code as a QR PNG", media_type="image/png", errors=_ISSUE)
    async def png(
        self, codes: NamedDependency[CitizenCodeService], principal: NamedDependency[Principal]
    ) -> Response[bytes]:
        return await _qr(codes, principal, "png")

    @get(
        "/qr.svg",
        summary="A fresh online citizen code as a QR SVG",
        media_type="image/svg+xml",
        errors=_ISSUE,
    )
    async def svg(
        self, codes: NamedDependency[CitizenCodeService], principal: NamedDependency[Principal]
    ) -> Response[bytes]:
        return await _qr(codes, principal, "svg")

    @post(
        "/devices",
        summary="Register a phone's P-256 key (or renew it): a 48 h holder credential",
        errors=(DeviceKeyInvalid, DeviceRevoked, DeviceLimit, EnrolRateLimited, HolderConflict),
    )
    async def enrol(
        self,
        data: JSONBody[DeviceCreate],
        codes: NamedDependency[CitizenCodeService],
        principal: NamedDependency[Principal],
    ) -> Response[DeviceEnrolled]:
        enrolled = await codes.enrol(principal.id, public_key=data.public_key, label=data.label)
        body = DeviceEnrolled(
            device=_device(enrolled.device),
            holder_credential=enrolled.holder_credential,
            issued_at=enrolled.issued_at,
            expires_at=enrolled.expires_at,
        )
        return Response(body, status_code=201, headers=_NO_STORE)

    @get("/devices", summary="Your registered devices, newest first")
    async def devices(
        self,
        codes: NamedDependency[CitizenCodeService],
        principal: NamedDependency[Principal],
        include_revoked: FromQuery[bool] = False,
    ) -> DeviceList:
        rows = await codes.devices(principal.id, include_revoked=include_revoked)
        return DeviceList(items=[_device(row) for row in rows])

    @post(
        "/devices/{device_id:uuid}/revoke",
        status_code=204,
        summary="Revoke a lost device; your other devices renew their credential",
        description="The device stays on your list with its `revoked_at` (`include_revoked=true`); revoking "
        "it again changes nothing. Another citizen's device answers 404, like one that does not exist.",
        owns={"device_id": "code.device"},
        errors=(DeviceNotFound,),
    )
    async def revoke(
        self,
        device_id: FromPath[uuid.UUID],
        codes: NamedDependency[CitizenCodeService],
        principal: NamedDependency[Principal],
    ) -> None:
        await codes.revoke_device(principal.id, device_id, reported_from=principal.sid)


class CodeScannerController(Controller):
    path = "/api/v1/scanner"
    tags = ("scanner",)

    # Answered before routing when the request is plain (``backend.code.early``); this is the rest.
    @post(
        "/verify",
        status_code=200,
        access=VERIFY_ACCESS,
        summary="Verify a presented citizen code at this scanner's scene",
        errors=(TokenRevoked, SceneUnknown),
    )
    async def verify(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[VerifyRequest],
        scanning: NamedDependency[ScanService],
    ) -> VerifyResult:
        # The hot path takes one dependency and reads the caller off the request: with two, Litestar
        # resolves them concurrently in an anyio task group (~50 µs); one is awaited directly.
        return verdict(await scanning.verify(current_principal(request), data.code))

    @get(
        "/revocations",
        access=device(DEVICE_SCOPE),
        summary="Revoked code ids after a cursor, for offline verification",
        errors=(CursorInvalid,),
    )
    async def revocations(
        self,
        scanning: NamedDependency[ScanService],
        since: FromQuery[str | None] = None,
        limit: PageSize = 500,
    ) -> RevocationPage:
        feed = await scanning.revocations(since=since, limit=limit)
        return RevocationPage(
            items=[RevocationRead(code_id=item.code_id, revoked_at=item.revoked_at) for item in feed.items],
            next_cursor=feed.next_cursor,
            has_more=feed.has_more,
        )

    @post(
        "/scans",
        status_code=200,
        access=device(DEVICE_SCOPE),
        summary="Upload an offline scan log; codes seen at two places are flagged",
        errors=(ScanTimeInvalid, SceneUnknown),
    )
    async def scans(
        self,
        data: JSONBody[ScanBatch],
        uploads: NamedDependency[ScanUploads],
        principal: NamedDependency[Principal],
    ) -> ScanReceipt:
        report = await uploads.upload(
            principal, [OfflineScan(code=scan.code, scanned_at=scan.scanned_at) for scan in data.scans]
        )
        return ScanReceipt(
            received=report.received,
            stored=report.stored,
            flags=[CloneFlag(**msgspec.structs.asdict(flag)) for flag in report.flags],
        )


class TrustListController(Controller):
    path = "/.well-known/citizen-code"
    tags = ("citizen-code",)

    @get(
        "/trust-list",
        summary="The signed trust list (COSE_Sign1 by the trust anchor)",
        media_type=TRUST_LIST_MEDIA_TYPE,
        access=ANYONE,
    )
    async def trust_list(
        self,
        request: Request[Any, Any, Any],
        codes: NamedDependency[CitizenCodeService],
    ) -> Response[bytes]:
        material = await codes.key_ring()
        etag = f'"{material.seq}"'
        headers = {"etag": etag, "cache-control": "public, max-age=300"}
        if request.headers.get("if-none-match") == etag:
            return Response(b"", status_code=304, headers=headers)
        return Response(material.document, media_type=TRUST_LIST_MEDIA_TYPE, headers=headers)

    @get("/anchor", summary="The trust anchor's public key, to provision a scanner with once", access=ANYONE)
    async def anchor(
        self,
        codes: NamedDependency[CitizenCodeService],
    ) -> TrustAnchorRead:
        anchor = (await codes.key_ring()).anchor
        return TrustAnchorRead(kid=anchor.kid.hex(), alg="ES256", public_key_pem=anchor.public_pem().decode())


class CodeAdminController(Controller):
    path = "/api/v1/admin/citizen-code"
    tags = ("admin",)
    opt = {"access": staff("operator")}  # noqa: RUF012 (Litestar's declaration style)

    @get("/keys", summary="Issuer keys on the current trust list")
    async def keys(
        self,
        codes: NamedDependency[CitizenCodeService],
    ) -> IssuerKeyList:
        return issuer_key_list(await codes.key_ring())

    @post(
        "/keys/rotate",
        status_code=200,
        summary="Rotate the issuer key now (emergency; rotation is scheduled)",
    )
    async def rotate(
        self, codes: NamedDependency[CitizenCodeService], principal: NamedDependency[Principal]
    ) -> IssuerKeyList:
        await codes.rotate_keys(by=principal)
        return issuer_key_list(await codes.key_ring())

    @get(
        "/clone-flags",
        summary="Suspected clones the offline scan logs showed, newest first",
        description="A flag is raised on upload (`POST /api/v1/citizen-code/scans`) when the same frame "
        "was read at another scanner, or the same holder credential at another venue within the clone "
        "window; each is audited as `code.clone_flagged`.",
    )
    async def clone_flags(
        self,
        uploads: NamedDependency[ScanUploads],
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 50,
    ) -> CloneFlagList:
        return CloneFlagList(items=[clone_flag(flag) for flag in await uploads.flagged(limit=limit)])

    @put(
        "/holders/{citizen_id:uuid}/status",
        status_code=204,
        summary="Restrict a citizen's code, or clear the restriction",
        errors=(CitizenNotFound,),
    )
    async def set_status(
        self,
        citizen_id: FromPath[uuid.UUID],
        data: JSONBody[HolderStatusUpdate],
        codes: NamedDependency[CitizenCodeService],
        principal: NamedDependency[Principal],
    ) -> None:
        await codes.set_status(citizen_id, Status(data.status), by=principal)
