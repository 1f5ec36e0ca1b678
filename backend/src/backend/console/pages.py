"""Rendering the console's pages: Litestar's Jinja engine over ``templates/``, the screens a member's
roles open, and problem pages.

Rendered here rather than through ``Litestar(template_config=...)``: that setting is app-wide, and
the console is the only feature with templates; the engine is the same one (autoescaping on).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from litestar import Response
from litestar.plugins.jinja import JinjaTemplateEngine

from backend.access import Access
from backend.application.review import REVIEWER_ROLES
from backend.auth.guards import staff
from backend.auth.principal import STAFF_SCOPE, Principal
from backend.console.session import CSRF_FIELD, SESSION_COOKIE
from backend.observability.logs import request_id_var

# Any staff member signed in to the console; the screens below narrow it by role, as the API does.
MEMBER = staff(cookie=SESSION_COOKIE)
OPERATOR = staff("operator", cookie=SESSION_COOKIE)
# Application review: the roles of ``/api/v1/admin/applications`` (reviewers).
REVIEWER = staff(*REVIEWER_ROLES, cookie=SESSION_COOKIE)
# As the API's routes of each screen (``backend.queues``' counters, ``backend.warning``'s publishing).
COUNTER = staff("counter", "operator", cookie=SESSION_COOKIE)
PUBLISHER = staff("publisher", cookie=SESSION_COOKIE)

# Pages that show a session's data: not cached, not framed, no script or style but ours.
PAGE_HEADERS = {
    "cache-control": "no-store",
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "content-security-policy": "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
}
HTML = "text/html; charset=utf-8"


@dataclass(frozen=True)
class Screen:
    key: str
    title: str
    path: str
    access: Access

    def open_to(self, principal: Principal) -> bool:
        return self.access.admits(principal.kind, principal.roles, principal.scopes)


# In the navigation's order; a screen's routes declare the same ``access`` (an architecture of one
# list: the link and the action can't disagree).
SCREENS = (
    Screen("staff", "Staff", "/console/staff", OPERATOR),
    Screen("outbox", "Outbox dead letters", "/console/outbox", OPERATOR),
    Screen("audit", "Audit log", "/console/audit", OPERATOR),
    Screen("scanners", "Scanners", "/console/scanners", OPERATOR),
    Screen("catalogue", "Service catalogue", "/console/catalogue", OPERATOR),
    Screen("venues", "Venues", "/console/venues", OPERATOR),
    Screen("review", "Application review", "/console/review", REVIEWER),
    Screen("counters", "Counter", "/console/counters", COUNTER),
    Screen("warnings", "Warnings", "/console/warnings", PUBLISHER),
    Screen("payments", "Payment reconciliation", "/console/payments", OPERATOR),
    Screen("citizen-code", "Citizen code", "/console/citizen-code", OPERATOR),
)

_environment = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
ENGINE = JinjaTemplateEngine(engine_instance=_environment)


def render(
    template: str,
    *,
    principal: Principal | None = None,
    csrf: str | None = None,
    status: int = 200,
    **context: Any,
) -> Response[str]:
    screens = [s for s in SCREENS if principal is not None and s.open_to(principal)]
    html = ENGINE.get_template(template).render(
        principal=principal,
        screens=screens,
        csrf=csrf,
        csrf_field=CSRF_FIELD,
        scope_ok=principal is not None and STAFF_SCOPE in principal.scopes,
        request_id=request_id_var.get(),
        **context,
    )
    return Response(html, status_code=status, media_type=HTML, headers=PAGE_HEADERS)


def problem_page(
    status: int, code: str, title: str, detail: str | None, *, back: str | None
) -> Response[str]:
    """An error as a page: its status, its stable code (also in ``data-problem-code``), what to do."""
    return render(
        "problem.html", status=status, problem_status=status, code=code, title=title, detail=detail, back=back
    )
