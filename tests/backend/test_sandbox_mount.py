"""The government sandbox at ``/_sandbox`` (its SMS outbox lists every code sent) is mounted only when
asked for, never in production, however the settings were built."""

from __future__ import annotations

import msgspec
import pytest

from backend.app import create_app
from backend.settings import Settings, SettingsError, UpstreamSettings
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
