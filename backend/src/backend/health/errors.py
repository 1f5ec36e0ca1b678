"""The health feature's one error.

Unavailable (503)       NotReady             health.not_ready (``extra.failed`` names the dependencies)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from backend.errors import Unavailable


class NotReady(Unavailable):
    """``/health/ready`` with a dependency down: the orchestrator should route around this worker."""

    code = "health.not_ready"
    detail = "not ready: a dependency is unavailable"
    retry_after = 5

    def __init__(self, *, failed: Sequence[str], checks: Mapping[str, str]) -> None:
        super().__init__(
            detail=f"not ready: {', '.join(failed)} unavailable",
            extra={"failed": list(failed), "checks": dict(checks)},
        )
