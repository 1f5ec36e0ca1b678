"""The console's stylesheet, from the package (no CDN, no build step)."""

from __future__ import annotations

from pathlib import Path

from litestar import Response, get

from backend.access import ANYONE

_CSS = (Path(__file__).parent.parent / "assets" / "console.css").read_bytes()


@get("/console/assets/console.css", access=ANYONE, include_in_schema=False)
async def stylesheet() -> Response[bytes]:
    return Response(
        _CSS, media_type="text/css; charset=utf-8", headers={"cache-control": "public, max-age=3600"}
    )
