from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import FromQuery, HeaderParameter, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED

from backend.access import ANYONE
from backend.auth.errors import InvalidCredentials, KeysUnavailable, LoginThrottled
from backend.auth.guards import staff as staff_access
from backend.auth.principal import Principal
from backend.idempotency import IDEMPOTENCY_ERRORS, Idempotency, idempotent_json
from backend.pagination import CursorInvalid
from backend.staff.errors import PasswordTooShort, UsernameTaken
from backend.staff.repository import StaffRow
from backend.staff.schemas import StaffCreate, StaffLogin, StaffPage, StaffRead, StaffToken
from backend.staff.service import StaffService
from backend.web import client_address

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

    @post(
        "/token",
        status_code=200,
        summary="Log a staff member in with username and password",
        access=ANYONE,
        errors=(InvalidCredentials, LoginThrottled, KeysUnavailable),
    )
    async def token(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[StaffLogin],
        staff: NamedDependency[StaffService],
    ) -> StaffToken:
        token, row = await staff.login(data.username, data.password, client=client_address(request))
        return StaffToken(access_token=token.token, expires_in=token.expires_in, role=row.role)


class StaffAdminController(Controller):
    path = "/api/v1/admin/staff"
    tags = ("admin",)
    opt = {"access": staff_access("operator")}  # noqa: RUF012 (Litestar's declaration style)

    @post(
        "/",
        status_code=HTTP_201_CREATED,
        summary="Create a staff account (operators only)",
        description="With an `Idempotency-Key` header, a retried request answers the first response.",
        responses={HTTP_201_CREATED: ResponseSpec(StaffRead, description="Created")},
        errors=(PasswordTooShort, UsernameTaken, *IDEMPOTENCY_ERRORS),
    )
    async def create(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[StaffCreate],
        staff: NamedDependency[StaffService],
        idempotency: NamedDependency[Idempotency],
        principal: NamedDependency[Principal],
        idempotency_key: Annotated[str | None, HeaderParameter(name="idempotency-key")] = None,
    ) -> Response[bytes]:
        async def create() -> StaffRead:
            row = await staff.create(
                username=data.username,
                display_name=data.display_name,
                role=data.role,
                password=data.password,
                by=principal,
            )
            return _read(row)

        return await idempotent_json(
            idempotency,
            request,
            scope=f"staff.create:{principal.subject}",
            key=idempotency_key,
            status=HTTP_201_CREATED,
            call=create,
        )

    @get("/", summary="Staff accounts, by username", errors=(CursorInvalid,))
    async def list(
        self,
        staff: NamedDependency[StaffService],
        cursor: FromQuery[str | None] = None,
        limit: PageSize = 50,
    ) -> StaffPage:
        rows, next_cursor = await staff.list(cursor=cursor, limit=limit)
        return StaffPage(items=[_read(row) for row in rows], next_cursor=next_cursor)
