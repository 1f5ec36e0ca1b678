"""Client of the population registry: identity verification and basic attributes."""

from __future__ import annotations

import logging

from integrations._adapter import BaseAdapter
from integrations.errors import UpstreamRejected
from integrations.idnumber import parse_id_number
from integrations.masking import mask_id_number
from integrations.population.schemas import (
    Household,
    PersonAttributes,
    PersonQuery,
    VerifyOutcome,
    VerifyRequest,
    VerifyResponse,
)

__all__ = ["PopulationClient"]

_log = logging.getLogger("integrations.population")


class PopulationClient(BaseAdapter):
    """Population registry (人口库). Every operation is a read, so every one is retried.

    ID numbers travel in POST bodies, never in URLs, so no access log records them.
    """

    system = "population"

    async def verify(self, *, name: str, id_number: str) -> VerifyOutcome:
        """Check a (name, ID number) pair: ``match``, ``mismatch``, ``not_found``, ``deceased``.

        Raises:
            InvalidIdNumber: ``id_number`` fails GB 11643 (checked before any call).
            UpstreamUnavailable | UpstreamRejected: see :class:`UpstreamClient`.
        """
        normalised = parse_id_number(id_number).value
        _log.debug("verify id=%s", mask_id_number(normalised))
        answer = await self.client.call(
            "POST",
            "/v1/identity/verify",
            operation="verify",
            json=VerifyRequest(name=name, id_number=normalised),
            response_type=VerifyResponse,
            idempotent=True,
        )
        return answer.result

    async def find_person(self, id_number: str) -> PersonAttributes | None:
        """Basic attributes of a person, or ``None`` when the registry does not know them."""
        normalised = parse_id_number(id_number).value
        _log.debug("query id=%s", mask_id_number(normalised))
        try:
            return await self.client.call(
                "POST",
                "/v1/persons/query",
                operation="query_person",
                json=PersonQuery(id_number=normalised),
                response_type=PersonAttributes,
                idempotent=True,
            )
        except UpstreamRejected as exc:
            if exc.code == "person_not_found":
                return None
            raise

    async def get_person(self, id_number: str) -> PersonAttributes:
        """Like :meth:`find_person`, but an unknown person raises ``UpstreamRejected``."""
        person = await self.find_person(id_number)
        if person is None:
            raise UpstreamRejected(system=self.system, operation="query_person", code="person_not_found")
        return person

    async def find_household(self, id_number: str) -> Household | None:
        """The household register (户籍) ``id_number`` is on, every member with their relation to the
        head; ``None`` when the registry holds no household for them (or does not know them)."""
        normalised = parse_id_number(id_number).value
        _log.debug("household id=%s", mask_id_number(normalised))
        try:
            return await self.client.call(
                "POST",
                "/v1/households/query",
                operation="query_household",
                json=PersonQuery(id_number=normalised),
                response_type=Household,
                idempotent=True,
            )
        except UpstreamRejected as exc:
            if exc.code in ("person_not_found", "household_not_found"):
                return None
            raise
