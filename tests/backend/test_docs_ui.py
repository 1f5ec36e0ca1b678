"""The documentation page works without internet: every file it loads is served by the app itself,
from the ``swagger-ui-py`` package (``backend.docs_ui``); no CDN, no other host."""

from __future__ import annotations

import re

import httpx
import msgspec

from backend.app import create_app
from backend.docs_ui import ASSETS, ASSETS_PATH, PAGE_FILES
from backend.settings import Settings
from tests.backend.conftest import http_client
from tests.services import Services

# Any absolute URL, or a protocol-relative one, in an attribute or a script.
_EXTERNAL = re.compile(r"""(?:https?:)?//[A-Za-z0-9.-]+\.[A-Za-z]{2,}""")
_LOADED = re.compile(r"""(?:src|href)\s*=\s*['"]([^'"]+)['"]""")


async def test_the_docs_page_names_no_external_host(client: httpx.AsyncClient) -> None:
    for path in ("/schema", "/schema/swagger"):
        response = await client.get(path)
        assert response.status_code == 200, path
        # The embedded document's own text may quote URLs (descriptions); the page around it may not.
        page = response.text.split("spec:", 1)[0] + response.text.rsplit("dom_id:", 1)[-1]
        assert not _EXTERNAL.search(page), f"{path} loads from {_EXTERNAL.search(page)}"
        loaded = _LOADED.findall(page)
        assert sorted(loaded) == sorted(f"{ASSETS_PATH}/{name}" for name in PAGE_FILES), loaded


async def test_the_page_files_are_served_from_the_package(client: httpx.AsyncClient) -> None:
    for name in PAGE_FILES:
        response = await client.get(f"{ASSETS_PATH}/{name}")
        assert response.status_code == 200, name
        assert response.content == (ASSETS / name).read_bytes(), name
    script = (await client.get(f"{ASSETS_PATH}/swagger-ui-bundle.js")).headers["content-type"]
    assert script.startswith(("text/javascript", "application/javascript"))
    assert (await client.get(f"{ASSETS_PATH}/nothing-here.js")).status_code == 404


async def test_scalar_from_a_cdn_is_gone(client: httpx.AsyncClient) -> None:
    assert (await client.get("/schema/scalar")).status_code == 404


async def test_metrics_name_their_charset_once(client: httpx.AsyncClient) -> None:
    content_type = (await client.get("/metrics")).headers["content-type"]
    assert content_type.count("charset") == 1, content_type
    assert content_type.startswith("text/plain; version="), content_type


async def test_a_page_of_an_allowed_origin_reads_retry_after_and_the_request_id(
    settings: Settings, services: Services
) -> None:
    """docs/miniprogram-dev.md: an H5 page served from another origin (SUQIAN_CORS_ORIGINS)."""
    page = "http://192.168.1.20:5173"
    allowed = msgspec.structs.replace(
        settings, http=msgspec.structs.replace(settings.http, cors_origins=(page,))
    )
    async with http_client(
        create_app(allowed, features=services.wiring.features, wiring=services.wiring)
    ) as web:
        response = await web.get("/health/live", headers={"origin": page})
        assert response.headers["access-control-allow-origin"] == page
        exposed = {
            name.strip().lower() for name in response.headers["access-control-expose-headers"].split(",")
        }
        assert {"retry-after", "x-request-id", "www-authenticate"} <= exposed
        preflight = await web.options(
            "/api/v1/auth/token",
            headers={
                "origin": page,
                "access-control-request-method": "POST",
                "access-control-request-headers": "content-type, authorization",
            },
        )
        assert preflight.status_code in (200, 204), preflight.text
        assert (await web.get("/health/live", headers={"origin": "http://evil.example"})).headers.get(
            "access-control-allow-origin"
        ) is None
