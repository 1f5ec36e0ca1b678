"""Wire schemas of the SMS gateway (templated messages only: no free text leaves us)."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

__all__ = [
    "BATCH_LIMIT",
    "PHONE_PATTERN",
    "BatchItem",
    "BatchResult",
    "SendBatchRequest",
    "SendBatchResponse",
    "SendSmsRequest",
    "SmsReceipt",
]

# Mainland mobile numbers: 1, then 3-9, then nine ASCII digits. ``[0-9]`` and ``(?!\n)$`` because
# msgspec uses re.search, where ``\d`` is any Unicode digit and ``$`` matches before a trailing newline.
PHONE_PATTERN = r"^1[3-9][0-9]{9}(?!\n)$"
# Numbers in one batch request (Aliyun's SendBatchSms takes 100, Tencent Cloud's SendSms 200).
BATCH_LIMIT = 100


class SendSmsRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    phone: Annotated[str, msgspec.Meta(pattern=PHONE_PATTERN)]
    template_code: str
    params: dict[str, str] = msgspec.field(default_factory=dict)
    sign_name: str = "我的宿迁"


class SmsReceipt(msgspec.Struct, frozen=True):
    message_id: str
    status: Literal["accepted"]


class BatchItem(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One recipient of a batch: ``out_id`` is ours, unique per message; the gateway sends each
    ``out_id`` once, however many batches name it (a batch re-sent after a lost answer or a crash)."""

    phone: str
    out_id: Annotated[str, msgspec.Meta(min_length=1, max_length=128)]


class SendBatchRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The same template and parameters to up to ``BATCH_LIMIT`` numbers."""

    template_code: str
    params: dict[str, str] = msgspec.field(default_factory=dict)
    items: Annotated[list[BatchItem], msgspec.Meta(min_length=1, max_length=BATCH_LIMIT)]
    sign_name: str = "我的宿迁"


class BatchResult(msgspec.Struct, frozen=True, kw_only=True):
    """How one item went: ``accepted`` (now, or by an earlier batch: ``repeated``) or ``rejected``
    with the gateway's code (``invalid_phone``)."""

    out_id: str
    status: Literal["accepted", "rejected"]
    message_id: str | None = None
    code: str | None = None
    repeated: bool = False


class SendBatchResponse(msgspec.Struct, frozen=True):
    results: list[BatchResult]
