"""``create_app(settings)``: the whole core API as one Litestar application."""

from __future__ import annotations

import ipaddress
import logging
import os
from collections.abc import Sequence
from typing import Any

from litestar import Litestar, Router, asgi
from litestar.config.cors import CORSConfig
from litestar.di import Provide
from litestar.exceptions import NotFoundException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components
from litestar.routes import HTTPRoute
from litestar.types import ControllerRouterHandler, Receive, Scope, Send

from backend.access import ANYONE, check_routes
from backend.account_link.feature import FEATURE as ACCOUNT_LINK
from backend.application.feature import FEATURE as APPLICATION
from backend.auth.feature import FEATURE as AUTH
from backend.auth.guards import PRINCIPAL_DEPENDENCY, authorize
from backend.catalogue.feature import FEATURE as CATALOGUE
from backend.citizen.feature import FEATURE as CITIZEN
from backend.code.feature import FEATURE as CODE
from backend.console.feature import FEATURE as CONSOLE
from backend.credit.feature import FEATURE as CREDIT
from backend.database import bind_engine, bound_engine, bound_registry
from backend.datarights.feature import FEATURE as DATARIGHTS
from backend.dependencies import install as install_dependency_resolution
from backend.docs_ui import assets_router, render_plugins
from backend.early import EarlyAnswers
from backend.edge import RequestLimits, canonical_parameters
from backend.education.feature import FEATURE as EDUCATION
from backend.evidence.feature import FEATURE as EVIDENCE
from backend.feature import Feature
from backend.guidance.feature import FEATURE as GUIDANCE
from backend.health.feature import FEATURE as HEALTH
from backend.hotel.feature import FEATURE as HOTEL
from backend.hotline.feature import FEATURE as HOTLINE
from backend.licence.feature import FEATURE as LICENCE
from backend.notification.feature import FEATURE as NOTIFICATION
from backend.observability.logs import configure_logging
from backend.observability.metrics import metrics_route
from backend.observability.middleware import RequestContextMiddleware
from backend.observability.tracing import TracingMiddleware
from backend.openapi import SECURITY_SCHEMES, StrictStructSchemaPlugin, install
from backend.openapi_docs import TAGS
from backend.organisation.feature import FEATURE as ORGANISATION
from backend.outbox.feature import FEATURE as OUTBOX
from backend.parking.feature import FEATURE as PARKING
from backend.payment.feature import FEATURE as PAYMENT
from backend.problem_codes import REQUEST_NOT_FOUND
from backend.problems import build_exception_handlers
from backend.queues.feature import FEATURE as QUEUES
from backend.scanner.feature import FEATURE as SCANNER
from backend.settings import Settings, SettingsError, load_settings
from backend.staff.feature import FEATURE as STAFF
from backend.tourism.feature import FEATURE as TOURISM
from backend.utility.feature import FEATURE as UTILITY
from backend.warning.feature import FEATURE as WARNING
from backend.web import ApiRequest
from backend.wiring import Wiring, WiringError, piccolo_apps
from integrations.sandbox import Sandbox

log = logging.getLogger("backend.app")


# What a proxy adds to a request it forwards (RFC 7239, and the two older spellings).
_FORWARDING_HEADERS = frozenset((b"forwarded", b"x-forwarded-for", b"x-real-ip"))


def _on_this_machine(scope: Scope) -> bool:
    """The caller is on this machine: a loopback peer (after ``SUQIAN_TRUSTED_PROXIES``' rewriting),
    and no proxy says it forwarded the request (a proxy on this machine is a loopback peer too)."""
    client = scope.get("client")
    if not client:
        return False  # a Unix socket, or a server that does not say: nobody to vouch for
    try:
        peer = ipaddress.ip_address(client[0])
    except ValueError:
        return False
    if isinstance(peer, ipaddress.IPv6Address) and peer.ipv4_mapped is not None:
        peer = peer.ipv4_mapped  # "::ffff:127.0.0.1" on a dual-stack socket
    if not peer.is_loopback:
        return False
    return not any(name in _FORWARDING_HEADERS for name, _ in scope["headers"])


def _mount_sandbox(sandbox: Sandbox, *, this_machine_only: bool) -> ControllerRouterHandler:
    """The government sandbox at ``/_sandbox`` (the embedded default and the benchmark's throwaway
    stack; ``load_settings`` and ``create_app`` refuse it in production).

    Outside the embedded mode it answers callers on this machine only (``this_machine_only``):
    ``load_settings`` checks ``SUQIAN_HOST``, but granian binds wherever it is told (``--host
    0.0.0.0``), so each request's own address decides (security review). Anyone else gets the 404 of
    an unknown path, not a 403: the bench's load generator is on the machine, and a scanner should
    not learn that a stack whose SMS outbox lists every code is here. The first refusal is logged."""
    refused_before = False

    async def mounted(scope: Scope, receive: Receive, send: Send) -> None:
        nonlocal refused_before
        if this_machine_only and not _on_this_machine(scope):
            if not refused_before:
                refused_before = True
                log.warning(
                    "refused a request to /_sandbox from a caller not on this machine (or through a "
                    "proxy): outside the embedded mode the sandbox answers loopback callers only; "
                    "further refusals are not logged"
                )
            raise NotFoundException()
        # Litestar hands a mounted app its sub-path with a trailing slash ("/outbox/"); the twins'
        # routes are written without one.
        path = scope["path"]
        if len(path) > 1 and path.endswith("/"):
            scope = {**scope, "path": path.rstrip("/")}  # type: ignore[assignment]
        await sandbox(scope, receive, send)  # type: ignore[arg-type]

    return asgi(
        "/_sandbox",
        is_mount=True,
        copy_scope=True,
        include_in_schema=False,
        access=ANYONE,
        errors=(REQUEST_NOT_FOUND,),
    )(mounted)


# The answer headers a cross-origin page may read beyond the safelisted ones.
EXPOSED = ("Retry-After", "X-Request-ID", "WWW-Authenticate", "ETag", "Idempotent-Replayed", "Location")


# The backend's features; adding one is a folder and one line here. The mini-program edge appends its
# own (``miniprogram_api.app``).
FEATURES: tuple[Feature, ...] = (
    HEALTH, OUTBOX, AUTH, CITIZEN, STAFF, SCANNER, ACCOUNT_LINK, CODE, LICENCE, PAYMENT, UTILITY,
    CATALOGUE, APPLICATION, QUEUES, EVIDENCE, HOTEL, PARKING, TOURISM, NOTIFICATION,
    GUIDANCE, ORGANISATION, EDUCATION, DATARIGHTS, CREDIT, HOTLINE, WARNING, CONSOLE,
)  # fmt: skip


def _provide(value: Any) -> Provide:
    # use_cache: the value is built once per app; Litestar then hands the same object to every call.
    return Provide(lambda: value, sync_to_thread=False, use_cache=True)


def _feature_router(feature: Feature, wiring: Wiring) -> Router:
    """The feature's routes under a router of its own that provides exactly its dependencies."""
    reserved = PRINCIPAL_DEPENDENCY.keys() & feature.dependencies.keys()
    if reserved:
        # "principal" is the caller a guard authenticated; a feature's own value must not shadow it.
        raise WiringError(f"feature {feature.name} declares reserved dependency names: {sorted(reserved)}")
    return Router(
        path="/",
        route_handlers=list(feature.routes),
        dependencies={name: _provide(wiring.get(kind)) for name, kind in feature.dependencies.items()},
    )


def _repair_allow_headers(app: Litestar) -> None:
    """Make every ``OPTIONS`` answer list all of its path's methods.

    Litestar (2.x) builds a route's ``OPTIONS`` handler over the methods it knows when it first meets
    the path; when a controller's second handler on the same path (``GET /x`` then ``POST /x``) joins
    later, the path gets a new route but keeps the first ``OPTIONS`` handler, whose ``Allow`` still
    names only the first method. The handler reads ``methods`` off the route it was built for, so that
    route is told the whole set.
    """
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or "OPTIONS" not in route.route_handler_map:
            continue
        handler, _model = route.route_handler_map["OPTIONS"]
        for cell in handler.fn.__closure__ or ():
            built_for = cell.cell_contents
            if isinstance(built_for, HTTPRoute) and built_for is not route:
                built_for.methods = route.methods


def create_app(
    settings: Settings,
    *,
    features: Sequence[Feature] = FEATURES,
    wiring: Wiring | None = None,
) -> Litestar:
    """Build the API from ``features``. An outer edge (the mini-program API) passes the list with its
    own feature appended, so the dependency points outward-in: ``miniprogram_api`` imports
    ``backend``, never the reverse. ``wiring`` lets a test share one wiring across apps."""
    if settings.mode == "production" and settings.upstream.mount_sandbox:
        # load_settings refuses this too; Settings built in code reach here without it.
        raise SettingsError(
            "production never mounts the sandbox (its SMS outbox lists every code): "
            "UpstreamSettings(mount_sandbox=False), or mode='benchmark' for a throwaway load-test stack"
        )
    configure_logging(settings.log.level)
    # Plain dependencies resolved in turn, not in a task group per request (``backend.dependencies``).
    install_dependency_resolution()
    wiring = wiring or Wiring(settings, features)
    wiring.build_all()
    handlers: list[ControllerRouterHandler] = [
        _feature_router(feature, wiring) for feature in features if feature.routes
    ]
    sandbox = wiring.infra.upstreams.sandbox
    if sandbox is not None and settings.upstream.mount_sandbox:
        handlers.append(_mount_sandbox(sandbox, this_machine_only=settings.mode != "embedded"))
        if settings.mode != "embedded":
            log.warning(
                "%s mode with the government sandbox mounted at /_sandbox: its SMS outbox lists every "
                "code sent; it answers callers on this machine only; a throwaway stack, never real users",
                settings.mode,
            )
    metrics = wiring.infra.metrics
    if settings.metrics_public:
        handlers.append(metrics_route(metrics))
    if settings.openapi:
        handlers.append(assets_router())

    async def on_startup(_app: Litestar) -> None:
        for feature in features:
            for step in feature.on_startup:
                await step(wiring)

    app = Litestar(
        route_handlers=handlers,
        # Every route declares who may call it (``backend.access``); this one guard enforces it.
        guards=[authorize],
        dependencies=PRINCIPAL_DEPENDENCY,
        plugins=[StrictStructSchemaPlugin()],
        exception_handlers=build_exception_handlers(metrics),
        lifespan=[wiring.lifespan],
        on_startup=[on_startup],
        # A page on another origin (an H5 page, docs/miniprogram-dev.md) reads only the CORS-safelisted
        # headers unless told: it needs Retry-After to wait, X-Request-ID to report, and the rest.
        cors_config=CORSConfig(allow_origins=list(settings.http.cors_origins), expose_headers=list(EXPOSED))
        if settings.http.cors_origins
        else None,
        request_max_body_size=settings.http.max_body_bytes,
        # After routing, before guards: a typed path parameter is spelt as the API spells it, a
        # single-valued query parameter comes once (``backend.edge``).
        middleware=[canonical_parameters],
        # Every body is read through it: JSON must say it is JSON, an undecodable one is the client's
        # 400, a hang-up mid-body a 499 (``backend.web``).
        request_class=ApiRequest,
        openapi_config=OpenAPIConfig(
            title="My Suqian API",
            version="1.0.0",
            description="The backend of the My Suqian (我的宿遷) citizen app and mini programs.",
            path="/schema",
            render_plugins=render_plugins(),  # served from a package, no CDN (``backend.docs_ui``)
            components=Components(security_schemes=SECURITY_SCHEMES),
            tags=list(TAGS),
            # The documents are open to anyone who can reach them (``Settings.openapi`` decides that).
            openapi_router=Router(
                "/schema", route_handlers=[], include_in_schema=False, opt={"access": ANYONE}
            ),
        )
        if settings.openapi
        else None,
        debug=False,
        # Our JSON logging is configured above; Litestar's default config would replace it.
        logging_config=None,
    )
    # A route without a declaration never serves: refuse the app (RouteDeclarationError).
    check_routes(app)
    _repair_allow_headers(app)
    if settings.openapi:
        install(app)
    for feature in features:
        for key, kind in feature.state.items():
            # A guard trusts what it finds here (the token service): a second feature claiming the
            # same key must not silently replace it.
            if key in app.state:
                raise WiringError(f"app state {key!r} is declared by two features")
            app.state[key] = wiring.get(kind)
    # Wrap Litestar's whole handler, not a route: unrouted 404s get a request id and a metric too.
    # Inside it, before routing: the request line and headers are bounded (``backend.edge``).
    inner: Any = app.asgi_handler
    early = [make(wiring) for feature in features for make in feature.early]
    if early:
        # Before routing, after the limits: a hot refusal the route would give the same (``backend.early``).
        inner = EarlyAnswers(inner, early, metrics=metrics)
        inner.check(app)
    inner = RequestLimits(inner, http=settings.http, metrics=metrics)
    tracer = wiring.infra.tracing.tracer
    if tracer is not None:
        # Inside the request context: the span carries the request id (off: not installed at all).
        inner = TracingMiddleware(inner, tracer=tracer)
    app.asgi_handler = RequestContextMiddleware(
        inner,
        metrics=metrics,
        log=settings.log,
        trusted_proxies=settings.http.trusted_proxies,
        body_read_timeout=settings.http.body_read_timeout,
        # An oversized body (up to 4x the limit) is read to its end after the 413, so the client
        # sees the answer rather than a reset (``BodyReceive.drain``).
        body_linger_bytes=4 * settings.http.max_body_bytes,
    )
    return app


def piccolo_conf(name: str) -> Any:
    """``DB`` and ``APP_REGISTRY`` for piccolo (the top-level ``piccolo_conf`` module forwards here).

    The app binds its engine from ``Settings`` at start-up; only when nothing is bound (the piccolo
    CLI run by hand, e.g. ``piccolo migrations new audit --auto``) are the ``SUQIAN_*`` variables read
    here, as any entry point may.
    """
    if name not in ("DB", "APP_REGISTRY"):
        raise AttributeError(name)
    engine = bound_engine()
    if engine is None:
        engine = bind_engine(load_settings(os.environ).database, piccolo_apps(FEATURES))
    return engine if name == "DB" else bound_registry()
