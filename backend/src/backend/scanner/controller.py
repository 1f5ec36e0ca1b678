from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from backend.auth.guards import require_staff
from backend.auth.principal import Principal
from backend.container import Container
from backend.scanner.repository import DeviceRow
from backend.scanner.schemas import (
    DeviceToken,
    DeviceTokenRequest,
    ScannerCreate,
    ScannerPage,
    ScannerRead,
    ScannerRegistered,
)

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

    @post("/", summary="Register a scanner device; its credential is in this answer only")
    async def register(
        self,
        data: JSONBody[ScannerCreate],
        container: NamedDependency[Container],
        principal: NamedDependency[Principal],
    ) -> ScannerRegistered:
        row, credential = await container.scanner.register(scene=data.scene, venue=data.venue, by=principal)
        return ScannerRegistered(device=_read(row), credential=credential)

    @get("/", summary="Registered scanner devices, oldest first")
    async def list(
        self,
        container: NamedDependency[Container],
        cursor: FromQuery[str | None] = None,
        limit: PageSize = 50,
        include_revoked: FromQuery[bool] = False,
    ) -> ScannerPage:
        rows, next_cursor = await container.scanner.list(
            cursor=cursor, limit=limit, include_revoked=include_revoked
        )
        return ScannerPage(items=[_read(row) for row in rows], next_cursor=next_cursor)

    @get("/{device_id:uuid}", summary="One scanner device")
    async def read(
        self, device_id: FromPath[uuid.UUID], container: NamedDependency[Container]
    ) -> ScannerRead:
        return _read(await container.scanner.get(device_id))

    @delete("/{device_id:uuid}", summary="Revoke a scanner device; its outstanding tokens stop working now")
    async def revoke(
        self,
        device_id: FromPath[uuid.UUID],
        container: NamedDependency[Container],
        principal: NamedDependency[Principal],
    ) -> None:
        await container.scanner.revoke(device_id, by=principal)


class ScannerTokenController(Controller):
    path = "/api/v1/scanner"
    tags = ("scanner",)

    @post("/token", status_code=200, summary="Trade a device credential for a short-lived device token")
    async def token(
        self, data: JSONBody[DeviceTokenRequest], container: NamedDependency[Container]
    ) -> DeviceToken:
        token, row = await container.scanner.exchange(data.device_id, data.credential)
        return DeviceToken(
            access_token=token.token, expires_in=token.expires_in, scene=row.scene, venue=row.venue
        )
