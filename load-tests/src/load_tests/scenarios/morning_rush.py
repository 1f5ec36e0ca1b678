"""The morning rush: citizens open their code on the way out, gates at bus stops scan it.

Nine citizens to one gate. A citizen registers (or takes an account from ``--accounts``), then opens
its code every few seconds (the app refreshes it while shown) and now and then its own record; every
code shown joins the queue in front of the gates, which scan as fast as a person steps up (5 a second).

uv run locust -f load-tests/src/load_tests/scenarios/morning_rush.py --headless --reset-stats \\
    -u 300 -r 30 -t 3m --host http://127.0.0.1:8000 --admin-password "$SUQIAN_BOOTSTRAP_ADMIN_PASSWORD"
"""

from __future__ import annotations

from collections import deque
from typing import Any

from locust import between, constant_pacing, events, task
from locust.env import Environment

from load_tests.scenarios.common import CitizenUser, fail_on, listen, operator_device_token
from load_tests.seed import API

# Codes shown and not yet scanned; a gate takes the oldest. Bounded: people give up on a long queue.
QUEUE: deque[str] = deque(maxlen=5_000)


class Citizen(CitizenUser):
    weight = 9
    wait_time = between(2, 6)

    @task(6)
    def show_code(self) -> None:
        if not self.token:
            return
        with self.client.get(
            f"{API}/citizen-code", headers=self.auth, name="GET /citizen-code", catch_response=True
        ) as response:
            if response.ok:
                QUEUE.append(response.json()["code"])

    @task(1)
    def me(self) -> None:
        if self.token:
            self.client.get(f"{API}/me", headers=self.auth, name="GET /me")


class Gate(CitizenUser):
    weight = 1
    wait_time = constant_pacing(0.2)

    def on_start(self) -> None:
        self.new_session()
        self.token = operator_device_token(self, venue=f"bus stop {id(self) % 10_000}")

    @task
    def scan(self) -> None:
        if not QUEUE:
            return
        self.client.post(
            f"{API}/scanner/verify",
            json={"code": QUEUE.popleft()},
            headers=self.auth,
            name="POST /scanner/verify",
        )


def _verdict(environment: Environment, **_: Any) -> None:
    fail_on(environment, max_p99_ms={"POST /scanner/verify": 30.0})


listen(events.quitting, _verdict)
