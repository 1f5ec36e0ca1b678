"""Sending a notice (outbox topic ``notification.send``): choose its channel once, send, record how it
went on the message, which is the citizen's inbox row.

The channel is chosen in the citizen's order of reach: a WeChat subscribe message, then an Alipay one
— each only with an authorisation held for the citizen's linked platform user, spent by the same
transaction that records the choice — then an SMS, for notices that allow one; each only if the
citizen's preferences leave it on. With none, the message is ``skipped`` with the reason, and stays
readable in the inbox.

The job may run twice (a worker died before marking it done). A message already sent or skipped is
left alone; the SMS gateway takes the job's key as its idempotency key, so a repeat after a lost answer
sends nothing new. WeChat and Alipay take no such key; there the one-time authorisation bounds a repeat:
the platform refuses a second send of one "allow" (43101), and a refusal on a repeated try is recorded
as skipped — the first try may well have arrived — never passed on to SMS as a second message.

A notice addressed to an organisation (an application it filed, a bill it paid) has no person's
platform user or phone to push to: it is ``skipped`` at once with that reason (never retried), and is
read in the organisation's inbox by those acting for it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from piccolo.engine.base import Engine

from backend.account_link.service import AccountLinkService
from backend.citizen.contacts import CitizenContacts
from backend.clock import Clock
from backend.database import transaction
from backend.notification.repository import Channel, MessageRow, NotificationRepository
from backend.notification.service import (
    MessagePayload,
    NotificationService,
    Platform,
    PlatformMessage,
    Preferences,
    SendJob,
)
from backend.notification.settings import NotificationSettings
from backend.outbox.jobs import ClaimedJob, GiveUp, RetryLater, retry_upstream
from integrations import UpstreamRejected, UpstreamUnavailable
from integrations.alipay import NO_SUBSCRIPTION, AlipayMiniProgram
from integrations.sms import SmsClient
from integrations.wechat import WeChatMiniProgram

log = logging.getLogger("backend.notification")
WECHAT_NO_GRANT = "43101"  # "user refuse to accept the msg": no authorisation left
# Is this addressee an organisation (``backend.organisation``)? Its notices are never pushed.
IsOrganisation = Callable[[uuid.UUID], Awaitable[bool]]
ORGANISATION_SKIPPED = "an organisation's notice: no person's platform user or phone; read in its inbox"


class _Rollback(Exception):
    pass


class Sender:
    def __init__(
        self,
        *,
        repository: NotificationRepository,
        notifications: NotificationService,
        links: AccountLinkService,
        contacts: CitizenContacts,
        wechat: WeChatMiniProgram | None,
        alipay: AlipayMiniProgram | None,
        sms: SmsClient,
        settings: NotificationSettings,
        clock: Clock,
        engine: Engine[Any],
        is_organisation: IsOrganisation | None = None,
    ) -> None:
        self._repository = repository
        self._is_organisation = is_organisation
        self._notifications = notifications
        self._links = links
        self._contacts = contacts
        self._wechat = wechat
        self._alipay = alipay
        self._sms = sms
        self._settings = settings
        self._clock = clock
        self._engine = engine

    async def send(self, job: ClaimedJob) -> None:
        try:
            message_id = msgspec.json.decode(job.payload, type=SendJob).message_id
        except msgspec.ValidationError as exc:
            raise GiveUp(f"not a notification job: {exc}") from exc
        message = await self._repository.find(message_id)
        if message is None or message.state in ("sent", "skipped"):
            return  # sent or skipped by an earlier try
        payload = msgspec.json.decode(message.payload, type=MessagePayload)
        channel = message.channel
        if channel is None:
            if self._is_organisation is not None and await self._is_organisation(message.citizen_id):
                await self._finish(message, "skipped", ORGANISATION_SKIPPED)
                return
            chosen, reason = await self._choose(message, payload)
            if chosen is None:
                await self._finish(message, "skipped", reason)
                return
            channel = chosen
            if chosen == "sms" and not await self._repository.choose(
                message.id, "sms", now=self._clock.now()
            ):
                return  # another try chose and sends it
        await self._deliver(message, payload, channel, job)

    async def _choose(self, message: MessageRow, payload: MessagePayload) -> tuple[Channel | None, str]:
        """Choose the channel (spending an authorisation for a platform): the channel, or None and why."""
        prefs = await self._notifications.preferences(message.citizen_id)
        reasons: list[str] = []
        platforms: tuple[tuple[Platform, PlatformMessage | None], ...] = (
            ("wechat", payload.wechat),
            ("alipay", payload.alipay),
        )
        held: set[str] | None = None  # platforms with an authorisation left: one query, when asked
        for platform, sent in platforms:
            if sent is None:
                continue
            if not prefs.allows(message.category, platform):
                reasons.append(f"{platform}: turned off in preferences")
                continue
            if self._client(platform) is None:
                reasons.append(f"{platform}: not configured")
                continue
            if held is None:
                held = await self._repository.held(message.citizen_id, template=message.template)
            if platform in held and await self._spend(message, platform):
                return platform, ""
            reasons.append(f"{platform}: no subscribe authorisation held")
        return await self._sms_or_why(message, payload, reasons, prefs)

    async def _sms_or_why(
        self,
        message: MessageRow,
        payload: MessagePayload,
        reasons: list[str],
        prefs: Preferences | None = None,
    ) -> tuple[Channel | None, str]:
        prefs = prefs or await self._notifications.preferences(message.citizen_id)
        if payload.sms is None:
            reasons.append("sms: not sent for this notice")
        elif not prefs.allows(message.category, "sms"):
            reasons.append("sms: turned off in preferences")
        else:
            return "sms", ""  # the phone is read when sending (none: skipped there)
        return None, "; ".join(reasons)

    async def _spend(self, message: MessageRow, platform: Platform) -> bool:
        user = await self._links.platform_user(message.citizen_id, platform)
        if user is None:
            return False
        now = self._clock.now()
        try:
            async with transaction(self._engine):
                if not await self._repository.choose(message.id, platform, now=now):
                    raise _Rollback  # chosen by another try meanwhile
                if not await self._repository.spend_grant(
                    message.citizen_id,
                    platform=platform,
                    template=message.template,
                    platform_user=user,
                    now=now,
                ):
                    raise _Rollback
        except _Rollback:
            return False
        return True

    async def _deliver(
        self, message: MessageRow, payload: MessagePayload, channel: Channel, job: ClaimedJob
    ) -> None:
        tries = await self._repository.count_try(message.id, now=self._clock.now())
        if channel == "sms":
            await self._send_sms(message, payload, job)
            return
        sent = payload.wechat if channel == "wechat" else payload.alipay
        user = await self._links.platform_user(message.citizen_id, channel)
        if sent is None or user is None:  # unlinked since the choice
            await self._fall_back(message, payload, channel, f"{channel}: no longer linked", job)
            return
        try:
            if channel == "wechat":
                assert self._wechat is not None
                await self._wechat.send_subscribe_message(
                    openid=user, template_id=sent.template_id, data=sent.data, page=sent.page,
                    state=self._settings.miniprogram_state,
                )  # fmt: skip
            else:
                assert self._alipay is not None
                await self._alipay.send_subscribe_message(
                    user_id=user, template_id=sent.template_id, data=sent.data, page=sent.page
                )
        except UpstreamUnavailable as exc:
            raise await self._retry(message, job, exc, channel) from None
        except UpstreamRejected as exc:
            if exc.code not in (WECHAT_NO_GRANT, NO_SUBSCRIPTION):
                await self._finish(message, "failed", f"{channel} refused: {exc.code}")
                raise GiveUp(f"{channel} refused: {exc.code}") from None
            await self._repository.drop_grants(
                message.citizen_id, platform=channel, template=message.template, now=self._clock.now()
            )
            if tries > 1:
                await self._finish(
                    message,
                    "skipped",
                    f"{channel} refused a repeat ({exc.code}): the first try may have arrived",
                )
                return
            await self._fall_back(
                message, payload, channel, f"{channel}: authorisation withdrawn ({exc.code})", job
            )
            return
        await self._finish(message, "sent")

    async def _fall_back(
        self, message: MessageRow, payload: MessagePayload, channel: Channel, why: str, job: ClaimedJob
    ) -> None:
        sms, reason = await self._sms_or_why(message, payload, [why])
        now = self._clock.now()
        if sms is None or not await self._repository.fall_back(message.id, from_=channel, to="sms", now=now):
            await self._finish(message, "skipped", reason)
            return
        await self._repository.count_try(message.id, now=now)
        await self._send_sms(message, payload, job)

    async def _send_sms(self, message: MessageRow, payload: MessagePayload, job: ClaimedJob) -> None:
        phone = await self._contacts.phone(message.citizen_id)
        if payload.sms is None or phone is None:
            await self._finish(message, "skipped", "sms: no phone number")
            return
        try:
            receipt = await self._sms.send(
                phone, payload.sms.template_code, payload.sms.params, idempotency_key=job.key
            )
        except UpstreamUnavailable as exc:
            raise await self._retry(message, job, exc, "sms") from None
        except UpstreamRejected as exc:
            await self._finish(message, "failed", f"sms refused: {exc.code}")
            raise GiveUp(f"sms refused: {exc.code}") from None
        await self._finish(message, "sent", upstream_id=receipt.message_id)

    async def _retry(
        self, message: MessageRow, job: ClaimedJob, exc: UpstreamUnavailable, channel: str
    ) -> RetryLater:
        """Say why on the message, and retry; on the budget's last try the message is failed (the job
        is dead-lettered: an operator's replay tries the same channel again)."""
        if job.attempt >= job.max_attempts:
            await self._finish(message, "failed", f"{channel} unavailable after {job.attempt} tries")
        else:
            await self._repository.note(message.id, f"{channel} unavailable, retrying", now=self._clock.now())
        return retry_upstream(exc, channel)

    async def _finish(
        self, message: MessageRow, state: Any, reason: str = "", upstream_id: str | None = None
    ) -> None:
        await self._repository.finish(
            message.id, state, reason=reason, upstream_id=upstream_id, now=self._clock.now()
        )
        if state != "sent":
            log.info("notification %s %s: %s", message.id, state, reason)

    def _client(self, platform: Platform) -> WeChatMiniProgram | AlipayMiniProgram | None:
        return self._wechat if platform == "wechat" else self._alipay
