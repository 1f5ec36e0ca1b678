"""RFC 9457 problem details: every error leaves the API as ``application/problem+json`` with a ``code``.

Domain errors map by kind (see ``backend.errors``); framework errors (unknown route, malformed JSON,
a body that isn't JSON, failed validation, oversized body, wrong method) get stable codes of their own
(``backend.problem_codes``); a client that hung up mid-body gets 499 and no problem (nobody reads it);
anything unexpected is a 500 with code ``internal.error`` and no detail that could leak internals.
"""

from __future__ import annotations

import logging
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    MethodNotAllowedException,
    NotFoundException,
    ValidationException,
)
from litestar.types import ExceptionHandlersMap

from backend.access import undeclared
from backend.database import DatabaseUnavailable, connection_lost
from backend.errors import DomainError
from backend.fields import explain
from backend.observability.logs import request_id_var
from backend.observability.metrics import Metrics
from backend.problem_codes import (
    AUTH_FORBIDDEN,
    AUTH_UNAUTHENTICATED,
    INTERNAL_ERROR,
    REQUEST_BAD,
    REQUEST_DUPLICATE_KEY,
    REQUEST_HEADERS_TOO_LARGE,
    REQUEST_INVALID,
    REQUEST_MALFORMED,
    REQUEST_METHOD_NOT_ALLOWED,
    REQUEST_NOT_FOUND,
    REQUEST_RATE_LIMITED,
    REQUEST_TIMEOUT,
    REQUEST_TOO_LARGE,
    REQUEST_UNSUPPORTED_MEDIA_TYPE,
    REQUEST_URI_TOO_LONG,
    UPSTREAM_REJECTED,
    UPSTREAM_UNAVAILABLE,
)
from backend.web import CLIENT_CLOSED, ClientDisconnected, DuplicateMember
from integrations import UpstreamError, UpstreamUnavailable

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("backend.problems")


class Problem(msgspec.Struct, omit_defaults=True):
    """An RFC 9457 problem; ``code`` is the stable member clients branch on."""

    type: str
    title: str
    status: int
    code: str
    detail: str | None = None
    instance: str | None = None
    request_id: str | None = None
    errors: list[dict[str, Any]] | None = None
    extra: dict[str, Any] | None = None


def problem_response(
    status: int,
    code: str,
    title: str,
    detail: str | None,
    *,
    instance: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    request: Request[Any, Any, Any] | None = None,
) -> Response[Problem]:
    if request is not None:
        # A code the route did not declare: the document would be lying to its clients.
        undeclared(request.scope.get("route_handler"), code, method=request.method, path=request.url.path)
    return Response(
        Problem(
            type=f"urn:suqian:problem:{code}",
            title=title,
            status=status,
            code=code,
            detail=detail,
            instance=instance,
            request_id=request_id_var.get(),
            errors=errors,
            extra=extra,
        ),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


class Failure(msgspec.Struct, frozen=True, kw_only=True):
    """The problem answered for an exception a service raised (``failure_of``)."""

    status: int
    code: str
    title: str
    detail: str
    extra: dict[str, Any] | None = None
    headers: dict[str, str] | None = None

    def problem(self, instance: str) -> Problem:
        """The problem+json body of this failure for the request at ``instance``."""
        return Problem(
            type=f"urn:suqian:problem:{self.code}",
            title=self.title,
            status=self.status,
            code=self.code,
            detail=self.detail,
            instance=instance,
            request_id=request_id_var.get(),
            extra=self.extra,
        )


def failure_of(exc: Exception, *, method: str, path: str) -> Failure:
    """The answer to an exception a service raised — a domain error its problem, an unmapped upstream
    error 503/502, a lost database connection 503, anything else the 500 ``internal.error`` with no
    detail — logged as each deserves. The app's handlers below answer with it, and so do the answers
    given before routing (``backend.early``)."""
    if isinstance(exc, DomainError):
        return Failure(
            status=exc.status,
            code=exc.code,
            title=exc.title,
            detail=exc.detail,
            extra=dict(exc.extra) or None,
            headers=exc.headers() or None,
        )
    if isinstance(exc, UpstreamError):
        # A safety net: features map upstream failures to their own codes, but one that slips through
        # is still the upstream's fault (503 retryable / 502 refused), never our 500.
        log.warning("unmapped upstream error on %s: %s", path, type(exc).__name__)
        retry = isinstance(exc, UpstreamUnavailable)
        problem = UPSTREAM_UNAVAILABLE if retry else UPSTREAM_REJECTED
        return Failure(
            status=problem.status,
            code=problem.code,
            title=problem.title,
            detail=f"{exc.system} could not complete the request",
            headers={"retry-after": "5"} if retry else None,
        )
    if connection_lost(exc):
        # Not a bug of ours: the database connection broke mid-request (a restart, a failover, a
        # killed backend). 503 with Retry-After; the pool opens a fresh connection next time.
        log.warning("database connection lost on %s %s: %s", method, path, exc)
        return failure_of(DatabaseUnavailable("The database connection was lost"), method=method, path=path)
    log.error("unhandled error on %s %s", method, path, exc_info=exc)
    return Failure(
        status=INTERNAL_ERROR.status,
        code=INTERNAL_ERROR.code,
        title=INTERNAL_ERROR.title,
        detail="An unexpected error occurred",
    )


def build_exception_handlers(metrics: Metrics) -> ExceptionHandlersMap:
    def on_failure(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
        failure = failure_of(exc, method=request.method, path=request.url.path)
        metrics.count_problem(failure.code)
        return problem_response(
            failure.status,
            failure.code,
            failure.title,
            failure.detail,
            instance=request.url.path,
            request=request,
            extra=failure.extra,
            headers=failure.headers,
        )

    def on_validation(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Problem]:
        problem = REQUEST_INVALID
        metrics.count_problem(problem.code)
        errors = exc.extra if isinstance(exc.extra, list) else None
        if errors is not None:
            errors = [
                {**error, "message": explain(error["message"])}
                if isinstance(error, dict) and isinstance(error.get("message"), str)
                else error
                for error in errors
            ]
        return problem_response(
            problem.status,
            problem.code,
            problem.title,
            str(exc.detail),
            instance=request.url.path,
            request=request,
            errors=errors,
        )

    def on_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Problem]:
        status = exc.status_code
        if isinstance(exc, NotFoundException):
            problem = REQUEST_NOT_FOUND
        elif isinstance(exc, MethodNotAllowedException):
            problem = REQUEST_METHOD_NOT_ALLOWED
        elif isinstance(exc, DuplicateMember):
            problem = REQUEST_DUPLICATE_KEY
        elif status == 400:
            # Litestar reports a body it could not decode (broken JSON) as a bare 400 ClientException;
            # schema violations arrive as ValidationException above.
            problem = REQUEST_MALFORMED
        elif status == 413:
            problem = REQUEST_TOO_LARGE
        elif status == 415:
            problem = REQUEST_UNSUPPORTED_MEDIA_TYPE
        elif status == 408:
            problem = REQUEST_TIMEOUT
        elif status == 414:
            problem = REQUEST_URI_TOO_LONG
        elif status == 431:
            problem = REQUEST_HEADERS_TOO_LARGE
        elif status == 401:
            problem = AUTH_UNAUTHENTICATED
        elif status == 403:
            problem = AUTH_FORBIDDEN
        elif status == 429:
            problem = REQUEST_RATE_LIMITED
        elif status >= 500:
            # Litestar's own 500 (a handler's signature or return it could not serve): a bug, logged
            # with its cause like any other, never shown to the client.
            log.error("framework error on %s %s", request.method, request.url.path, exc_info=exc)
            problem = INTERNAL_ERROR
        else:
            problem = REQUEST_BAD
        metrics.count_problem(problem.code)
        headers = {k: v for k, v in (exc.headers or {}).items() if k.lower() == "allow"} or None
        if problem is REQUEST_TIMEOUT:
            # The rest of the body may still be on its way: RFC 9110 §15.5.9 says close.
            headers = {"connection": "close"}
        # Litestar's own status, not the catalogue's: request.bad and internal.error cover ranges.
        return problem_response(
            status,
            problem.code,
            problem.title,
            str(exc.detail),
            instance=request.url.path,
            request=request,
            headers=headers,
        )

    def on_client_disconnected(_request: Request[Any, Any, Any], _exc: ClientDisconnected) -> Response[None]:
        # Nobody reads this answer; its status is what the metrics and the access log record.
        return Response(None, status_code=CLIENT_CLOSED)

    return {
        DomainError: on_failure,
        ValidationException: on_validation,
        HTTPException: on_http_exception,
        UpstreamError: on_failure,
        ClientDisconnected: on_client_disconnected,
        Exception: on_failure,
    }


__all__ = ["PROBLEM_JSON", "Failure", "Problem", "build_exception_handlers", "failure_of", "problem_response"]
