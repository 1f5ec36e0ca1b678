"""A real name and ID number: parsed (GB 11643 check digit) and checked against the population registry."""

from __future__ import annotations

import logging
from datetime import date

from backend.citizen.errors import (
    IdentityDeceased,
    IdentityMismatch,
    IdentityNotFound,
    IdNumberInvalid,
    NameInvalid,
    RegistryUnavailable,
)
from backend.errors import Invalid
from integrations import InvalidIdNumber, UpstreamRejected, UpstreamUnavailable, parse_id_number
from integrations.population import PopulationClient

log = logging.getLogger("backend.citizen")

_IDENTITY_PROBLEMS: dict[str, type[Invalid]] = {
    "mismatch": IdentityMismatch,
    "not_found": IdentityNotFound,
    "deceased": IdentityDeceased,
}


def parse_identity(name: str, id_number: str, *, today: date) -> tuple[str, str]:
    """The trimmed name and the canonical ID number; ``IdNumberInvalid`` / ``NameInvalid`` otherwise."""
    try:
        parsed = parse_id_number(id_number, today=today).value
    except InvalidIdNumber as exc:
        raise IdNumberInvalid(reason=exc.reason) from None
    name = name.strip()
    if not name:
        raise NameInvalid()
    return name, parsed


async def verify_identity(population: PopulationClient, *, name: str, id_number: str) -> None:
    """The registry knows this name under this ID number, alive; a named ``Invalid`` otherwise."""
    try:
        outcome = await population.verify(name=name, id_number=id_number)
    except UpstreamUnavailable as exc:
        retry = int(exc.retry_after) if exc.retry_after else 5
        raise RegistryUnavailable(retry_after=retry) from None
    except UpstreamRejected as exc:
        log.warning("population registry rejected a verification: %s", exc.code)
        raise RegistryUnavailable(retry_after=60) from None
    if outcome != "match":
        raise _IDENTITY_PROBLEMS[outcome]()
