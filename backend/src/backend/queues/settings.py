from __future__ import annotations

import msgspec


class QueueSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """``SUQIAN_QUEUES_<FIELD>``."""

    # Slots are materialised this many days ahead (today included), hourly.
    slot_days: int = 14
    # WeChat subscribe-message templates, one per event the citizen allowed: the ids WeChat assigned
    # the mini program (production sets them); the defaults are the sandbox twin's.
    called_template: str = "sandbox-tpl-queue-called"
    third_template: str = "sandbox-tpl-queue-third"
    reminder_template: str = "sandbox-tpl-queue-reminder"
