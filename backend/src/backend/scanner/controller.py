from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED

from backend.auth.guards import BEARER, require_staff
from backend.auth.principal import Principal
from backend.idempotency import Idempotency, idempotent_json
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
    guards = [require_staff("operator")]  # noqa: RUF012 (Litestar's declaration style)
    security = BEARER

    @post(
        "/",
        status_code=HTTP_201_CREATED,
        summary="Register a scanner device; its credential is in this answer only",
        description="With an `Idempotency-Key` header, a retried request answers the first response.",
        responses={HTTP_201_CREATED: ResponseSpec(ScannerRegistered, description="Registered")},
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

    @get("/", summary="Registered scanner devices, oldest first")
    async def list(
        self,
        scanners: NamedDependency[ScannerService],
        cursor: FromQuery[str | None] = None,
        limit: PageSize = 50,
        include_revoked: FromQuery[bool] = False,
    ) -> ScannerPage:
        rows, next_cursor = await scanners.list(cursor=cursor, limit=limit, include_revoked=include_revoked)
        return ScannerPage(items=[_read(row) for row in rows], next_cursor=next_cursor)

    @get("/{device_id:uuid}", summary="One scanner device")
    async def read(
        self,
        device_id: FromPath[uuid.UUID],
        scanners: NamedDependency[ScannerService],
    ) -> ScannerRead:
        return _read(await scanners.get(device_id))

    @delete("/{device_id:uuid}", summary="Revoke a scanner device; its outstanding tokens stop working now")
    async def revoke(
        self,
        device_id: FromPath[uuid.UUID],
        scanners: NamedDependency[ScannerService],
        principal: NamedDependency[Principal],
    ) -> None:
        await scanners.revoke(device_id, by=principal)


class ScannerTokenController(Controller):
    path = "/api/v1/scanner"
    tags = ("scanner",)

    @post("/token", status_code=200, summary="Trade a device credential for a short-lived device token")
    async def token(
        self,
        data: JSONBody[DeviceTokenRequest],
        scanners: NamedDependency[ScannerService],
    ) -> DeviceToken:
        token, row = await scanners.exchange(data.device_id, data.credential)
        return DeviceToken(
            access_token=token.token, expires_in=token.expires_in, scene=row.scene, venue=row.venue
        )
