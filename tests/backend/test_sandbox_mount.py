"""The government sandbox at ``/_sandbox`` (its SMS outbox lists every code sent) is mounted only when
asked for, never in production, however the settings were built."""

from __future__ import annotations

import logging

import httpx
import msgspec
import pytest
from litestar import Litestar

from backend.app import create_app
from backend.settings import Settings, SettingsError, UpstreamSettings
from integrations.population.twin import PopulationState
from tests.backend.citizen.factories import random_id_number, random_phone
from tests.conftest import http_client
from tests.services import Services


def test_settings_built_in_code_do_not_mount_the_sandbox() -> None:
    # load_settings asks for it in the embedded mode (tests/backend/test_settings.py); nothing else does.
    assert UpstreamSettings().mount_sandbox is False


async def test_production_settings_built_in_code_serve_no_sandbox(
    settings: Settings, services: Services
) -> None:
    production = msgspec.structs.replace(settings, mode="production", upstream=UpstreamSettings())
    app = create_app(production, features=services.wiring.features, wiring=services.wiring)
    async with http_client(app) as client:
        response = await client.get("/_sandbox/sms/outbox", params={"phone": "13800000000"})
    assert (response.status_code, response.json()["code"]) == (404, "request.not_found")


def test_create_app_refuses_production_with_the_sandbox_mounted(
    settings: Settings, services: Services
) -> None:
    mounted = msgspec.structs.replace(
        settings, mode="production", upstream=UpstreamSettings(mount_sandbox=True)
    )
    with pytest.raises(SettingsError, match="production never mounts the sandbox"):
        create_app(mounted, features=services.wiring.features, wiring=services.wiring)


def _from(app: Litestar, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


OUTBOX = ("/_sandbox/sms/outbox", {"phone": "13800000000"})


@pytest.mark.parametrize("address", ["127.0.0.1", "127.0.3.4", "::1", "::ffff:127.0.0.1"])
async def test_outside_the_embedded_mode_the_sandbox_answers_this_machine(
    app: Litestar, address: str
) -> None:
    # The session's app runs in benchmark mode, as the bench's stack does (it talks to 127.0.0.1).
    async with _from(app, address) as client:
        assert (await client.get(OUTBOX[0], params=OUTBOX[1])).status_code == 200


@pytest.mark.parametrize("address", ["203.0.113.9", "10.0.0.5", "2001:db8::1", "0.0.0.0"])  # noqa: S104
async def test_outside_the_embedded_mode_the_sandbox_is_an_unknown_path_to_anyone_else(
    app: Litestar, services: Services, address: str
) -> None:
    # granian --host 0.0.0.0 binds wherever it is told, whatever SUQIAN_HOST said (security review).
    async with _from(app, address) as client:
        refused = await client.get(OUTBOX[0], params=OUTBOX[1])
        unknown = await client.get("/_nothing/here")
        person = {"name": "宿远程", "id_number": random_id_number(), "phone": random_phone()}
        added = await client.post("/_sandbox/population/people", json=person)
    assert refused.status_code == added.status_code == 404
    assert refused.headers["content-type"].startswith("application/problem+json")
    same = ("status", "code", "title", "detail")
    assert {k: refused.json()[k] for k in same} == {k: unknown.json()[k] for k in same}
    assert services.upstreams.sandbox is not None
    population = services.upstreams.sandbox.state("population")
    assert isinstance(population, PopulationState)
    assert person["id_number"] not in population.people, "the refused POST reached the twin"


async def test_a_request_a_proxy_forwarded_is_refused_though_the_proxy_is_on_this_machine(
    app: Litestar,
) -> None:
    # Without SUQIAN_TRUSTED_PROXIES a proxy on the machine makes every caller a loopback peer.
    async with _from(app, "127.0.0.1") as client:
        for header in ("x-forwarded-for", "forwarded", "x-real-ip"):
            forwarded = await client.get(OUTBOX[0], params=OUTBOX[1], headers={header: "198.51.100.7"})
            assert forwarded.status_code == 404, header


async def test_the_first_refusal_is_logged_once(
    settings: Settings, services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(settings, features=services.wiring.features, wiring=services.wiring)
    with caplog.at_level(logging.WARNING, logger="backend.app"):
        async with _from(app, "203.0.113.10") as client:
            for _ in range(3):
                assert (await client.get(OUTBOX[0], params=OUTBOX[1])).status_code == 404
    refusals = [r for r in caplog.records if r.getMessage().startswith("refused a request to /_sandbox")]
    assert len(refusals) == 1


async def test_the_embedded_sandbox_answers_any_caller(settings: Settings, services: Services) -> None:
    # A laptop's own choice: SUQIAN_HOST=0.0.0.0 lets a phone on the desk reach the sandbox.
    embedded = msgspec.structs.replace(settings, mode="embedded")
    app = create_app(embedded, features=services.wiring.features, wiring=services.wiring)
    async with _from(app, "192.168.1.20") as client:
        assert (await client.get(OUTBOX[0], params=OUTBOX[1])).status_code == 200
