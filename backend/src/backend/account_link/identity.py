"""Who a mini-program user is, as the platform's server-side exchange proved it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

import msgspec

Platform = Literal["wechat", "alipay"]


class PlatformIdentity(msgspec.Struct, frozen=True, kw_only=True):
    """``subject`` is the WeChat openid or the Alipay open_id / user_id, never taken from a client."""

    platform: Platform
    app_id: str
    subject: str
    unionid: str | None = None


class Link(msgspec.Struct, frozen=True, kw_only=True):
    """A platform identity linked to a citizen."""

    id: uuid.UUID
    citizen_id: uuid.UUID
    platform: Platform
    app_id: str
    platform_user_id: str
    unionid: str | None
    created_at: datetime
