"""Who may call what, as one committed table (``access_table.txt``): widening a route's access, or a
new route, shows as a line in review. ``SUQIAN_UPDATE_ACCESS_TABLE=1`` rewrites it after a deliberate
change; CI never sets it."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from litestar import Controller, get
from litestar.params import FromPath

from backend.access import ANYONE, RouteDeclarationError, access_table
from backend.auth.guards import CITIZEN
from tests.services import Services, app_with

TABLE = Path(__file__).with_name("access_table.txt")


def test_the_access_table_is_the_committed_one(app: object) -> None:
    current = "\n".join(access_table(app)) + "\n"  # type: ignore[arg-type]
    if os.environ.get("SUQIAN_UPDATE_ACCESS_TABLE") == "1":
        TABLE.write_text(current)
    assert TABLE.read_text() == current, (
        "who may call what changed: review the difference, then SUQIAN_UPDATE_ACCESS_TABLE=1 to record it"
    )


def test_anyone_is_said_beside_the_route_not_inherited(services: Services) -> None:
    class Open(Controller):
        path = "/probe/open"
        opt = {"access": ANYONE}  # noqa: RUF012

        @get("/", sync_to_thread=False)
        def later_addition(self) -> dict[str, str]:
            return {}

    with pytest.raises(RouteDeclarationError, match="declare access=ANYONE on the route"):
        app_with(services, Open)


def test_a_citizens_route_says_whose_every_id_is(services: Services) -> None:
    @get("/probe/things/{thing_id:uuid}", sync_to_thread=False, access=CITIZEN)
    def read_any(thing_id: FromPath[uuid.UUID]) -> dict[str, str]:
        return {}

    with pytest.raises(RouteDeclarationError, match=r"path ids \['thing_id'\] must be owns="):
        app_with(services, read_any)
