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
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx
import pytest
from granian.constants import Interfaces
from granian.server.embed import Server

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
