from __future__ import annotations

import msgspec
from litestar import Router, get


class EdgeInfo(msgspec.Struct, frozen=True):
    platforms: list[str]


@get("/", sync_to_thread=False, summary="Which mini-program platforms this edge serves")
def edge_info() -> EdgeInfo:
    return EdgeInfo(platforms=["wechat", "alipay"])


def build_router() -> Router:
    return Router(path="/mp/v1", route_handlers=[edge_info], tags=["mini-program"])
