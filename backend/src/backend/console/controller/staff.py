"""The staff screen (operators): members, creating one, disabling and enabling, ending sessions —
through ``StaffService``, as ``/api/v1/admin/staff`` does, with the same rules and audit."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from backend.auth.principal import Principal
from backend.console.controller.forms import Done, field, session_form
from backend.console.errors import CsrfInvalid, FormInvalid
from backend.console.pages import OPERATOR, render
from backend.console.session import ConsoleSessions
from backend.fields import explain
from backend.pagination import CursorInvalid
from backend.staff.errors import LastOperator, NotOnYourself, PasswordRefused, StaffNotFound, UsernameTaken
from backend.staff.schemas import StaffCreate
from backend.staff.service import StaffService

AnyRequest = Request[Any, Any, Any]
Staff = NamedDependency[StaffService]
Caller = NamedDependency[Principal]
Console = NamedDependency[ConsoleSessions]
ROLES = ("operator", "counter", "school", "publisher")
_FORM = (CsrfInvalid, FormInvalid)


class ConsoleStaffController(Controller):
    path = "/console/staff"
    include_in_schema = False
    opt = {"access": OPERATOR}  # noqa: RUF012 (Litestar's declaration style)

    @get("/", errors=(CursorInvalid,))
    async def members(
        self, staff: Staff, principal: Caller, console: Console,
        cursor: FromQuery[str | None] = None, done: Done = None,
    ) -> Response[str]:  # fmt: skip
        rows, next_cursor = await staff.list(cursor=cursor, limit=50)
        return render(
            "staff.html", principal=principal, csrf=console.for_session(principal),
            members=rows, next_cursor=next_cursor, roles=ROLES, done=done,
        )  # fmt: skip

    @post("/", errors=(PasswordRefused, UsernameTaken, *_FORM))
    async def create(
        self, request: AnyRequest, staff: Staff, principal: Caller, console: Console
    ) -> Redirect:
        fields = await session_form(request, principal, console)
        try:
            # The API's own shape checks the fields (username, role, lengths) before the service does.
            body = msgspec.convert(
                {name: field(fields, name) for name in ("username", "display_name", "role", "password")},
                StaffCreate,
            )
        except msgspec.ValidationError as error:
            raise FormInvalid(detail=explain(str(error))) from None
        row = await staff.create(
            username=body.username, display_name=body.display_name, role=body.role,
            password=body.password, by=principal,
        )  # fmt: skip
        return Redirect(f"/console/staff?done=created:{row.username}", status_code=303)

    @post("/{staff_id:uuid}/status", errors=(StaffNotFound, NotOnYourself, LastOperator, *_FORM))
    async def set_status(
        self, request: AnyRequest, staff_id: FromPath[uuid.UUID], staff: Staff, principal: Caller,
        console: Console,
    ) -> Redirect:  # fmt: skip
        fields = await session_form(request, principal, console)
        status = field(fields, "status")
        if status not in ("active", "disabled"):
            raise FormInvalid(detail="status is active or disabled")
        row = await staff.set_active(staff_id, status == "active", by=principal)
        return Redirect(f"/console/staff?done={status}:{row.username}", status_code=303)

    @post("/{staff_id:uuid}/sessions/end-all", errors=(StaffNotFound, *_FORM))
    async def end_sessions(
        self, request: AnyRequest, staff_id: FromPath[uuid.UUID], staff: Staff, principal: Caller,
        console: Console,
    ) -> Redirect:  # fmt: skip
        await session_form(request, principal, console)
        ended = await staff.end_sessions(staff_id, keep=None, by=principal)
        return Redirect(f"/console/staff?done=sessions-ended:{ended}", status_code=303)
