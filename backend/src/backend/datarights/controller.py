"""The citizen's data rights over HTTP: what we hold and why, exports, consents, account closure."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import FromPath
from litestar.status_codes import HTTP_200_OK, HTTP_202_ACCEPTED

from backend.auth.guards import CITIZEN
from backend.auth.principal import Principal
from backend.datarights.errors import (
    ClosureBlocked,
    ClosureUnderway,
    ConsentUnknown,
    ExportGone,
    ExportNotFound,
    ExportNotReady,
)
from backend.datarights.repository import ClosureRow, ExportRow
from backend.datarights.schemas import (
    ClosureRead,
    ConsentList,
    ConsentName,
    ConsentRead,
    ConsentWithdrawn,
    ExportList,
    ExportRead,
    PersonalDataCategoryList,
    PersonalDataCategoryRead,
)
from backend.datarights.service import DataRightsService

PATH = "/api/v1/data-rights"
OWNS = {"export_id": "datarights.export"}


def _export(row: ExportRow) -> ExportRead:
    return ExportRead(
        id=row.id, state=row.state, size=row.size, requested_at=row.requested_at, ready_at=row.ready_at,
        expires_at=row.expires_at, downloaded_at=row.downloaded_at,
        download=f"{PATH}/exports/{row.id}/download" if row.state == "ready" else None,
    )  # fmt: skip


def _closure(row: ClosureRow) -> ClosureRead:
    return ClosureRead(
        state="closed" if row.done_at else "closing", requested_at=row.requested_at, done_at=row.done_at
    )


class DataRightsController(Controller):
    path = PATH
    tags = ("data rights",)
    opt = {"access": CITIZEN}  # noqa: RUF012 (Litestar's declaration style)

    @get(
        "/categories",
        summary="What personal data we hold about you, why, on what legal basis and for how long",
    )
    async def categories(self, datarights: NamedDependency[DataRightsService]) -> PersonalDataCategoryList:
        return PersonalDataCategoryList(
            items=[
                PersonalDataCategoryRead(
                    feature=c.feature,
                    name=c.category.name,
                    description=c.category.description,
                    purpose=c.category.purpose,
                    legal_basis=c.category.legal_basis,
                    retention=c.category.retention,
                    on_closure=c.on_closure,
                    tables=list(c.tables),
                )
                for c in datarights.categories()
            ]
        )

    @post(
        "/exports",
        status_code=HTTP_202_ACCEPTED,
        summary="Ask for an export of everything your account holds (machine-readable JSON)",
        description="Built in the background; while one is being built, asking again answers it. "
        "Once `ready` it can be downloaded once, within 24 hours.",
    )
    async def request_export(
        self, datarights: NamedDependency[DataRightsService], principal: NamedDependency[Principal]
    ) -> ExportRead:
        return _export(await datarights.request_export(principal.id))

    @get("/exports", summary="Your exports")
    async def exports(
        self, datarights: NamedDependency[DataRightsService], principal: NamedDependency[Principal]
    ) -> ExportList:
        return ExportList(items=[_export(row) for row in await datarights.exports(principal.id)])

    @get("/exports/{export_id:uuid}", summary="One of your exports", owns=OWNS, errors=(ExportNotFound,))
    async def export(
        self,
        export_id: FromPath[uuid.UUID],
        datarights: NamedDependency[DataRightsService],
        principal: NamedDependency[Principal],
    ) -> ExportRead:
        return _export(await datarights.export(principal.id, export_id))

    @get(
        "/exports/{export_id:uuid}/download",
        summary="Download an export (once: it is deleted as it is handed out)",
        owns=OWNS,
        errors=(ExportNotFound, ExportNotReady, ExportGone),
        responses={
            HTTP_200_OK: ResponseSpec(
                data_container=dict[str, Any],
                media_type="application/json",
                description="The export: one JSON object, a section per feature",
            )
        },
    )
    async def download(
        self,
        export_id: FromPath[uuid.UUID],
        datarights: NamedDependency[DataRightsService],
        principal: NamedDependency[Principal],
    ) -> Response[bytes]:
        body = await datarights.download(principal.id, export_id)
        return Response(
            body,
            media_type="application/json",
            headers={
                "content-disposition": f'attachment; filename="suqian-export-{export_id}.json"',
                "cache-control": "no-store",
            },
        )

    @get("/consents", summary="Consents you gave that you may withdraw")
    async def consents(
        self, datarights: NamedDependency[DataRightsService], principal: NamedDependency[Principal]
    ) -> ConsentList:
        found = await datarights.consents(principal.id)
        return ConsentList(
            items=[ConsentRead(name=c.name, description=c.description, live=c.live) for c in found]
        )

    @delete(
        "/consents/{name:str}",
        status_code=HTTP_200_OK,
        summary="Withdraw a consent",
        # A consent's name (licence.showing), the same for every citizen; what it ends is the caller's.
        shared_ids=("name",),
        errors=(ConsentUnknown,),
    )
    async def withdraw(
        self,
        name: FromPath[ConsentName],
        datarights: NamedDependency[DataRightsService],
        principal: NamedDependency[Principal],
    ) -> ConsentWithdrawn:
        return ConsentWithdrawn(name=name, ended=await datarights.withdraw(principal.id, name))

    @post(
        "/closure",
        status_code=HTTP_202_ACCEPTED,
        summary="Close your account (注销)",
        description="Refused with 409 `datarights.closure_blocked` naming what blocks it (a payment "
        "pending or a refund in flight, an application a department is handling). Otherwise your "
        "sessions end and your personal data is deleted in the background; what the law makes us keep "
        "(payment records, the audit log) stays with your name, ID number and phone gone.",
        errors=(ClosureBlocked, ClosureUnderway),
    )
    async def close(
        self, datarights: NamedDependency[DataRightsService], principal: NamedDependency[Principal]
    ) -> ClosureRead:
        return _closure(await datarights.close(principal.id))
