"""A login storm: the app was updated overnight and everyone logs in again (Argon2id each time).

Citizens register first (or take ``--accounts``), then log in again and again; every 20 logins a phone
moves to a fresh connection and address, as the API allows 30 logins per address per 15 minutes.
A load balancer probes ``/health/live`` all along: its p99 must stay ≤ 50 ms (issue 6), and the run
exits 1 when it does not or when any request failed.

uv run locust -f load-tests/src/load_tests/scenarios/login_storm.py --headless \\
    -u 40 -r 10 -t 1m --host http://127.0.0.1:8000
"""

from __future__ import annotations

from typing import Any

from locust import HttpUser, between, constant_pacing, events, task
from locust.env import Environment

from load_tests.scenarios.common import CitizenUser, fail_on, listen

PROBE = "GET /health/live (probe)"
LOGINS_PER_ADDRESS = 20


class LoggingIn(CitizenUser):
    wait_time = between(0.5, 2)
    logins = 0

    @task
    def log_in(self) -> None:
        if not self.phone:
            return
        self.logins += 1
        if self.logins % LOGINS_PER_ADDRESS == 0:
            self.new_session()
        self.login()


class LoadBalancerProbe(HttpUser):
    fixed_count = 2
    wait_time = constant_pacing(0.1)

    @task
    def live(self) -> None:
        self.client.get("/health/live", name=PROBE)


def _verdict(environment: Environment, **_: Any) -> None:
    fail_on(environment, max_p99_ms={PROBE: 50.0})


listen(events.quitting, _verdict)
