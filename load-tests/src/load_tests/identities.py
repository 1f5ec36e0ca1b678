"""Who the load generators are: residents of the population twin's synthetic range, and the loopback
source addresses that keep per-address limits apart."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

from integrations import id_check_digit

API = "/api/v1"


class SeedError(Exception):
    """A seeding request the API does serve answered unexpectedly; the bench reports it as failed."""


@dataclass(frozen=True, slots=True)
class Identity:
    name: str
    id_number: str
    phone: str


# GB/T 2260 code of 宿城区, Suqian: the bench's people live where the platform's citizens do.
_AREA = "321302"


def identities() -> Iterator[Identity]:
    """Fresh people with valid ID numbers (GB 11643 check digit) and unused phone numbers."""
    phones = _phone_numbers()
    seen: set[str] = set()
    while True:
        birth = dt.date(1950, 1, 1) + dt.timedelta(days=secrets.randbelow(365 * 55))
        first17 = f"{_AREA}{birth:%Y%m%d}{secrets.randbelow(1000):03d}"
        id_number = first17 + id_check_digit(first17)
        if id_number in seen:
            continue
        seen.add(id_number)
        yield Identity(
            name="压测" + _SURNAMES[len(seen) % len(_SURNAMES)], id_number=id_number, phone=next(phones)
        )


_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"


def source_addresses(first: int = 1) -> Iterator[str]:
    """127.0.x.y, one per simulated client: all of 127.0.0.0/8 is this machine, and the API's
    per-client limits (10 registrations an hour, 30 logins per 15 minutes) key on the peer address."""
    for n in range(first, 250 * 250):
        yield f"127.0.{1 + n // 250}.{1 + n % 250}"
    raise SeedError("out of loopback source addresses")


def _phone_numbers() -> Iterator[str]:
    # 199 + random: outside the sandbox's seeded residents, so registrations never collide with them.
    seen: set[str] = set()
    while True:
        phone = f"199{secrets.randbelow(10**8):08d}"
        if phone not in seen:
            seen.add(phone)
            yield phone
