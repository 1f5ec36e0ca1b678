"""Client of the operators' real-name check (three elements: name, ID number, phone)."""

from __future__ import annotations

import logging
import re

from integrations._adapter import BaseAdapter
from integrations.errors import UpstreamRejected
from integrations.idnumber import parse_id_number
from integrations.masking import mask_id_number, mask_phone
from integrations.sms.schemas import PHONE_PATTERN
from integrations.telecom.schemas import MobileCheck, MobileCheckRequest

__all__ = ["TelecomClient"]

_log = logging.getLogger("integrations.telecom")
_PHONE = re.compile(PHONE_PATTERN)


class TelecomClient(BaseAdapter):
    """The operators' real-name check gateway (运营商三要素核验). A check is a read, so it is retried.

    Personal data travels in the POST body only, never in the URL.
    """

    system = "telecom"

    async def verify(self, *, name: str, id_number: str, phone: str) -> MobileCheck:
        """Is ``phone`` real-name registered to (``name``, ``id_number``)? See
        :mod:`integrations.telecom.schemas` for the four outcomes.

        Raises:
            InvalidIdNumber: ``id_number`` fails GB 11643 (checked before any call).
            UpstreamRejected: ``invalid_phone`` (checked locally first), ``signature_invalid``...
            UpstreamUnavailable: see :class:`UpstreamClient`.
        """
        normalised = parse_id_number(id_number).value
        if not _PHONE.match(phone):
            raise UpstreamRejected(system=self.system, operation="verify", code="invalid_phone")
        _log.debug("verify id=%s phone=%s", mask_id_number(normalised), mask_phone(phone))
        return await self.client.call(
            "POST",
            "/v1/mobile/verify",
            operation="verify",
            json=MobileCheckRequest(name=name, id_number=normalised, phone=phone),
            response_type=MobileCheck,
            idempotent=True,
        )
