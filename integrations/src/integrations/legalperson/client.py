"""Client of the legal-person registry: an organisation by its unified social credit code, and the
check that a person is its legal representative."""

from __future__ import annotations

from integrations._adapter import BaseAdapter
from integrations.creditcode import is_valid_credit_code
from integrations.errors import InvalidCreditCode
from integrations.idnumber import parse_id_number
from integrations.legalperson.schemas import Organisation, RepresentativeCheck, RepresentativeVerdict

__all__ = ["LegalPersonClient"]


class LegalPersonClient(BaseAdapter):
    """The legal-person registry (法人库, fed by market regulation's registrations). Reads only, so
    every call is retried."""

    system = "legalperson"

    async def find_organisation(self, credit_code: str) -> Organisation:
        """The registration of ``credit_code``.

        Raises:
            InvalidCreditCode: the code fails GB 32100 (checked before any call).
            UpstreamRejected: ``organisation_not_found``.
        """
        code = _checked(credit_code)
        return await self.client.call(
            "GET",
            f"/v1/organisations/{code}",
            operation="find_organisation",
            response_type=Organisation,
        )

    async def is_representative(self, credit_code: str, *, name: str, id_number: str) -> bool:
        """Whether the person named ``name`` with ``id_number`` is the organisation's legal
        representative. The registry answers only yes or no.

        Raises:
            InvalidCreditCode, InvalidIdNumber: checked before any call.
            UpstreamRejected: ``organisation_not_found``.
        """
        code = _checked(credit_code)
        verdict = await self.client.call(
            "POST",
            f"/v1/organisations/{code}/representative/check",
            operation="check_representative",
            json=RepresentativeCheck(name=name, id_number=parse_id_number(id_number).value),
            response_type=RepresentativeVerdict,
            idempotent=True,
        )
        return verdict.match


def _checked(credit_code: str) -> str:
    code = credit_code.strip().upper()
    if not is_valid_credit_code(code):
        raise InvalidCreditCode()
    return code
