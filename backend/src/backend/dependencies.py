"""Resolving a handler's dependencies without a task group when none of them can wait.

Litestar resolves two or more independent dependencies of a handler concurrently: an anyio task
group with a task each (``KwargsModel.resolve_dependencies``). Concurrency helps a dependency that
waits on I/O; none of ours does — each is a service built once (``backend.app._provide``) or the
caller the guard already authenticated (``current_principal``), plain functions both — so on every
request to a route that takes a service and the caller (most routes) the group is pure cost:
~54 µs measured on this machine kind (a group of two no-op tasks; the same two calls in turn take
0.3 µs), more than a whole "hello" request (~50 µs).

``install()`` replaces that one method by ``resolve_dependencies``: a batch whose dependencies are all
plain functions (no coroutine, no generator) is resolved one after another — the same values into
the same dict, the same cleanup group — and any other batch still goes to Litestar's own code.
``create_app`` installs it; ``tests/backend/test_dependencies.py`` pins the method it replaces, so a
Litestar upgrade that changes it fails a test, not a request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from litestar._kwargs.cleanup import DependencyCleanupGroup
from litestar._kwargs.dependencies import DependencyContainer, resolve_dependency
from litestar._kwargs.kwargs_model import KwargsModel

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

    from litestar.connection import ASGIConnection

LITESTAR_RESOLVE = KwargsModel.resolve_dependencies


def _plain(dependency: DependencyContainer) -> bool:
    provide = dependency.provide
    return (
        provide.has_sync_callable
        and not provide.sync_to_thread
        and not provide.has_sync_generator_dependency
        and not provide.has_async_generator_dependency
    )


async def resolve_dependencies(
    self: KwargsModel, connection: ASGIConnection[Any, Any, Any, Any], kwargs: dict[str, Any]
) -> DependencyCleanupGroup:
    if not all(_plain(dependency) for batch in self.dependency_batches for dependency in batch):
        return await LITESTAR_RESOLVE(self, connection, kwargs)
    cleanup_group = DependencyCleanupGroup()
    for batch in self.dependency_batches:
        for dependency in batch:
            await resolve_dependency(dependency, connection, kwargs, cleanup_group)
    return cleanup_group


def install() -> None:
    """Idempotent: every ``create_app`` calls it."""
    replacement: Callable[..., Coroutine[Any, Any, DependencyCleanupGroup]] = resolve_dependencies
    KwargsModel.resolve_dependencies = replacement  # type: ignore[method-assign]
