"""Wire schemas of the SMS gateway (templated messages only: no free text leaves us)."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

__all__ = ["PHONE_PATTERN", "SendSmsRequest", "SmsReceipt"]

# Mainland mobile numbers: 1, then 3-9, then nine ASCII digits. ``[0-9]`` and ``(?!\n)$`` because
# msgspec uses re.search, where ``\d`` is any Unicode digit and ``$`` matches before a trailing newline.
PHONE_PATTERN = r"^1[3-9][0-9]{9}(?!\n)$"


class SendSmsRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    phone: Annotated[str, msgspec.Meta(pattern=PHONE_PATTERN)]
    template_code: str
    params: dict[str, str] = msgspec.field(default_factory=dict)
    sign_name: str = "我的宿迁"


class SmsReceipt(msgspec.Struct, frozen=True):
    message_id: str
    status: Literal["accepted"]
