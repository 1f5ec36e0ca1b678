"""The console's errors as pages: the app's own problem for the error (its code, status, metrics and
the check that the route declared it, ``backend.problems``), rendered as HTML; a missing, expired or
ended session goes back through ``/console/renew`` to sign-in, with the page to return to."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote, urlsplit

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.response import Redirect
from litestar.types import ExceptionHandlersMap

from backend.auth.errors import TokenRejected
from backend.auth.guards import current_principal
from backend.auth.principal import Principal
from backend.console.held import HOLDABLE
from backend.console.pages import problem_page
from backend.console.session import PATH, safe_next
from backend.errors import DomainError
from backend.problems import Problem
from integrations import UpstreamError

AnyRequest = Request[Any, Any, Any]
log = logging.getLogger("backend.console")
# Headers of a problem a browser still needs on the page's answer.
_KEPT = ("retry-after", "allow")


def _app_handler(request: AnyRequest, exc: Exception) -> Any:
    handlers = request.app.exception_handlers
    for kind in type(exc).__mro__:
        if kind in handlers:
            return handlers[kind]
    raise exc


def _return_to(request: AnyRequest) -> str:
    """The page to come back to after signing in again: this one for a GET; for a form, the page
    it was posted from (its Referer, when it is a console page of this site)."""
    if request.method == "GET":
        query = request.url.query
        return safe_next(request.url.path + (f"?{query}" if query else ""))
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc and referer.netloc != request.url.netloc:
        return PATH
    return safe_next(referer.path + (f"?{referer.query}" if referer.query else ""))


def _signed_in(request: AnyRequest) -> Principal | None:
    """The member the guard admitted before the error, if it got that far."""
    try:
        return current_principal(request)
    except TokenRejected:
        return None


def on_console_error(request: AnyRequest, exc: Exception) -> Response[Any]:
    answer: Response[Any] = _app_handler(request, exc)(request, exc)
    problem = answer.content
    if not isinstance(problem, Problem):
        return answer  # (a client that hung up: nobody reads it)
    if isinstance(exc, TokenRejected) and request.method == "POST" and HOLDABLE.match(request.url.path):
        # A long form posted after the session lapsed: sent on with its fields (307 keeps the method
        # and body) to be kept for its member while they sign in again (``backend.console.held``).
        return Redirect(f"{PATH}/held", status_code=307)
    if isinstance(exc, TokenRejected):
        # No session, or one expired or ended: renew from the refresh cookie if there is one, else
        # sign in. (Another 401, such as an account disabled meanwhile, is a page that says so.)
        return Redirect(f"{PATH}/renew?next={quote(_return_to(request), safe='/')}", status_code=303)
    page = problem_page(problem.status, problem.code, problem.title, problem.detail, back=_return_to(request))
    for name in _KEPT:
        if name in answer.headers:
            page.headers[name] = answer.headers[name]
    return page


# The keys of the app's handlers (``backend.problems``): a console route's error, of whatever kind,
# meets this one first.
HANDLERS: ExceptionHandlersMap = {
    kind: on_console_error
    for kind in (DomainError, ValidationException, HTTPException, UpstreamError, Exception)
}
