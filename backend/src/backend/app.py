"""``create_app(settings)``: the whole core API as one Litestar application."""

from __future__ import annotations

from collections.abc import Sequence

from litestar import Litestar
from litestar.config.cors import CORSConfig
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.types import ControllerRouterHandler

from backend.container import Container
from backend.health.controller import HealthController
from backend.observability.logs import configure_logging
from backend.observability.middleware import RequestContextMiddleware
from backend.problems import build_exception_handlers
from backend.settings import Settings


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
    app = Litestar(
        route_handlers=[HealthController, *route_handlers],
        dependencies={"container": Provide(lambda: container, sync_to_thread=False, use_cache=True)},
        exception_handlers=build_exception_handlers(container.metrics),
        lifespan=[container.lifespan],
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
        )
        if settings.openapi
        else None,
        debug=False,
        # Our JSON logging is configured above; Litestar's default config would replace it.
        logging_config=None,
    )
    app.state.container = container
    # Wrap Litestar's whole handler, not a route: unrouted 404s get a request id and a metric too.
    app.asgi_handler = RequestContextMiddleware(app.asgi_handler, metrics=container.metrics, log=settings.log)
    return app
