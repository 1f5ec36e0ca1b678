"""Each payment test drives the app from a peer address of its own: the per-address limits (a
mini-program bind: 20 an hour per address) belong to the session's many tests, not to one."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from litestar import Litestar

from tests.backend.citizen.factories import client_from


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with client_from(app) as client:
        yield client
