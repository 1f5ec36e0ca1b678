"""What every sandbox twin is made of: context, fault injection, signature checking.

A twin is a :class:`Twin`: a name, an ASGI :class:`~integrations._asgi.Router`, its
in-memory ``state`` (for tests to inspect) and its :class:`FaultInjector`. Every twin
exposes the same control routes (never signed, never faulted)::

    GET  /faults        the current faults
    POST /faults        {"latency_ms": 0, "error_rate": 0.0, "down": false, "error_status": 503}
    POST /faults/reset
"""

from __future__ import annotations

import asyncio
import hashlib
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import msgspec

from integrations._asgi import Request, Response, Router, error_response, json_response
from integrations._seed import MobileDirectory
from integrations.clock import Clock
from integrations.errors import SignatureRejected
from integrations.signing import verify_signed_request

# The sandbox's published credentials (documented in the README): one key for all twins.
SANDBOX_APP_KEY = "sandbox-app"
SANDBOX_APP_SECRET = "sandbox-secret-not-for-production"  # noqa: S105 - public by design
SANDBOX_CALLBACK_SECRET = "sandbox-callback-secret"  # noqa: S105 - public by design


class Faults(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Fault settings of one twin. ``down`` answers every API call with 503 at once."""

    latency_ms: int = 0
    error_rate: float = 0.0
    down: bool = False
    error_status: int = 503

    def __post_init__(self) -> None:
        if not 0.0 <= self.error_rate <= 1.0:
            raise msgspec.ValidationError("error_rate must be within [0, 1]")
        if self.latency_ms < 0 or not 400 <= self.error_status <= 599:
            raise msgspec.ValidationError("latency_ms >= 0 and error_status in 400..599")


@dataclass(slots=True)
class TwinContext:
    """What a twin factory receives: time, a deterministic seed, accepted credentials, and the
    sandbox world's records more than one twin reads (``mobiles``: who holds which number)."""

    clock: Clock
    seed: int = 0
    credentials: Mapping[str, str] = field(default_factory=lambda: {SANDBOX_APP_KEY: SANDBOX_APP_SECRET})
    callback_secret: str = SANDBOX_CALLBACK_SECRET
    mobiles: MobileDirectory = field(default_factory=MobileDirectory)
    # Where the platforms' RSA keys derived from ``seed`` are kept between processes (None: derived
    # in every process, most of a second each).
    key_cache: Path | None = None
    # Ids a platform mints (transaction, trade, verification ids) never repeat, as a real platform's
    # don't, even where several processes each run the twins of one seed (a sandbox behind a
    # multi-worker server): the second worker's first payment must not get the first's id. True
    # makes them follow the seed too, for recordings replayed exactly on one twin.
    seeded_ids: bool = False

    def rng(self, name: str) -> random.Random:
        """A random generator seeded from ``seed`` and ``name``: same seed, same data."""
        return random.Random(f"{self.seed}:{name}")  # noqa: S311 - sandbox data, not secrets

    def minted(self, name: str) -> random.Random:
        """Where a twin draws the ids its platform mints: unique across processes unless
        ``seeded_ids`` (then :meth:`rng` of ``name``)."""
        return self.rng(name) if self.seeded_ids else random.SystemRandom()


class FaultInjector:
    """Applies :class:`Faults` to API routes (installed as the first guard).

    ``arrived`` counts API requests that reached the twin at all, so a test can prove a
    breaker kept calls away.
    """

    def __init__(self, rng: random.Random) -> None:
        self.faults = Faults()
        self.arrived = 0
        self._rng = rng

    async def __call__(self, request: Request) -> Response | None:
        self.arrived += 1
        f = self.faults
        if f.down:
            return error_response(503, "down", "sandbox fault: system down")
        if f.latency_ms:
            # Real time on purpose: this is what the client's timeouts must cut short.
            await asyncio.sleep(f.latency_ms / 1000)
        if f.error_rate and self._rng.random() < f.error_rate:
            return error_response(f.error_status, "injected_fault", "sandbox fault")
        return None


class SignatureGuard:
    """Rejects API calls not signed by :class:`~integrations.signing.HmacSigner`."""

    def __init__(self, context: TwinContext) -> None:
        self._context = context

    async def __call__(self, request: Request) -> Response | None:
        try:
            verify_signed_request(
                method=request.method,
                target=request.target,
                headers=request.headers,
                body=request.body,
                secrets=self._context.credentials,
                now=self._context.clock.now(),
            )
        except SignatureRejected as exc:
            return error_response(401, "signature_invalid", exc.reason)
        return None


@dataclass(slots=True)
class Twin:
    """One sandbox system: its router (an ASGI app), state and faults."""

    name: str
    app: Router
    state: Any
    faults: FaultInjector


class TwinFactory(Protocol):
    def __call__(self, context: TwinContext) -> Twin: ...


def new_twin(name: str, context: TwinContext, state: Any, *, signed: bool = True) -> tuple[Twin, Router]:
    """A twin with the fault and signature guards and the ``/faults`` control routes.

    Returns the twin and its router for the caller to add its own routes to. Pass
    ``signed=False`` for systems with their own signing scheme (add a guard yourself).
    """
    router = Router()
    injector = FaultInjector(context.rng(f"{name}:faults"))
    router.guards.append(injector)
    if signed:
        router.guards.append(SignatureGuard(context))

    async def get_faults(_: Request) -> Response:
        return json_response(injector.faults)

    async def set_faults(request: Request) -> Response:
        injector.faults = request.json(Faults)
        return json_response(injector.faults)

    async def reset_faults(_: Request) -> Response:
        injector.faults = Faults()
        return json_response(injector.faults)

    router.add("GET", "/faults", get_faults, control=True)
    router.add("POST", "/faults", set_faults, control=True)
    router.add("POST", "/faults/reset", reset_faults, control=True)
    return Twin(name=name, app=router, state=state, faults=injector), router


class IdempotencyStore:
    """``Idempotency-Key`` semantics for twin write routes: same key and body → the first
    answer again; same key, different body → 422 ``idempotency_key_reused``."""

    def __init__(self) -> None:
        self._seen: dict[str, tuple[str, Response]] = {}
        self.replays = 0

    def replay(self, request: Request) -> Response | None:
        """The stored answer for this request's key, if any."""
        key = request.headers.get("idempotency-key")
        if key is None or key not in self._seen:
            return None
        fingerprint, response = self._seen[key]
        if fingerprint != hashlib.sha256(request.body).hexdigest():
            return error_response(422, "idempotency_key_reused")
        self.replays += 1
        return response

    def remember(self, request: Request, response: Response) -> Response:
        """Store ``response`` under the request's key (when it has one); return it."""
        key = request.headers.get("idempotency-key")
        if key is not None:
            self._seen[key] = (hashlib.sha256(request.body).hexdigest(), response)
        return response
