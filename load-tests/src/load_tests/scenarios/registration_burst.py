"""A registration burst: a campaign goes out and new citizens register at once.

Every task is a new person: a fresh connection (from a fresh 127.0.x.y on a loopback host), the
person added to the sandbox population registry, an SMS code, the real-name registration, then the
citizen looks at their record. Needs the sandbox mounted (``SUQIAN_SANDBOX_MOUNT=1``).

uv run locust -f load-tests/src/load_tests/scenarios/registration_burst.py --headless \\
    -u 50 -r 10 -t 1m --host http://127.0.0.1:8000
"""

from __future__ import annotations

from typing import Any

from locust import between, events, task
from locust.env import Environment

from load_tests.scenarios.common import CitizenUser, fail_on, listen
from load_tests.seed import API


class NewCitizen(CitizenUser):
    wait_time = between(1, 3)

    def on_start(self) -> None:
        pass  # every task registers someone new

    @task
    def register_someone(self) -> None:
        self.new_session()
        if self.register():
            self.client.get(f"{API}/me", headers=self.auth, name="GET /me")


def _verdict(environment: Environment, **_: Any) -> None:
    fail_on(environment, max_p99_ms={})


listen(events.quitting, _verdict)
