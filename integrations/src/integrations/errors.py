"""The one error tree of ``integrations``.

```
IntegrationError
├── UpstreamError                 a call to an upstream system failed (carries system, operation)
│   ├── UpstreamUnavailable       retryable: timeout, connection error, 5xx, 408, 429
│   │   └── CircuitOpen           we did not even try: the breaker for that upstream is open
│   └── UpstreamRejected          permanent: the upstream answered "no", with its own code
│       └── UpstreamMalformed     the upstream answered, but not in the shape we agreed on
├── SignatureRejected             an inbound signed message (callback, signed request) failed checks
├── InvalidIdNumber               not a valid GB 11643 citizen identity number
└── InvalidCreditCode             not a valid GB 32100 unified social credit code
```

httpx exceptions never leave this library: every transport problem becomes an
``UpstreamUnavailable`` and every unexpected answer an ``UpstreamRejected``.
"""

from __future__ import annotations

__all__ = [
    "CircuitOpen",
    "IntegrationError",
    "InvalidCreditCode",
    "InvalidIdNumber",
    "SignatureRejected",
    "UpstreamError",
    "UpstreamMalformed",
    "UpstreamRejected",
    "UpstreamUnavailable",
]


class IntegrationError(Exception):
    """Root of every error raised by ``integrations``."""


class UpstreamError(IntegrationError):
    """A call to an upstream system did not produce the answer we asked for."""

    def __init__(self, message: str, *, system: str, operation: str) -> None:
        super().__init__(f"{system}.{operation}: {message}")
        self.system = system
        self.operation = operation


class UpstreamUnavailable(UpstreamError):
    """The upstream could not answer now; trying again later may succeed.

    ``reason`` is a short stable token (``timeout``, ``connect_error``, ``http_503``,
    ``circuit_open``, ``deadline_exceeded``...). ``retry_after`` is the upstream's own
    ``Retry-After`` hint in seconds, when it gave one.
    """

    def __init__(
        self,
        *,
        system: str,
        operation: str,
        reason: str,
        status_code: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"unavailable ({reason})", system=system, operation=operation)
        self.reason = reason
        self.status_code = status_code
        self.retry_after = retry_after


class CircuitOpen(UpstreamUnavailable):
    """Failing fast: the breaker saw too many failures and is cooling down."""

    def __init__(self, *, system: str, operation: str, retry_in: float) -> None:
        super().__init__(system=system, operation=operation, reason="circuit_open")
        self.retry_in = retry_in


class UpstreamRejected(UpstreamError):
    """The upstream answered and refused; repeating the same call will not help.

    ``code`` is the upstream's own error code (``person_not_found``, ``40029``...), kept
    verbatim so callers can map it; ``status_code`` is the HTTP status it came with.
    """

    def __init__(
        self,
        *,
        system: str,
        operation: str,
        code: str,
        message: str = "",
        status_code: int | None = None,
    ) -> None:
        super().__init__(f"rejected [{code}] {message}".rstrip(), system=system, operation=operation)
        self.code = code
        self.upstream_message = message
        self.status_code = status_code


class UpstreamMalformed(UpstreamRejected):
    """The answer did not match the agreed schema (API10:2023: never trust it half-way)."""

    def __init__(self, *, system: str, operation: str, detail: str, status_code: int | None = None):
        super().__init__(
            system=system,
            operation=operation,
            code="malformed_response",
            message=detail,
            status_code=status_code,
        )
        self.detail = detail


class SignatureRejected(IntegrationError):
    """An inbound signed message failed verification.

    ``reason`` is one of ``missing_header``, ``bad_timestamp``, ``stale``, ``bad_signature``,
    ``unknown_key``.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(f"signature rejected: {reason}")
        self.reason = reason


class InvalidIdNumber(IntegrationError):
    """Not a valid GB 11643 identity number.

    ``reason`` is one of ``length``, ``characters``, ``region``, ``birth_date``, ``checksum``.
    The offending value is deliberately not kept: it may be someone's real ID number.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(f"invalid ID number: {reason}")
        self.reason = reason


class InvalidCreditCode(IntegrationError):
    """Not a valid GB 32100 unified social credit code (checked before any call)."""

    def __init__(self) -> None:
        super().__init__("invalid unified social credit code")
