"""What a payment twin emits: a notification exactly as it goes on the wire."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import msgspec

__all__ = ["NotificationSink", "SignedNotification"]


class SignedNotification(msgspec.Struct, frozen=True):
    """POST ``body`` with ``headers`` to ``url``: what the payment platform would send."""

    url: str
    headers: dict[str, str]
    body: str


NotificationSink = Callable[[SignedNotification], Awaitable[None]]
"""Set on a payment twin's state to have its notifications delivered (e.g. in-process)."""
