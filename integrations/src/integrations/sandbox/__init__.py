"""The combined sandbox: every twin behind one ASGI app, ``/<system>/...`` → that twin.

The backend mounts it once at ``/_sandbox`` in the embedded default and points each
adapter at it with ``httpx.ASGITransport(app=sandbox)`` and base URL
``http://sandbox/<system>``. Standalone: ``python -m integrations.sandbox --port 8100``.

Never mount it in production: its control routes (faults, seeding, outboxes) are
unauthenticated by design.
"""

from __future__ import annotations

from collections.abc import Mapping

from integrations._asgi import Receive, Scope, Send, error_response, lifespan, send_response
from integrations._twin import (
    SANDBOX_APP_KEY,
    SANDBOX_APP_SECRET,
    SANDBOX_CALLBACK_SECRET,
    Faults,
    Twin,
    TwinContext,
    TwinFactory,
)
from integrations.clock import Clock, SystemClock
from integrations.sandbox._registry import TWINS

__all__ = [
    "SANDBOX_APP_KEY",
    "SANDBOX_APP_SECRET",
    "SANDBOX_CALLBACK_SECRET",
    "TWINS",
    "Faults",
    "Sandbox",
    "Twin",
    "TwinContext",
    "TwinFactory",
    "create_sandbox",
]


class Sandbox:
    """ASGI app dispatching ``/<system>/rest`` to the twin registered as ``system``.

    ``twins`` maps names to :class:`Twin` objects, whose ``state`` tests may inspect.
    """

    def __init__(self, twins: Mapping[str, Twin]) -> None:
        self.twins = dict(twins)

    def state(self, system: str) -> object:
        """The in-memory state of one twin."""
        return self.twins[system].state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        name, _, rest = path.lstrip("/").partition("/")
        twin = self.twins.get(name)
        if twin is None:
            await send_response(send, error_response(404, "unknown_system", name))
            return
        prefix = path[: len(path) - len(rest)].rstrip("/")
        child = dict(scope)
        child["path"] = "/" + rest
        raw_path: bytes | None = scope.get("raw_path")
        if raw_path is not None:
            child["raw_path"] = raw_path[len(prefix.encode()) :] or b"/"
        child["root_path"] = scope.get("root_path", "") + prefix
        await twin.app(child, receive, send)


def create_sandbox(
    *,
    clock: Clock | None = None,
    seed: int = 0,
    credentials: Mapping[str, str] | None = None,
    callback_secret: str | None = None,
    systems: Mapping[str, TwinFactory] | None = None,
) -> Sandbox:
    """Build every registered twin (or only ``systems``) with deterministic seeded data.

    Args:
        clock: time for signature freshness and timestamps in twin data.
        seed: same seed, same residents, licences and records.
        credentials: accepted app key → app secret; defaults to the published
            ``SANDBOX_APP_KEY``/``SANDBOX_APP_SECRET``.
        callback_secret: secret the case system signs its callbacks with.
        systems: name → factory; defaults to the registry :data:`TWINS`.
    """
    context = TwinContext(clock=clock or SystemClock(), seed=seed)
    if credentials is not None:
        context.credentials = dict(credentials)
    if callback_secret is not None:
        context.callback_secret = callback_secret
    factories = TWINS if systems is None else systems
    return Sandbox({name: factory(context) for name, factory in factories.items()})
