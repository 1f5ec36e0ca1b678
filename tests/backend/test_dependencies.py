"""Plain dependencies resolved in turn (``backend.dependencies``): the same values as Litestar's own
resolution, no task group for them, Litestar's own code for any batch with a dependency that can
wait — and the method replaced is pinned, so an upgrade that changes it is seen here first."""

from __future__ import annotations

import hashlib
import inspect
from typing import Any

import pytest
from litestar import get
from litestar._kwargs import kwargs_model
from litestar.di import NamedDependency, Provide
from litestar.testing import create_test_client

from backend import dependencies

# sha256 of ``KwargsModel.resolve_dependencies``' source in the locked Litestar (2.25.0). Changed?
# Read the new one: if it still only resolves batches (in a task group or not), record its hash.
LITESTAR_RESOLVE_SHA256 = "f5e60119abf69eff695b2287a6e46a44688f06a70157c4292243fa09080e44fa"


def test_the_method_replaced_is_the_one_reviewed() -> None:
    source = inspect.getsource(dependencies.LITESTAR_RESOLVE)
    assert hashlib.sha256(source.encode()).hexdigest() == LITESTAR_RESOLVE_SHA256


@pytest.fixture
def task_groups(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many task groups Litestar's resolution opened."""
    opened: list[int] = []
    real = kwargs_model.create_task_group  # type: ignore[attr-defined]

    def counting() -> Any:
        opened.append(1)
        return real()

    monkeypatch.setattr(kwargs_model, "create_task_group", counting)
    return opened


def _service() -> str:
    return "service"


def _caller() -> str:
    return "caller"


async def _looked_up() -> str:
    return "looked up"


@get("/plain", sync_to_thread=False)
def plain(service: NamedDependency[str], caller: NamedDependency[str]) -> dict[str, str]:
    return {"service": service, "caller": caller}


@get("/waits", sync_to_thread=False)
def waits(service: NamedDependency[str], looked_up: NamedDependency[str]) -> dict[str, str]:
    return {"service": service, "looked_up": looked_up}


DEPENDENCIES = {
    "service": Provide(_service, sync_to_thread=False, use_cache=True),
    "caller": Provide(_caller, sync_to_thread=False),
    "looked_up": Provide(_looked_up),
}


def test_plain_dependencies_resolve_in_turn_and_others_as_litestar_does(task_groups: list[int]) -> None:
    dependencies.install()
    with create_test_client([plain, waits], dependencies=DEPENDENCIES) as client:
        assert client.get("/plain").json() == {"service": "service", "caller": "caller"}
        assert task_groups == []  # two plain dependencies: no group
        assert client.get("/waits").json() == {"service": "service", "looked_up": "looked up"}
        assert task_groups == [1]  # one that can wait: Litestar's own concurrent resolution
