from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from litestar import Litestar

from backend.container import Container
from backend.database import migrate
from backend.settings import Settings
from miniprogram_api.app import create_app


@pytest.fixture(scope="session")
async def container(settings: Settings) -> AsyncIterator[Container]:
    container = Container(settings)
    async with container.lifespan():
        await migrate()
        yield container


@pytest.fixture(scope="session")
async def app(settings: Settings, container: Container) -> Litestar:
    return create_app(settings, container=container)


def http_client(app: Litestar) -> httpx.AsyncClient:
    """An HTTP client that drives ``app`` in this event loop (Litestar's AsyncTestClient runs the app
    in a thread of its own, where the session's connection pools can't follow)."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")  # type: ignore[arg-type]


@pytest.fixture(scope="session")
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(app) as client:
        yield client
