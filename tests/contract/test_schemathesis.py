"""Schemathesis over the published OpenAPI document, as a client generator and a fuzzer would use it.

A real server (``suqian serve``, as the README runs it) on the embedded default and on PostgreSQL +
Redis; for each kind of caller — anonymous, a citizen, staff of each role, a scanner device — one run of
every operation with every check and every phase (examples, coverage, fuzzing, stateful), bounded by
``MAX_EXAMPLES`` per operation. The callers' tokens come over HTTP the way a client gets them. A run
passes only with zero failures and zero errors; its figures (operations, generated cases) are printed.

Logout is run last for each caller, on its own: it ends the very token the run sends.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from integrations import id_check_digit
from tests.conftest import PG_ADMIN_URL, REDIS_URL
from tests.smoke.server import free_port, operator_session, printed_passwords, serve

CONFIG = Path(__file__).with_name("schemathesis.toml")
LOGOUT = "/api/v1/auth/logout"
CLOSURE = "/api/v1/data-rights/closure"
# Routes that end the caller's session (logout) or account (closure): each fuzzed on its own after the
# main run, the closure first (a closed account's logout is still a documented 401).
LAST = (CLOSURE, LOGOUT)
# Per operation and phase; bounded so both stacks and all callers stay within a few minutes.
MAX_EXAMPLES = {"embedded": 8, "postgres": 4}
SEED = 20261202


@dataclass(frozen=True)
class Caller:
    name: str
    headers: dict[str, str]


def _schemathesis() -> str:
    found = Path(sys.executable).with_name("schemathesis")
    return str(found) if found.exists() else (shutil.which("schemathesis") or "schemathesis")


def _run(
    base: str, caller: Caller, report: Path, *, max_examples: int, only: str | None = None
) -> dict[str, Any]:
    command = [_schemathesis(), "--config-file", str(CONFIG), "run", f"{base}/schema/openapi.json"]
    command += ["--checks", "all", "--max-examples", str(max_examples), "--seed", str(SEED)]
    command += ["--request-timeout", "20", "--report", "json", "--report-json-path", str(report)]
    # Our token patterns end in (?!\n)$ (the true end of the string; backend/fields.py), which
    # Hypothesis's regex strategy mostly misses: it filters, and its health check calls that a failure.
    command += ["--suppress-health-check", "filter_too_much"]
    for name, value in caller.headers.items():
        command += ["--header", f"{name}: {value}"]
    command += (
        ["--include-path", only] if only else [arg for path in LAST for arg in ("--exclude-path", path)]
    )
    # A Server-Sent Events stream never completes, so a client waiting for the end of its answer
    # times out; the streams' contract is tested where they are read as streams (the queue tests
    # and the smoke suite), and their 404/401 answers by the matrix and the bad-input catalogue.
    for stream in _streams(base):
        command += ["--exclude-path", stream]
    # Run where the report goes: schemathesis keeps a cache (.schemathesis/) in its working directory.
    finished = subprocess.run(
        command, capture_output=True, text=True, timeout=900, check=False, cwd=report.parent
    )
    assert report.exists(), finished.stdout[-4000:] + finished.stderr[-2000:]
    result: dict[str, Any] = json.loads(report.read_text())
    assert finished.returncode == 0, f"schemathesis as {caller.name}:\n{_failures(finished.stdout)}"
    return result


def _failures(stdout: str) -> str:
    """The failures schemathesis printed and its summary: the warnings between them (a list of
    operations no link points to) would push the failing request out of a tail of the output."""
    start, warnings, summary = stdout.find("FAILURES"), stdout.find("WARNINGS"), stdout.find("SUMMARY")
    if start < 0:
        return stdout[-12000:]
    failures = stdout[start : warnings if warnings > start else summary][:12000]
    return failures + "\n" + (stdout[summary:][-3000:] if summary > 0 else "")


def _streams(base: str) -> list[str]:
    """The paths of the document whose answer is ``text/event-stream``."""
    document = httpx.get(f"{base}/schema/openapi.json", timeout=10).json()
    return [
        path
        for path, operations in document["paths"].items()
        for operation in operations.values()
        if isinstance(operation, dict)
        and "text/event-stream" in operation.get("responses", {}).get("200", {}).get("content", {})
    ]


def _bearer(token: str) -> dict[str, str]:
    # Capitalised: schemathesis's ignored_auth check removes "Authorization" to see the API refuse;
    # a lower-case copy would ride along and the check would report the API as open.
    return {"Authorization": f"Bearer {token}"}


def _sms_code(web: httpx.Client, phone: str, purpose: str) -> str:
    assert web.post("/api/v1/auth/sms-codes", json={"phone": phone, "purpose": purpose}).status_code == 202
    text = web.get("/_sandbox/sms/outbox", params={"phone": phone}).json()[-1]["text"]
    match = re.search(r"(\d{6})", text)
    assert match
    return match.group(1)


def _citizen(web: httpx.Client) -> str:
    body = f"321311{1960 + secrets.randbelow(40)}0101{secrets.randbelow(1000):03d}"
    person = {
        "name": "陈静",
        "id_number": body + id_check_digit(body),
        "phone": f"139{secrets.randbelow(10**8):08d}",
    }
    assert web.post("/_sandbox/population/people", json=person).status_code == 201
    registered = web.post(
        "/api/v1/auth/register",
        json={
            **person,
            "sms_code": _sms_code(web, person["phone"], "register"),
            "password": secrets.token_urlsafe(16),
        },
    )
    assert registered.status_code == 201, registered.text
    token: str = registered.json()["tokens"]["access_token"]
    return token


def _staff(web: httpx.Client, username: str, password: str) -> str:
    """A member an operator created: the first sign-in changes the password, which answers the session."""
    response = web.post("/api/v1/staff/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    assert response.json()["required"] == ["password_change"], response.text
    changed = web.post(
        "/api/v1/staff/me/password",
        json={"current_password": password, "new_password": secrets.token_urlsafe(18)},
        headers=_bearer(response.json()["access_token"]),
    )
    assert changed.status_code == 200, changed.text
    token: str = changed.json()["session"]["access_token"]
    return token


def callers(web: httpx.Client, admin_password: str) -> list[Caller]:
    """Every kind of caller, each with a token got the way its client gets one."""
    # An operator enrols an authenticator at the first sign-in (ADR 9); the session it yields is the
    # one the run sends.
    operator = operator_session(web, admin_password)["authorization"].removeprefix("Bearer ")
    counter_password = secrets.token_urlsafe(16)
    counter_name = f"counter-{secrets.token_hex(3)}"
    created = web.post(
        "/api/v1/admin/staff",
        json={
            "username": counter_name,
            "display_name": "窗口一",
            "role": "counter",
            "password": counter_password,
        },
        headers=_bearer(operator),
    )
    assert created.status_code == 201, created.text
    scanner = web.post(
        "/api/v1/admin/scanners",
        json={"scene": "library", "venue": "宿迁市图书馆"},
        headers=_bearer(operator),
    )
    assert scanner.status_code == 201, scanner.text
    exchange = {"device_id": scanner.json()["device"]["id"], "credential": scanner.json()["credential"]}
    device = web.post("/api/v1/scanner/token", json=exchange)
    assert device.status_code == 200, device.text
    return [
        Caller("anonymous", {}),
        Caller("citizen", _bearer(_citizen(web))),
        Caller("staff operator", _bearer(operator)),
        Caller("staff counter", _bearer(_staff(web, counter_name, counter_password))),
        Caller("scanner device", _bearer(device.json()["access_token"])),
    ]


def _fuzz(base: str, admin_password: str, reports: Path, stack: str) -> None:
    with httpx.Client(base_url=base, timeout=30) as web:
        everyone = callers(web, admin_password)
    figures = []
    for caller in everyone:
        slug = caller.name.replace(" ", "-")
        main = _run(base, caller, reports / f"{stack}-{slug}.json", max_examples=MAX_EXAMPLES[stack])
        last = [
            _run(
                base,
                caller,
                reports / f"{stack}-{slug}-{path.rsplit('/', 1)[-1]}.json",
                max_examples=2,
                only=path,
            )
            for path in LAST
        ]
        cases = main["test_cases"]["generated"] + sum(run["test_cases"]["generated"] for run in last)
        tested = main["operations"]["tested"] + sum(run["operations"]["tested"] for run in last)
        figures.append(f"{caller.name}: {tested} operations, {cases} cases, 0 failures")
        stateful = main["phases"]["stateful"]["status"]
        assert stateful in ("success", "skipped"), f"stateful phase as {caller.name}: {stateful}"
    print(f"\nschemathesis on {stack}:\n  " + "\n  ".join(figures))


def test_schemathesis_on_the_embedded_default(tmp_path: Path) -> None:
    with serve(tmp_path) as base:
        (admin_password,) = printed_passwords(tmp_path)
        _fuzz(base, admin_password, tmp_path, "embedded")


@pytest.fixture
def fresh_database() -> Iterator[str]:
    name = f"suqian_st_{secrets.token_hex(4)}"

    async def run(statement: str) -> None:
        admin = await asyncpg.connect(PG_ADMIN_URL)
        try:
            await admin.execute(statement)
        finally:
            await admin.close()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{PG_ADMIN_URL.rpartition('/')[0]}/{name}"
    finally:
        asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_schemathesis_on_postgres_and_redis(tmp_path: Path, fresh_database: str) -> None:
    admin_password = secrets.token_urlsafe(18)
    env = {
        # Production's stack with the sandbox twins mounted (a throwaway stack, as the benchmark's).
        "SUQIAN_MODE": "benchmark",
        "SUQIAN_DATABASE_URL": fresh_database,
        "SUQIAN_REDIS_URL": REDIS_URL,
        "SUQIAN_REDIS_KEY_PREFIX": f"st:{secrets.token_hex(4)}:",
        "SUQIAN_DATA_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "SUQIAN_INDEX_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "SUQIAN_BOOTSTRAP_ADMIN_PASSWORD": admin_password,
        "SUQIAN_SANDBOX_MOUNT": "1",
        "SUQIAN_HOST": "127.0.0.1",
        "SUQIAN_OPENAPI": "1",
        "SUQIAN_WORKERS": "1",
    }
    with serve(tmp_path, free_port(), **env) as base:
        _fuzz(base, admin_password, tmp_path, "postgres")
