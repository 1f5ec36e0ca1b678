"""Seeding over HTTP: citizens with passwords and tokens, a scanner device token, fresh citizen codes.

Everything goes through the public API, and through the sandbox twins mounted at ``/_sandbox``:
a registration needs a person the population registry knows and the SMS code it was texted. The
twins live inside each worker process, so each citizen registers over ONE keep-alive connection (one
connection stays on one worker), and from its own loopback address, because the API limits
registrations, SMS codes and logins per client address.

A step whose route is not served yet raises ``NotAvailable`` naming the route, so the bench reports
the endpoint as not available instead of failing or silently passing.
"""

from __future__ import annotations

import dataclasses
import secrets
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from load_tests.identities import Identity, SeedError, identities, source_addresses

API = "/api/v1"


class NotAvailable(Exception):
    """A route the endpoint (or its seeding) needs is not served by this build of the API."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Citizen:
    phone: str
    password: str
    access_token: str
    refresh_token: str
    expires_at: float  # time.monotonic()


# Renew a token with less than this left: a measured run with its quiet wait and retries takes well
# under two minutes, and citizen tokens live 15 minutes, device tokens 10.
RENEW_BEFORE_S = 120.0


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

    def __init__(
        self, base_url: str, *, admin_password: str | None, crowd: int = 16, timeout_s: float = 30.0
    ) -> None:
        self.crowd = crowd
        self._client = httpx.Client(
            base_url=base_url,
            timeout=timeout_s,
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
        )
        self.base_url = base_url
        self._timeout_s = timeout_s
        self._admin_password = admin_password
        self._identities = identities()
        self._sources = source_addresses()
        self._routes: frozenset[tuple[str, str]] | None = None
        self._citizens: list[Citizen] = []
        self._scanner: tuple[str, str] | None = None  # device id, credential
        self._scanner_token: str | None = None
        self._queue_service: str | None = None
        self._scanner_expires_at = 0.0
        self._holder: str | None = None
        self._representative: Citizen | None = None

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

    def _require_sandbox(self) -> None:
        # The sandbox is a mounted ASGI app, not in the OpenAPI document: ask it directly.
        if self._client.get("/_sandbox/sms/outbox", params={"phone": "13800000000"}).status_code != 200:
            raise NotAvailable("the sandbox is not mounted at /_sandbox (SUQIAN_SANDBOX_MOUNT=1)")

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        return _caller(self._client)(method, path, **kwargs)

    def citizens(self, count: int) -> list[Citizen]:
        """``count`` registered citizens with a password and a live access token."""
        self.require(("POST", f"{API}/auth/sms-codes"), ("POST", f"{API}/auth/register"))
        self._require_sandbox()
        while len(self._citizens) < count:
            self._citizens.append(self._register())
        self._citizens[:count] = [self._renewed(c) for c in self._citizens[:count]]
        return self._citizens[:count]

    def licence_holder(self) -> str:
        """A citizen holding an ID card in the wallet (so status list 1 exists); their access token.

        Registered like the crowd, then, on the same connection (the sandbox's state is per worker),
        the library issues them an ID card and their first look pulls it."""
        self.require(("GET", f"{API}/licences"), ("GET", f"{API}/licences/status/{{status_list}}"))
        if self._holder is None:

            def pull(call: Any, identity: Identity, token: str) -> None:
                licence = {"name": identity.name, "id_number": identity.id_number, "kind_code": "JMSFZ"}
                call("POST", "/_sandbox/elicence/licences", json=licence)
                held = call("GET", f"{API}/licences", headers={"Authorization": f"Bearer {token}"})
                if not held["items"]:
                    raise SeedError("the wallet pulled no licence for the seeded holder")

            self._holder = self._register(then=pull).access_token
        return self._holder

    def representative(self, then: Any) -> Citizen:
        """A citizen registered once, ``then(call, identity, token)`` run on their registration's
        connection (a sandbox registration that must reach the same worker), their token renewed."""
        if self._representative is None:
            self._representative = self._register(then=then)
        self._representative = self._renewed(self._representative)
        return self._representative

    def paid_notification(self) -> tuple[dict[str, str], str]:
        """A WeChat Pay ``TRANSACTION.SUCCESS`` notification of a paid order: its headers and body.

        A fresh citizen links a water account the utility twin was just given, pays its bill in the
        WeChat app (``wechat_app``: no mini-program user to bind), and the twin pays the order and
        emits the notification — all on the registration's one connection, since the twins' state
        is per worker. The API has taken it once already; what the bench sends is its replays, as
        the platform retries them. Its timestamp is now: the adapter takes it for 300 s."""
        self.require(("POST", f"{API}/utilities/accounts"), ("GET", f"{API}/payments/orders/{{order_id}}"))
        self._require_sandbox()
        found: list[tuple[dict[str, str], str]] = []

        def pay(call: Any, identity: Identity, token: str) -> None:
            citizen = {"Authorization": f"Bearer {token}"}
            account_no = f"SW9{identity.phone[-8:]}"
            account = {"kind": "water", "account_no": account_no, "holder": identity.name}
            bill = {"period": "2026-11", "amount_fen": 3650}
            address = "宿迁市宿城区幸福中路1号"
            call("POST", "/_sandbox/utility/accounts", json={**account, "address": address, "bills": [bill]})
            link = {"kind": "water", "account_no": account_no}
            linked = call("POST", f"{API}/utilities/accounts", json=link, headers=citizen)
            bills = call("GET", f"{API}/utilities/accounts/{linked['id']}/bills", headers=citizen)["items"]
            started = call(
                "POST",
                f"{API}/utilities/accounts/{linked['id']}/payments",
                json={"bill_no": bills[0]["bill_no"], "channel": "wechat_app"},
                headers=citizen,
            )
            order = call("GET", f"{API}/payments/orders/{started['payment']['order_id']}", headers=citizen)
            call("POST", f"/_sandbox/wechatpay/sandbox/orders/{order['out_trade_no']}/pay")
            # This worker's newest: the twin emitted it for this order just now (one connection).
            sent = call("GET", "/_sandbox/wechatpay/sandbox/notifications")[-1]
            found.append(({k: str(v) for k, v in sent["headers"].items()}, str(sent["body"])))

        self._register(then=pay)
        if not found:
            raise SeedError("the WeChat Pay twin emitted no notification for the seeded order")
        return found[0]

    def _register(self, then: Any = None) -> Citizen:
        """Real-name registration, as a citizen's phone would do it, from its own client address.

        One keep-alive connection per citizen: the person joins the population registry twin and the
        SMS lands in the outbox of the worker that serves the connection, so registering on the same
        connection finds both.
        """
        identity = next(self._identities)
        password = "Bench-" + secrets.token_urlsafe(12)
        with httpx.Client(
            base_url=self.base_url,
            timeout=self._timeout_s,
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
            transport=httpx.HTTPTransport(local_address=next(self._sources)),
        ) as client:
            call = _caller(client)
            call(
                "POST",
                "/_sandbox/population/people",
                # With the phone: the sandbox registers it to them at the operators (real-name check).
                json={"name": identity.name, "id_number": identity.id_number, "phone": identity.phone},
            )
            call("POST", f"{API}/auth/sms-codes", json={"phone": identity.phone, "purpose": "register"})
            messages = call("GET", "/_sandbox/sms/outbox", params={"phone": identity.phone})
            body = call(
                "POST",
                f"{API}/auth/register",
                json={
                    "phone": identity.phone,
                    "sms_code": sms_code(messages),
                    "name": identity.name,
                    "id_number": identity.id_number,
                    "password": password,
                },
            )
            tokens = body["tokens"]
            if then is not None:
                then(call, identity, str(tokens["access_token"]))
        return Citizen(
            phone=identity.phone,
            password=password,
            access_token=str(tokens["access_token"]),
            refresh_token=str(tokens["refresh_token"]),
            expires_at=time.monotonic() + float(tokens["expires_in"]),
        )

    def _renewed(self, citizen: Citizen) -> Citizen:
        """The citizen with a fresh token pair (refresh grant: no password hash) if theirs runs out."""
        if citizen.expires_at - time.monotonic() > RENEW_BEFORE_S:
            return citizen
        tokens = self.call(
            "POST",
            f"{API}/auth/token",
            json={"grant_type": "refresh_token", "refresh_token": citizen.refresh_token},
        )
        return dataclasses.replace(
            citizen,
            access_token=str(tokens["access_token"]),
            refresh_token=str(tokens["refresh_token"]),
            expires_at=time.monotonic() + float(tokens["expires_in"]),
        )

    def scanner_token(self) -> str:
        """A device token for a gate scanner the bootstrap operator registered, renewed before it ends."""
        if self._scanner is None:
            self.require(
                ("POST", f"{API}/staff/token"),
                ("POST", f"{API}/admin/scanners"),
                ("POST", f"{API}/scanner/token"),
            )
            operator = self.operator_token()
            registered = self.call(
                "POST",
                f"{API}/admin/scanners",
                json={"scene": "traffic_checkpoint", "venue": "bench gate"},
                headers={"Authorization": f"Bearer {operator}"},
            )
            self._scanner = (str(registered["device"]["id"]), str(registered["credential"]))
        if self._scanner_token is None or self._scanner_expires_at - time.monotonic() <= RENEW_BEFORE_S:
            device_id, credential = self._scanner
            body = self.call(
                "POST", f"{API}/scanner/token", json={"device_id": device_id, "credential": credential}
            )
            self._scanner_token = str(body["access_token"])
            self._scanner_expires_at = time.monotonic() + float(body["expires_in"])
        return self._scanner_token

    def queue_service(self) -> str:
        """A hall whose kiosk is the bench scanner (venue "bench gate"), open all day, with service A
        and a counter: the service's id, for the take-number row."""
        if self._queue_service is None:
            self.require(("POST", f"{API}/admin/queue/halls"), ("POST", f"{API}/queue/kiosk/tickets"))
            operator = {"Authorization": f"Bearer {self.operator_token()}"}
            hall = self.call(
                "POST",
                f"{API}/admin/queue/halls",
                json={
                    "name": "bench hall",
                    "kind": "service_centre",
                    "venue": "bench gate",
                    "hours": [{"opens": 0, "closes": 1440}] * 7,
                },
                headers=operator,
            )["hall"]
            service = self.call(
                "POST",
                f"{API}/admin/queue/halls/{hall['id']}/services",
                json={"name": "bench", "prefix": "A"},
                headers=operator,
            )
            self._queue_service = str(service["id"])
        return self._queue_service

    def operator_token(self) -> str:
        if self._admin_password is None:
            raise NotAvailable("no bootstrap operator password")
        body = self.call(
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
                body = self.call(
                    "GET",
                    f"{API}/citizen-code",
                    headers={"Authorization": f"Bearer {citizen.access_token}"},
                )
                codes.append(str(body["code"]))
        return codes


def _caller(client: httpx.Client) -> Any:
    def call(method: str, path: str, *, expect: Iterable[int] = (200, 201, 202), **kwargs: Any) -> Any:
        response = client.request(method, path, **kwargs)
        if response.status_code not in set(expect):
            raise SeedError(f"{method} {path} answered {response.status_code}: {response.text[:300]}")
        return response.json() if response.content else None

    return call


def sms_code(outbox: Any) -> str:
    """The six digits of the newest message in a sandbox SMS outbox listing."""
    if not outbox:
        raise SeedError("the sandbox SMS outbox is empty for this phone")
    message = outbox[-1]
    text = str(message.get("text", "")) if isinstance(message, dict) else str(message)
    codes = [run for run in _digit_runs(text) if len(run) == 6]
    if not codes:
        raise SeedError(f"no 6-digit code in the SMS {text[:120]!r}")
    return codes[0]


def _digit_runs(text: str) -> list[str]:
    runs, current = [], ""
    for char in text + " ":
        if char.isdigit():
            current += char
        elif current:
            runs.append(current)
            current = ""
    return runs
