"""What the scenarios share: a citizen that registers or logs in, addresses, accounts, exit codes.

Registration needs the sandbox twins mounted (``/_sandbox``: a person for the population registry,
the SMS outbox); a server without them can still be stormed with ``--accounts FILE`` (``phone,password``
lines). Against a loopback host each simulated phone uses its own 127.0.x.y address, as real phones
have their own addresses: the API limits SMS codes, registrations and logins per client address.
"""

from __future__ import annotations

import csv
import ipaddress
import itertools
import threading
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

from locust import HttpUser, events
from locust.clients import HttpSession
from locust.env import Environment
from requests.adapters import HTTPAdapter

from load_tests.identities import Identity, identities, source_addresses
from load_tests.seed import API, sms_code

_lock = threading.Lock()


def listen(event: Any, listener: Callable[..., None]) -> None:
    """``event.add_listener`` with a type (locust's decorator is untyped)."""
    event.add_listener(listener)


_identities = identities()
# Clear of the bench's own ranges; a locust run against a fresh server starts from a clean slate.
_sources = source_addresses(first=150 * 250)


def next_identity() -> Identity:
    with _lock:
        return next(_identities)


def next_source() -> str:
    with _lock:
        return next(_sources)


def _arguments(parser: Any) -> None:
    parser.add_argument("--admin-password", default="", help="the bootstrap operator's password (gates)")
    parser.add_argument(
        "--accounts", default="", help="CSV of phone,password to log in with instead of registering"
    )
    parser.add_argument(
        "--spread-addresses",
        choices=("auto", "yes", "no"),
        default="auto",
        help="each simulated phone connects from its own 127.0.x.y (auto: when the host is loopback)",
    )


listen(events.init_command_line_parser, _arguments)


class _SourceAddressAdapter(HTTPAdapter):
    def __init__(self, source: str) -> None:
        self._source = (source, 0)
        super().__init__(pool_connections=1, pool_maxsize=1)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = self._source
        super().init_poolmanager(*args, **kwargs)


def _spread(environment: Environment, host: str) -> bool:
    choice = getattr(environment.parsed_options, "spread_addresses", "auto")
    if choice != "auto":
        return bool(choice == "yes")
    hostname = urlsplit(host).hostname or ""
    try:
        return hostname == "localhost" or ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False


_accounts_cache: dict[str, Iterator[tuple[str, str]]] = {}


def _accounts(path: str) -> Iterator[tuple[str, str]] | None:
    if not path:
        return None
    with _lock:
        if path not in _accounts_cache:
            with open(path, newline="") as fh:
                rows = [(r[0].strip(), r[1].strip()) for r in csv.reader(fh) if len(r) >= 2]
            _accounts_cache[path] = itertools.cycle(rows)
        return _accounts_cache[path]


class CitizenUser(HttpUser):
    """A phone: its own connection and address; registers (or takes an account), keeps its token."""

    abstract = True
    phone = ""
    password = ""
    token = ""

    def new_session(self) -> None:
        """A fresh connection, from a fresh address where addresses are spread."""
        assert self.host is not None
        session = HttpSession(base_url=self.host, request_event=self.environment.events.request, user=self)
        if _spread(self.environment, self.host):
            session.mount("http://", _SourceAddressAdapter(next_source()))
        self.client = session

    def on_start(self) -> None:
        self.new_session()
        accounts = _accounts(getattr(self.environment.parsed_options, "accounts", ""))
        if accounts is not None:
            with _lock:
                self.phone, self.password = next(accounts)
            self.login()
        else:
            self.register()

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def register(self) -> bool:
        """Real-name registration over this user's one connection (the sandbox twins are per worker)."""
        person = next_identity()
        self.phone, self.password = person.phone, "Locust-" + person.id_number[-8:] + "-pw"
        with self.client.post(
            "/_sandbox/population/people",
            # With the phone: the sandbox registers it to them at the operators (real-name check).
            json={"name": person.name, "id_number": person.id_number, "phone": person.phone},
            name="sandbox: add person",
            catch_response=True,
        ) as response:
            if response.status_code == 409:
                response.success()  # an identity drawn twice: the next task draws another
                return False
        self.client.post(
            f"{API}/auth/sms-codes",
            json={"phone": person.phone, "purpose": "register"},
            name="POST /auth/sms-codes",
        )
        outbox = self.client.get(
            "/_sandbox/sms/outbox", params={"phone": person.phone}, name="sandbox: SMS outbox"
        )
        if not outbox.ok:
            return False
        with self.client.post(
            f"{API}/auth/register",
            json={
                "phone": person.phone,
                "sms_code": sms_code(outbox.json()),
                "name": person.name,
                "id_number": person.id_number,
                "password": self.password,
            },
            name="POST /auth/register",
            catch_response=True,
        ) as response:
            if not response.ok:
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return False
            self.token = response.json()["tokens"]["access_token"]
        return True

    def login(self) -> bool:
        with self.client.post(
            f"{API}/auth/token",
            json={"grant_type": "password", "phone": self.phone, "password": self.password},
            name="POST /auth/token (password)",
            catch_response=True,
        ) as response:
            if not response.ok:
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return False
            self.token = response.json()["access_token"]
        return True


def operator_device_token(user: HttpUser, *, venue: str) -> str:
    """Register a gate scanner as the bootstrap operator and trade its credential for a device token."""
    password = getattr(user.environment.parsed_options, "admin_password", "")
    if not password:
        raise RuntimeError("gates need --admin-password (the bootstrap operator's)")
    staff = user.client.post(
        f"{API}/staff/token", json={"username": "admin", "password": password}, name="POST /staff/token"
    )
    staff.raise_for_status()
    registered = user.client.post(
        f"{API}/admin/scanners",
        json={"scene": "bus", "venue": venue},
        headers={"Authorization": f"Bearer {staff.json()['access_token']}"},
        name="POST /admin/scanners",
    )
    registered.raise_for_status()
    body = registered.json()
    device = user.client.post(
        f"{API}/scanner/token",
        json={"device_id": body["device"]["id"], "credential": body["credential"]},
        name="POST /scanner/token",
    )
    device.raise_for_status()
    return str(device.json()["access_token"])


def fail_on(environment: Environment, *, max_p99_ms: dict[str, float]) -> None:
    """Exit non-zero when any request failed or a named request's p99 passed its ceiling."""
    stats = environment.stats
    if stats.total.num_failures:
        environment.process_exit_code = 1
    for name, ceiling in max_p99_ms.items():
        for entry in stats.entries.values():
            if (
                entry.name == name
                and entry.num_requests
                and entry.get_response_time_percentile(0.99) > ceiling
            ):
                print(f"{name}: p99 {entry.get_response_time_percentile(0.99)} ms > {ceiling:g} ms")
                environment.process_exit_code = 1
