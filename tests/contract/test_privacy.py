"""Privacy of logs and answers: a busy session through every route (tests.contract.session, then a
sweep of the whole route table so routes that land later are driven too), with every log line the
app writes, every audit row it appends and every answer it gives (body and headers) scanned for full
ID numbers, phone numbers, tokens, refresh tokens, credentials, tickets, private keys, the
deployment's keys and SMS codes (tests.contract.privacy). The one place a secret may appear is the
answer that hands it over, where HANDOVERS declares that by design."""

from __future__ import annotations

import base64
import datetime as dt
import logging
from collections.abc import Iterator

import pytest
from litestar import Litestar

from backend.audit.tables import AuditEntry
from backend.settings import Settings
from integrations.alipay import AlipayTwinState, sandbox_user_id
from integrations.wechat import WeChatTwinState
from tests.backend.citizen.factories import client_from
from tests.backend.staff.factories import make_staff
from tests.contract.callers import mint_callers, probe
from tests.contract.drills import bounded, start_sweep
from tests.contract.privacy import LogLines, Recorder, Secret, leaks
from tests.contract.routes import operations
from tests.contract.runner import find_targets
from tests.contract.session import citizens, codes_and_devices, mini_programs, staff_and_gates
from tests.contract.session_wallet import wallet
from tests.services import Services


@pytest.fixture
def log_lines() -> Iterator[LogLines]:
    handler = LogLines()
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)


def _deployment_secrets(settings: Settings) -> list[Secret]:
    keys = (settings.secrets.data_key, settings.secrets.index_key)
    found = [Secret("secret", base64.b64encode(key).decode()) for key in keys]
    found += [Secret("secret", key.hex()) for key in keys]
    if settings.secrets.bootstrap_admin_password:
        found.append(Secret("secret", settings.secrets.bootstrap_admin_password))
    return found


def _platform_secrets(services: Services) -> list[Secret]:
    """What the platforms told us about their users — WeChat openids and session keys, Alipay user
    ids and refresh tokens — never leaves the backend."""
    sandbox = services.upstreams.sandbox
    assert sandbox is not None
    wechat, alipay = sandbox.state("wechat"), sandbox.state("alipay")
    assert isinstance(wechat, WeChatTwinState)
    assert isinstance(alipay, AlipayTwinState)
    found = [Secret("platform", value) for pair in wechat.sessions.items() for value in pair]
    found += [Secret("platform", token) for token in alipay.refresh_tokens]
    return found + [Secret("platform", sandbox_user_id(n)) for n in alipay.refresh_tokens.values()]


async def test_no_log_line_audit_row_or_answer_carries_a_secret(
    app: Litestar, services: Services, settings: Settings, log_lines: LogLines
) -> None:
    ops = operations(app)
    recorder = Recorder(ops)
    started = dt.datetime.now(dt.UTC)
    async with client_from(app) as web:
        web.event_hooks = {"response": [recorder]}
        row, password = await make_staff(services, role="operator")
        people = await citizens(web)
        code = await codes_and_devices(web, people["me"])
        staff = await staff_and_gates(
            web, (row.username, password), code=code, citizen_id=people["a"]["citizen"]["id"]
        )
        await wallet(web, staff, people["a"]["_person"], people["me"])
        await mini_programs(web, people["a"], people["me"])

        send = bounded(web)
        # The sweep's own callers: the session's operator has an authenticator by now.
        sweeper, sweeper_password = await make_staff(services, role="operator")
        callers = await mint_callers(web, operator=(sweeper.username, sweeper_password))
        recorder.harvest = False  # the sweep sends examples, no one's secrets
        targets = await find_targets(send, ops, callers)
        for task in start_sweep(send, ops, targets):
            await task
        # Last, the writes that take no input (a logout, a key rotation), as each of these callers:
        # minted for the sweep, their sessions may end.
        for op in ops:
            if op.documented and probe(op) is None:
                for caller in callers:
                    await send(op.method, op.path(), headers=caller.headers)

    called = {e.operation for e in recorder.exchanges}
    assert {op.key for op in ops if op.documented} - called == set(), "operations the session never called"

    known = [*recorder.secrets(), *_deployment_secrets(settings), *_platform_secrets(services)]
    known = [s for s in known if s.kind != "secret" or len(s.value) >= 8]
    found: list[str] = []
    for exchange in recorder.exchanges:
        if exchange.operation is None:
            continue  # the sandbox twins: not our API (their SMS outbox lists codes by design)
        where = f"{exchange.request.method} {exchange.request.url.path} -> {exchange.response.status_code}"
        headers = "\n".join(f"{k}: {v}" for k, v in exchange.response.headers.items())
        body = (
            exchange.response.text
            if "image/png" not in exchange.response.headers.get("content-type", "")
            else ""
        )
        documented = next(op.documented for op in ops if op.key == exchange.operation)
        found += leaks(
            f"answer {where}", body, known, operation=exchange.operation, documentation=not documented
        )
        found += leaks(f"headers {where}", headers, known)
    for line in log_lines.lines:
        found += leaks(f"log {line[:120]}", line, known)
    rows = await AuditEntry.select().where(AuditEntry.occurred_at >= started)
    assert rows, "the session appended no audit rows"
    for entry in rows:
        text = f"{entry['actor']} {entry['action']} {entry['subject']} {entry['data']}"
        found += leaks(f"audit {entry['action']}", text, known)
    assert found == [], f"{len(found)} leaks:\n" + "\n".join(sorted(set(found)))
