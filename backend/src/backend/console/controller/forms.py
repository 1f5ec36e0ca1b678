"""Reading a console form: its fields, once its CSRF token is checked."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request
from litestar.params import QueryParameter

from backend.auth.principal import Principal
from backend.console.errors import CsrfInvalid, FormInvalid
from backend.console.session import CSRF_FIELD, ConsoleSessions, pre_session_matches

AnyRequest = Request[Any, Any, Any]
# What an action did, shown on the page it redirects to ("created:clerk.li"): a word and a name or an
# id, nothing a crafted link could turn into a message of its own.
Done = Annotated[str | None, QueryParameter(pattern=r"^[a-z-]+:[A-Za-z0-9_.-]{1,64}$")]
# A console form is a few short fields; anything longer is not ours — but for the fields a form names
# long (an item's form as JSON text: the seed's longest is under 8 KiB).
_MAX_FIELD = 1024
_MAX_LONG_FIELD = 64 * 1024


async def _fields(request: AnyRequest, long: frozenset[str] = frozenset()) -> dict[str, str]:
    form = await request.form()
    fields: dict[str, str] = {}
    for name, value in form.multi_items():
        limit = _MAX_LONG_FIELD if name in long else _MAX_FIELD
        if not isinstance(value, str) or len(value) > limit or name in fields:
            raise FormInvalid()
        fields[name] = value
    return fields


async def session_form(
    request: AnyRequest, principal: Principal, csrf: ConsoleSessions, *, long: frozenset[str] = frozenset()
) -> dict[str, str]:
    """The fields of a form posted in a session; ``CsrfInvalid`` unless it carries the session's token."""
    if request.content_type[0] != "application/x-www-form-urlencoded":
        raise CsrfInvalid()
    fields = await _fields(request, long)
    if not csrf.matches(principal, fields.pop(CSRF_FIELD, None)):
        raise CsrfInvalid()
    return fields


async def held_form(request: AnyRequest, *, long: frozenset[str]) -> dict[str, str]:
    """The fields of a form whose session lapsed (``backend.console.held``): no session to check its
    token against — the hold token among them says whose they are."""
    if request.content_type[0] != "application/x-www-form-urlencoded":
        raise FormInvalid()
    return await _fields(request, long)


async def sign_in_form(request: AnyRequest) -> dict[str, str]:
    """The fields of a sign-in form; ``CsrfInvalid`` unless its token is the browser's cookie's."""
    if request.content_type[0] != "application/x-www-form-urlencoded":
        raise CsrfInvalid()
    fields = await _fields(request)
    if not pre_session_matches(request, fields.pop(CSRF_FIELD, None)):
        raise CsrfInvalid()
    return fields


def field(fields: dict[str, str], name: str) -> str:
    value = fields.get(name, "").strip()
    if not value:
        raise FormInvalid(detail=f"The field {name!r} is required")
    return value
