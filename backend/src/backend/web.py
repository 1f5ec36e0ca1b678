"""What every feature's HTTP edge shares: the request class every body is read through, and the client
address rate limits key on.

``ApiRequest`` is the app's ``request_class`` (``backend.app``), so each rule below holds for every
route that takes a JSON body, present and future, without a line in a handler:

- **JSON bodies must say so** (``application/json`` or ``application/*+json``; 415
  ``request.unsupported_media_type`` otherwise). A web page may make a visitor's browser POST
  ``text/plain``, ``application/x-www-form-urlencoded`` or ``multipart/form-data`` anywhere without a
  CORS preflight (Fetch standard, "CORS-safelisted request-header"); our unauthenticated JSON routes
  (SMS sends, logins) would otherwise take such bodies from any site a citizen visits (issue 21, row 11).
  A JSON content type makes the browser ask first, and CORS (``SUQIAN_CORS_ORIGINS``) answers.

The mini-program edge's routes are Litestar routes like any other and get the same rules (WeChat's
``wx.request`` and Alipay's ``my.request`` send ``application/json`` by default). The sandbox twins at
``/_sandbox`` are an ASGI app of their own that reads its bodies itself (the Alipay gateway twin
takes form posts, as the real one does), so none of this applies there.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.exceptions import ClientException
from litestar.types.empty import Empty

JSON_MEDIA_TYPE = "application/json"


class UnsupportedMediaType(ClientException):
    """A JSON route was sent a body of another media type (``request.unsupported_media_type``)."""

    status_code = 415


def is_json_media_type(media_type: str) -> bool:
    """``application/json`` or a structured ``+json`` suffix type (RFC 6839), already lower-cased."""
    return media_type == JSON_MEDIA_TYPE or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


class ApiRequest(Request[Any, Any, Any]):
    """Litestar's request, with the body rules of this module."""

    __slots__ = ()

    async def json(self) -> Any:
        """The decoded JSON body (Litestar's data extractor reads ``data`` through here)."""
        if self._json is Empty and not is_json_media_type(self.content_type[0]):
            raise UnsupportedMediaType(detail=f"Send the body as {JSON_MEDIA_TYPE}")
        return await super().json()


def client_address(request: Request[Any, Any, Any]) -> str:
    """The peer address rate limits key on (per-address rules count IPv6 by its /64). Behind a
    trusted proxy the request context middleware has already put the forwarded client here
    (``SUQIAN_TRUSTED_PROXIES``)."""
    return request.client.host if request.client else "unknown"
