"""A tiny app of guarded probe routes over the session services, to test guards in isolation."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from litestar import Litestar, get
from litestar.di import NamedDependency
from litestar.types import Guard

from backend.auth.guards import require_citizen, require_device, require_staff
from backend.auth.principal import Principal
from tests.services import Services, app_with


class Seen(msgspec.Struct):
    subject: str
    scopes: list[str]


def _probe(path: str, guard: Guard) -> Any:
    @get(path, guards=[guard], sync_to_thread=False)
    def handler(principal: NamedDependency[Principal]) -> Seen:
        return Seen(subject=principal.subject, scopes=sorted(principal.scopes))

    return handler


@get("/probe/unguarded", sync_to_thread=False)
def unguarded(principal: NamedDependency[Principal]) -> Seen:
    return Seen(subject=principal.subject, scopes=[])


def probe_app(services: Services) -> Litestar:
    return app_with(
        services,
        _probe("/probe/citizen", require_citizen),
        _probe("/probe/staff", require_staff("operator")),
        _probe("/probe/device", require_device(scopes=("code:verify",))),
        unguarded,
    )


def new_id() -> uuid.UUID:
    return uuid.uuid4()
