"""The morning rush's two requests answered before routing (``backend.early`` says when an early
answer may answer and what it keeps): a citizen's fresh code, ``GET /api/v1/citizen-code``, once per
displayed code; and a gate's verification, ``POST /api/v1/scanner/verify``, once per person through a
gate. Each is the route's own service call (``CitizenCodeService.issue``, ``ScanService.verify``:
the same throttle, replay claim, revocation check and audit row) with the route's answer; what the
framework adds around it — the request object, kwargs, the guard's copy of the handler, the response
object — cost as much again as the signature (BENCHMARKS.md, "Scanner verify", "Code issue").

Each takes only a plain request: a bearer token the route's guard admits (``admitted``: the same
token checks, for a citizen without acting for an organisation), no query string, no ``Origin``
(CORS), and for verify a JSON body ``VerifyRequest`` takes strictly. Anything else — a missing or
refused token, a malformed body, a request with a body where none belongs — is the route's, which
answers it as it always has.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from backend.auth.guards import CITIZEN, admitted
from backend.code.controller import ISSUE_HEADERS, VERIFY_ACCESS, code_read, verdict
from backend.code.schemas import VerifyRequest
from backend.early import headers_of, json_bearer, read_body, send_answer
from backend.web import bearer_of, checked_body

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Receive, Scope, Send

    from backend.auth.tokens import TokenService
    from backend.code.scanning import ScanService
    from backend.code.service import CitizenCodeService

_encoder = msgspec.json.Encoder()
_ISSUE_HEADERS = [(name.encode(), value.encode()) for name, value in ISSUE_HEADERS.items()]
_GET_HEADERS = frozenset({b"authorization", b"origin", b"content-length", b"transfer-encoding"})
_POST_HEADERS = frozenset({b"authorization", b"origin", b"content-type", b"content-length"})
# A code as the issuer writes it is ~210 characters, a device frame ~410 (``CodeText`` takes up to
# 1,200); a larger body is the route's to read and refuse.
_MAX_VERIFY_BODY = 2048


class CodeIssueEarly:
    method = "GET"
    path = "/api/v1/citizen-code"
    access = CITIZEN
    max_body = 0

    def __init__(self, tokens: TokenService, codes: CitizenCodeService) -> None:
        self._tokens = tokens
        self._codes = codes

    async def __call__(self, scope: Scope, receive: Receive, send: Send, app: ASGIApp) -> None:
        headers = headers_of(scope, _GET_HEADERS)
        token = bearer_of(headers.get(b"authorization", b"").decode("latin-1"))
        if (
            token is None
            or scope["query_string"]
            or b"origin" in headers
            or b"transfer-encoding" in headers
            or headers.get(b"content-length", b"0") != b"0"
        ):
            await app(scope, receive, send)
            return
        principal = await admitted(self._tokens, self.access, token)
        if principal is None:
            await app(scope, receive, send)
            return
        # A refusal (the issuance cap) is raised to ``EarlyAnswers``, which answers it as the app would.
        body = _encoder.encode(code_read(await self._codes.issue(principal.id)))
        await send_answer(scope, send, body, path=self.path, headers=_ISSUE_HEADERS)


class GateVerifyEarly:
    method = "POST"
    path = "/api/v1/scanner/verify"
    access = VERIFY_ACCESS
    max_body = _MAX_VERIFY_BODY

    def __init__(self, tokens: TokenService, scanning: ScanService) -> None:
        self._tokens = tokens
        self._scanning = scanning

    async def __call__(self, scope: Scope, receive: Receive, send: Send, app: ASGIApp) -> None:
        token = json_bearer(scope, headers_of(scope, _POST_HEADERS), max_body=self.max_body)
        if token is None:
            await app(scope, receive, send)
            return
        # The caller first, as the route's guard does before the body is read: a refused token is
        # answered at once, not after a slow body.
        principal = await admitted(self._tokens, self.access, token)
        if principal is None:
            await app(scope, receive, send)
            return
        body, receive = await read_body(receive, self.max_body)
        wanted = checked_body(body, VerifyRequest) if body is not None else None
        if wanted is None:
            await app(scope, receive, send)
            return
        # A refusal (a revoked scanner) is raised to ``EarlyAnswers``, which answers it as the app would.
        answer = _encoder.encode(verdict(await self._scanning.verify(principal, wanted.code)))
        await send_answer(scope, send, answer, path=self.path)
