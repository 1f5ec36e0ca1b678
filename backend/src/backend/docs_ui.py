"""The API's documentation page, served whole by the app: no CDN, so it works on an intranet.

Litestar's render plugins load their JavaScript and CSS from a CDN by default (Swagger UI from
jsDelivr, Scalar at ``@latest``): on a government network without internet the page is blank. Here
Swagger UI (5.x, which reads OpenAPI 3.1) comes from the ``swagger-ui-py`` wheel, a PyPI package
that ships the upstream ``swagger-ui-dist`` files, and the app serves them under ``/schema/assets``
itself. Nothing is built or fetched at run time; ``tests/backend/test_docs_ui.py`` checks that the
page names no other host.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from litestar import get
from litestar.datastructures import CacheControlHeader
from litestar.exceptions import NotFoundException
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.plugins import OpenAPIRenderPlugin, SwaggerRenderPlugin
from litestar.params import FromPath
from litestar.response import File

from backend.access import ANYONE
from backend.problem_codes import REQUEST_NOT_FOUND

ASSETS_PATH = "/schema/assets"


def _package_folder(name: str) -> Path:
    """Where an installed package lives, without importing it (``swagger_ui`` would pull in jinja2
    and PyYAML for the framework glue we do not use)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"the {name} package is not installed (uv sync)")
    return Path(next(iter(spec.submodule_search_locations)))


ASSETS = _package_folder("swagger_ui") / "static"
# The files the page loads (the wheel holds the Swagger Editor too, which the page does not).
PAGE_FILES = (
    "swagger-ui-bundle.js",
    "swagger-ui-standalone-preset.js",
    "swagger-ui.css",
    "favicon-32x32.png",
)
_MEDIA_TYPES = {"js": "text/javascript", "css": "text/css", "png": "image/png"}


def render_plugins() -> list[OpenAPIRenderPlugin]:
    """``/schema/swagger`` (also ``/schema``), its scripts, style and icon from ``ASSETS_PATH``."""
    return [
        SwaggerRenderPlugin(
            js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            standalone_preset_js_url=f"{ASSETS_PATH}/swagger-ui-standalone-preset.js",
            css_url=f"{ASSETS_PATH}/swagger-ui.css",
            favicon=f"<link rel='icon' type='image/png' href='{ASSETS_PATH}/favicon-32x32.png'>",
        )
    ]


def assets_router() -> HTTPRouteHandler:
    """``GET /schema/assets/{name}``: the page's files (``PAGE_FILES``) and no other, open to anyone
    who may read the document (``Settings.openapi``). GET only: a HEAD would answer no problem body."""

    @get(
        f"{ASSETS_PATH}/{{name:str}}",
        include_in_schema=False,
        sync_to_thread=False,
        access=ANYONE,
        errors=(REQUEST_NOT_FOUND,),
        # The files change only with the package's version: a day in a browser's cache is safe.
        cache_control=CacheControlHeader(max_age=86400, public=True),
    )
    def asset(name: FromPath[str]) -> File:
        if name not in PAGE_FILES:
            raise NotFoundException()
        return File(ASSETS / name, media_type=_MEDIA_TYPES[name.rsplit(".", 1)[1]])

    return asset


__all__ = ["ASSETS", "ASSETS_PATH", "PAGE_FILES", "assets_router", "render_plugins"]
