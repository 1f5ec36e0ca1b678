"""The queues' background work: subscribe messages owed (``queue_notice``) sent through WeChat, no-shows
and reminders, slots materialised ahead, and each worker's poll of the halls it has watchers for."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

from backend.account_link.service import AccountLinkService
from backend.clock import Clock
from backend.queues.repository.events import Notice, NoticeRepository
from backend.queues.settings import QueueSettings
from integrations import UpstreamRejected, UpstreamUnavailable, wechat

log = logging.getLogger("backend.queues")

# A notice is leased this long to the worker sending it; WeChat's own timeout is well inside it.
LEASE = timedelta(seconds=60)
# Unavailable WeChat: retried after 30 s, doubling, 12 tries in all (about half a day), then dropped.
MAX_ATTEMPTS = 12


class NoticeSender:
    """Sends what ``queue_notice`` owes, once per (ticket, event) key: a row is leased (``SKIP LOCKED``
    on PostgreSQL), sent, then marked ``sent`` — or ``no_channel`` (no WeChat link), ``rejected``
    (WeChat refused it: no grant left, a bad template) or retried later."""

    def __init__(
        self,
        *,
        notices: NoticeRepository,
        links: AccountLinkService,
        wechat: wechat.WeChatMiniProgram | None,
        settings: QueueSettings,
        clock: Clock,
    ) -> None:
        self._notices = notices
        self._links = links
        self._wechat = wechat
        self._templates = {
            "called": settings.called_template,
            "third": settings.third_template,
            "reminder": settings.reminder_template,
        }
        self._clock = clock

    async def step(self) -> None:
        for notice in await self._notices.lease(now=self._clock.now(), lease=LEASE, limit=50):
            await self._send(notice)

    async def _send(self, notice: Notice) -> None:
        openid = await self._links.platform_user(notice.citizen_id, "wechat")
        if openid is None or self._wechat is None:
            await self._notices.settle(notice.id, "no_channel")
            return
        data = {f"thing{i}": str(v)[:20] for i, v in enumerate(json.loads(notice.data).values(), start=1)}
        try:
            await self._wechat.send_subscribe_message(
                openid=openid, template_id=self._templates[notice.event], data=data, page="pages/queue/index"
            )
        except UpstreamRejected as exc:
            log.info("queue notice %s refused by WeChat (%s)", notice.key, exc)
            await self._notices.settle(notice.id, "rejected")
        except UpstreamUnavailable:
            if notice.attempts >= MAX_ATTEMPTS:
                await self._notices.settle(notice.id, "failed")
            else:
                delay = timedelta(seconds=30 * 2 ** (notice.attempts - 1))
                await self._notices.retry_at(notice.id, self._clock.now() + delay)
        else:
            await self._notices.settle(notice.id, "sent")
