from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED

from backend.access import ANYONE
from backend.auth.errors import KeysUnavailable
from backend.auth.guards import staff
from backend.auth.principal import Principal
from backend.idempotency import IDEMPOTENCY_ERRORS, Idempotency, idempotent_json
from backend.pagination import CursorInvalid
from backend.scanner.errors import CredentialsInvalid, ScannerNotFound, TokenThrottled
from backend.scanner.repository import DeviceRow
from backend.scanner.schemas import (
    DeviceToken,
    DeviceTokenRequest,
    ScannerCreate,
    ScannerPage,
    ScannerRead,
    ScannerRegistered,
)
from backend.scanner.service import ScannerService

PageSize = Annotated[int, QueryParameter(ge=1, le=100)]


def _read(row: DeviceRow) -> ScannerRead:
    return ScannerRead(
        id=row.id,
        scene=row.scene,
        venue=row.venue,
        registered_by=row.registered_by,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )


class ScannerAdminController(Controller):
    path = "/api/v1/admin/scanners"
    tags = ("admin",)
    opt = {"access": staff("operator")}  # noqa: RUF012 (Litestar's declaration style)

    @post(
        "/",
        status_code=HTTP_201_CREATED,
        summary="Register a scanner device; its credential is in this answer only",
        description="With an `Idempotency-Key` header, a retried request answers the first response.",
        responses={HTTP_201_CREATED: ResponseSpec(ScannerRegistered, description="Registered")},
        errors=IDEMPOTENCY_ERRORS,
    )
    async def register(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[ScannerCreate],
        scanners: NamedDependency[ScannerService],
        idempotency: NamedDependency[Idempotency],
        principal: NamedDependency[Principal],
        idempotency_key: Annotated[str | None, HeaderParameter(name="idempotency-key")] = None,
    ) -> Response[bytes]:
        async def register() -> ScannerRegistered:
            row, credential = await scanners.register(scene=data.scene, venue=data.venue, by=principal)
            return ScannerRegistered(device=_read(row), credential=credential)

        return await idempotent_json(
            idempotency,
            request,
            scope=f"scanner.register:{principal.subject}",
            key=idempotency_key,
            status=HTTP_201_CREATED,
            call=register,
        )

    @get("/", summary="Registered scanner devices, oldest first", errors=(CursorInvalid,))
    async def list(
        self,
        scanners: NamedDependency[ScannerService],
        cursor: FromQuery[str | None] = None,
        limit: PageSize = 50,
        include_revoked: FromQuery[bool] = False,
    ) -> ScannerPage:
        rows, next_cursor = await scanners.list(cursor=cursor, limit=limit, include_revoked=include_revoked)
        return ScannerPage(items=[_read(row) for row in rows], next_cursor=next_cursor)

    @get(
        "/{device_id:uuid}",
        summary="One scanner device; a revoked one stays readable (`revoked_at`)",
        errors=(ScannerNotFound,),
    )
    async def read(
        self,
        device_id: FromPath[uuid.UUID],
        scanners: NamedDependency[ScannerService],
    ) -> ScannerRead:
        return _read(await scanners.get(device_id))

    @post(
        "/{device_id:uuid}/revoke",
        status_code=200,
        summary="Revoke a scanner device; its outstanding tokens stop working now",
        description="The device stays on record, readable with its `revoked_at` (revoking it again "
        "changes nothing): revocation is an event, not a deletion (docs/adr/0008).",
        errors=(ScannerNotFound,),
    )
    async def revoke(
        self,
        device_id: FromPath[uuid.UUID],
        scanners: NamedDependency[ScannerService],
        principal: NamedDependency[Principal],
    ) -> ScannerRead:
        await scanners.revoke(device_id, by=principal)
        return _read(await scanners.get(device_id))


class ScannerTokenController(Controller):
    path = "/api/v1/scanner"
    tags = ("scanner",)

    @post(
        "/token",
        status_code=200,
        summary="Trade a device credential for a short-lived device token",
        access=ANYONE,
        errors=(CredentialsInvalid, TokenThrottled, KeysUnavailable),
    )
    async def token(
        self,
        data: JSONBody[DeviceTokenRequest],
        scanners: NamedDependency[ScannerService],
    ) -> DeviceToken:
        token, row = await scanners.exchange(data.device_id, data.credential)
        return DeviceToken(
            access_token=token.token, expires_in=token.expires_in, scene=row.scene, venue=row.venue
        )
