"""Liveness says the process is up; readiness names the dependency that is down."""

from __future__ import annotations

import shutil
import socket
import subprocess
from collections.abc import Iterator

import httpx
import msgspec
import pytest

from backend.app import create_app
from backend.settings import Settings
from backend.wiring import Wiring
from tests.backend.conftest import http_client
from tests.services import Services
from tests.smoke.server import free_port


async def test_live_answers_ok(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {}}


async def test_ready_checks_database_and_redis(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/ready")
    assert response.status_code == 200, response.text
    assert response.json()["checks"] == {"database": "ok", "redis": "ok"}


async def test_metrics_expose_request_counts(client: httpx.AsyncClient) -> None:
    await client.get("/health/live")
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert 'suqian_http_requests_total{method="GET",route="/health/live",status="200"' in response.text


async def test_openapi_document_is_3_1(client: httpx.AsyncClient) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.1")
    assert (await client.get("/schema/swagger")).status_code == 200


@pytest.fixture
def private_redis() -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """A Redis of this test's own, so stopping it doesn't disturb anything else."""
    binary = shutil.which("redis-server")
    assert binary, "redis-server is installed by scripts/test.sh"
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.05).close()
            break
        except OSError:
            subprocess.run(["sleep", "0.02"], check=True)
    yield proc, url
    proc.kill()
    proc.wait()


async def test_ready_is_503_naming_redis_when_redis_stops(
    settings: Settings,
    services: Services,
    private_redis: tuple[subprocess.Popen[bytes], str],
) -> None:
    proc, url = private_redis
    own = msgspec.structs.replace(
        settings, redis=msgspec.structs.replace(settings.redis, url=url, timeout=0.5)
    )
    own_wiring = Wiring(own, services.wiring.features, engine=services.engine)
    app = create_app(own, features=own_wiring.features, wiring=own_wiring)
    async with own_wiring.lifespan(), http_client(app) as client:
        assert (await client.get("/health/ready")).status_code == 200
        proc.kill()
        proc.wait()
        response = await client.get("/health/ready")
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "health.not_ready"
    assert body["extra"]["failed"] == ["redis"]
    assert body["extra"]["checks"]["database"] == "ok"
    assert "redis" in body["detail"]


async def test_production_routes_neither_metrics_nor_the_schema(
    settings: Settings, services: Services
) -> None:
    # What load_settings gives production unless SUQIAN_METRICS_PUBLIC=1 / SUQIAN_OPENAPI=1 ask by name.
    closed = msgspec.structs.replace(settings, openapi=False, metrics_public=False)
    async with http_client(
        create_app(closed, features=services.wiring.features, wiring=services.wiring)
    ) as client:
        for path in ("/metrics", "/schema/openapi.json", "/schema/swagger", "/schema/assets/swagger-ui.css"):
            response = await client.get(path)
            assert response.status_code == 404, path
            assert response.json()["code"] == "request.not_found"
        assert (await client.get("/health/live")).status_code == 200
