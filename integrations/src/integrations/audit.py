"""The audit hook: one event per upstream call, built so it cannot carry secrets.

An :class:`AuditEvent` has no field for a body, a header, a key or an identity number:
what is not there cannot leak. The backend plugs its hash-chained audit ledger in as an
:data:`AuditHook`; the default, :func:`log_audit_event`, writes one structured log line.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

__all__ = ["AuditEvent", "AuditHook", "Outcome", "log_audit_event"]

Outcome = Literal["ok", "rejected", "unavailable", "circuit_open"]

_log = logging.getLogger("integrations.audit")


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """What happened on one call (all attempts together).

    ``upstream_code`` is the upstream's error code on rejection; ``reason`` the stable
    token of an unavailability (``timeout``, ``http_503``...).
    """

    system: str
    operation: str
    outcome: Outcome
    latency_ms: float
    attempts: int
    status_code: int | None = None
    upstream_code: str | None = None
    reason: str | None = None


AuditHook = Callable[[AuditEvent], None]


def log_audit_event(event: AuditEvent) -> None:
    """Default hook: one INFO line on the ``integrations.audit`` logger."""
    _log.info(
        "upstream call system=%s operation=%s outcome=%s latency_ms=%.1f attempts=%d "
        "status=%s code=%s reason=%s",
        event.system,
        event.operation,
        event.outcome,
        event.latency_ms,
        event.attempts,
        event.status_code,
        event.upstream_code,
        event.reason,
    )
