"""Client of the SMS gateway: send a templated message."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

from integrations._adapter import BaseAdapter
from integrations.errors import UpstreamRejected
from integrations.masking import mask_phone
from integrations.sms.schemas import PHONE_PATTERN, SendSmsRequest, SmsReceipt

__all__ = ["SmsClient"]

_log = logging.getLogger("integrations.sms")
_PHONE = re.compile(PHONE_PATTERN)


class SmsClient(BaseAdapter):
    """SMS gateway. Sending is not idempotent: it is retried only with an idempotency key
    (the gateway then sends once however many times we ask)."""

    system = "sms"

    async def send(
        self,
        phone: str,
        template_code: str,
        params: Mapping[str, str] | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> SmsReceipt:
        """Send template ``template_code`` filled with ``params`` to ``phone``.

        Raises:
            UpstreamRejected: ``invalid_phone`` (checked locally first),
                ``template_not_found``, ``template_param_missing``...
            UpstreamUnavailable: see :class:`UpstreamClient`.
        """
        if not _PHONE.match(phone):
            raise UpstreamRejected(system=self.system, operation="send", code="invalid_phone")
        _log.debug("send template=%s phone=%s", template_code, mask_phone(phone))
        return await self.client.call(
            "POST",
            "/v1/sms/send",
            operation="send",
            json=SendSmsRequest(phone=phone, template_code=template_code, params=dict(params or {})),
            response_type=SmsReceipt,
            idempotency_key=idempotency_key,
        )
