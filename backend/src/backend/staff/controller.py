from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, JSONBody, QueryParameter

from backend.auth.controller import client_address
from backend.auth.guards import require_staff
from backend.auth.principal import Principal
from backend.container import Container
from backend.staff.repository import StaffRow
from backend.staff.schemas import StaffCreate, StaffLogin, StaffPage, StaffRead, StaffToken

PageSize = Annotated[int, QueryParameter(ge=1, le=100)]


def _read(row: StaffRow) -> StaffRead:
    return StaffRead(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        role=row.role,
        active=row.active,
        created_at=row.created_at,
    )


class StaffTokenController(Controller):
    path = "/api/v1/staff"
    tags = ("staff",)

    @post("/token", status_code=200, summary="Log a staff member in with username and password")
    async def token(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[StaffLogin],
        container: NamedDependency[Container],
    ) -> StaffToken:
        token, row = await container.staff.login(data.username, data.password, client=client_address(request))
        return StaffToken(access_token=token.token, expires_in=token.expires_in, role=row.role)


class StaffAdminController(Controller):
    path = "/api/v1/admin/staff"
    tags = ("admin",)
    guards = [require_staff("operator")]  # noqa: RUF012 (Litestar's declaration style)

    @post("/", summary="Create a staff account (operators only)")
    async def create(
        self,
        data: JSONBody[StaffCreate],
        container: NamedDependency[Container],
        principal: NamedDependency[Principal],
    ) -> StaffRead:
        row = await container.staff.create(
            username=data.username,
            display_name=data.display_name,
            role=data.role,
            password=data.password,
            by=principal,
        )
        return _read(row)

    @get("/", summary="Staff accounts, by username")
    async def list(
        self,
        container: NamedDependency[Container],
        cursor: FromQuery[str | None] = None,
        limit: PageSize = 50,
    ) -> StaffPage:
        rows, next_cursor = await container.staff.list(cursor=cursor, limit=limit)
        return StaffPage(items=[_read(row) for row in rows], next_cursor=next_cursor)
