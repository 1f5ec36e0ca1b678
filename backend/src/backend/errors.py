"""Domain errors: five kinds, and under them one leaf per fact, each with a stable machine ``code``.

    DomainError
    ├── NotFound            404
    ├── Conflict            409
    ├── Forbidden           403
    │   └── Unauthenticated 401   (no or bad credentials; the client should log in again)
    ├── Invalid             422   (well-formed input that breaks a business rule)
    └── Unavailable         503   (a dependency is down; retry later)
        └── RateLimited     429   (retry after ``retry_after`` seconds)

Services raise these; they never know about HTTP. ``backend.problems`` maps the kinds to statuses once
and answers RFC 9457 problem+json. Each feature names its facts in its own ``errors.py``: a leaf
declares its code (``<feature>.<fact>``) and a default detail on the class, and takes context as
keyword arguments, never a code string::

    class DeviceLimit(Conflict):
        code = "code.device_limit"
        detail = "Too many devices hold a credential; revoke one"

    raise DeviceLimit(limit=2)

``backend.problem_codes`` collects every leaf into the one table of codes (README and OpenAPI). A kind
built with a code of its own (``RateLimited(rule.code, ...)``) is left for rules that carry their code
as data (``backend.ratelimit.RateLimit``) and for tests.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

# ``<feature>.<fact>``: lower-case words; the same shape the catalogue and the architecture test check.
CODE_PATTERN = re.compile(r"[a-z_]+\.[a-z_]+")


class DomainError(Exception):
    status: ClassVar[int] = 400
    title: ClassVar[str] = "Bad request"
    # A leaf sets both on the class; an instance may carry a detail with its context filled in.
    code: str
    detail: str

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "code" not in vars(cls):
            return
        # Checked at import, so a malformed leaf never reaches a request.
        if not CODE_PATTERN.fullmatch(cls.code):
            raise TypeError(f"{cls.__qualname__}.code {cls.code!r} is not <feature>.<fact>")
        if not isinstance(getattr(cls, "detail", None), str):
            raise TypeError(f"{cls.__qualname__} declares a code but no default detail")

    def __init__(
        self, code: str | None = None, detail: str | None = None, *, extra: Mapping[str, Any] | None = None
    ) -> None:
        fixed: str | None = getattr(type(self), "code", None)
        if fixed is not None and code is not None:
            raise TypeError(f"{type(self).__qualname__} is {fixed}: a leaf's code is not an argument")
        code = code or fixed
        detail = detail if detail is not None else getattr(type(self), "detail", None)
        if code is None or detail is None:
            raise TypeError(f"{type(self).__qualname__} is a kind: raise one of its leaves")
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
        # RFC 6750 §3: a 401 names the scheme (``backend.auth.errors.TokenRejected`` adds the error).
        return {"www-authenticate": "Bearer"}


class Invalid(DomainError):
    status = 422
    title = "Invalid"


class Unavailable(DomainError):
    status = 503
    title = "Service unavailable"
    # Seconds to wait (``Retry-After``, which the document promises on every 503): a leaf may fix it
    # on the class, a raise site may pass it (an upstream's breaker knows when it half-opens).
    retry_after: int | None = 5

    def __init__(
        self,
        code: str | None = None,
        detail: str | None = None,
        *,
        retry_after: int | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(code, detail, extra=extra)
        if retry_after is not None:
            self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"retry-after": str(self.retry_after)} if self.retry_after is not None else {}


class RateLimited(Unavailable):
    status = 429
    title = "Too many requests"
