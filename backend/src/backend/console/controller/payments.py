"""The payment reconciliation screen (operators): the discrepancies reconciliation and notifications
found, resolving or dismissing one with its note, and reconciling a platform's bill of a day now —
through ``Reconciliation``, as ``/api/v1/admin/payments`` does (the same role and errors)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect

from backend.auth.principal import Principal
from backend.console.controller.forms import Done, field, session_form
from backend.console.errors import CsrfInvalid, FormInvalid
from backend.console.pages import OPERATOR, render
from backend.console.session import ConsoleSessions
from backend.fields import explain
from backend.payment.errors import (
    DiscrepancyNotFound,
    DiscrepancyResolved,
    PlatformRejected,
    PlatformUnavailable,
)
from backend.payment.reconciliation import Reconciliation, ReconciliationReport
from backend.payment.records import DiscrepancyStatus
from backend.payment.schemas import DiscrepancyResolve, ReconciliationRun

AnyRequest = Request[Any, Any, Any]
Caller = NamedDependency[Principal]
Console = NamedDependency[ConsoleSessions]
Reconciler = NamedDependency[Reconciliation]
Status = Annotated[DiscrepancyStatus, QueryParameter(name="status")]
_FORM = (CsrfInvalid, FormInvalid)


def _convert(fields: dict[str, str], shape: type[Any]) -> Any:
    try:
        return msgspec.convert(fields, shape)
    except msgspec.ValidationError as error:
        raise FormInvalid(detail=explain(str(error))) from None


async def _page(
    reconciliation: Reconciliation, principal: Principal, console: ConsoleSessions,
    status: DiscrepancyStatus, *, done: str | None = None, report: ReconciliationReport | None = None,
) -> Response[str]:  # fmt: skip
    return render(
        "payments.html", principal=principal, csrf=console.for_session(principal),
        rows=await reconciliation.discrepancies(status=status, limit=50), shown=status,
        platforms=reconciliation.configured(), done=done, report=report,
    )  # fmt: skip


class ConsolePaymentController(Controller):
    path = "/console/payments"
    include_in_schema = False
    opt = {"access": OPERATOR}  # noqa: RUF012 (Litestar's declaration style)

    @get("/")
    async def discrepancies(
        self, reconciliation: Reconciler, principal: Caller, console: Console, status: Status = "open",
        done: Done = None,
    ) -> Response[str]:  # fmt: skip
        return await _page(reconciliation, principal, console, status, done=done)

    @post(
        "/discrepancies/{discrepancy_id:uuid}/resolve",
        errors=(DiscrepancyNotFound, DiscrepancyResolved, *_FORM),
    )
    async def resolve(
        self, request: AnyRequest, discrepancy_id: FromPath[uuid.UUID], reconciliation: Reconciler,
        principal: Caller, console: Console,
    ) -> Redirect:  # fmt: skip
        fields = await session_form(request, principal, console)
        body = _convert(
            {"status": field(fields, "status"), "note": field(fields, "note")}, DiscrepancyResolve
        )
        row = await reconciliation.resolve(
            discrepancy_id, status=body.status, note=body.note, by=principal.subject
        )
        return Redirect(f"/console/payments?done={row.status}:{row.id}", status_code=303)

    @post("/reconciliations", status_code=200, errors=(PlatformUnavailable, PlatformRejected, *_FORM))
    async def reconcile(
        self, request: AnyRequest, reconciliation: Reconciler, principal: Caller, console: Console
    ) -> Response[str]:
        fields = await session_form(request, principal, console)
        body = _convert(
            {"platform": field(fields, "platform"), "bill_date": field(fields, "bill_date")},
            ReconciliationRun,
        )
        report = await reconciliation.run(body.platform, body.bill_date, by=principal.subject)
        return await _page(reconciliation, principal, console, "open", report=report)
