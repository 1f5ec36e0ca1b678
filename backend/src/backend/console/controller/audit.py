"""The audit log screen (operators): each chain's latest entries, and verifying a chain's hashes
from its first entry (``AuditLog.verify``: a row edited, removed or reordered breaks it)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from backend.audit.service import AuditLog
from backend.auth.principal import Principal
from backend.console.pages import OPERATOR, render
from backend.console.session import ConsoleSessions

Caller = NamedDependency[Principal]
Console = NamedDependency[ConsoleSessions]
Audit = NamedDependency[AuditLog]
Chain = Annotated[str, QueryParameter(min_length=1, max_length=32, pattern=r"^[a-z_]+$")]
Before = Annotated[int | None, QueryParameter(ge=1, le=2**62)]


class ConsoleAuditController(Controller):
    path = "/console/audit"
    include_in_schema = False
    opt = {"access": OPERATOR}  # noqa: RUF012 (Litestar's declaration style)

    @get("/")
    async def entries(
        self, audit: Audit, principal: Caller, console: Console, chain: Chain = "auth", before: Before = None
    ) -> Response[str]:
        return await _page(audit, principal, console, chain, before, report=None)

    @get("/verify")
    async def verify(
        self, audit: Audit, principal: Caller, console: Console, chain: Chain = "auth"
    ) -> Response[str]:
        """Read-only, so a GET (no form token): the whole chain is re-hashed."""
        return await _page(audit, principal, console, chain, None, report=await audit.verify(chain))


async def _page(
    audit: AuditLog,
    principal: Principal,
    console: ConsoleSessions,
    chain: str,
    before: int | None,
    *,
    report: object,
) -> Response[str]:
    entries = await audit.latest(chain, before_seq=before, limit=50)
    return render(
        "audit.html", principal=principal, csrf=console.for_session(principal), chain=chain,
        chains=await audit.chains(), entries=entries, report=report,
        older=entries[-1].seq if len(entries) == 50 and entries[-1].seq > 1 else None,
    )  # fmt: skip
