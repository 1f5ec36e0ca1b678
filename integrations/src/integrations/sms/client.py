"""Client of the SMS gateway: send a templated message."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Mapping, Sequence

from integrations._adapter import BaseAdapter
from integrations.errors import UpstreamRejected
from integrations.masking import mask_phone
from integrations.sms.schemas import (
    BATCH_LIMIT,
    PHONE_PATTERN,
    BatchItem,
    BatchResult,
    SendBatchRequest,
    SendBatchResponse,
    SendSmsRequest,
    SmsReceipt,
)

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

    async def send_batch(
        self, items: Sequence[BatchItem], template_code: str, params: Mapping[str, str] | None = None
    ) -> list[BatchResult]:
        """Send one template to up to ``BATCH_LIMIT`` recipients; one result per item, in order.

        Each item's ``out_id`` is sent once by the gateway whatever the number of batches naming it,
        so the call is retried on a lost answer. A malformed number is that item's ``rejected``
        (``invalid_phone``), not the batch's failure.

        Raises:
            UpstreamRejected: ``template_not_found``, ``template_param_missing``, ``invalid_request``.
            UpstreamUnavailable: see :class:`UpstreamClient`.
        """
        if not 1 <= len(items) <= BATCH_LIMIT:
            raise ValueError(f"a batch holds 1 to {BATCH_LIMIT} items")
        _log.debug("send batch template=%s items=%d", template_code, len(items))
        key = hashlib.sha256("\n".join(item.out_id for item in items).encode()).hexdigest()
        answer = await self.client.call(
            "POST",
            "/v1/sms/send-batch",
            operation="send_batch",
            json=SendBatchRequest(template_code=template_code, params=dict(params or {}), items=list(items)),
            response_type=SendBatchResponse,
            idempotency_key=key,
        )
        return answer.results
