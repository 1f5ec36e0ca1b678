"""Domain errors: five kinds, each with a stable machine ``code``.

    DomainError
    ├── NotFound            404
    ├── Conflict            409
    ├── Forbidden           403
    │   └── Unauthenticated 401   (no or bad credentials; the client should log in again)
    ├── Invalid             422   (well-formed input that breaks a business rule)
    └── Unavailable         503   (a dependency is down; retry later)
        └── RateLimited     429   (retry after ``retry_after`` seconds)

Services raise these; they never know about HTTP. ``backend.problems`` maps the kinds to statuses once
and answers RFC 9457 problem+json. Codes are ``<feature>.<fact>``, e.g. ``auth.sms_code_invalid``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar


class DomainError(Exception):
    status: ClassVar[int] = 400
    title: ClassVar[str] = "Bad request"

    def __init__(self, code: str, detail: str, *, extra: Mapping[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.extra: Mapping[str, Any] = extra or {}

    def headers(self) -> dict[str, str]:
        """Response headers the answer must carry (``Retry-After``, ``WWW-Authenticate``)."""
        return {}


class NotFound(DomainError):
    status = 404
    title = "Not found"


class Conflict(DomainError):
    status = 409
    title = "Conflict"


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"


class Unauthenticated(Forbidden):
    status = 401
    title = "Unauthenticated"

    def headers(self) -> dict[str, str]:
        # RFC 6750 §3: a 401 names the scheme; a presented-but-bad token is "invalid_token".
        if self.code.startswith("auth.token_") and self.code != "auth.token_missing":
            return {"www-authenticate": 'Bearer error="invalid_token"'}
        return {"www-authenticate": "Bearer"}


class Invalid(DomainError):
    status = 422
    title = "Invalid"


class Unavailable(DomainError):
    status = 503
    title = "Service unavailable"

    def __init__(
        self,
        code: str,
        detail: str,
        *,
        retry_after: int | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(code, detail, extra=extra)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"retry-after": str(self.retry_after)} if self.retry_after is not None else {}


class RateLimited(Unavailable):
    status = 429
    title = "Too many requests"
