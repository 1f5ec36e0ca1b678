"""Who calls: anonymous, a registered citizen, staff of each role, a gate scanner — each minted over
HTTP the way a client gets its token, so the same kit serves the in-process app on PostgreSQL + Redis
and the real server on the embedded default. Which of them a route admits is found by asking it
(``admitted``), never declared here, so a new route needs no entry."""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from backend.staff import totp
from tests.backend.citizen.factories import register
from tests.contract.examples import variants
from tests.contract.routes import Operation

# A guard's refusals: whoever gets one of these was not let in, whatever else is wrong.
AUTH_REFUSALS = frozenset(
    {
        "auth.token_missing",
        "auth.token_invalid",
        "auth.token_expired",
        "auth.token_revoked",
        "auth.wrong_principal_kind",
        "auth.insufficient_scope",
        "auth.missing_role",
        "auth.unauthenticated",
        "auth.forbidden",
    }
)

Send = Callable[..., Awaitable[httpx.Response]]


@dataclass(frozen=True)
class Caller:
    name: str
    headers: dict[str, str] = field(default_factory=dict)
    # What was handed to this caller over HTTP on the way to its token (passwords, credentials):
    # the privacy scan looks for them everywhere.
    secrets: tuple[str, ...] = ()

    @property
    def anonymous(self) -> bool:
        return not self.headers


ANONYMOUS = Caller("anonymous")


def _bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def _ok(response: Awaitable[httpx.Response], status: int = 200) -> dict[str, Any]:
    answered = await response
    assert answered.status_code == status, answered.text
    body: dict[str, Any] = answered.json()
    return body


async def sign_in_staff(
    client: httpx.AsyncClient, username: str, password: str
) -> tuple[dict[str, str], str, str]:
    """A staff member's full session over HTTP, as the console gets it: the password, then whatever the
    account still owes (ADR 9) — a new password when an operator set this one, an authenticator when
    the policy asks for one (operators must) — each step on the restricted token, the last one
    answering the session. Bearer headers, the authenticator's secret ("" when none was enrolled
    here) and the password the account has now."""
    answer = await _ok(client.post("/api/v1/staff/token", json={"username": username, "password": password}))
    secret = ""
    if answer["status"] == "setup_required":
        setup = _bearer(answer["access_token"])
        required = list(answer["required"])
        settled: dict[str, Any] = {}
        while required:
            if required[0] == "password_change":
                new = f"Mine-{uuid.uuid4().hex}"
                change = {"current_password": password, "new_password": new}
                settled = await _ok(client.post("/api/v1/staff/me/password", json=change, headers=setup))
                password = new
            elif required[0] == "second_factor_enrolment":
                started = client.post("/api/v1/staff/me/second-factor/totp", json={}, headers=setup)
                secret = (await _ok(started, 201))["secret"]
                code = {"code": totp.code_at(secret, time.time())}
                confirm = client.post("/api/v1/staff/me/second-factor/totp/confirm", json=code, headers=setup)
                settled = await _ok(confirm)
            else:
                raise AssertionError(f"a sign-in step this kit does not know: {required[0]}")
            required = list(settled["required"])
        answer = settled["session"]
    assert answer["status"] == "authenticated", answer
    return _bearer(answer["access_token"]), secret, password


async def mint_callers(client: httpx.AsyncClient, *, operator: tuple[str, str]) -> list[Caller]:
    """Anonymous, a registered citizen, an operator, a counter clerk, a school account, a warning
    publisher (bound to the meteorological bureau), an application reviewer (bound to the police
    bureau), and a library gate scanner.
    ``operator``: the username and password of an operator account to start from."""
    username, password = operator
    operator_headers, _, _ = await sign_in_staff(client, username, password)
    clerk = {
        "username": f"clerk-{uuid.uuid4().hex[:12]}",
        "display_name": "Catalogue Clerk",
        "role": "counter",
        "password": f"pw-{uuid.uuid4().hex}",
    }
    await _ok(client.post("/api/v1/admin/staff", json=clerk, headers=operator_headers), 201)
    counter_headers, _, counter_password = await sign_in_staff(client, clerk["username"], clerk["password"])
    # A school's account (the education feature's school routes); bound to no school: the guard lets
    # it in, and what reaches the service answers education.no_school_bound.
    teacher = {**clerk, "username": f"school-{uuid.uuid4().hex[:12]}", "role": "school"}
    await _ok(client.post("/api/v1/admin/staff", json=teacher, headers=operator_headers), 201)
    school_headers, _, school_password = await sign_in_staff(client, teacher["username"], teacher["password"])
    forecaster = {**clerk, "username": f"qxt-{uuid.uuid4().hex[:12]}", "role": "publisher"}
    made = await _ok(client.post("/api/v1/admin/staff", json=forecaster, headers=operator_headers), 201)
    bind = {"staff_id": made["id"], "organisation": "meteorological"}
    await _ok(client.post("/api/v1/warnings/publishers", json=bind, headers=operator_headers), 201)
    publisher_headers, _, publisher_password = await sign_in_staff(
        client, forecaster["username"], forecaster["password"]
    )
    examiner = {**clerk, "username": f"review-{uuid.uuid4().hex[:12]}", "role": "reviewer"}
    made = await _ok(client.post("/api/v1/admin/staff", json=examiner, headers=operator_headers), 201)
    bind = {"staff_id": made["id"], "department": "宿迁市公安局"}
    await _ok(client.post("/api/v1/admin/reviewers", json=bind, headers=operator_headers), 201)
    reviewer_headers, _, reviewer_password = await sign_in_staff(
        client, examiner["username"], examiner["password"]
    )
    scanner = await _ok(
        client.post(
            "/api/v1/admin/scanners",
            json={"scene": "library", "venue": f"gate {uuid.uuid4().hex[:6]}"},
            headers=operator_headers,
        ),
        201,
    )
    exchange = {"device_id": scanner["device"]["id"], "credential": scanner["credential"]}
    device = await _ok(client.post("/api/v1/scanner/token", json=exchange))
    citizen = await register(client)
    person = citizen["_person"]
    return [
        ANONYMOUS,
        Caller(
            "citizen",
            _bearer(citizen["tokens"]["access_token"]),
            (citizen["tokens"]["refresh_token"], citizen["_password"], person["id_number"], person["phone"]),
        ),
        Caller("staff:operator", operator_headers, (password,)),
        Caller("staff:counter", counter_headers, (clerk["password"], counter_password)),
        Caller("staff:school", school_headers, (teacher["password"], school_password)),
        Caller("staff:publisher", publisher_headers, (forecaster["password"], publisher_password)),
        Caller("staff:reviewer", reviewer_headers, (examiner["password"], reviewer_password)),
        Caller("device:library", _bearer(device["access_token"]), (scanner["credential"],)),
    ]


def probe(operation: Operation) -> dict[str, Any] | None:
    """A request that shows whether a caller is let in without changing anything: a body that can't
    be decoded (guards run first), else random ids (nothing to delete), else a read. None for a
    write that takes no input (logout, a key rotation): there is nothing to probe it with."""
    if operation.body_encoding is not None:
        return {"content": b"[", "headers": {"content-type": "application/json"}}
    if operation.path_params or operation.method == "GET":
        return {}
    return None


async def admitted(
    send: Send, operation: Operation, callers: Sequence[Caller]
) -> tuple[list[Caller], list[str]]:
    """The callers ``operation`` lets past its guard, and each caller's probe answer (for messages)."""
    request = probe(operation)
    if request is None:
        return [], []
    let_in, seen = [], []
    for caller in callers:
        response = await send(
            operation.method,
            operation.path(),
            headers={**caller.headers, **request.get("headers", {})},
            content=request.get("content"),
        )
        code = _code(response)
        seen.append(f"{caller.name}: {response.status_code} {code}")
        if code not in AUTH_REFUSALS:
            let_in.append(caller)
    return let_in, seen


def _code(response: httpx.Response) -> str | None:
    if not response.headers.get("content-type", "").startswith("application/problem+json"):
        return None
    code = response.json().get("code")
    return code if isinstance(code, str) else None


def example_bodies(operation: Operation) -> list[tuple[str, Any, Any]]:
    return (
        variants(operation.body) if operation.body is not None and operation.body_encoding == "json" else []
    )
