"""Client of the e-licence library: a person's licences, one licence with its seal, and the feed
of status changes."""

from __future__ import annotations

import logging
from typing import TypeVar
from urllib.parse import quote

import msgspec

from integrations._adapter import BaseAdapter
from integrations.creditcode import is_valid_credit_code
from integrations.elicence.identifier import check_licence_identifier
from integrations.elicence.schemas import Licence, LicenceChanges, LicenceList, LicenceSearch, LicenceSummary
from integrations.errors import InvalidCreditCode
from integrations.idnumber import parse_id_number
from integrations.masking import mask_id_number

__all__ = ["ElicenceClient"]

_log = logging.getLogger("integrations.elicence")
_Item = TypeVar("_Item", Licence, LicenceSummary)


class ElicenceClient(BaseAdapter):
    """E-licence library (电子证照库). Reads only, so every call is retried.

    Every identifier the library returns is checked against GB/T 36904; odd ones are kept
    and flagged in ``identifier_issues`` (legacy licences predate the standard).
    """

    system = "elicence"

    async def list_licences(self, holder_id_number: str) -> list[LicenceSummary]:
        """All licences held by the person with this ID number (empty when none)."""
        normalised = parse_id_number(holder_id_number).value
        _log.debug("list licences holder=%s", mask_id_number(normalised))
        answer = await self.client.call(
            "POST",
            "/v1/licences/search",
            operation="list_licences",
            json=LicenceSearch(holder_id_number=normalised),
            response_type=LicenceList,
            idempotent=True,
        )
        return [self._flag(item) for item in answer.items]

    async def list_organisation_licences(self, credit_code: str) -> list[LicenceSummary]:
        """All licences held by the organisation with this unified social credit code (the library
        files an organisation's licences under its code as the holder number).

        Raises:
            InvalidCreditCode: the code fails GB 32100 (checked before any call).
        """
        code = credit_code.strip().upper()
        if not is_valid_credit_code(code):
            raise InvalidCreditCode()
        answer = await self.client.call(
            "POST",
            "/v1/licences/search",
            operation="list_licences",
            json=LicenceSearch(holder_id_number=code),
            response_type=LicenceList,
            idempotent=True,
        )
        return [self._flag(item) for item in answer.items]

    async def get_licence(self, identifier: str) -> Licence:
        """One licence with its data items and seal/signature metadata.

        Raises:
            UpstreamRejected: ``licence_not_found`` and the like.
        """
        licence = await self.client.call(
            "GET",
            f"/v1/licences/{quote(identifier, safe='')}",
            operation="get_licence",
            response_type=Licence,
        )
        return self._flag(licence)

    async def changes(self, *, after: int, limit: int = 500) -> LicenceChanges:
        """Status changes with a sequence number above ``after``, oldest first, at most ``limit``.

        The library keeps the feed for 30 days; a consumer that falls further behind re-reads the
        licences it holds instead (``get_licence``).
        """
        return await self.client.call(
            "GET",
            "/v1/licences/changes",
            operation="licence_changes",
            params={"after": str(after), "limit": str(limit)},
            response_type=LicenceChanges,
        )

    def _flag(self, item: _Item) -> _Item:
        issues = check_licence_identifier(item.identifier)
        if issues:
            _log.warning("licence identifier flagged issues=%s", ",".join(issues))
        return msgspec.structs.replace(item, identifier_issues=issues)
