"""The notification section of the settings (``SUQIAN_NOTIFICATION_*``)."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

Clock24 = Annotated[str, Meta(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9](?!\n)$")]


class NotificationSettings(msgspec.Struct, frozen=True, kw_only=True):
    """Quiet hours by default, and the platforms' template ids for this deployment."""

    # Beijing time. Non-urgent notices made inside them wait until they end; a citizen may change them.
    quiet_start: Clock24 = "22:00"
    quiet_end: Clock24 = "07:00"
    # Template code → the template id the WeChat / Alipay console gave this mini program (JSON); a
    # template not named uses the id it declares (the sandbox's).
    wechat_template_ids: dict[str, str] = msgspec.field(default_factory=dict)
    alipay_template_ids: dict[str, str] = msgspec.field(default_factory=dict)
    # Which build of the mini program a tapped WeChat message opens.
    miniprogram_state: Literal["developer", "trial", "formal"] = "formal"
