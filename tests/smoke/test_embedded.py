"""The README's run command on a fresh data directory: SQLite, in-process store, sandbox — no services.

This starts the real server process (``suqian serve``) exactly as a newcomer would, only on a free
port and a temporary data directory, and talks to it over HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.smoke.server import serve

pytestmark = pytest.mark.embedded


@pytest.fixture(scope="module")
def embedded_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve(tmp_path_factory.mktemp("embedded")) as base:
        yield base


def test_embedded_default_is_ready_on_sqlite_and_the_memory_store(embedded_server: str) -> None:
    body = httpx.get(f"{embedded_server}/health/ready").json()
    assert body == {"status": "ok", "checks": {"database": "ok", "memory": "ok"}}


def test_embedded_default_answers_problems(embedded_server: str) -> None:
    response = httpx.get(f"{embedded_server}/api/v1/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "request.not_found"


def test_embedded_default_serves_openapi_and_the_mini_program_edge(embedded_server: str) -> None:
    assert httpx.get(f"{embedded_server}/schema/openapi.json").json()["openapi"].startswith("3.1")
    assert httpx.get(f"{embedded_server}/mp/v1").status_code == 200


def test_embedded_default_mounts_the_government_sandbox(embedded_server: str) -> None:
    people = httpx.get(f"{embedded_server}/_sandbox/population/people").json()
    assert len(people) >= 3
    assert all(len(person["id_number"]) == 18 for person in people)


def test_responses_do_not_name_the_server_software(embedded_server: str) -> None:
    # Granian says "server: granian" unless the app names itself.
    for path in ("/health/live", "/api/v1/nowhere"):
        assert httpx.get(f"{embedded_server}{path}").headers["server"] == "suqian"
