"""The warnings screen (publishers): their organisation's warnings, publishing one, changing or
cancelling one in force, and a warning's fan-out per channel — through ``WarningService``, as
``/api/v1/warnings`` does (the same role, the same checks: the organisation's kinds, Suqian's
districts, at most 7 days; audited there). Times are typed in Beijing time."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect

from backend.auth.principal import Principal
from backend.console.controller.forms import Done, field, session_form
from backend.console.errors import CsrfInvalid, FormInvalid
from backend.console.pages import PUBLISHER, render
from backend.console.session import ConsoleSessions
from backend.fields import explain
from backend.notices import BEIJING
from backend.warning.errors import (
    DistrictUnknown,
    KindNotYours,
    KindUnknown,
    NotYourWarning,
    PublisherUnbound,
    ValidityInvalid,
    WarningCancelled,
    WarningNotFound,
)
from backend.warning.rules import DISTRICTS, KINDS, LEVEL_NAMES
from backend.warning.schemas import WarningCreate, WarningUpdate, fanout_progress
from backend.warning.service import WarningService

AnyRequest = Request[Any, Any, Any]
Caller = NamedDependency[Principal]
Console = NamedDependency[ConsoleSessions]
Warnings = NamedDependency[WarningService]
_OWN = (PublisherUnbound, WarningNotFound, NotYourWarning)
_FORM = (CsrfInvalid, FormInvalid)
# "2026-07-12 18:00" as typed (Beijing time), or an ISO 8601 moment with its offset.
_LOCAL = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?$")


def _moment(value: str) -> str:
    found = _LOCAL.match(value)
    if found is None:
        return value  # ISO 8601 with its offset, or not a time (the schema says which)
    return f"{value.replace(' ', 'T')}{'' if found.group(1) else ':00'}+08:00"


def _convert(fields: dict[str, Any], shape: type[Any]) -> Any:
    try:
        return msgspec.convert(fields, shape)
    except msgspec.ValidationError as error:
        raise FormInvalid(detail=explain(str(error))) from None


def _districts(fields: dict[str, str]) -> list[str]:
    """The ticked boxes (``district-N``, one field each: a console form repeats no name)."""
    return [value for name, value in fields.items() if name.startswith("district-")]


class ConsoleWarningController(Controller):
    path = "/console/warnings"
    include_in_schema = False
    opt = {"access": PUBLISHER}  # noqa: RUF012 (Litestar's declaration style)

    @get("/", errors=(PublisherUnbound,))
    async def warnings(
        self, warnings: Warnings, principal: Caller, console: Console, done: Done = None
    ) -> Response[str]:
        organisation = await warnings.organisation(principal)
        until = (datetime.now(BEIJING) + timedelta(hours=12)).strftime("%Y-%m-%d %H:%M")
        return render(
            "warnings.html", principal=principal, csrf=console.for_session(principal),
            rows=await warnings.published(principal, limit=50), kinds=KINDS[organisation],
            levels=LEVEL_NAMES, districts=DISTRICTS, until=until, done=done,
        )  # fmt: skip

    @post("/", errors=(PublisherUnbound, KindUnknown, KindNotYours, DistrictUnknown, ValidityInvalid, *_FORM))
    async def publish(
        self, request: AnyRequest, warnings: Warnings, principal: Caller, console: Console
    ) -> Redirect:
        fields = await session_form(request, principal, console)
        body = _convert(
            {
                "kind": field(fields, "kind"), "level": field(fields, "level"),
                "districts": _districts(fields), "text": field(fields, "text"),
                "valid_until": _moment(field(fields, "valid_until")),
                "title": fields.get("title", "").strip() or None,
            },
            WarningCreate,
        )  # fmt: skip
        row = await warnings.publish(
            principal, kind=body.kind, level=body.level, districts=body.districts, title=body.title or "",
            text=body.text, valid_from=None, valid_until=body.valid_until,
        )  # fmt: skip
        return Redirect(f"/console/warnings/{row.id}?done=published:{row.id}", status_code=303)

    @get("/{warning_id:uuid}", errors=_OWN)
    async def warning(
        self, warning_id: FromPath[uuid.UUID], warnings: Warnings, principal: Caller, console: Console,
        done: Done = None,
    ) -> Response[str]:  # fmt: skip
        # The progress call checks the warning is the organisation's (``/progress``'s rule).
        progress = fanout_progress(warning_id, await warnings.progress(principal, warning_id))
        return render(
            "warning.html", principal=principal, csrf=console.for_session(principal),
            row=await warnings.get(warning_id), progress=progress, levels=LEVEL_NAMES,
            districts=DISTRICTS, done=done,
        )  # fmt: skip

    @post(
        "/{warning_id:uuid}/change",
        errors=(*_OWN, WarningCancelled, DistrictUnknown, ValidityInvalid, *_FORM),
    )
    async def change(
        self, request: AnyRequest, warning_id: FromPath[uuid.UUID], warnings: Warnings, principal: Caller,
        console: Console,
    ) -> Redirect:  # fmt: skip
        fields = await session_form(request, principal, console)
        # Only what is filled in changes (the API's PATCH: null is unchanged).
        given = {name: fields.get(name, "").strip() for name in ("level", "title", "text", "valid_until")}
        changes: dict[str, Any] = {name: value for name, value in given.items() if value}
        if "valid_until" in changes:
            changes["valid_until"] = _moment(changes["valid_until"])
        if _districts(fields):
            changes["districts"] = _districts(fields)
        body = _convert(changes, WarningUpdate)
        row = await warnings.update(
            principal, warning_id, level=body.level, districts=body.districts, title=body.title,
            text=body.text, valid_until=body.valid_until,
        )  # fmt: skip
        return Redirect(f"/console/warnings/{row.id}?done=changed:v{row.version}", status_code=303)

    @post("/{warning_id:uuid}/cancel", errors=(*_OWN, WarningCancelled, *_FORM))
    async def cancel(
        self, request: AnyRequest, warning_id: FromPath[uuid.UUID], warnings: Warnings, principal: Caller,
        console: Console,
    ) -> Redirect:  # fmt: skip
        await session_form(request, principal, console)
        row = await warnings.cancel(principal, warning_id)
        return Redirect(f"/console/warnings/{row.id}?done=cancelled:{row.id}", status_code=303)
