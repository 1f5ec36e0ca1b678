"""The dashboard and the alert rules (deploy/) read metrics the app really exposes: every metric name
in every PromQL expression appears in the app's own /metrics; promtool checks the rules and runs their
unit tests; the outbox gauges, the delivery counter and the breaker gauge report what happened."""

from __future__ import annotations

import json
import re
import secrets
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from backend.observability.metrics import Metrics
from backend.outbox.jobs import ClaimedJob, GiveUp
from backend.outbox.repository import OutboxRepository
from backend.outbox.settings import OutboxSettings
from backend.outbox.worker import OutboxWorker
from integrations import BreakerState
from tests.services import Services

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
RULES = DEPLOY / "prometheus" / "alerts.yml"
DASHBOARD = DEPLOY / "grafana" / "suqian-service.json"
# What Prometheus itself provides, not the app.
PROMETHEUS_OWN = {"up"}
_PROMQL_WORDS = {
    "sum", "max", "min", "avg", "count", "by", "without", "rate", "irate", "increase",
    "histogram_quantile", "and", "or", "unless", "on", "ignoring", "group_left", "group_right", "bool",
    "offset", "abs", "clamp_min",
}  # fmt: skip


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads (label matchers, grouping labels, durations,
    Grafana variables and functions removed)."""
    text = re.sub(r"\$__\w+|\$\{?\w+\}?", "5m", expr)
    text = re.sub(r'"(?:[^"\\]|\\.)*"', "", text)
    text = re.sub(r"\{[^}]*\}", "", text)
    text = re.sub(r"\[[^\]]*\]", "", text)
    text = re.sub(r"\b(by|without|on|ignoring)\s*\([^)]*\)", "", text)
    words = set(re.findall(r"[A-Za-z_:][A-Za-z0-9_:]*", text))
    return {w for w in words if w not in _PROMQL_WORDS and not re.fullmatch(r"\d+\w*", w)}


def exposed(text: str) -> set[str]:
    """Every sample name /metrics can show: the families' TYPE lines with their sample suffixes."""
    names: set[str] = set()
    for family, kind in re.findall(r"^# TYPE (\S+) (\S+)$", text, re.MULTILINE):
        names.add(family)
        if kind == "histogram":
            names |= {f"{family}_bucket", f"{family}_sum", f"{family}_count"}
        if kind == "counter":
            names |= {f"{family}_total", f"{family}_created"}
    return names


def _expressions() -> list[tuple[str, str]]:
    rules = yaml.safe_load(RULES.read_text())
    found = [(rule["alert"], rule["expr"]) for group in rules["groups"] for rule in group["rules"]]
    dashboard = json.loads(DASHBOARD.read_text())
    found += [(panel["title"], t["expr"]) for panel in dashboard["panels"] for t in panel["targets"]]
    return found


async def test_every_metric_the_dashboard_and_the_alerts_read_is_exposed(client: httpx.AsyncClient) -> None:
    answer = await client.get("/metrics")
    assert answer.status_code == 200
    available = exposed(answer.text) | PROMETHEUS_OWN
    expressions = _expressions()
    assert len(expressions) >= 20
    for where, expr in expressions:
        names = metric_names(expr)
        assert names, f"{where}: reads no metric?"
        missing = names - available
        assert not missing, f"{where} reads {sorted(missing)}, which /metrics does not expose"


def test_metric_names_are_read_out_of_promql() -> None:
    expr = (
        'histogram_quantile(0.99, sum by (le, route) (rate(x_bucket{route="/a", s=~"5.."}'
        "[$__rate_interval]))) / y > 0.2"
    )
    assert metric_names(expr) == {"x_bucket", "y"}
    assert metric_names('max by (topic) (suqian_outbox_jobs{state="dead"}) > 0') == {"suqian_outbox_jobs"}


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool (Debian: prometheus) is not installed")
def test_promtool_accepts_the_rules_and_their_unit_tests_pass() -> None:
    checked = subprocess.run(["promtool", "check", "rules", str(RULES)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = subprocess.run(
        ["promtool", "test", "rules", "alerts.test.yml"], cwd=RULES.parent, capture_output=True, text=True
    )
    assert tested.returncode == 0, tested.stdout + tested.stderr


async def test_a_dead_letter_shows_in_the_outbox_gauges_and_the_delivery_counter(
    services: Services, client: httpx.AsyncClient
) -> None:
    topic = f"metrics.{secrets.token_hex(4)}"
    repository = OutboxRepository(services.engine)
    now = datetime.now(UTC)
    payload = services.cipher.seal("{}", column=f"outbox_job.payload:{topic}:k")
    assert await repository.insert(topic=topic, key="k", payload=payload, max_attempts=3, now=now, due_at=now)
    assert await repository.insert(
        topic=topic, key="k2", payload=payload, max_attempts=3, now=now, due_at=now
    )

    async def refuses(job: ClaimedJob) -> None:
        raise GiveUp("the department refuses it")

    metrics = Metrics()
    worker = OutboxWorker(
        "metrics worker",
        repository=repository,
        handlers={topic: refuses},
        settings=OutboxSettings(batch=1),
        clock=services.clock,
        cipher=services.cipher,
        metrics=metrics,
    )
    assert await worker.step() == 1
    assert f'suqian_outbox_deliveries_total{{outcome="dead",topic="{topic}"' in metrics.render().decode()

    text = (await client.get("/metrics")).text
    assert f'suqian_outbox_jobs{{state="dead",topic="{topic}"}} 1.0' in text
    assert f'suqian_outbox_jobs{{state="pending",topic="{topic}"}} 1.0' in text
    age = re.search(rf'suqian_outbox_oldest_pending_seconds{{topic="{topic}"}} (\S+)', text)
    assert age is not None
    assert float(age.group(1)) >= 0


def test_the_breaker_gauge_reads_each_breaker_when_scraped() -> None:
    states: dict[str, Any] = {"cases": BreakerState.CLOSED, "sms": BreakerState.CLOSED}
    metrics = Metrics()
    metrics.watch_breakers(lambda: states)
    assert 'suqian_upstream_breaker_state{system="cases"} 0.0' in metrics.render().decode()
    states["cases"] = BreakerState.OPEN
    states["sms"] = BreakerState.HALF_OPEN
    rendered = metrics.render().decode()
    assert 'suqian_upstream_breaker_state{system="cases"} 2.0' in rendered
    assert 'suqian_upstream_breaker_state{system="sms"} 1.0' in rendered
