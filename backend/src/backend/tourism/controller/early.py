"""A flash sale's losers turned away before routing: ``POST /api/v1/tourism/holds`` for a slot this
worker saw sold out within the last half second answers the route's own 409 ``tourism.sold_out``
(``backend.early`` says when an early answer may answer and what it keeps; ``flags.py`` what the
worker's copy of the flag is).

It answers only what the route would: a citizen's own token (authenticated with the revocation
check, as the guard does; an acting-as token goes to the route), a JSON body ``HoldCreate`` takes
strictly, no ``Idempotency-Key`` (a retry answers its first response, which may be a ticket), no
``Origin`` (CORS), no query string (``backend.early.json_bearer``). The route checks, in the same
order, the body, the caller, the slot's end and then the flag: a slot past its end is never in the
copy (``SoldOutFlags.mirror``). Everything else, and any slot this worker has not seen flagged, is
the route's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from backend.auth.guards import CITIZEN, admitted
from backend.early import headers_of, json_bearer, read_body
from backend.tourism.errors import SoldOut
from backend.tourism.schemas import HoldCreate
from backend.web import checked_body

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Receive, Scope, Send

    from backend.auth.tokens import TokenService
    from backend.tourism.flags import SoldOutFlags

HOLDS = "/api/v1/tourism/holds"
# A hold names a slot and at most ten tickets: ~1 KiB. A larger body is the route's to read.
_MAX_BODY = 4096
_HEADERS = frozenset({b"authorization", b"content-type", b"content-length", b"idempotency-key", b"origin"})


class SoldOutEarly:
    method = "POST"
    path = HOLDS
    access = CITIZEN
    max_body = _MAX_BODY

    def __init__(self, tokens: TokenService, flags: SoldOutFlags) -> None:
        self._tokens = tokens
        self._flags = flags

    async def __call__(self, scope: Scope, receive: Receive, send: Send, app: ASGIApp) -> None:
        if not self._flags.any_known():
            await app(scope, receive, send)  # no slot flagged here: don't even read the body
            return
        headers = headers_of(scope, _HEADERS)
        token = json_bearer(scope, headers, max_body=self.max_body)
        if token is None or b"idempotency-key" in headers:
            await app(scope, receive, send)
            return
        body, receive = await read_body(receive, self.max_body)
        wanted = checked_body(body, HoldCreate) if body is not None else None
        if (
            wanted is None
            or not self._flags.known_sold_out(wanted.slot_id)
            or await admitted(self._tokens, CITIZEN, token) is None
        ):
            await app(scope, receive, send)
            return
        raise SoldOut()  # answered by ``EarlyAnswers`` as the route's exception handler answers it
