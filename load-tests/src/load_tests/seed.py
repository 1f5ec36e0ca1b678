"""Seeding over HTTP: citizens with passwords and tokens, a scanner device token, fresh citizen codes.

Everything goes through the public API (and the sandbox twins mounted at ``/_sandbox``, which is how
a registration gets its SMS code). The client keeps ONE keep-alive connection: the sandbox twins
live inside each worker process, so the worker that sent an SMS is the only one whose outbox holds
it, and one connection stays on one worker.

A step whose route is not served yet raises ``NotAvailable`` naming the route, so the bench reports
the endpoint as not available instead of failing or silently passing.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

API = "/api/v1"


class NotAvailable(Exception):
    """A route the endpoint (or its seeding) needs is not served by this build of the API."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SeedError(Exception):
    """A seeding request the API does serve answered unexpectedly; the bench reports it as failed."""


@dataclass(frozen=True, slots=True)
class Citizen:
    phone: str
    password: str
    access_token: str


def openapi_routes(document: Mapping[str, Any]) -> frozenset[tuple[str, str]]:
    """(METHOD, path template) pairs from an OpenAPI document."""
    methods = {"get", "post", "put", "patch", "delete"}
    return frozenset(
        (method.upper(), path)
        for path, item in document.get("paths", {}).items()
        for method in item
        if method in methods
    )


class Seeder:
    """Creates what the endpoints need, once, and remembers it for the rest of the run."""

    def __init__(self, base_url: str, *, admin_password: str | None, timeout_s: float = 30.0) -> None:
        self._client = httpx.Client(
            base_url=base_url,
            timeout=timeout_s,
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
        )
        self._admin_password = admin_password
        self._routes: frozenset[tuple[str, str]] | None = None
        self._citizens: list[Citizen] = []
        self._scanner_token: str | None = None
        self._phones = _phone_numbers()

    def close(self) -> None:
        self._client.close()

    @property
    def routes(self) -> frozenset[tuple[str, str]]:
        if self._routes is None:
            response = self._client.get("/schema/openapi.json")
            if response.status_code != 200:
                raise SeedError(f"GET /schema/openapi.json answered {response.status_code}")
            self._routes = openapi_routes(response.json())
        return self._routes

    def require(self, *routes: tuple[str, str]) -> None:
        missing = [f"{m} {p}" for m, p in routes if (m, p) not in self.routes]
        if missing:
            raise NotAvailable(f"{', '.join(missing)} not served yet")

    def _call(self, method: str, path: str, *, expect: Iterable[int] = (200, 201), **kwargs: Any) -> Any:
        response = self._client.request(method, path, **kwargs)
        if response.status_code not in set(expect):
            raise SeedError(f"{method} {path} answered {response.status_code}: {response.text[:300]}")
        return response.json() if response.content else None

    # Citizens ---------------------------------------------------------------------------------------

    def citizens(self, count: int) -> list[Citizen]:
        """``count`` registered citizens with a password and a live access token."""
        self.require(
            ("POST", f"{API}/auth/sms-codes"),
            ("POST", f"{API}/auth/register"),
            ("POST", f"{API}/auth/token"),
            ("GET", "/_sandbox/sms/outbox"),
        )
        while len(self._citizens) < count:
            self._citizens.append(self._register())
        return self._citizens[:count]

    def _register(self) -> Citizen:
        phone = next(self._phones)
        password = "Bench-" + secrets.token_urlsafe(12)
        self._call("POST", f"{API}/auth/sms-codes", json={"phone": phone, "purpose": "register"})
        code = self._latest_sms_code(phone)
        self._call(
            "POST",
            f"{API}/auth/register",
            json={"phone": phone, "sms_code": code, "password": password},
        )
        token = self.password_token(phone, password)
        return Citizen(phone=phone, password=password, access_token=token)

    def _latest_sms_code(self, phone: str) -> str:
        messages = self._call("GET", "/_sandbox/sms/outbox", params={"phone": phone})
        if not messages:
            raise SeedError(f"no SMS in the sandbox outbox for {phone[:3]}****{phone[-4:]}")
        text = str(messages[-1].get("text", ""))
        digits = [token for token in _digit_runs(text) if 4 <= len(token) <= 8]
        if not digits:
            raise SeedError(f"no code in the SMS text {text!r}")
        return digits[0]

    def password_token(self, phone: str, password: str) -> str:
        body = self._call(
            "POST",
            f"{API}/auth/token",
            json={"grant_type": "password", "phone": phone, "password": password},
        )
        return str(body["access_token"])

    # Scanner devices and codes --------------------------------------------------------------------------

    def scanner_token(self) -> str:
        """A device token for a gate scanner the bootstrap operator registered."""
        if self._scanner_token is None:
            self.require(
                ("POST", f"{API}/staff/token"),
                ("POST", f"{API}/admin/scanners"),
                ("POST", f"{API}/scanner/token"),
            )
            operator = self._operator_token()
            registered = self._call(
                "POST",
                f"{API}/admin/scanners",
                json={"scene": "traffic_checkpoint", "venue": "bench gate"},
                headers={"Authorization": f"Bearer {operator}"},
            )
            body = self._call(
                "POST",
                f"{API}/scanner/token",
                json={"device_id": registered["device"]["id"], "credential": registered["credential"]},
            )
            self._scanner_token = str(body["access_token"])
        return self._scanner_token

    def _operator_token(self) -> str:
        if self._admin_password is None:
            raise NotAvailable("no bootstrap operator password")
        body = self._call(
            "POST",
            f"{API}/staff/token",
            json={"username": "admin", "password": self._admin_password},
        )
        return str(body["access_token"])

    def citizen_codes(self, citizens: Iterable[Citizen], per_citizen: int) -> list[str]:
        """Fresh codes, issued just before a measurement (they live a short time)."""
        self.require(("GET", f"{API}/citizen-code"))
        codes = []
        for citizen in citizens:
            for _ in range(per_citizen):
                body = self._call(
                    "GET",
                    f"{API}/citizen-code",
                    headers={"Authorization": f"Bearer {citizen.access_token}"},
                )
                codes.append(str(body["code"]))
        return codes


def _digit_runs(text: str) -> list[str]:
    runs, current = [], ""
    for char in text + " ":
        if char.isdigit():
            current += char
        elif current:
            runs.append(current)
            current = ""
    return runs


def _phone_numbers() -> Iterator[str]:
    # 199 + random: outside the sandbox's seeded residents, so registrations never collide with them.
    seen: set[str] = set()
    while True:
        phone = f"199{secrets.randbelow(10**8):08d}"
        if phone not in seen:
            seen.add(phone)
            yield phone
