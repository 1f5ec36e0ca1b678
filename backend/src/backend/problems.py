"""RFC 9457 problem details: every error leaves the API as ``application/problem+json`` with a ``code``.

Domain errors map by kind (see ``backend.errors``); framework errors (unknown route, malformed JSON,
failed validation, oversized body, wrong method) get stable codes of their own; anything unexpected
is a 500 with code ``internal.error`` and no detail that could leak internals.
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

from backend.errors import DomainError
from backend.observability.logs import request_id_var
from backend.observability.metrics import Metrics
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
) -> Response[Problem]:
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


def build_exception_handlers(metrics: Metrics) -> ExceptionHandlersMap:
    def on_domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[Problem]:
        metrics.count_problem(exc.code)
        return problem_response(
            exc.status,
            exc.code,
            exc.title,
            exc.detail,
            instance=request.url.path,
            extra=dict(exc.extra) or None,
            headers=exc.headers() or None,
        )

    def on_validation(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Problem]:
        code, title = "request.invalid", "The request failed validation"
        metrics.count_problem(code)
        errors = exc.extra if isinstance(exc.extra, list) else None
        return problem_response(400, code, title, str(exc.detail), instance=request.url.path, errors=errors)

    def on_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Problem]:
        status = exc.status_code
        if isinstance(exc, NotFoundException):
            code, title = "request.not_found", "Not found"
        elif isinstance(exc, MethodNotAllowedException):
            code, title = "request.method_not_allowed", "Method not allowed"
        elif status == 400:
            # Litestar reports a body it could not decode (broken JSON) as a bare 400 ClientException;
            # schema violations arrive as ValidationException above.
            code, title = "request.malformed", "The request body could not be decoded"
        elif status == 413:
            code, title = "request.too_large", "Request body too large"
        elif status == 401:
            code, title = "auth.unauthenticated", "Unauthenticated"
        elif status == 403:
            code, title = "auth.forbidden", "Forbidden"
        elif status == 429:
            code, title = "request.rate_limited", "Too many requests"
        elif status >= 500:
            code, title = "internal.error", "Internal error"
        else:
            code, title = "request.bad", "Bad request"
        metrics.count_problem(code)
        headers = {k: v for k, v in (exc.headers or {}).items() if k.lower() == "allow"} or None
        return problem_response(
            status, code, title, str(exc.detail), instance=request.url.path, headers=headers
        )

    def on_upstream_error(request: Request[Any, Any, Any], exc: UpstreamError) -> Response[Problem]:
        # A safety net: features map upstream failures to their own codes, but one that slips through
        # is still the upstream's fault (503 retryable / 502 refused), never our 500.
        if isinstance(exc, UpstreamUnavailable):
            status, code, title, retry = 503, "upstream.unavailable", "Upstream unavailable", "5"
        else:
            status, code, title, retry = 502, "upstream.rejected", "Upstream refused the request", None
        log.warning("unmapped upstream error on %s: %s", request.url.path, type(exc).__name__)
        metrics.count_problem(code)
        return problem_response(
            status,
            code,
            title,
            f"{exc.system} could not complete the request",
            instance=request.url.path,
            headers={"retry-after": retry} if retry else None,
        )

    def on_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        metrics.count_problem("internal.error")
        return problem_response(
            500,
            "internal.error",
            "Internal error",
            "An unexpected error occurred",
            instance=request.url.path,
        )

    return {
        DomainError: on_domain_error,
        ValidationException: on_validation,
        HTTPException: on_http_exception,
        UpstreamError: on_upstream_error,
        Exception: on_unexpected,
    }


__all__ = ["PROBLEM_JSON", "Problem", "build_exception_handlers", "problem_response"]
