"""The wallet's HTTP edge: the citizen's licences, 亮证 and answering requests, the disclosure log;
the public issuer metadata and status lists; the counter's side of 亮证 (a registered verifier
device); and the operators' verifier registry."""

from __future__ import annotations

import uuid

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from backend.access import ANYONE
from backend.auth.guards import CITIZEN, citizen
from backend.auth.principal import Principal
from backend.citizen.errors import CitizenNotFound
from backend.licence.cards import CardPackService
from backend.licence.errors import (
    CardPackUnavailable,
    FieldsInvalid,
    LibraryUnavailable,
    LicenceNotFound,
    LicenceUnusable,
    NotHeld,
    PlatformNotLinked,
    PointerExists,
    RefreshRateLimited,
    RequestClosed,
    RequestNotFound,
    ShowRateLimited,
    StatusListNotFound,
)
from backend.licence.kinds import KINDS, claims_of, kind_of
from backend.licence.log import LogView
from backend.licence.schemas import (
    CardPackAdd,
    CardPointerList,
    CardPointerRead,
    Consent,
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
    VerifierBrief,
)
from backend.licence.service import LicenceService
from backend.licence.showing import Asked, ShowService
from backend.licence.status import STATUS_LIST_TYPE, StatusLists


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


# The wallet's own reads also serve an agent acting for an organisation (its licences, scope licences).
LICENCES = citizen(acting="licences")


class LicenceController(Controller):
    path = "/api/v1/licences"
    tags = ("licences",)
    opt = {"access": CITIZEN}  # noqa: RUF012 (Litestar's declaration style)

    @get(
        "/",
        summary="Your licences (pulled from the e-licence library the first time)",
        description="Acting for an organisation (`POST /api/v1/organisations/{id}/acting`, scope "
        "`licences`): the organisation's licences, filed at the library under its credit code.",
        access=LICENCES,
        errors=(CitizenNotFound,),
    )
    async def list(
        self, licences: NamedDependency[LicenceService], principal: NamedDependency[Principal]
    ) -> LicenceList:
        return LicenceList(items=[LicenceRead.of(r) for r in await licences.held(principal.owner)])

    @post(
        "/refresh",
        status_code=200,
        summary="Pull your licences from the e-licence library now",
        description="New licences are issued, changed ones re-issued as a new version. While the library "
        "is down this answers 503 `licence.library_unavailable`; the licences you hold keep working.",
        access=LICENCES,
        errors=(LibraryUnavailable, RefreshRateLimited, CitizenNotFound),
    )
    async def refresh(
        self, licences: NamedDependency[LicenceService], principal: NamedDependency[Principal]
    ) -> LicenceList:
        return LicenceList(items=[LicenceRead.of(r) for r in await licences.refresh(principal.owner)])

    @get(
        "/{licence_id:uuid}",
        summary="One of your licences: every field and the credential issued for it",
        owns={"licence_id": "licence.licence"},
        access=LICENCES,
        errors=(LicenceNotFound,),
    )
    async def read(
        self,
        licence_id: FromPath[uuid.UUID],
        licences: NamedDependency[LicenceService],
        principal: NamedDependency[Principal],
    ) -> LicenceDetail:
        held = await licences.get(principal.owner, licence_id)
        kind = kind_of(held.licence)
        values = claims_of(held.licence, today=held.record.fetched_at.date())
        return LicenceDetail(
            licence=LicenceRead.of(held.record),
            vct=kind.vct,
            fields=[FieldRead(claim=c, label=kind.label(c), value=v) for c, v in values.items()],
            credential=held.credential,
        )

    @post(
        "/{licence_id:uuid}/card-pack",
        status_code=201,
        summary="Put a pointer to the licence in your WeChat or Alipay card pack",
        description="The pass shows the licence's name and masked number and opens the 亮证 page; it "
        "proves nothing by itself. Needs the platform account linked (`/mp/v1/links`).",
        owns={"licence_id": "licence.licence"},
        errors=(LicenceNotFound, LicenceUnusable, PlatformNotLinked, PointerExists, CardPackUnavailable),
    )
    async def add_to_card_pack(
        self,
        licence_id: FromPath[uuid.UUID],
        data: JSONBody[CardPackAdd],
        card_packs: NamedDependency[CardPackService],
        principal: NamedDependency[Principal],
    ) -> CardPointerRead:
        added = await card_packs.add(principal.id, licence_id, data.platform)
        row = added.row
        return CardPointerRead(
            platform=row.platform, serial=row.serial, created_at=row.created_at, add_card=added.add_card
        )

    @get(
        "/{licence_id:uuid}/card-pack",
        summary="The licence's card-pack pointers, withdrawn ones included",
        owns={"licence_id": "licence.licence"},
        errors=(LicenceNotFound,),
    )
    async def card_pack(
        self,
        licence_id: FromPath[uuid.UUID],
        card_packs: NamedDependency[CardPackService],
        principal: NamedDependency[Principal],
    ) -> CardPointerList:
        rows = await card_packs.pointers(principal.id, licence_id)
        return CardPointerList(
            items=[
                CardPointerRead(
                    platform=r.platform, serial=r.serial, created_at=r.created_at, withdrawn_at=r.withdrawn_at
                )
                for r in rows
            ]
        )

    @post(
        "/{licence_id:uuid}/card-pack/withdraw",
        status_code=204,
        summary="Take the licence's pointer back from that card pack (again: nothing changes)",
        owns={"licence_id": "licence.licence"},
        errors=(LicenceNotFound, CardPackUnavailable),
    )
    async def withdraw_from_card_pack(
        self,
        licence_id: FromPath[uuid.UUID],
        data: JSONBody[CardPackAdd],
        card_packs: NamedDependency[CardPackService],
        principal: NamedDependency[Principal],
    ) -> None:
        await card_packs.withdraw(principal.id, licence_id, data.platform)

    @post(
        "/show",
        status_code=201,
        summary="A fresh handle to show at a counter (亮证)",
        description="Render `qr_text` as a QR code. It is valid for one scan within `expires_at` (120 s); "
        "fetch a new one at `refresh_at` (60 s).",
        errors=(ShowRateLimited,),
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
        errors=(RequestNotFound, RequestClosed, FieldsInvalid, NotHeld, LicenceUnusable, CitizenNotFound),
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
