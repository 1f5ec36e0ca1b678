"""Client of the public credit platform: credit records of people and enterprises;
objections (异议申诉) to a record."""

from __future__ import annotations

import logging

from integrations._adapter import BaseAdapter
from integrations.credit.schemas import (
    CreditReport,
    EnterpriseCreditQuery,
    ObjectionReceipt,
    ObjectionRequest,
    PersonCreditQuery,
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
