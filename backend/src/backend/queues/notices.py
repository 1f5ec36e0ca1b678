"""Subscribe messages to citizens with a linked WeChat account — "you are third in line", "you are
called to counter 3", "your booking is tomorrow" — delivered through the shared outbox.

A notice is enqueued (``queue.notice``) in the transaction of the change that owes it (the call, the
reminder sweep), under the key ``queue:<ticket or booking>:<event>``: owed once, whatever retries or
replays follow. The handler reads the citizen's WeChat openid (``AccountLinkService``) when it runs:
a citizen who links WeChat after taking a number still hears. WeChat's subscribe-message API takes no
idempotency key, so a worker that dies between WeChat's answer and the job's completion may send a
message twice; the outbox's lease makes that rare, and a duplicate "you are called" is harmless.
"""

from __future__ import annotations

import logging
import uuid
from typing import Literal

import msgspec

from backend.account_link.service import AccountLinkService
from backend.outbox.jobs import ClaimedJob, GiveUp, RetryLater
from backend.outbox.service import Outbox
from backend.queues.settings import QueueSettings
from integrations import UpstreamRejected, UpstreamUnavailable, wechat

log = logging.getLogger("backend.queues")

TOPIC = "queue.notice"
NoticeEvent = Literal["called", "third", "reminder"]
# WeChat's answer when the citizen has no "allow" left for the template: expected, not an operator's
# problem (a dead letter would only wait for a replay that can never succeed).
NO_GRANT = "43101"
# A ``thing`` value: at most 20 characters (WeChat answers 47003 beyond).
THING = 20


class Notice(msgspec.Struct, frozen=True, kw_only=True):
    citizen_id: uuid.UUID
    event: NoticeEvent
    # The template's values in order: thing1, thing2, ...
    values: list[str]


class Notices:
    """Owes notices (in the caller's transaction) and delivers them (the outbox handler)."""

    def __init__(
        self,
        *,
        outbox: Outbox,
        links: AccountLinkService,
        wechat: wechat.WeChatMiniProgram | None,
        settings: QueueSettings,
    ) -> None:
        self._outbox = outbox
        self._links = links
        self._wechat = wechat
        self._templates: dict[str, str] = {
            "called": settings.called_template,
            "third": settings.third_template,
            "reminder": settings.reminder_template,
        }

    async def owe(self, about: uuid.UUID, citizen_id: uuid.UUID, event: NoticeEvent, *values: str) -> None:
        """Inside the transaction of the change; ``about`` is the ticket or booking."""
        await self._outbox.enqueue(
            TOPIC,
            key=f"queue:{about}:{event}",
            payload=Notice(citizen_id=citizen_id, event=event, values=list(values)),
        )

    def wake(self) -> None:
        """After the transaction committed: this process's outbox workers look at once."""
        self._outbox.wake()

    async def deliver(self, job: ClaimedJob) -> None:
        notice = msgspec.json.decode(job.payload, type=Notice)
        openid = await self._links.platform_user(notice.citizen_id, "wechat")
        if openid is None or self._wechat is None:
            return  # no WeChat linked (or none configured): nobody to tell, and nothing to retry
        data = {f"thing{i}": value[:THING] for i, value in enumerate(notice.values, start=1)}
        try:
            await self._wechat.send_subscribe_message(
                openid=openid,
                template_id=self._templates[notice.event],
                data=data,
                page="pages/queue/index",
            )
        except UpstreamUnavailable as exc:
            raise RetryLater(str(exc)) from exc
        except UpstreamRejected as exc:
            if exc.code == NO_GRANT:
                log.info("queue notice %s: the citizen allowed no more messages", job.key)
                return
            raise GiveUp(f"WeChat refused the subscribe message: {exc}") from exc
