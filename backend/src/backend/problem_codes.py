"""Every problem code the API answers, from one source: the table in ``backend/README.md`` and the
``Problem`` component of the OpenAPI document (``backend.problems.problem_responses``) both read
``catalogue()``.

Domain codes are the leaves of the kinds in ``backend.errors``. They are found, not listed:
``catalogue()`` imports every module of the ``backend`` package and walks the subclasses, so a
feature's new ``errors.py`` needs no registration. Framework codes, for failures outside the domain
(no route, an undecodable body, a bug, an upstream failure no feature mapped), are the constants
below; ``backend.problems`` answers them with their own statuses.

    uv run python -m backend.problem_codes           # print the table
    uv run python -m backend.problem_codes --write   # rewrite it in backend/README.md

A test regenerates the table and compares, so a new leaf without ``--write`` fails CI.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import pkgutil
import sys
from pathlib import Path
from types import ModuleType

import msgspec

import backend
from backend.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    NotFound,
    RateLimited,
    Unauthenticated,
    Unavailable,
)

README = Path(__file__).resolve().parents[2] / "README.md"
BEGIN = "<!-- problem-codes:begin -->"
END = "<!-- problem-codes:end -->"
FRAMEWORK = "framework"
# A leaf's kind is the first of these in its MRO: the sub-kinds come before the kinds they refine.
_KINDS: tuple[type[DomainError], ...] = (
    NotFound,
    Conflict,
    Unauthenticated,
    Forbidden,
    Invalid,
    RateLimited,
    Unavailable,
)


class ProblemCode(msgspec.Struct, frozen=True, kw_only=True):
    """One row of the catalogue. ``kind`` is a domain kind's name, or ``framework``; ``source`` is
    the class that raises the code (or ``backend.problems`` for a framework code)."""

    code: str
    status: int
    title: str
    kind: str
    description: str
    source: str = "backend.problems"


REQUEST_NOT_FOUND = ProblemCode(
    code="request.not_found",
    status=404,
    title="Not found",
    kind=FRAMEWORK,
    description="No route matches the path",
)
REQUEST_METHOD_NOT_ALLOWED = ProblemCode(
    code="request.method_not_allowed",
    status=405,
    title="Method not allowed",
    kind=FRAMEWORK,
    description="The route exists, the method doesn't (`Allow` lists the methods)",
)
REQUEST_MALFORMED = ProblemCode(
    code="request.malformed",
    status=400,
    title="The request body could not be decoded",
    kind=FRAMEWORK,
    description="The body is not valid JSON: broken, not UTF-8, or nested past the decoder's ~1,000 levels",
)
REQUEST_DUPLICATE_KEY = ProblemCode(
    code="request.duplicate_key",
    status=400,
    title="The JSON body names a member twice",
    kind=FRAMEWORK,
    description="An object of the JSON body has two members of one name: RFC 8259 leaves the meaning "
    "open, and a proxy that read the first would have judged another request than ours (the last)",
)
REQUEST_INVALID = ProblemCode(
    code="request.invalid",
    status=400,
    title="The request failed validation",
    kind=FRAMEWORK,
    description="The body or the parameters fail validation (`errors` lists the fields), or a query "
    "parameter that takes one value is given several",
)
REQUEST_TOO_LARGE = ProblemCode(
    code="request.too_large",
    status=413,
    title="Request body too large",
    kind=FRAMEWORK,
    description="The body is over `SUQIAN_MAX_BODY_BYTES`",
)
REQUEST_URI_TOO_LONG = ProblemCode(
    code="request.uri_too_long",
    status=414,
    title="URI too long",
    kind=FRAMEWORK,
    description="The path and query are over `SUQIAN_HTTP_MAX_TARGET_BYTES` (8 KiB); refused before any "
    "route runs",
)
REQUEST_HEADERS_TOO_LARGE = ProblemCode(
    code="request.headers_too_large",
    status=431,
    title="Request header fields too large",
    kind=FRAMEWORK,
    description="More than `SUQIAN_HTTP_MAX_HEADER_COUNT` (100) header fields, or over "
    "`SUQIAN_HTTP_MAX_HEADER_BYTES` (16 KiB) of them; refused before any route runs",
)
REQUEST_UNSUPPORTED_MEDIA_TYPE = ProblemCode(
    code="request.unsupported_media_type",
    status=415,
    title="Unsupported media type",
    kind=FRAMEWORK,
    description="A JSON body sent without `Content-Type: application/json` (or `application/*+json`)",
)
REQUEST_TIMEOUT = ProblemCode(
    code="request.timeout",
    status=408,
    title="Request timeout",
    kind=FRAMEWORK,
    description="The body did not arrive within `SUQIAN_HTTP_BODY_READ_TIMEOUT` (30 s); the connection "
    "closes",
)
REQUEST_RATE_LIMITED = ProblemCode(
    code="request.rate_limited",
    status=429,
    title="Too many requests",
    kind=FRAMEWORK,
    description="A 429 of Litestar's own (the app's limits answer codes of their own)",
)
REQUEST_BAD = ProblemCode(
    code="request.bad",
    status=400,
    title="Bad request",
    kind=FRAMEWORK,
    description="Any other client error Litestar raises, with its own 4xx status",
)
AUTH_UNAUTHENTICATED = ProblemCode(
    code="auth.unauthenticated",
    status=401,
    title="Unauthenticated",
    kind=FRAMEWORK,
    description="A 401 of Litestar's own (guarded routes answer `auth.token_*`)",
)
AUTH_FORBIDDEN = ProblemCode(
    code="auth.forbidden",
    status=403,
    title="Forbidden",
    kind=FRAMEWORK,
    description="A 403 of Litestar's own (guarded routes answer `auth.wrong_principal_kind` and the like)",
)
INTERNAL_ERROR = ProblemCode(
    code="internal.error",
    status=500,
    title="Internal error",
    kind=FRAMEWORK,
    description="Anything unexpected: logged with its request id, no internals in the answer",
)
UPSTREAM_UNAVAILABLE = ProblemCode(
    code="upstream.unavailable",
    status=503,
    title="Upstream unavailable",
    kind=FRAMEWORK,
    description="An upstream system is unavailable and no feature mapped it to a code of its own "
    "(`Retry-After: 5`)",
)
UPSTREAM_REJECTED = ProblemCode(
    code="upstream.rejected",
    status=502,
    title="Upstream refused the request",
    kind=FRAMEWORK,
    description="An upstream refused a request no feature anticipated",
)
FRAMEWORK_CODES = (
    REQUEST_NOT_FOUND,
    REQUEST_METHOD_NOT_ALLOWED,
    REQUEST_MALFORMED,
    REQUEST_DUPLICATE_KEY,
    REQUEST_INVALID,
    REQUEST_TOO_LARGE,
    REQUEST_URI_TOO_LONG,
    REQUEST_HEADERS_TOO_LARGE,
    REQUEST_UNSUPPORTED_MEDIA_TYPE,
    REQUEST_TIMEOUT,
    REQUEST_RATE_LIMITED,
    REQUEST_BAD,
    AUTH_UNAUTHENTICATED,
    AUTH_FORBIDDEN,
    INTERNAL_ERROR,
    UPSTREAM_UNAVAILABLE,
    UPSTREAM_REJECTED,
)


def _import_all(package: ModuleType) -> None:
    # Migrations are piccolo's, and __main__ modules run commands: neither defines an error.
    for info in pkgutil.iter_modules(package.__path__, f"{package.__name__}."):
        if info.name.rpartition(".")[2] in {"__main__", "piccolo_migrations"}:
            continue
        module = importlib.import_module(info.name)
        if info.ispkg:
            _import_all(module)


def domain_errors() -> list[type[DomainError]]:
    """Every ``DomainError`` subclass the ``backend`` package defines (kinds, groups and leaves),
    once every module of it is imported; classes defined elsewhere (tests) are left out."""
    _import_all(backend)
    found: list[type[DomainError]] = []
    pending = [DomainError]
    while pending:
        for sub in pending.pop().__subclasses__():
            if sub.__module__.startswith("backend."):
                found.append(sub)
                pending.append(sub)
    return found


def leaves() -> list[type[DomainError]]:
    """The classes that declare a code of their own: one per fact."""
    return [cls for cls in domain_errors() if "code" in vars(cls)]


def _entry(leaf: type[DomainError]) -> ProblemCode:
    kind = next(kind for kind in leaf.__mro__ if kind in _KINDS)
    # The class docstring says when, where there is more to say than the detail.
    doc = leaf.__doc__ if "__doc__" in vars(leaf) and leaf.__doc__ else leaf.detail
    return ProblemCode(
        code=leaf.code,
        status=leaf.status,
        title=leaf.title,
        kind=kind.__name__,
        # One line of Markdown: the first paragraph, reST literals as code spans, no closing stop.
        description=" ".join(doc.split("\n\n", 1)[0].split()).replace("``", "`").removesuffix("."),
        source=f"{leaf.__module__}.{leaf.__qualname__}",
    )


@functools.cache
def catalogue() -> tuple[ProblemCode, ...]:
    """Every code the API answers, sorted by code. Raises ``ValueError`` when two classes (or a class
    and a framework constant) claim one code: a code names one fact."""
    by_code: dict[str, ProblemCode] = {}
    for entry in (*FRAMEWORK_CODES, *(_entry(leaf) for leaf in leaves())):
        if entry.code in by_code:
            raise ValueError(f"{entry.code} is both {by_code[entry.code].source} and {entry.source}")
        by_code[entry.code] = entry
    return tuple(sorted(by_code.values(), key=lambda entry: entry.code))


def markdown_table() -> str:
    rows = [
        "| Code | Status | Kind | Meaning | Source |",
        "|---|---|---|---|---|",
    ]
    for entry in catalogue():
        source = entry.source.removeprefix("backend.")
        meaning = entry.description.replace("|", "\\|")
        rows.append(f"| `{entry.code}` | {entry.status} | {entry.kind} | {meaning} | `{source}` |")
    return "\n".join(rows) + "\n"


def with_table(readme: str) -> str:
    """``readme`` with the text between the markers replaced by the current table."""
    head, begin, rest = readme.partition(BEGIN)
    _, end, tail = rest.partition(END)
    if not begin or not end:
        raise ValueError(f"the README needs the markers {BEGIN} and {END}")
    return f"{head}{BEGIN}\n{markdown_table()}{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m backend.problem_codes", description="Print (or --write) the table of problem codes."
    )
    parser.add_argument("--write", action="store_true", help=f"rewrite the table in {README}")
    args = parser.parse_args(argv)
    if not args.write:
        sys.stdout.write(markdown_table())
        return 0
    text = README.read_text()
    updated = with_table(text)
    if updated != text:
        README.write_text(updated)
    print(f"{README}: {len(catalogue())} codes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
