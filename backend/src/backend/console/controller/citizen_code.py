"""The citizen-code screen (operators): the issuer keys on the trust list served now, rotating the key
at once (an emergency; rotation is scheduled), and the clones offline scan logs flagged — through
``CitizenCodeService`` and ``ScanUploads``, as ``/api/v1/admin/citizen-code`` does (audited there)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.response import Redirect

from backend.auth.principal import Principal
from backend.code.scans import ScanUploads
from backend.code.schemas import clone_flag, issuer_key_list
from backend.code.service import CitizenCodeService
from backend.console.controller.forms import Done, session_form
from backend.console.errors import CsrfInvalid, FormInvalid
from backend.console.pages import OPERATOR, render
from backend.console.session import ConsoleSessions

AnyRequest = Request[Any, Any, Any]
Caller = NamedDependency[Principal]
Console = NamedDependency[ConsoleSessions]


class ConsoleCitizenCodeController(Controller):
    path = "/console/citizen-code"
    include_in_schema = False
    opt = {"access": OPERATOR}  # noqa: RUF012 (Litestar's declaration style)

    @get("/")
    async def keys_and_flags(
        self, codes: NamedDependency[CitizenCodeService], uploads: NamedDependency[ScanUploads],
        principal: Caller, console: Console, done: Done = None,
    ) -> Response[str]:  # fmt: skip
        return render(
            "citizen_code.html", principal=principal, csrf=console.for_session(principal),
            keys=issuer_key_list(await codes.key_ring()),
            flags=[clone_flag(flag) for flag in await uploads.flagged(limit=50)], done=done,
        )  # fmt: skip

    @post("/keys/rotate", errors=(CsrfInvalid, FormInvalid))
    async def rotate(
        self, request: AnyRequest, codes: NamedDependency[CitizenCodeService], principal: Caller,
        console: Console,
    ) -> Redirect:  # fmt: skip
        await session_form(request, principal, console)
        kid = await codes.rotate_keys(by=principal)
        return Redirect(f"/console/citizen-code?done=rotated:{kid}", status_code=303)
