"""The scanners screen (operators): registering a gate scanner (its credential shown this once) and
revoking one — through ``ScannerService``, as ``/api/v1/admin/scanners`` does, audited there."""

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
from backend.scanner.errors import ScannerNotFound
from backend.scanner.scenes import SCENES
from backend.scanner.schemas import ScannerCreate
from backend.scanner.service import ScannerService

AnyRequest = Request[Any, Any, Any]
Scanners = NamedDependency[ScannerService]
Caller = NamedDependency[Principal]
Console = NamedDependency[ConsoleSessions]


async def _page(
    scanners: ScannerService, principal: Principal, console: ConsoleSessions, **context: Any
) -> Response[str]:
    rows, next_cursor = await scanners.list(
        cursor=context.pop("cursor", None), limit=50, include_revoked=context.pop("include_revoked", True)
    )
    context.setdefault("registered", None)
    context.setdefault("credential", None)
    context.setdefault("done", None)
    return render(
        "scanners.html", principal=principal, csrf=console.for_session(principal), devices=rows,
        next_cursor=next_cursor, scenes=SCENES, **context,
    )  # fmt: skip


class ConsoleScannerController(Controller):
    path = "/console/scanners"
    include_in_schema = False
    opt = {"access": OPERATOR}  # noqa: RUF012 (Litestar's declaration style)

    @get("/", errors=(CursorInvalid,))
    async def devices(
        self, scanners: Scanners, principal: Caller, console: Console,
        cursor: FromQuery[str | None] = None, done: Done = None,
    ) -> Response[str]:  # fmt: skip
        return await _page(scanners, principal, console, cursor=cursor, done=done)

    @post("/", errors=(CsrfInvalid, FormInvalid))
    async def register(
        self, request: AnyRequest, scanners: Scanners, principal: Caller, console: Console
    ) -> Response[str]:
        fields = await session_form(request, principal, console)
        try:
            # The API's own shape checks the scene and the venue before the service does.
            body = msgspec.convert(
                {"scene": field(fields, "scene"), "venue": field(fields, "venue")}, ScannerCreate
            )
        except msgspec.ValidationError as error:
            raise FormInvalid(detail=explain(str(error))) from None
        row, credential = await scanners.register(scene=body.scene, venue=body.venue, by=principal)
        # The credential is shown on this answer only (never stored readable, never in a URL): a page,
        # not a redirect; ``no-store`` keeps it out of the browser's cache.
        return await _page(scanners, principal, console, registered=row, credential=credential)

    @post("/{device_id:uuid}/revoke", errors=(ScannerNotFound, CsrfInvalid, FormInvalid))
    async def revoke(
        self, request: AnyRequest, device_id: FromPath[uuid.UUID], scanners: Scanners, principal: Caller,
        console: Console,
    ) -> Redirect:  # fmt: skip
        await session_form(request, principal, console)
        await scanners.revoke(device_id, by=principal)
        row = await scanners.get(device_id)
        return Redirect(f"/console/scanners?done=revoked:{row.id}", status_code=303)
