"""The privacy scan: what a session handed over, and where it may show up again.

Every exchange of a session is recorded (``Recorder``: an httpx event hook), every log line as the
app's JSON formatter writes it (``LogLines``), and the audit rows it appended. Two nets are cast
over all of them:

- **known values**: each secret the session saw — a password, an SMS code, an ID number, a phone
  number a client sent; a token, a refresh token, a credential or a ticket an answer handed over;
  the deployment's own keys — is looked for verbatim;
- **shapes**: an 18-character ID number with a valid check digit, an 11-digit mainland mobile
  number, a JWT, a refresh token, a PEM or JWK private key — whoever's they are.

A hit is allowed in one place only: the answer that handed the value over, when that operation is
declared a hand-over point for its kind (``HANDOVERS``, with the reason) — or, for personal data a
client sent (an ID number), an answer declared to show that kind back (a licence's face to its holder,
the fields a citizen consented to, to the counter that asked). Logs and audit rows have no
exceptions. Secrets are found by field name (``SECRET_FIELDS``), so a new feature's ``password`` or
``*_token`` field is watched with no edit here.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from backend.observability.logs import JsonFormatter
from integrations import is_valid_id_number
from tests.contract.routes import Operation

# Field names whose values are secrets, and the kind each is filed under.
SECRET_FIELDS = {
    "password": "password",
    "current_password": "password",
    "new_password": "password",
    "recovery_code": "recovery_code",
    "recovery_codes": "recovery_code",
    "challenge": "challenge",
    "sms_code": "sms_code",
    "id_number": "id_number",
    "phone": "phone",
    "access_token": "access_token",
    "refresh_token": "refresh_token",
    "credential": "credential",
    "holder_credential": "holder_credential",
    "bind_ticket": "bind_ticket",
    "face_ticket": "face_ticket",
    "ticket": "face_ticket",
    "secret": "secret",
    "client_secret": "secret",
    "private_key": "private_key",
}

# The answers that are, by design, where a secret is handed to its owner: (operation, kind) → why.
HANDOVERS: dict[tuple[str, str], str] = {
    **{
        (op, kind): "a new session's tokens, handed to the caller who just proved who they are"
        for op in (
            "POST /api/v1/auth/register",
            "POST /api/v1/auth/reclaim",
            "POST /api/v1/auth/token",
            "POST /mp/v1/bind",
            "POST /mp/v1/wechat/login",
            "POST /mp/v1/alipay/login",
        )
        for kind in ("access_token", "refresh_token")
    },
    **{
        (op, kind): "a staff session's tokens, to the staff member who just signed in (or refreshed)"
        for op in (
            "POST /api/v1/staff/token",
            "POST /api/v1/staff/token/second-factor",
            "POST /api/v1/staff/token/refresh",
            "POST /api/v1/staff/me/second-factor/totp/confirm",
            # the forced change of a password an operator set: it settles the sign-in
            "POST /api/v1/staff/me/password",
        )
        for kind in ("access_token", "refresh_token")
    },
    ("POST /api/v1/staff/token", "challenge"): "the one-time challenge a right password earns, to send "
    "back with the authenticator's code",
    ("POST /api/v1/staff/me/second-factor/totp", "secret"): "the authenticator's shared secret, shown "
    "this once to the staff member enrolling it (and in its otpauth URI)",
    ("POST /api/v1/staff/me/second-factor/totp/confirm", "recovery_code"): "the recovery codes, shown "
    "this once when the authenticator is confirmed",
    ("POST /api/v1/staff/me/second-factor/recovery-codes", "recovery_code"): "new recovery codes, shown "
    "this once to the staff member who asked for them",
    (
        "POST /api/v1/scanner/token",
        "access_token",
    ): "a device token, to the device that proved its credential",
    ("POST /api/v1/admin/scanners", "credential"): "a new scanner's credential, shown this once to the "
    "operator who registers it; only its hash is kept",
    ("POST /api/v1/citizen-code/devices", "holder_credential"): "the holder credential the phone embeds in "
    "the frames it signs, issued to that phone",
    ("GET /api/v1/licences/{licence_id:uuid}", "id_number"): "the citizen's own licence, every field of its "
    "face, shown to its holder",
    ("GET /api/v1/licences/{licence_id:uuid}", "credential"): "the credential issued to its holder",
    (
        "GET /api/v1/licences/{licence_id:uuid}",
        "access_token",
    ): "the credential (an SD-JWT, JWT-shaped), to its holder",
    ("GET /api/v1/licence-verification/requests/{request_id:uuid}", "access_token"): "the presentation (an "
    "SD-JWT+KB, JWT-shaped) the citizen consented to, to the counter that asked",
    (
        "POST /api/v1/licence-verification/requests/{request_id:uuid}/verify",
        "id_number",
    ): "the fields the citizen consented to disclose, to the counter that asked for them",
    ("GET /api/v1/licences/log", "access_token"): "the log's head: a JWS over hashes, no bearer token",
    ("GET /api/v1/licences/status/{status_list:int}", "access_token"): "a public Token Status List (a JWT "
    "of statuses, no bearer token)",
    ("POST /mp/v1/wechat/login", "bind_ticket"): "the single-use ticket a new platform user redeems at /bind",
    ("POST /mp/v1/alipay/login", "bind_ticket"): "the single-use ticket a new platform user redeems at /bind",
    **{
        (op, "face_ticket"): "409 face_verification_required hands the applicant the ticket for the face scan"
        for op in ("POST /api/v1/auth/register", "POST /api/v1/auth/reclaim", "POST /mp/v1/bind")
    },
}

# What an answer hands over: secrets the server issues. Personal data in answers is masked by design
# (``3213**********1234``); a full one is caught by its shape, so it is not harvested from answers.
ISSUED = frozenset(
    {
        "access_token",
        "refresh_token",
        "credential",
        "holder_credential",
        "bind_ticket",
        "face_ticket",
        "secret",
        "recovery_code",
        "challenge",
    }
)

# Shapes an undocumented page may show by design: the OpenAPI document and the docs pages that embed
# it carry the schema's example phone (``backend.fields.Phone``: a documentation example).
DOCUMENTATION_EXAMPLES = {"phone": "13805270001"}


def _documented_example(kind: str, value: str) -> bool:
    """A shape on a docs page that is one of the OpenAPI document's own examples (fictional values
    the schemas declare, ``backend.fields.doc``): shown by design. Real values the session sent are
    still looked for verbatim on those pages (``known``), so a secret can't hide behind this."""
    return DOCUMENTATION_EXAMPLES.get(kind) == value or value in _examples_of_the_document()


@functools.cache
def _examples_of_the_document() -> frozenset[str]:
    exported = subprocess.run(
        [sys.executable, "-m", "miniprogram_api.openapi_export"], capture_output=True, text=True, check=True
    ).stdout
    found: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("example", "examples"):
                    found.update(_strings(value))
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(exported))
    return frozenset(found)


def _strings(node: object) -> set[str]:
    if isinstance(node, str):
        return {node, *re.findall(r"[0-9A-Za-z_]+", node)}
    if isinstance(node, dict):
        return {s for v in node.values() for s in _strings(v)}
    if isinstance(node, list):
        return {s for v in node for s in _strings(v)}
    return set()


# Bounded by what can't be part of a word (or by a JSON escape, \n13812345678, or +86): a run of digits inside
# a UUID's last group or a base64 token is no phone number, and a test that saw one there would fail
# by chance. The values the session really sent are looked for verbatim besides.
_EDGE = r"(?:(?<=\\[nrt])|(?<=\+86)|(?<![0-9A-Za-z]))"
_SHAPES = {
    "id_number": re.compile(_EDGE + r"[0-9]{17}[0-9Xx](?![0-9A-Za-z])"),
    "phone": re.compile(_EDGE + r"1[3-9][0-9]{9}(?![0-9A-Za-z])"),
    "access_token": re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}"),
    "refresh_token": re.compile(r"rt_[A-Za-z0-9_-]{43}"),
    "private_key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----|\"d\":\s*\"[A-Za-z0-9_-]{20,}"),
}


@dataclass(frozen=True)
class Secret:
    kind: str
    value: str
    # The operation whose answer handed it over (None: the client chose it, or the deployment did).
    origin: str | None = None


@dataclass
class Exchange:
    operation: str | None  # None: not an operation of ours (the sandbox twins)
    request: httpx.Request
    response: httpx.Response


def _walk(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, key)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item, path)
    else:
        yield path, value


def secrets_in(value: Any, *, origin: str | None) -> list[Secret]:
    return [
        Secret(SECRET_FIELDS[name], item, origin)
        for name, item in _walk(value)
        if name in SECRET_FIELDS and isinstance(item, str) and len(item) >= 6
    ]


@dataclass
class Recorder:
    """Every exchange of a client, each matched to the operation of the route table it called."""

    operations: Sequence[Operation]
    exchanges: list[Exchange] = field(default_factory=list)
    # Off for synthetic traffic (a sweep's example bodies): what it sends is no one's secret.
    harvest: bool = True
    _found: list[Secret] = field(default_factory=list)

    def _operation(self, method: str, path: str) -> str | None:
        for op in self.operations:
            pattern = re.sub(r"\{[^}]+\}", "[^/]+", op.template)
            if op.method == method and re.fullmatch(pattern, path):
                return op.key
        return None

    async def __call__(self, response: httpx.Response) -> None:
        await response.aread()
        request = response.request
        operation = self._operation(request.method, request.url.path)
        self.exchanges.append(Exchange(operation, request, response))
        if self.harvest:
            self._found += secrets_in(_json(request.content), origin=None)
            if operation is not None:
                issued = secrets_in(_json(response.content), origin=operation)
                self._found += [s for s in issued if s.kind in ISSUED]

    def secrets(self) -> list[Secret]:
        """What the requests sent and the answers handed over, found by field name."""
        return list(self._found)


def _json(content: bytes) -> Any:
    try:
        return httpx.Response(200, content=content).json()
    except ValueError:
        return None


class LogLines(logging.Handler):
    """Every log record of the app as its JSON formatter writes it to stdout."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def _known_pattern(secret: Secret) -> re.Pattern[str]:
    # Digits only: bounded by non-digits, so a 6-digit code inside a longer number is no hit.
    if secret.value.isdigit():
        return re.compile(rf"(?<![0-9]){re.escape(secret.value)}(?![0-9])")
    return re.compile(re.escape(secret.value))


def leaks(
    where: str,
    text: str,
    known: Sequence[Secret],
    *,
    operation: str | None = None,
    documentation: bool = False,
) -> list[str]:
    """Every secret in ``text`` it may not hold. ``operation``: the answer's, for hand-overs (a value
    may appear in the answer that handed it over, whoever sent it back later); ``documentation``:
    the docs pages, which may show the schema's examples."""
    handed = {(s.value, s.origin) for s in known if s.origin is not None and (s.origin, s.kind) in HANDOVERS}
    found = []
    for secret in known:
        if _known_pattern(secret).search(text) is None or (secret.value, operation) in handed:
            continue
        if secret.origin is None and operation is not None and (operation, secret.kind) in HANDOVERS:
            continue  # personal data a client sent, shown back where that is declared (a licence's face)
        found.append(f"{where}: {secret.kind} {secret.value[:6]}… (from {secret.origin or 'a client'})")
    for kind, shape in _SHAPES.items():
        for match in shape.finditer(text):
            if kind == "id_number" and not is_valid_id_number(match.group(0).upper()):
                continue
            if operation is not None and (operation, kind) in HANDOVERS:
                continue
            if documentation and _documented_example(kind, match.group(0)):
                continue
            found.append(f"{where}: something shaped like a {kind}: {match.group(0)[:6]}…")
    return found
