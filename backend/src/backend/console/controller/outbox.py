"""The outbox screen (operators): the dead letter, and replaying a job — through ``Outbox``, as
``/api/v1/admin/outbox`` does (the replay is audited there, ``outbox.replayed``)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect

from backend.auth.principal import Principal
from backend.console.controller.forms import Done, session_form
from backend.console.errors import CsrfInvalid, FormInvalid
from backend.console.pages import OPERATOR, render
from backend.console.session import ConsoleSessions
from backend.outbox.errors import JobNotDead, JobNotFound
from backend.outbox.jobs import JobState
from backend.outbox.service import Outbox
from backend.pagination import CursorInvalid

AnyRequest = Request[Any, Any, Any]
Caller = NamedDependency[Principal]
Console = NamedDependency[ConsoleSessions]
Jobs = NamedDependency[Outbox]


class ConsoleOutboxController(Controller):
    path = "/console/outbox"
    include_in_schema = False
    opt = {"access": OPERATOR}  # noqa: RUF012 (Litestar's declaration style)

    @get("/", errors=(CursorInvalid,))
    async def jobs(
        self, outbox: Jobs, principal: Caller, console: Console,
        job_state: Annotated[JobState, QueryParameter(name="state")] = "dead",
        cursor: FromQuery[str | None] = None, done: Done = None,
    ) -> Response[str]:  # fmt: skip
        jobs, next_cursor = await outbox.page(state=job_state, topic=None, cursor=cursor, limit=50)
        return render(
            "outbox.html", principal=principal, csrf=console.for_session(principal), jobs=jobs,
            next_cursor=next_cursor, counts=await outbox.counts(), state=job_state, done=done,
        )  # fmt: skip

    @post("/{job_id:uuid}/replay", errors=(JobNotFound, JobNotDead, CsrfInvalid, FormInvalid))
    async def replay(
        self, request: AnyRequest, job_id: FromPath[uuid.UUID], outbox: Jobs, principal: Caller,
        console: Console,
    ) -> Redirect:  # fmt: skip
        await session_form(request, principal, console)
        job = await outbox.replay(job_id, actor=principal.subject)
        return Redirect(f"/console/outbox?done=replayed:{job.id}", status_code=303)
