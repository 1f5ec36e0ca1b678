"""What every feature's HTTP edge shares: the client address rate limits key on."""

from __future__ import annotations

from typing import Any

from litestar import Request


def client_address(request: Request[Any, Any, Any]) -> str:
    """The peer address rate limits key on (per-address rules count IPv6 by its /64). Behind a
    trusted proxy the request context middleware has already put the forwarded client here
    (``SUQIAN_TRUSTED_PROXIES``)."""
    return request.client.host if request.client else "unknown"
