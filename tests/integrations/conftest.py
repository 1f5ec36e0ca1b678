"""Shared test kit for ``integrations``: run an ASGI app on a real loopback port.

``serve_loopback`` is a fixture returning an async context manager::

    async with serve_loopback(sandbox) as base_url:   # "http://127.0.0.1:<port>"
        ...

The app runs inside granian's embedded server on this test's event loop, so the test
can inspect and change the app's in-memory state directly while the client talks to it
over real TCP.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
import pytest
from granian.constants import Interfaces
from granian.server.embed import Server

from integrations import AuditEvent, ManualClock, UpstreamConfig
from integrations._adapter import BaseAdapter
from integrations.sandbox import (
    SANDBOX_APP_KEY,
    SANDBOX_APP_SECRET,
    Faults,
    Sandbox,
    create_sandbox,
)

ServeLoopback = Callable[[Any], AbstractAsyncContextManager[str]]


def _free_port() -> int:
    # Bind-then-release: granian's embedded server cannot report a port-0 binding.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def _wait_until_listening(base_url: str) -> None:
    async with httpx.AsyncClient(trust_env=False) as probe:
        for _ in range(500):
            try:
                await probe.get(f"{base_url}/__ready__")
            except httpx.TransportError:
                await asyncio.sleep(0.01)
            else:
                return
    raise RuntimeError(f"server at {base_url} never started")


@contextlib.asynccontextmanager
async def serve_on_loopback(app: Any) -> AsyncIterator[str]:
    """Serve ``app`` on 127.0.0.1 at a free port; yield its base URL."""
    port = _free_port()
    server = Server(
        app,
        address="127.0.0.1",
        port=port,
        interface=Interfaces.ASGINL,
        log_enabled=False,
        websockets=False,
    )
    task = asyncio.create_task(server.serve())
    base_url = f"http://127.0.0.1:{port}"
    try:
        await _wait_until_listening(base_url)
        yield base_url
    finally:
        server.stop()  # type: ignore[no-untyped-call]
        await asyncio.wait_for(task, timeout=10)


@pytest.fixture
def serve_loopback() -> ServeLoopback:
    """The :func:`serve_on_loopback` context manager, as a fixture."""
    return serve_on_loopback


@dataclass
class GovRig:
    """A seeded sandbox served on loopback, a manual clock, and a way to build adapters.

    ``audit`` collects every audit event of every adapter built through :meth:`adapter`.
    """

    sandbox: Sandbox
    clock: ManualClock
    base_url: str
    audit: list[AuditEvent] = field(default_factory=list)
    _adapters: list[BaseAdapter] = field(default_factory=list)

    def config(self, system: str, **overrides: Any) -> UpstreamConfig:
        settings: dict[str, Any] = {
            "base_url": f"{self.base_url}/{system}",
            "app_key": SANDBOX_APP_KEY,
            "app_secret": SANDBOX_APP_SECRET,
            # Short on purpose: injected latency must be cut off well before the test's
            # own bound (asyncio.wait_for), with no assertion on how fast it was.
            "read_timeout": 0.5,
            "total_timeout": 5.0,
        }
        settings.update(overrides)
        return UpstreamConfig(**settings)

    def adapter(self, cls: type[A], **overrides: Any) -> A:
        adapter = cls(
            self.config(cls.system, **overrides),
            clock=self.clock,
            rng=random.Random(7),
            audit=self.audit.append,
        )
        self._adapters.append(adapter)
        return adapter

    def twin_state(self, system: str) -> Any:
        return self.sandbox.twins[system].state

    async def control(self, system: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Call a twin's control route over loopback (unsigned, as a tester would)."""
        async with httpx.AsyncClient(base_url=f"{self.base_url}/{system}", trust_env=False) as http:
            return await http.request(method, path, **kwargs)

    def set_faults(self, system: str, **faults: Any) -> None:
        self.sandbox.twins[system].faults.faults = Faults(**faults)


A = TypeVar("A", bound=BaseAdapter)
GovRigFactory = Callable[..., AbstractAsyncContextManager[GovRig]]


@contextlib.asynccontextmanager
async def open_gov_rig(*, seed: int = 0) -> AsyncIterator[GovRig]:
    """All government twins behind one loopback server, on a fixed manual clock."""
    clock = ManualClock()
    sandbox = create_sandbox(clock=clock, seed=seed)
    async with serve_on_loopback(sandbox) as base_url:
        rig = GovRig(sandbox=sandbox, clock=clock, base_url=base_url)
        try:
            yield rig
        finally:
            for adapter in rig._adapters:
                await adapter.aclose()


@pytest.fixture
def gov_rig() -> GovRigFactory:
    """The :func:`open_gov_rig` context manager, as a fixture."""
    return open_gov_rig
