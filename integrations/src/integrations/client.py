"""The common upstream client every adapter is built on.

One :class:`UpstreamClient` per upstream system: its own httpx connection pool (the
bulkhead), connect/read/write/pool timeouts plus a deadline over the whole call, request
signing per attempt, full-jitter retries for idempotent calls, a circuit breaker, and
one audit event per call. Whatever happens below, callers see only the
:mod:`integrations.errors` tree.

Retry rules: a call is retried only when it is idempotent (GET/HEAD/PUT/DELETE/OPTIONS,
``idempotent=True``, or an ``idempotency_key``) and failed with unavailability. A
connection that could not be opened is retried for any method: the request never left.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx
import msgspec

from integrations._response import ResponseClassifier, UpstreamResponse, classify_http_status
from integrations.audit import AuditEvent, AuditHook, Outcome, log_audit_event
from integrations.breaker import CircuitBreaker
from integrations.clock import Clock, RandomSource, SystemClock, make_nonce
from integrations.config import UpstreamConfig
from integrations.errors import (
    CircuitOpen,
    UpstreamRejected,
    UpstreamUnavailable,
)
from integrations.signing import HmacSigner, OutboundRequest, RequestSigner

__all__ = ["ResponseClassifier", "UpstreamClient", "UpstreamResponse", "classify_http_status"]

T = TypeVar("T")

_log = logging.getLogger("integrations.client")

_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
# Failures where the request provably never reached the upstream: safe to retry any method.
_NOT_SENT = frozenset({"connect_error", "connect_timeout", "pool_timeout"})
_TIMEOUT_REASONS: tuple[tuple[type[httpx.TimeoutException], str], ...] = (
    (httpx.ConnectTimeout, "connect_timeout"),
    (httpx.PoolTimeout, "pool_timeout"),
    (httpx.ReadTimeout, "read_timeout"),
    (httpx.WriteTimeout, "write_timeout"),
)


@dataclass(slots=True)
class _CallState:
    attempts: int = 0
    in_flight: bool = False
    last: UpstreamResponse | None = None


class UpstreamClient:
    """HTTP client for one upstream system.

    Args:
        config: base URL, credentials, timeouts, retry and breaker policies.
        system: the upstream's short name (``population``), used in errors and audit.
        signer: signs each attempt; defaults to :class:`HmacSigner` when ``config.app_key``
            is set, else no signing.
        transport: an httpx transport, e.g. ``httpx.ASGITransport(app=sandbox)`` for the
            embedded default.
        clock: time source for signatures, latency, back-off and the breaker.
        rng: randomness for jitter and nonces; defaults to ``random.SystemRandom()``.
        audit: called once per call; defaults to :func:`log_audit_event`.
        classify: turns a non-success answer into an error; defaults to
            :func:`classify_http_status`.
    """

    def __init__(
        self,
        config: UpstreamConfig,
        *,
        system: str,
        signer: RequestSigner | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock | None = None,
        rng: RandomSource | None = None,
        audit: AuditHook | None = None,
        classify: ResponseClassifier | None = None,
    ) -> None:
        self.system = system
        self._config = config
        self._clock = clock or SystemClock()
        self._rng = rng or random.SystemRandom()
        self._audit = audit or log_audit_event
        self._classify = classify or classify_http_status
        if signer is None and config.app_key:
            signer = HmacSigner(config.app_key, config.app_secret)
        self._signer = signer
        self.breaker = CircuitBreaker(config.breaker, clock=self._clock)
        self._http = httpx.AsyncClient(
            base_url=config.base_url,
            transport=transport,
            timeout=httpx.Timeout(
                connect=config.connect_timeout,
                read=config.read_timeout,
                write=config.write_timeout,
                pool=config.pool_timeout,
            ),
            limits=httpx.Limits(max_connections=config.max_connections),
            # Upstream redirects are not followed (SSRF, API7:2023) and the process
            # environment's proxy settings are not read (libraries never read it).
            follow_redirects=False,
            trust_env=False,
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def call(
        self,
        method: str,
        path: str,
        *,
        operation: str,
        response_type: type[T],
        json: Any = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        idempotency_key: str | None = None,
    ) -> T:
        """:meth:`request`, then decode the JSON answer into ``response_type``."""
        response = await self.request(
            method,
            path,
            operation=operation,
            json=json,
            params=params,
            headers=headers,
            idempotent=idempotent,
            idempotency_key=idempotency_key,
        )
        return response.json(response_type)

    async def request(
        self,
        method: str,
        path: str,
        *,
        operation: str,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        idempotency_key: str | None = None,
    ) -> UpstreamResponse:
        """Send one logical call (with retries) and return a successful answer.

        ``path`` is relative to the base URL. ``json`` is encoded with msgspec. An
        ``idempotency_key`` is sent as the ``Idempotency-Key`` header and makes the call
        retryable.

        Raises:
            UpstreamUnavailable: retryable failure (``CircuitOpen`` when failing fast).
            UpstreamRejected: the upstream refused; carries its code.
        """
        method = method.upper()
        send_headers = {"Accept": "application/json", **(headers or {})}
        body = b""
        if json is not None:
            body = msgspec.json.encode(json)
            send_headers["Content-Type"] = "application/json"
        if idempotency_key is not None:
            send_headers["Idempotency-Key"] = idempotency_key
        if idempotent is None:
            idempotent = method in _IDEMPOTENT_METHODS or idempotency_key is not None
        target = path
        if params:
            target = f"{path}?{httpx.QueryParams(params)}"
        request = OutboundRequest(method=method, target=target, headers=send_headers, body=body)

        state = _CallState()
        started = self._clock.monotonic()
        outcome: Outcome = "unavailable"
        error: UpstreamUnavailable | UpstreamRejected | None = None
        try:
            async with asyncio.timeout(self._config.total_timeout):
                response = await self._with_retries(request, operation, idempotent, state)
            outcome = "ok"
            return response
        except TimeoutError:
            if state.in_flight:
                self.breaker.record_failure()
            error = UpstreamUnavailable(system=self.system, operation=operation, reason="deadline_exceeded")
            raise error from None
        except CircuitOpen as exc:
            outcome, error = "circuit_open", exc
            raise
        except UpstreamUnavailable as exc:
            error = exc
            raise
        except UpstreamRejected as exc:
            outcome, error = "rejected", exc
            raise
        finally:
            self._emit(operation, outcome, started, state, error)

    async def _with_retries(
        self, request: OutboundRequest, operation: str, idempotent: bool, state: _CallState
    ) -> UpstreamResponse:
        policy = self._config.retry
        while True:
            retry_in = self.breaker.allow()
            if retry_in is not None:
                raise CircuitOpen(system=self.system, operation=operation, retry_in=retry_in)
            state.attempts += 1
            state.in_flight = True
            try:
                response = await self._attempt(request, operation, state)
            except UpstreamUnavailable as exc:
                state.in_flight = False
                self.breaker.record_failure()
                _log.debug(
                    "attempt failed system=%s operation=%s attempt=%d reason=%s",
                    self.system,
                    operation,
                    state.attempts,
                    exc.reason,
                )
                if state.attempts >= policy.max_attempts:
                    raise
                if not (idempotent or exc.reason in _NOT_SENT):
                    raise
                delay = self._rng.random() * min(
                    policy.cap_seconds, policy.base_seconds * 2 ** (state.attempts - 1)
                )
                if exc.retry_after is not None:
                    if exc.retry_after > policy.cap_seconds:
                        raise  # the upstream asks for longer than we may wait in-request
                    delay = max(delay, exc.retry_after)
                await self._clock.sleep(delay)
                continue
            except UpstreamRejected:
                state.in_flight = False
                self.breaker.record_success()  # it answered: the upstream is up
                raise
            except asyncio.CancelledError:
                state.in_flight = False
                self.breaker.release()
                raise
            state.in_flight = False
            self.breaker.record_success()
            return response

    async def _attempt(self, request: OutboundRequest, operation: str, state: _CallState) -> UpstreamResponse:
        if self._signer is not None:
            request = self._signer.sign(
                request, timestamp=int(self._clock.now()), nonce=make_nonce(self._rng)
            )
        try:
            raw = await self._http.request(
                request.method, request.target, headers=dict(request.headers), content=request.body
            )
        except httpx.TimeoutException as exc:
            reason = next((r for t, r in _TIMEOUT_REASONS if isinstance(exc, t)), "timeout")
            raise self._unavailable(operation, reason) from None
        except httpx.ConnectError:
            raise self._unavailable(operation, "connect_error") from None
        except httpx.TransportError:
            raise self._unavailable(operation, "transport_error") from None
        except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError) as exc:
            raise UpstreamRejected(
                system=self.system,
                operation=operation,
                code="client_error",
                message=type(exc).__name__,
            ) from None
        response = UpstreamResponse(
            system=self.system,
            operation=operation,
            status_code=raw.status_code,
            headers={k.lower(): v for k, v in raw.headers.items()},
            content=raw.content,
        )
        state.last = response
        self._classify(response)
        return response

    def _unavailable(self, operation: str, reason: str) -> UpstreamUnavailable:
        return UpstreamUnavailable(system=self.system, operation=operation, reason=reason)

    def _emit(
        self,
        operation: str,
        outcome: Outcome,
        started: float,
        state: _CallState,
        error: UpstreamUnavailable | UpstreamRejected | None,
    ) -> None:
        event = AuditEvent(
            system=self.system,
            operation=operation,
            outcome=outcome,
            latency_ms=(self._clock.monotonic() - started) * 1000,
            attempts=state.attempts,
            status_code=state.last.status_code if state.last is not None else None,
            upstream_code=error.code if isinstance(error, UpstreamRejected) else None,
            reason=error.reason if isinstance(error, UpstreamUnavailable) else None,
        )
        try:
            self._audit(event)
        except Exception:  # noqa: BLE001 - logged, see below
            # An audit sink failure must not turn into a non-integrations exception for
            # the caller; it is logged loudly so the ledger gap is noticed.
            _log.exception("audit hook failed system=%s operation=%s", self.system, operation)
