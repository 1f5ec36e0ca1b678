"""Client of the public credit platform: credit records of people and enterprises;
objections (异议申诉) to a record."""

from __future__ import annotations

import logging
from urllib.parse import quote

from integrations._adapter import BaseAdapter
from integrations.credit.schemas import (
    CreditReport,
    DisclosurePage,
    DisclosureSearch,
    EnterpriseCreditQuery,
    ObjectionReceipt,
    ObjectionRequest,
    ObjectionStatus,
    PersonCreditQuery,
    RecordCategory,
)
from integrations.creditcode import is_valid_credit_code
from integrations.errors import InvalidCreditCode
from integrations.idnumber import parse_id_number
from integrations.masking import mask_id_number, mask_phone

__all__ = ["CreditClient"]

_log = logging.getLogger("integrations.credit")


class CreditClient(BaseAdapter):
    """Public credit platform. Queries are retried; an objection only with its
    idempotency key, which this client requires so a retry never files it twice."""

    system = "credit"

    async def query_person(self, id_number: str) -> CreditReport:
        """The public credit record of a person."""
        normalised = parse_id_number(id_number).value
        _log.debug("query person=%s", mask_id_number(normalised))
        return await self.client.call(
            "POST",
            "/v1/credit/persons/query",
            operation="query_person",
            json=PersonCreditQuery(id_number=normalised),
            response_type=CreditReport,
            idempotent=True,
        )

    async def query_enterprise(self, credit_code: str) -> CreditReport:
        """The public credit record of an enterprise (by unified social credit code).

        Raises:
            InvalidCreditCode: fails the GB 32100 checks (before any call).
            UpstreamRejected: ``enterprise_not_found`` and the like.
        """
        if not is_valid_credit_code(credit_code):
            raise InvalidCreditCode
        return await self.client.call(
            "POST",
            "/v1/credit/enterprises/query",
            operation="query_enterprise",
            json=EnterpriseCreditQuery(credit_code=credit_code),
            response_type=CreditReport,
            idempotent=True,
        )

    async def file_objection(
        self,
        record_id: str,
        *,
        applicant_id_number: str,
        reason: str,
        contact_phone: str,
        idempotency_key: str,
    ) -> ObjectionReceipt:
        """Object to a record about the applicant.

        Raises:
            UpstreamRejected: ``record_not_found``, ``not_record_subject``,
                ``objection_pending``...
        """
        normalised = parse_id_number(applicant_id_number).value
        _log.debug(
            "file objection record=%s applicant=%s phone=%s",
            record_id,
            mask_id_number(normalised),
            mask_phone(contact_phone),
        )
        return await self.client.call(
            "POST",
            "/v1/credit/objections",
            operation="file_objection",
            json=ObjectionRequest(
                record_id=record_id,
                applicant_id_number=normalised,
                reason=reason,
                contact_phone=contact_phone,
            ),
            response_type=ObjectionReceipt,
            idempotency_key=idempotency_key,
        )

    async def objection_status(self, objection_id: str) -> ObjectionStatus:
        """Where an objection filed earlier stands (``received`` … ``upheld`` / ``dismissed``).

        Raises:
            UpstreamRejected: ``objection_not_found``.
        """
        return await self.client.call(
            "GET",
            f"/v1/credit/objections/{quote(objection_id, safe='')}",
            operation="objection_status",
            response_type=ObjectionStatus,
            idempotent=True,
        )

    async def search_disclosures(
        self,
        q: str,
        *,
        category: RecordCategory | None = None,
        after: str | None = None,
        limit: int = 20,
    ) -> DisclosurePage:
        """Publicly disclosed records of legal persons whose name contains ``q`` or whose unified
        social credit code is ``q``, in ``record_id`` order after ``after``; at most ``limit`` (1-50)."""
        if not 1 <= limit <= 50:
            raise ValueError("limit is 1-50")
        return await self.client.call(
            "POST",
            "/v1/credit/disclosures/search",
            operation="search_disclosures",
            json=DisclosureSearch(q=q, category=category, after=after, limit=limit),
            response_type=DisclosurePage,
            idempotent=True,
        )
