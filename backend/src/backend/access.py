"""What every route declares next to itself: who may call it, which ids in it belong to the caller,
and which errors it can answer.

A route handler carries the declaration as keyword arguments, which Litestar keeps in its ``opt``::

    @get("/devices/{device_id:uuid}", access=CITIZEN, owns={"device_id": "code.device"},
         errors=(DeviceNotFound,))

    class ScannerAdminController(Controller):
        opt = {"access": staff("operator")}      # every handler of the controller, unless it says otherwise

- ``access`` (an ``Access``): anonymous, any signed-in caller, a citizen, staff holding one of some
  roles, a device holding some scopes. One app-wide guard (``backend.auth.guards.authorize``) enforces
  it; ``create_app`` refuses to start when a route lacks it, so no route is reachable undeclared.
- ``owns``: path parameters (or body fields) naming an object that must belong to the caller (its
  value is the kind of object, e.g. ``"code.device"``). Another caller of the same kind gets the
  object's 404, never its contents; the authorization-matrix test proves it for every such route.
- ``errors``: the domain errors the handler can answer, as leaves or groups (a group stands for its
  leaves). With what ``access`` implies, what any body or parameter implies, and what every route
  may answer (a store or database outage, a bug), they are the route's documented problems: the
  OpenAPI document lists them per operation (``backend.openapi``), and an answer with a code the
  route did not declare is logged as ``problem.undeclared`` (the test suite fails on it).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any, Literal

import msgspec
from litestar import Litestar
from litestar.handlers import BaseRouteHandler, HTTPRouteHandler
from litestar.routes import ASGIRoute, HTTPRoute

from backend.database import DatabaseUnavailable
from backend.errors import DomainError
from backend.problem_codes import (
    INTERNAL_ERROR,
    REQUEST_DUPLICATE_KEY,
    REQUEST_HEADERS_TOO_LARGE,
    REQUEST_INVALID,
    REQUEST_MALFORMED,
    REQUEST_NOT_FOUND,
    REQUEST_TIMEOUT,
    REQUEST_TOO_LARGE,
    REQUEST_UNSUPPORTED_MEDIA_TYPE,
    REQUEST_URI_TOO_LONG,
    ProblemCode,
    catalogue,
    leaves,
)
from backend.store import StoreUnavailable

log = logging.getLogger("backend.contract")
# A broken contract is worth a line whatever level the operator chose for the rest.
log.setLevel(logging.WARNING)

ACCESS = "access"
OWNS = "owns"
SHARED = "shared_ids"
ERRORS = "errors"
# A page for a browser (HTML, form posts, a cookie session: the staff console), not an API operation:
# set on its router's ``opt``. The API's problem+json contract tests leave it to its browser suite.
PAGE = "page"
# Where create_app leaves each handler's resolved set of declared codes (read per error answered).
_DECLARED = "_declared_codes"

AccessKind = Literal["anonymous", "authenticated", "citizen", "staff", "device"]


class Access(msgspec.Struct, frozen=True, kw_only=True):
    """Who may call a route. Built by ``backend.auth.guards`` (``CITIZEN``, ``staff(...)``,
    ``device(...)``), which also names the errors its check can answer (``errors``); ``ANYONE``
    is here because it needs no check."""

    kind: AccessKind
    roles: frozenset[str] = frozenset()
    scopes: tuple[str, ...] = ()
    # False on a hot path that folds the revocation read into its own store round trip.
    check_revocation: bool = True
    errors: tuple[type[DomainError], ...] = ()
    # The agent scopes (``backend.organisation``: apply, pay, licences) under any one of which a citizen
    # acting for an organisation may call the route; empty: acting-as tokens are refused here.
    acting: tuple[str, ...] = ()
    # The cookie carrying the token, on the pages of a browser session (the staff console,
    # ``backend.console``); None: ``Authorization: Bearer``. A route reading a cookie takes no header,
    # so a token lifted from an API client can't drive a page (whose forms carry CSRF tokens).
    cookie: str | None = None

    @property
    def anonymous(self) -> bool:
        return self.kind == "anonymous"

    def admits(
        self,
        kind: str,
        roles: Iterable[str] = (),
        scopes: Iterable[str] = (),
        acting: Iterable[str] | None = None,
    ) -> bool:
        """Would a caller of ``kind`` with ``roles`` and ``scopes`` pass (the matrix test's oracle)?
        ``acting``: the agent scopes of a caller acting for an organisation."""
        if self.anonymous:
            return True
        if kind == "anonymous":
            return False
        if acting is not None and set(self.acting).isdisjoint(acting):
            return False
        if self.kind != "authenticated" and kind != self.kind:
            return False
        held = set(scopes)
        if not all(scope in held for scope in self.scopes):
            return False
        return not self.roles or not self.roles.isdisjoint(roles)


ANYONE = Access(kind="anonymous")

# What any route may answer whatever it declares: a bug, an outage of our own storage, and a request
# line or headers over the limits, refused before routing (backend.edge).
_EVERY_ROUTE: tuple[ProblemCode | type[DomainError], ...] = (
    INTERNAL_ERROR,
    StoreUnavailable,
    DatabaseUnavailable,
    REQUEST_URI_TOO_LONG,
    REQUEST_HEADERS_TOO_LARGE,
)
# What reading a JSON body may answer (backend.web, backend.problems).
_BODY: tuple[ProblemCode, ...] = (
    REQUEST_MALFORMED,
    REQUEST_DUPLICATE_KEY,
    REQUEST_INVALID,
    REQUEST_TOO_LARGE,
    REQUEST_UNSUPPORTED_MEDIA_TYPE,
    REQUEST_TIMEOUT,
)
_PARAMETERS: tuple[ProblemCode, ...] = (REQUEST_INVALID,)
# A path parameter of the wrong shape (not a UUID) matches no route: the framework's 404.
_PATH_PARAMETERS: tuple[ProblemCode, ...] = (REQUEST_NOT_FOUND,)


class RouteDeclarationError(Exception):
    """A route without a declaration, or with one that names what does not exist."""


class Declared(msgspec.Struct, frozen=True, kw_only=True):
    access: Access
    owns: Mapping[str, str]
    problems: tuple[ProblemCode, ...]


_ROWS_UNDER: dict[type[DomainError], tuple[ProblemCode, ...]] = {}


def _rows_under(kind: type[DomainError]) -> tuple[ProblemCode, ...]:
    """The catalogue rows of every leaf under ``kind`` (itself when a leaf). Kept: the catalogue is
    fixed once the backend is imported, and every app start asks the same few hundred times."""
    rows = _ROWS_UNDER.get(kind)
    if rows is None:
        by_code = {entry.code: entry for entry in catalogue()}
        rows = _ROWS_UNDER[kind] = tuple(by_code[leaf.code] for leaf in leaves() if issubclass(leaf, kind))
    return rows


def _expand(items: Iterable[Any], where: str) -> list[ProblemCode]:
    """``errors`` entries as catalogue rows: a leaf is itself, a group every leaf under it."""
    found: list[ProblemCode] = []
    for item in items:
        if isinstance(item, ProblemCode):
            found.append(item)
        elif isinstance(item, type) and issubclass(item, DomainError):
            rows = _rows_under(item)
            if not rows:
                raise RouteDeclarationError(f"{where}: {item.__qualname__} has no leaf in the catalogue")
            found.extend(rows)
        else:
            raise RouteDeclarationError(f"{where}: errors= {item!r}, not an error class or ProblemCode")
    return found


def _takes_body(handler: HTTPRouteHandler) -> bool:
    return "data" in handler.parsed_fn_signature.parameters


def _takes_parameters(handler: HTTPRouteHandler, route: HTTPRoute) -> bool:
    # Path parameters, and query or header parameters: any signature field that is not a dependency.
    dependencies = handler.resolve_dependencies()
    reserved = {"data", "request", "state", "scope", "socket", "headers", "cookies", "query", "body"}
    names = set(handler.parsed_fn_signature.parameters) - reserved - set(dependencies)
    return bool(route.path_parameters) or bool(names)


def declared(handler: BaseRouteHandler, route: HTTPRoute | None = None) -> Declared:
    """The handler's declaration with every implied problem added; ``RouteDeclarationError`` when
    ``access`` is missing."""
    where = f"{sorted(getattr(handler, 'http_methods', ()))} {handler.paths}"
    opt = handler.opt
    access = opt.get(ACCESS)
    if not isinstance(access, Access):
        raise RouteDeclarationError(
            f"{where} declares no access: add access=ANYONE/CITIZEN/staff(...)/device(...) (backend.access)"
        )
    owns = opt.get(OWNS, {})
    if not isinstance(owns, Mapping) or not all(isinstance(v, str) for v in owns.values()):
        raise RouteDeclarationError(f"{where}: owns must map parameter names to object kinds")
    if owns and access.kind not in ("citizen", "device"):
        raise RouteDeclarationError(f"{where}: only a citizen's or a device's route can own ids")
    if route is not None:
        _check_ids(access, owns, opt.get(SHARED, ()), route, where)
    _check_anonymous_is_per_route(handler, access, where)
    raises: list[ProblemCode] = _expand(_EVERY_ROUTE, where)
    raises += _expand(access.errors, where)
    if isinstance(handler, HTTPRouteHandler) and route is not None:
        if _takes_body(handler):
            raises += _BODY
        if _takes_parameters(handler, route):
            raises += _PARAMETERS
        if route.path_parameters:
            raises += _PATH_PARAMETERS
    raises += _expand(opt.get(ERRORS, ()), where)
    unique = {entry.code: entry for entry in raises}
    return Declared(
        access=access, owns=dict(owns), problems=tuple(sorted(unique.values(), key=lambda e: e.code))
    )


def _check_ids(access: Access, owns: Mapping[str, str], shared: Any, route: HTTPRoute, where: str) -> None:
    """On a citizen's or a device's route every path id is either the caller's own (``owns=``) or
    declared one any such caller may name (``shared_ids=``): an id left unsaid is how one citizen
    reads another's object."""
    if access.kind not in ("citizen", "device"):
        return
    unsaid = set(route.path_parameters) - set(owns) - set(shared)
    if unsaid:
        raise RouteDeclarationError(
            f"{where}: path ids {sorted(unsaid)} must be owns= (the caller's own) or shared_ids= "
            "(any caller may name them)"
        )


def _check_anonymous_is_per_route(handler: BaseRouteHandler, access: Access, where: str) -> None:
    """Opening a route to anyone is said beside the route itself: a controller- or router-wide ANYONE
    would open every handler added there later without a word. Only handlers hidden from the
    document (Litestar's own schema routes) may inherit it."""
    if not access.anonymous or not isinstance(handler, HTTPRouteHandler):
        return  # (a mount is not in the document; it declares its own access)
    if not handler.resolve_include_in_schema():
        return
    for layer in handler.ownership_layers[:-1]:
        inherited = (layer.opt or {}).get(ACCESS)
        if isinstance(inherited, Access) and inherited.anonymous:
            raise RouteDeclarationError(
                f"{where}: ANYONE inherited from {type(layer).__name__}; declare access=ANYONE on the route"
            )


def access_table(app: Litestar) -> list[str]:
    """One line per route: method, path, who may call it, its owned and shared ids. Committed as
    tests/contract/access_table.txt, so a change of who may call what shows in review."""
    lines = []
    for route, method, handler in http_handlers(app):
        declaration = declared(handler, route)
        access = declaration.access
        who: str = access.kind
        if access.roles:
            who += f"({', '.join(sorted(access.roles))})"
        if access.scopes and access.kind != "citizen":
            who += f"[{', '.join(access.scopes)}]"
        if access.acting:
            who += f" acting({' or '.join(access.acting)})"
        if access.cookie:
            who += f" cookie({access.cookie})"
        owned = " ".join(f"owns {name}={kind}" for name, kind in sorted(declaration.owns.items()))
        shared = " ".join(f"shared {name}" for name in sorted(handler.opt.get(SHARED, ())))
        lines.append(
            " ".join(part for part in (f"{method:6} {route.path_format}", who, owned, shared) if part)
        )
    for other in app.routes:
        if isinstance(other, ASGIRoute):
            lines.append(f"{'MOUNT':6} {other.path} {declared(other.route_handler).access.kind}")
    return sorted(lines)


def http_handlers(app: Litestar) -> Iterable[tuple[HTTPRoute, str, HTTPRouteHandler]]:
    """Every (route, method, handler) of the app; HEAD and OPTIONS that Litestar adds are left out."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for method, (handler, _model) in route.route_handler_map.items():
            if method in ("HEAD", "OPTIONS") and method not in handler.http_methods:
                continue
            if method == "OPTIONS" and handler.fn.__name__ == "options_handler":
                continue
            yield route, method, handler


def check_routes(app: Litestar) -> None:
    """Resolve every route's declaration once (``create_app`` calls this): a route without one
    refuses the app; each handler keeps its declared codes for ``undeclared``."""
    for route in app.routes:
        handlers = route.route_handlers if isinstance(route, HTTPRoute) else [route.route_handler]
        for handler in handlers:
            if isinstance(handler, HTTPRouteHandler) and handler.fn.__name__ == "options_handler":
                continue  # Litestar's own CORS preflight answer
            http_route = route if isinstance(route, HTTPRoute) else None
            handler.opt[_DECLARED] = frozenset(entry.code for entry in declared(handler, http_route).problems)


def undeclared(handler: BaseRouteHandler | None, code: str, *, method: str, path: str) -> bool:
    """Log ``problem.undeclared`` when ``code`` is not among ``handler``'s declared problems (no
    handler: an unrouted request, nothing to check). True when it was undeclared."""
    if handler is None:
        return False
    codes = handler.opt.get(_DECLARED)
    if codes is None or code in codes:
        return False
    log.warning(
        "problem.undeclared: %s %s answered %s, which the route does not declare (errors=)",
        method,
        path,
        code,
        extra={"event": "problem.undeclared", "problem_code": code, "route": str(handler.paths)},
    )
    return True


__all__ = [
    "ACCESS",
    "ANYONE",
    "ERRORS",
    "OWNS",
    "PAGE",
    "SHARED",
    "Access",
    "Declared",
    "RouteDeclarationError",
    "access_table",
    "check_routes",
    "declared",
    "http_handlers",
    "undeclared",
]
