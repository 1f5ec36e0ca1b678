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
- **An undecodable body is the client's error**: besides broken JSON (Litestar's own 400), a body
  nested past the interpreter's recursion limit (msgspec raises ``RecursionError``: ~1,000 levels
  here) or one that is not UTF-8 (``UnicodeDecodeError``) answers 400 ``request.malformed``, not a 500
  with a traceback (row 12).
- **A body is its documented types, exactly**: Litestar converts bodies leniently (msgspec's
  ``strict=False``: ``0`` becomes a date, ``"12"`` a number), so a client generated from the OpenAPI
  document and a hand-written one would disagree on what is accepted; the body is first checked
  strictly against the route's ``data`` type, and anything else is 400 ``request.invalid``. One
  reading is JSON Schema's own, not Python's: ``4.0`` is an ``integer`` (JSON Schema 2020-12 §6.1.1
  counts any number with a zero fractional part), so an integral number is read as one.
- **An object naming a member twice is refused** (400 ``request.duplicate_key``). RFC 8259 §4 leaves
  the meaning of ``{"phone": "A", "phone": "B"}`` to the parser: msgspec keeps the last, many proxies,
  WAFs and log pipelines keep the first, so a request judged harmless on the way in could carry
  another value to us (CVE-2017-12635, CouchDB's admin role smuggled this way). Refusing is the only
  reading on which every hop agrees.
- **A client that hangs up mid-body** is ``ClientDisconnected``: answered (to nobody) as 499, the
  status nginx gives a closed request, and counted so in the metrics — not as our 500 (row 12).

The mini-program edge's routes are Litestar routes like any other and get the same rules: WeChat's
``wx.request`` and Alipay's ``my.request`` send ``application/json`` by default (docs.alipay.com
/mini/api/owycmh; only the retired ``my.httpRequest``, still DingTalk's, defaulted to form encoding, so
a client on it must set the header). The sandbox twins at
``/_sandbox`` are an ASGI app of their own that reads its bodies itself (the Alipay gateway twin
takes form posts, as the real one does), so none of this applies there.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

import msgspec
from litestar import Request
from litestar.connection.base import empty_receive, empty_send
from litestar.exceptions import ClientException, SerializationException, ValidationException
from litestar.serialization import decode_json
from litestar.types import Receive, ReceiveMessage, Scope, Send
from litestar.types.empty import Empty

JSON_MEDIA_TYPE = "application/json"
# nginx's "client closed request": no HTTP status says it, and it must not read as our 500.
CLIENT_CLOSED = 499

T = TypeVar("T")


class UnsupportedMediaType(ClientException):
    """A JSON route was sent a body of another media type (``request.unsupported_media_type``)."""

    status_code = 415


class DuplicateMember(ClientException):
    """A JSON object of the body names a member twice (``request.duplicate_key``)."""

    status_code = 400


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    members = dict(pairs)
    if len(members) != len(pairs):
        names = [name for name, _ in pairs]
        twice = next(name for i, name in enumerate(names) if name in names[:i])
        raise DuplicateMember(detail=f"The JSON body names the member {twice[:64]!r} more than once")
    return members


# Run on a body msgspec has already decoded (so it is valid JSON, nested within the decoder's limit):
# the stdlib's scanner hands each object's members over in order, where msgspec's dict has lost
# the first of two. ~3 µs for a typical body; the 1 MiB body limit bounds the worst case.
_members_checker = json.JSONDecoder(object_pairs_hook=_unique_members)


class ClientDisconnected(Exception):
    """The client closed the connection before its request body arrived: nobody is left to answer."""


def bearer_of(header: str) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` value (RFC 6750 §2.1); None for any other
    scheme or an empty token. The guard (``backend.auth.guards.bearer_token``) and the answers given
    before routing (``backend.early``) read it the same way."""
    scheme, _, token = header.partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def is_json_media_type(media_type: str) -> bool:
    """``application/json`` or a structured ``+json`` suffix type (RFC 6839), already lower-cased."""
    return media_type == JSON_MEDIA_TYPE or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


def _raising_on_disconnect(receive: Receive) -> Receive:
    async def receive_body() -> ReceiveMessage:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnected()
        return message

    return receive_body


class ApiRequest(Request[Any, Any, Any]):
    """Litestar's request, with the body rules of this module."""

    __slots__ = ()

    def __init__(self, scope: Scope, receive: Receive = empty_receive, send: Send = empty_send) -> None:
        # Only the request's own body reads go through this ``receive``; a streaming response
        # listens for the disconnect on the route's, so it still ends quietly.
        super().__init__(scope, _raising_on_disconnect(receive), send)

    async def json(self) -> Any:
        """The decoded JSON body (Litestar's data extractor reads ``data`` through here)."""
        if self._json is not Empty:
            return self._json
        if (decoded := self._connection_state.json) is Empty:
            if not is_json_media_type(self.content_type[0]):
                raise UnsupportedMediaType(detail=f"Send the body as {JSON_MEDIA_TYPE}")
            body = await self.body()
            try:
                decoded = decode_json(
                    body or b"null", type_decoders=self.route_handler.resolve_type_decoders()
                )
                if b"{" in body:
                    _members_checker.decode(body.decode())
                decoded = _integral(decoded)
            except RecursionError:
                raise SerializationException("The JSON body is nested too deeply") from None
            except UnicodeDecodeError:
                raise SerializationException("The body is not UTF-8") from None
            except ValueError:
                raise SerializationException("The body is not JSON") from None
            _check_strictly(self, decoded)
            # Kept only once it passed every rule: another reader of this request gets no unchecked body.
            self._connection_state.json = decoded
        self._json = decoded
        return decoded


def checked_body(body: bytes, kind: type[T]) -> T | None:
    """``body`` read by every rule ``ApiRequest`` and the strict check apply, as ``kind``; None where
    any of them would refuse it (an early answer then leaves the request to the route: ``backend.early``)."""
    try:
        decoded = msgspec.json.decode(body)
        if b"{" in body:
            _members_checker.decode(body.decode())
        return msgspec.convert(_integral(decoded), kind, strict=True)
    except (ValueError, RecursionError, DuplicateMember, msgspec.MsgspecError):
        return None


def _integral(value: Any) -> Any:
    """``value`` with every number that has a zero fractional part as an ``int`` (JSON Schema's
    ``integer``; a ``float`` field takes an ``int`` as it is)."""
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, dict):
        return {key: _integral(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_integral(item) for item in value]
    return value


def _check_strictly(request: Request[Any, Any, Any], body: Any) -> None:
    """Refuse what only msgspec's lax conversion would accept (``ApiRequest``): the body is converted
    once more, strictly, to the route's ``data`` type, and the result dropped (Litestar converts it)."""
    handler = request.scope.get("route_handler")
    field = handler.parsed_fn_signature.parameters.get("data") if handler is not None else None
    if field is None:
        return
    try:
        msgspec.convert(body, field.annotation, strict=True)
    except msgspec.ValidationError as exc:
        message, _, where = str(exc).partition(" - at `$")
        error = {"message": message, "source": "body"}
        if where:
            error["key"] = where.rstrip("`").lstrip(".")
        raise ValidationException(
            detail=f"Validation failed for {request.method} {request.url.path}", extra=[error]
        ) from None


def client_address(request: Request[Any, Any, Any]) -> str:
    """The peer address rate limits key on (per-address rules count IPv6 by its /64). Behind a
    trusted proxy the request context middleware has already put the forwarded client here
    (``SUQIAN_TRUSTED_PROXIES``)."""
    return request.client.host if request.client else "unknown"
