"""A tiny app of guarded probe routes over the session services, to test guards in isolation."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from litestar import Litestar, get
from litestar.di import NamedDependency

from backend.access import ANYONE, Access
from backend.auth.errors import TokenMissing
from backend.auth.guards import CITIZEN, device, staff
from backend.auth.principal import Principal
from tests.services import Services, app_with


class Seen(msgspec.Struct):
    subject: str
    scopes: list[str]


def _probe(path: str, access: Access) -> Any:
    @get(path, access=access, sync_to_thread=False)
    def handler(principal: NamedDependency[Principal]) -> Seen:
        return Seen(subject=principal.subject, scopes=sorted(principal.scopes))

    return handler


# Anonymous, yet it asks for the caller: the dependency must refuse rather than invent one.
@get("/probe/unguarded", sync_to_thread=False, access=ANYONE, errors=(TokenMissing,))
def unguarded(principal: NamedDependency[Principal]) -> Seen:
    return Seen(subject=principal.subject, scopes=[])


def probe_app(services: Services) -> Litestar:
    return app_with(
        services,
        _probe("/probe/citizen", CITIZEN),
        _probe("/probe/staff", staff("operator")),
        _probe("/probe/device", device("code:verify")),
        unguarded,
    )


def new_id() -> uuid.UUID:
    return uuid.uuid4()
