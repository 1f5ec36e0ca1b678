"""The combined sandbox: every twin behind one ASGI app, ``/<system>/...`` → that twin.

The backend mounts it once at ``/_sandbox`` in the embedded default and points each
adapter at it with ``httpx.ASGITransport(app=sandbox)`` and base URL
``http://sandbox/<system>``. Standalone: ``python -m integrations.sandbox --port 8100``.

Never mount it in production: its control routes (faults, seeding, outboxes) are
unauthenticated by design.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote, unquote

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
        child["raw_path"] = _twin_raw_path(scope.get("raw_path"), "/" + rest)
        child["root_path"] = scope.get("root_path", "") + prefix
        await twin.app(child, receive, send)


def _twin_raw_path(raw_path: bytes | None, twin_path: str) -> bytes:
    """The part of the request's ``raw_path`` that spells ``twin_path`` (the path below the twin).

    A twin whose signatures cover the path (WeChat Pay v3 signs ``METHOD\\nPATH?QUERY...``) must
    see the path the client signed, relative to the twin's base URL. ``raw_path`` is the path as
    received, unmodified (ASGI): a mount in front of the sandbox (the backend's ``/_sandbox``)
    strips its prefix from ``path`` but not from ``raw_path``, and leaves ``root_path`` empty, so
    no fixed-length cut is right. The suffix of ``raw_path`` that starts at a ``/`` and decodes to
    ``twin_path`` is: splitting only at ``/`` never cuts a percent-escape, so it is unique.
    """
    wanted = twin_path.rstrip("/") or "/"
    if raw_path:
        raw = raw_path.decode("latin-1")
        start = raw.find("/")
        while start != -1:
            suffix = raw[start:]
            if (unquote(suffix).rstrip("/") or "/") == wanted:
                return suffix.encode("latin-1")
            start = raw.find("/", start + 1)
    return quote(twin_path).encode()


def create_sandbox(
    *,
    clock: Clock | None = None,
    seed: int = 0,
    credentials: Mapping[str, str] | None = None,
    callback_secret: str | None = None,
    systems: Mapping[str, TwinFactory] | None = None,
    key_cache: Path | None = None,
    seeded_ids: bool = False,
) -> Sandbox:
    """Build every registered twin (or only ``systems``) with deterministic seeded data.

    Args:
        clock: time for signature freshness and timestamps in twin data.
        seed: same seed, same residents, licences and records.
        credentials: accepted app key → app secret; defaults to the published
            ``SANDBOX_APP_KEY``/``SANDBOX_APP_SECRET``.
        callback_secret: secret the case system signs its callbacks with.
        systems: name → factory; defaults to the registry :data:`TWINS`.
        key_cache: a folder keeping the payment platforms' seed-derived RSA keys between processes.
        seeded_ids: the ids the platforms mint follow the seed too (recordings replayed exactly);
            by default they never repeat, even across processes running one seed.
    """
    context = TwinContext(clock=clock or SystemClock(), seed=seed, key_cache=key_cache, seeded_ids=seeded_ids)
    if credentials is not None:
        context.credentials = dict(credentials)
    if callback_secret is not None:
        context.callback_secret = callback_secret
    factories = TWINS if systems is None else systems
    return Sandbox({name: factory(context) for name, factory in factories.items()})
