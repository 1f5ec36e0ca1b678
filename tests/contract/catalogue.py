"""The bad-input catalogue: for each operation, the hostile requests a client generator, a fuzzer or an
attacker sends, each with the problem codes it may answer.

``expect`` is the set of codes the answer must carry; ``None`` means "any code of the catalogue, at
a 4xx": a value the schema lets through (a NUL inside a password) may be refused by the rule it
breaks. Cases are built from the operation's own declared inputs (``tests.contract.routes``), so a
route that lands later gets its cases without an edit here.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
from msgspec import inspect as mi

from backend.fields import PLAIN_TEXT_PATTERN
from tests.contract.examples import Leaf, leaves, replaced, variants
from tests.contract.routes import Operation, Param

MALFORMED = frozenset({"request.malformed"})
INVALID = frozenset({"request.invalid"})
DUPLICATE = frozenset({"request.duplicate_key"})
TOO_LARGE = frozenset({"request.too_large"})
MEDIA_TYPE = frozenset({"request.unsupported_media_type"})
HEADERS_TOO_LARGE = frozenset({"request.headers_too_large"})
URI_TOO_LONG = frozenset({"request.uri_too_long"})
# A path a route would not write itself names no object: refused before any handler runs.
NO_SUCH_PATH = frozenset({"request.not_found", "request.invalid"})
BAD_TOKEN = frozenset({"auth.token_invalid"})
MANY_HEADERS = "200 header fields"

# Far past any field a person types or a token we issue; well under the body limit (1 MiB).
OVERLONG = 100_000
DEPTH = 10_000
ELEMENTS = 1_000_000
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_SURROGATE_MARK = "\x01surrogate\x01"

# Values a route judges rather than validates: any text it is sent is an answer there, by design, so a
# NUL or a stray digit in them may be answered 2xx. Keyed by operation and field; a new route has none.
JUDGED = {
    ("POST /api/v1/scanner/verify", ".code"): "the text a gate read: anything that is no code is the "
    "gate's 200 'deny: malformed', which the scanner shows",
    ("POST /api/v1/scanner/scans", ".scans[0].code"): "an offline gate's log of what it read: an "
    "unreadable code is kept as read (it verifies as nothing and flags nothing)",
}

# Query parameters a route judges rather than validates: free text searched in memory (never stored,
# never in a query), where any text is an answer — an empty list at worst.
JUDGED_QUERY = {
    ("GET /api/v1/catalogue/items", "q"): "free text searched in memory among the items' names and "
    "everyday words: any text is an answer (an empty list)",
    ("GET /api/v1/catalogue/items", "department"): "a department's name matched in memory: any text is "
    "an answer (an empty list)",
    ("GET /api/v1/guidance", "q"): "a resident's question in any words (full-width digits fold to ASCII): "
    "readable text is an answer (mode none when nothing fits); binary and control characters are 400",
    ("GET /api/v1/education/school-districts", "address"): "an address read in memory against the district "
    "lines: any text is an answer (no district, no school)",
    ("GET /api/v1/education/schools", "district"): "a district's name matched in memory: any text is an "
    "answer (an empty list)",
}


@dataclass(frozen=True)
class Case:
    operation: Operation
    name: str
    target: str  # path and query, percent-encoded as sent
    headers: tuple[tuple[str, bytes], ...] = ()
    content: bytes | None = None
    chunked: bool = False
    expect: frozenset[str] | None = None
    # Sent with the caller's token (False: the case is the token).
    authenticated: bool = True
    meta: dict[str, Any] = field(default_factory=dict, compare=False)


def _json_headers() -> tuple[tuple[str, bytes], ...]:
    return (("content-type", b"application/json"),)


def _encode(body: Any) -> bytes:
    return msgspec.json.encode(body)


def _with_surrogate(body: Any, leaf: Leaf, escape: str) -> bytes:
    text = _encode(replaced(body, leaf.path, _SURROGATE_MARK)).decode()
    return text.replace(msgspec.json.encode(_SURROGATE_MARK).decode(), f'"{escape}"').encode()


def _id_like(leaf: Leaf) -> bool:
    """A value a program reads as a number or an id: a Unicode digit there is never canonical."""
    inner = leaf.type.type if isinstance(leaf.type, mi.Metadata) else leaf.type
    if isinstance(inner, mi.IntType | mi.FloatType | mi.UUIDType | mi.DateTimeType | mi.DateType):
        return True
    if isinstance(inner, mi.StrType) and inner.pattern == PLAIN_TEXT_PATTERN:
        return False  # free text a person typed (an address's 136号 may be １３６号): theirs to write
    return isinstance(leaf.value, str) and any(c.isdigit() for c in leaf.value)


def _unicode_digits(value: Any, table: dict[int, int]) -> str:
    text = str(value)
    converted = text.translate(table)
    return converted if converted != text else "1".translate(table) * max(len(text), 1)


def _duplicated(body: dict[str, Any], path: tuple[str | int, ...] = ()) -> bytes | None:
    """The body with the first member of the object at ``path`` named twice, the second time with
    another value (what a proxy reading the first and an app reading the last would disagree on)."""
    target: Any = body
    for step in path:
        target = target[step]
    if not isinstance(target, dict) or not target:
        return None
    name, value = next(iter(target.items()))
    other = "smuggled" if value != "smuggled" else "other"
    marker = {**target, "\x01dup\x01": other}
    text = _encode(replaced(body, path, marker) if path else marker).decode()
    return text.replace('"\\u0001dup\\u0001"', msgspec.json.encode(name).decode()).encode()


def _nested_object(body: Any, path: tuple[str | int, ...] = ()) -> tuple[str | int, ...] | None:
    items = body.items() if isinstance(body, dict) else enumerate(body) if isinstance(body, list) else []
    for key, value in items:
        if isinstance(value, dict) and value:
            return (*path, key)
        if isinstance(value, dict | list):
            found = _nested_object(value, (*path, key))
            if found:
                return found
    return None


def body_cases(op: Operation) -> Iterator[Case]:
    if op.body_encoding is None:
        return
    target = op.path()
    if op.body_encoding != "json":
        yield Case(op, "invalid UTF-8", target, (("content-type", op.body_encoding.encode()),), b"\xff\xfe")
        return
    for label, body, declared in variants(op.body):
        tag = f"{label}: " if len(variants(op.body)) > 1 else ""
        valid = _encode(body)
        yield Case(
            op,
            f"{tag}{DEPTH:,}-deep JSON",
            target,
            _json_headers(),
            b"[" * DEPTH + b"]" * DEPTH,
            expect=MALFORMED,
        )
        yield Case(
            op,
            f"{tag}JSON nested {DEPTH:,} deep in an object",
            target,
            _json_headers(),
            b'{"a":' * DEPTH + b"1" + b"}" * DEPTH,
            expect=MALFORMED,
        )
        huge = b"[" + b"0," * (ELEMENTS - 1) + b"0]"
        yield Case(op, f"{tag}{ELEMENTS:,}-element array", target, _json_headers(), huge, expect=TOO_LARGE)
        yield Case(
            op,
            f"{tag}{ELEMENTS:,}-element array, chunked",
            target,
            _json_headers(),
            huge,
            chunked=True,
            expect=TOO_LARGE,
        )
        duplicated = _duplicated(body)
        if duplicated is not None:
            yield Case(op, f"{tag}duplicate key", target, _json_headers(), duplicated, expect=DUPLICATE)
        nested = _nested_object(body)
        if nested is not None:
            again = _duplicated(body, nested)
            assert again is not None
            yield Case(
                op, f"{tag}duplicate key in a nested object", target, _json_headers(), again, expect=DUPLICATE
            )
        for media_type in (
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data",
            "application/xml",
        ):
            yield Case(
                op,
                f"{tag}sent as {media_type}",
                target,
                (("content-type", media_type.encode()),),
                valid,
                expect=MEDIA_TYPE,
            )
        yield Case(op, f"{tag}no content type", target, (), valid, expect=MEDIA_TYPE)
        yield Case(op, f"{tag}empty body", target, _json_headers(), b"", expect=INVALID | MALFORMED)
        for other in (b"[]", b"null", b"1", b'"text"'):
            yield Case(op, f"{tag}body {other.decode()}", target, _json_headers(), other, expect=INVALID)
        for leaf in leaves(body, declared):
            yield from _leaf_cases(op, f"{tag}{leaf.where}", target, body, leaf)


def _leaf_cases(op: Operation, where: str, target: str, body: Any, leaf: Leaf) -> Iterator[Case]:
    headers = _json_headers()
    reason = JUDGED.get((op.key, leaf.where))
    judged = {"judged": reason} if reason else {}
    if isinstance(leaf.value, str):
        text = leaf.value or "a"
        middle = len(text) // 2
        nul = _encode(replaced(body, leaf.path, text[:middle] + "\x00" + text[middle + 1 :]))
        yield Case(op, f"{where}: NUL", target, headers, nul, meta=judged)
        for escape in ("\\ud800", "\\udc00"):
            yield Case(
                op,
                f"{where}: lone surrogate {escape}",
                target,
                headers,
                _with_surrogate(body, leaf, escape),
                expect=MALFORMED,
            )
        invalid = _encode(replaced(body, leaf.path, _SURROGATE_MARK)).replace(
            b"\\u0001surrogate\\u0001", b"\xff\xfe"
        )
        yield Case(op, f"{where}: invalid UTF-8", target, headers, invalid, expect=MALFORMED)
        yield Case(
            op,
            f"{where}: {OVERLONG:,} characters",
            target,
            headers,
            _encode(replaced(body, leaf.path, "a" * OVERLONG)),
            expect=INVALID,
        )
    if _id_like(leaf):
        for name, table in (("Arabic-Indic", ARABIC_INDIC), ("full-width", FULL_WIDTH)):
            value = _unicode_digits(leaf.value, table)
            body_with = _encode(replaced(body, leaf.path, value))
            yield Case(op, f"{where}: {name} digits", target, headers, body_with, meta=judged)


def _quote(text: str) -> str:
    return "".join(
        c
        if c.isascii() and (c.isalnum() or c in "-._~")
        else "".join(f"%{b:02X}" for b in c.encode("utf-8", "surrogatepass"))
        for c in text
    )


def path_cases(op: Operation) -> Iterator[Case]:
    for param in op.path_params:
        example = str(uuid.uuid4()) if param.type is uuid.UUID else "12345" if param.type is int else "a"
        raw: list[tuple[str, str]] = [
            ("NUL", "%00"),
            ("invalid UTF-8", "%FF%FE"),
            ("lone surrogate", "%ED%A0%80"),
            ("4,000 characters", "a" * 4000),
            ("Arabic-Indic digits", _quote(_unicode_digits(example, ARABIC_INDIC))),
            ("full-width digits", _quote(_unicode_digits(example, FULL_WIDTH))),
        ]
        if param.type is uuid.UUID:
            raw += [
                ("urn:uuid: form", f"urn:uuid:{example}"),
                ("braced", f"%7B{example}%7D"),
                ("no hyphens", example.replace("-", "")),
            ]
        if param.type is int:
            raw += [("plus sign", "%2B12345"), ("underscore", "12_345"), ("padded", "%2012345")]
        # A typed id (uuid, int) that isn't spelt as the API spells it names nothing: refused before
        # any handler runs. A text id (str) is the handler's to judge: any problem of the catalogue.
        expect = None if param.type in (str, Path) else NO_SUCH_PATH
        for name, value in raw:
            yield Case(
                op,
                f"path {param.name}: {name}",
                op.path(**{param.name: value}),
                expect=expect,
                meta={"path": True},
            )


def _query_example(param: Param) -> str:
    annotation = str(param.annotation)
    if "int" in annotation:
        return "1"
    if "bool" in annotation:
        return "false"
    if "UUID" in annotation:
        return str(uuid.uuid4())
    return "a"


def query_cases(op: Operation) -> Iterator[Case]:
    base = op.path()
    for param in op.query:
        example = _query_example(param)
        values = [
            ("NUL", "%00"),
            ("invalid UTF-8", "%FF%FE"),
            ("lone surrogate", "%ED%A0%80"),
            ("4,000 characters", "a" * 4000),
            ("Arabic-Indic digits", _quote(_unicode_digits(example, ARABIC_INDIC))),
            ("full-width digits", _quote(_unicode_digits(example, FULL_WIDTH))),
        ]
        reason = JUDGED_QUERY.get((op.key, param.name))
        judged = {"judged": reason} if reason else {}
        for name, value in values:
            yield Case(op, f"query {param.name}: {name}", f"{base}?{param.name}={value}", meta=judged)
        if not param.sequence:
            yield Case(
                op,
                f"query {param.name}: given twice",
                f"{base}?{param.name}={example}&{param.name}={example}",
                expect=INVALID,
            )


def header_cases(op: Operation) -> Iterator[Case]:
    target = op.path()
    bodies = variants(op.body) if op.body is not None and op.body_encoding == "json" else []
    content = _encode(bodies[0][1]) if bodies else None
    base = _json_headers() if content is not None else ()
    for param in op.headers:
        for name, value in (
            ("NUL", b"a\x00b"),
            ("invalid UTF-8", b"\xff\xfe"),
            ("4,000 characters", b"a" * 4000),
            ("control character", b"a\x1bb"),
        ):
            yield Case(op, f"header {param.name}: {name}", target, (*base, (param.name, value)), content)


def edge_cases(op: Operation) -> Iterator[Case]:
    """Refused before any route runs, whoever asks."""
    target = op.path()
    edge = {"edge": True}
    yield Case(
        op, "a 64 KiB header", target, (("x-padding", b"a" * 65_536),), expect=HEADERS_TOO_LARGE, meta=edge
    )
    # Twice the limits (100 fields, 8 KiB of path and query): httpx's own cost grows with the square
    # of the field count, and past the limit more proves nothing more.
    many = tuple((f"x-h{i}", b"v") for i in range(200))
    yield Case(op, MANY_HEADERS, target, many, expect=HEADERS_TOO_LARGE, meta=edge)
    query = f"{target}?q={'a' * 16_384}"
    yield Case(op, "a 16,384-character query string", query, expect=URI_TOO_LONG, meta=edge)


def bearer_cases(op: Operation) -> Iterator[Case]:
    """For a guarded route: the token itself is the bad input."""
    target = op.path()
    for name, value in (
        ("NUL", b"Bearer a\x00b"),
        ("invalid UTF-8", b"Bearer \xff\xfe"),
        ("lone surrogate", b"Bearer \xed\xa0\x80"),
        ("8,000 characters", b"Bearer " + b"a" * 8000),
        ("full-width digits", "Bearer １２３".encode()),
        ("no token", b"Bearer "),
        ("another scheme", b"Basic YTpi"),
    ):
        yield Case(
            op, f"bearer: {name}", target, (("authorization", value),), expect=BAD_TOKEN, authenticated=False
        )
