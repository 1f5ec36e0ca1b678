"""``create_app(settings)``: the whole core API as one Litestar application."""

from __future__ import annotations

from collections.abc import Sequence

from litestar import Litestar, asgi
from litestar.config.cors import CORSConfig
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components
from litestar.types import ControllerRouterHandler, Receive, Scope, Send

from backend.auth.controller import AuthController, JwksController
from backend.auth.guards import BEARER_SECURITY_SCHEMES, PRINCIPAL_DEPENDENCY
from backend.citizen.controller import MeController, RegistrationController
from backend.code.controller import (
    CitizenCodeController,
    CodeAdminController,
    CodeScannerController,
    TrustListController,
)
from backend.container import Container
from backend.health.controller import HealthController
from backend.observability.logs import configure_logging
from backend.observability.middleware import RequestContextMiddleware
from backend.problems import build_exception_handlers, problem_responses
from backend.scanner.controller import ScannerAdminController, ScannerTokenController
from backend.settings import Settings
from backend.staff.bootstrap import admin_bootstrap_hook
from backend.staff.controller import StaffAdminController, StaffTokenController
from integrations.sandbox import Sandbox


def _mount_sandbox(sandbox: Sandbox) -> ControllerRouterHandler:
    """The government sandbox at ``/_sandbox`` (embedded default only; never in production)."""

    async def mounted(scope: Scope, receive: Receive, send: Send) -> None:
        # Litestar hands a mounted app its sub-path with a trailing slash ("/outbox/"); the twins'
        # routes are written without one.
        path = scope["path"]
        if len(path) > 1 and path.endswith("/"):
            scope = {**scope, "path": path.rstrip("/")}  # type: ignore[assignment]
        await sandbox(scope, receive, send)  # type: ignore[arg-type]

    return asgi("/_sandbox", is_mount=True, copy_scope=True, include_in_schema=False)(mounted)


def create_app(
    settings: Settings,
    *,
    container: Container | None = None,
    route_handlers: Sequence[ControllerRouterHandler] = (),
) -> Litestar:
    """Build the API. ``route_handlers`` lets an outer edge (the mini-program API) join the same app,
    so the dependency points outward-in: ``miniprogram_api`` imports ``backend``, never the reverse."""
    configure_logging(settings.log.level)
    container = container or Container(settings)
    handlers: list[ControllerRouterHandler] = [
        HealthController,
        JwksController,
        AuthController,
        RegistrationController,
        MeController,
        StaffTokenController,
        StaffAdminController,
        ScannerAdminController,
        ScannerTokenController,
        CitizenCodeController,
        CodeScannerController,
        TrustListController,
        CodeAdminController,
        *route_handlers,
    ]
    sandbox = container.upstreams.sandbox
    if sandbox is not None and settings.upstream.mount_sandbox:
        handlers.append(_mount_sandbox(sandbox))
    app = Litestar(
        route_handlers=handlers,
        dependencies={
            "container": Provide(lambda: container, sync_to_thread=False, use_cache=True),
            **PRINCIPAL_DEPENDENCY,
        },
        exception_handlers=build_exception_handlers(container.metrics),
        lifespan=[container.lifespan],
        on_startup=[admin_bootstrap_hook(container.staff, settings.secrets.bootstrap_admin_password)],
        cors_config=CORSConfig(allow_origins=list(settings.http.cors_origins))
        if settings.http.cors_origins
        else None,
        request_max_body_size=settings.http.max_body_bytes,
        openapi_config=OpenAPIConfig(
            title="My Suqian API",
            version="1.0.0",
            description="The backend of the My Suqian (我的宿遷) citizen app and mini programs.",
            path="/schema",
            render_plugins=[SwaggerRenderPlugin(), ScalarRenderPlugin(path="/scalar")],
            components=Components(security_schemes=BEARER_SECURITY_SCHEMES, responses=problem_responses()),
        )
        if settings.openapi
        else None,
        debug=False,
        # Our JSON logging is configured above; Litestar's default config would replace it.
        logging_config=None,
    )
    app.state.container = container
    # Wrap Litestar's whole handler, not a route: unrouted 404s get a request id and a metric too.
    app.asgi_handler = RequestContextMiddleware(
        app.asgi_handler,
        metrics=container.metrics,
        log=settings.log,
        trusted_proxies=settings.http.trusted_proxies,
    )
    return app
