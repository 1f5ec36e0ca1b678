"""The joint every feature plugs into: one ``Feature`` declaration per feature folder.

A feature's ``feature.py`` says, in one place, everything the app needs to know of it — its routes,
its piccolo app, its settings section, how each of its services is built from the shared
infrastructure and from other features' services, which services its controllers receive, and its
background work::

    FEATURE = Feature(
        name="scanner",
        routes=(ScannerAdminController, ScannerTokenController),
        piccolo_app="backend.scanner.piccolo_app",
        services={ScannerService: build_scanner_service},
        dependencies={"scanners": ScannerService},
    )

``create_app(settings, features=FEATURES)`` (``backend.app``) wires the list, so adding a feature is
a folder plus one line there. Services are built lazily by type (``Wiring.get``), so a feature may
ask for another's service without caring about the order of the list; a cycle is reported by name.
Controllers receive exactly the services named in ``dependencies``, through Litestar's ``Provide``
on a router of the feature's own: they never see the wiring.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import msgspec
from litestar.types import ControllerRouterHandler

if TYPE_CHECKING:
    from backend.background import Job
    from backend.early import EarlyRoute
    from backend.notices import Template
    from backend.personal_data import PersonalData
    from backend.wiring import Wiring

# Builds one service from the wiring: ``lambda w: ScannerService(repository=..., clock=w.infra.clock)``.
Factory = Callable[["Wiring"], Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class Feature:
    # The folder's name; also the settings section's name (``SUQIAN_<NAME>_<FIELD>``).
    name: str
    routes: Sequence[ControllerRouterHandler] = ()
    # "backend.<name>.piccolo_app" when the feature has tables; migrations run in the list's order.
    piccolo_app: str | None = None
    # The feature's settings section: a frozen msgspec Struct whose every field has a default.
    settings: type[msgspec.Struct] | None = None
    # How each service of the feature is built, by the type other features and tests ask for.
    services: Mapping[type[Any], Factory] = field(default_factory=dict)
    # What the feature's controllers receive: dependency name → the type of a service (its own, or a
    # shared one such as ``KeyValueStore``).
    dependencies: Mapping[str, type[Any]] = field(default_factory=dict)
    # Services guards and middleware reach through ``app.state`` (they can't take dependencies).
    state: Mapping[str, type[Any]] = field(default_factory=dict)
    # The feature's background jobs (``backend.background``), built once the services are.
    background: Callable[[Wiring], Sequence[Job]] | None = None
    # Outbox topics the feature delivers (``backend.outbox``): topic → a factory of its handler
    # (``async (job) -> None``). The outbox's workers take every declared topic.
    outbox_handlers: Mapping[str, Factory] = field(default_factory=dict)
    # Notice templates the feature tells citizens with (``backend.notices``), sent through
    # ``NotificationService.notify`` (``backend.notification``).
    notices: Sequence[Template] = ()
    # What the feature holds about citizens and what closing an account does to it
    # (``backend.personal_data``); required of every feature with tables (an architecture test).
    personal_data: PersonalData | None = None
    # Run once at start-up, after migrations and before the first request (e.g. the first operator).
    on_startup: Sequence[Callable[[Wiring], Any]] = ()
    # Refusals answered before routing on a hot path, each sure to be the route's own answer
    # (``backend.early``): factories of ``EarlyRoute``.
    early: Sequence[Callable[[Wiring], EarlyRoute]] = ()


def feature_sections(features: Sequence[Feature]) -> dict[str, type[msgspec.Struct]]:
    """The settings sections of ``features`` by name, for ``load_settings(..., sections=...)``."""
    return {feature.name: feature.settings for feature in features if feature.settings is not None}
