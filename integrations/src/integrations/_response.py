"""An upstream's answer, free of httpx types, and the default rule for telling success, unavailability
and rejection apart (re-exported by :mod:`integrations.client`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

import msgspec

from integrations.errors import UpstreamMalformed, UpstreamRejected, UpstreamUnavailable

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class UpstreamResponse:
    """An upstream's answer, free of httpx types. Header names are lower-case."""

    system: str
    operation: str
    status_code: int
    headers: Mapping[str, str]
    content: bytes

    def json(self, type_: type[T]) -> T:
        """Decode the body as JSON into ``type_`` (a msgspec Struct, usually).

        Raises:
            UpstreamMalformed: the body is not JSON of that shape.
        """
        try:
            return msgspec.json.decode(self.content, type=type_)
        except msgspec.DecodeError as exc:  # ValidationError is a DecodeError
            # msgspec messages name the JSON path and expected type, never the value.
            raise UpstreamMalformed(
                system=self.system,
                operation=self.operation,
                detail=str(exc),
                status_code=self.status_code,
            ) from None


ResponseClassifier = Callable[[UpstreamResponse], None]
"""Raises :class:`UpstreamUnavailable` or :class:`UpstreamRejected` for a failed answer."""


class _ErrorBody(msgspec.Struct):
    code: str | int | None = None
    message: str = ""


def _retry_after(headers: Mapping[str, str]) -> float | None:
    raw = headers.get("retry-after")
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        return None  # an HTTP-date; we fall back to our own back-off


def classify_http_status(response: UpstreamResponse) -> None:
    """Default classifier: 2xx is success; 408, 429 and 5xx are unavailability; any other
    status is a rejection carrying the body's ``code`` (``{"code": ..., "message": ...}``)
    or ``http_<status>``."""
    status = response.status_code
    if 200 <= status < 300:
        return
    if status in (408, 429) or status >= 500:
        raise UpstreamUnavailable(
            system=response.system,
            operation=response.operation,
            reason=f"http_{status}",
            status_code=status,
            retry_after=_retry_after(response.headers),
        )
    try:
        body = msgspec.json.decode(response.content, type=_ErrorBody)
    except msgspec.DecodeError:
        body = _ErrorBody()
    raise UpstreamRejected(
        system=response.system,
        operation=response.operation,
        code=str(body.code) if body.code is not None else f"http_{status}",
        message=body.message,
        status_code=status,
    )
