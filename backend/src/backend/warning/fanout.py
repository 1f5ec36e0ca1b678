"""The fan-out of an orange or red warning to the citizens subscribed to its districts.

Two stages, each a loop any number of workers run at once, each decision made by the database:

1. **Planning** walks the subscriptions in citizen order from the fan-out's cursor, ``plan_batch``
   citizens at a time, and writes one delivery per citizen — WeChat for a citizen linked there, else
   SMS; ``opted_out`` for a channel the citizen turned off for warnings (the notification feature's
   preferences); due at once for red, after the citizen's quiet hours for orange — and moves the
   cursor, in one transaction. Deliveries are unique per (warning, citizen, channel), and the cursor
   moves only from where the batch found it, so a planner killed at any point resumes at the last
   committed batch and two planners never both commit one batch.
2. **Sending**, per channel, claims up to ``send_batch`` due deliveries under a lease (``SKIP LOCKED``
   on PostgreSQL), takes that many messages from the channel's rate (counted in the shared store, so
   across workers), sends — SMS as gateway batches of 100 numbers, each with its delivery's own
   ``out_id`` that the gateway sends once; WeChat one subscribe message each — and records each
   outcome. A lease that runs out means its sender died: SMS deliveries are claimed again (the
   ``out_id`` makes a repeat send nothing new); WeChat deliveries, which no key protects, are
   recorded failed rather than risk a second message.

A million recipients are a thousand planning transactions and a million delivery rows written in
batches, never a million jobs enqueued in one transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from piccolo.engine.base import Engine

from backend.account_link.service import AccountLinkService
from backend.citizen.contacts import CitizenContacts
from backend.clock import Clock
from backend.database import DatabaseUnavailable, transaction
from backend.notification.service import MessagePayload, NotificationService, payload_of
from backend.store import KeyValueStore, StoreUnavailable
from backend.warning.notices import CATEGORY, ORANGE, RED
from backend.warning.repository import CursorMoved, WarningRepository
from backend.warning.rows import Claimed, Planned, WarningRow
from backend.warning.rules import LEVEL_NAMES, ORGANISATION_NAMES
from backend.warning.settings import WarningSettings
from integrations import UpstreamRejected, UpstreamUnavailable
from integrations.sms import BATCH_LIMIT, BatchItem, SmsClient
from integrations.wechat import WeChatMiniProgram

log = logging.getLogger("backend.warning")
# After a channel was unavailable, its deliveries are due again this much later.
RETRY_AFTER = timedelta(seconds=5)
# Gateway batches in flight at once per SMS sender.
SMS_CONCURRENCY = 4
OPTED_OUT = "turned off in preferences"


class _NothingSent(Exception):
    """A step failed before any message of its batch left."""


class ChannelRate:
    """At most ``limits[channel]`` messages a second per channel, across every worker: each take is
    one ``INCR`` on a per-second key of the shared store; a take that does not fit gives its count
    back and waits for the next second."""

    def __init__(self, store: KeyValueStore, limits: dict[str, int], clock: Clock) -> None:
        self._store = store
        self._limits = limits
        self._clock = clock

    async def take(self, channel: str, n: int) -> None:
        try:
            await self._take(channel, n)
        except StoreUnavailable as exc:
            raise _NothingSent from exc

    async def _take(self, channel: str, n: int) -> None:
        limit = self._limits[channel]
        while n > 0:
            part = min(n, limit)
            now = self._clock.now().timestamp()
            key = f"warning:rate:{channel}:{int(now)}"
            if await self._store.incr(key, ttl=3, amount=part) <= limit:
                n -= part
                continue
            await self._store.incr(key, ttl=3, amount=-part)
            await asyncio.sleep(max(0.001, int(now) + 1 - now))


def notice_data(warning: WarningRow) -> dict[str, object]:
    level = LEVEL_NAMES[warning.level]
    return {
        "warning_id": str(warning.id),
        "headline": warning.title,
        "issuer": ORGANISATION_NAMES[warning.organisation],
        "kind": warning.kind,
        "level_name": level,
        "area": "、".join(warning.districts),
        "valid_until": warning.valid_until,
        "summary": warning.text,
    }


class Fanout:
    def __init__(
        self,
        *,
        repository: WarningRepository,
        notifications: NotificationService,
        links: AccountLinkService,
        contacts: CitizenContacts,
        sms: SmsClient,
        wechat: WeChatMiniProgram | None,
        rate: ChannelRate,
        settings: WarningSettings,
        miniprogram_state: Any,
        clock: Clock,
        engine: Engine[Any],
    ) -> None:
        self._repository = repository
        self._notifications = notifications
        self._links = links
        self._contacts = contacts
        self._sms = sms
        self._wechat = wechat
        self._rate = rate
        self._settings = settings
        self._miniprogram_state = miniprogram_state
        self._clock = clock
        self._engine = engine
        self._payloads: dict[tuple[uuid.UUID, int], MessagePayload] = {}

    @property
    def channels(self) -> tuple[str, ...]:
        return ("sms", "wechat") if self._wechat is not None else ("sms",)

    # Planning.

    async def plan_step(self) -> int:
        """Plan one batch of one fan-out; the citizens planned (0: nothing was left to plan)."""
        now = self._clock.now()
        while True:
            try:
                async with transaction(self._engine):
                    fanout = await self._repository.take_planning()
                    if fanout is None:
                        break
                    warning = await self._repository.find_warning(fanout.warning_id)
                    assert warning is not None
                    citizens = await self._repository.subscribers_after(
                        warning.districts, fanout.after_citizen, limit=self._settings.plan_batch
                    )
                    if not citizens:
                        await self._repository.planned_all(fanout, now=now)
                        continue
                    rows = await self._route(warning, citizens, now)
                    await self._repository.plan(fanout, rows, last=citizens[-1], now=now)
                    return len(citizens)
            except CursorMoved:
                continue  # the warning changed meanwhile (a new generation): read it again
        for fanout in await self._repository.fanouts("sending"):
            if await self._repository.finish_if_sent(fanout.warning_id, now=now):
                log.info("warning %s: fan-out done", fanout.warning_id)
        return 0

    async def _route(self, warning: WarningRow, citizens: list[uuid.UUID], now: datetime) -> list[Planned]:
        """Each citizen's channel, in the notification feature's order of reach (WeChat, then SMS)."""
        urgent = (RED if warning.level == "red" else ORANGE).urgent
        preferences = await self._notifications.preferences_of(citizens)
        linked = await self._links.platform_users(citizens, "wechat") if self._wechat is not None else {}
        rows: list[Planned] = []
        for citizen in citizens:
            chosen = preferences[citizen]
            due = now if urgent or chosen.quiet is None else now + chosen.quiet.wait(now)
            if citizen in linked:
                if chosen.allows(CATEGORY, "wechat"):
                    rows.append(Planned(citizen, "wechat", "planned", "", due))
                    continue
                rows.append(Planned(citizen, "wechat", "opted_out", OPTED_OUT, now))
            if chosen.allows(CATEGORY, "sms"):
                rows.append(Planned(citizen, "sms", "planned", "", due))
            else:
                rows.append(Planned(citizen, "sms", "opted_out", OPTED_OUT, now))
        return rows

    # Sending.

    async def send_step(self, channel: str) -> int:
        """Claim and send one batch of ``channel``; the deliveries claimed (0: none was due)."""
        now = self._clock.now()
        if channel == "wechat":
            await self._repository.give_up_uncertain("wechat", now=now)
        claimed = await self._repository.claim(
            channel,
            now=now,
            lease_until=now + timedelta(seconds=self._settings.lease_seconds),
            limit=self._settings.send_batch,
            resend=channel == "sms",
        )
        if not claimed:
            return 0
        warnings: dict[uuid.UUID, WarningRow] = {}
        for warning_id in {c.warning_id for c in claimed}:
            found = await self._repository.find_warning(warning_id)
            assert found is not None
            warnings[warning_id] = found
        live: list[Claimed] = []
        for c in claimed:
            w = warnings[c.warning_id]
            if w.state != "active":
                await self._repository.settle([c.id], "skipped", reason="warning cancelled", now=now)
            elif w.valid_until <= now:
                await self._repository.settle([c.id], "skipped", reason="warning expired", now=now)
            else:
                live.append(c)
        if live:
            try:
                await self._rate.take(channel, len(live))
                send = self._send_sms if channel == "sms" else self._send_wechat
                await send(live, warnings)
            except _NothingSent:
                # The store or the database failed before any message left: put the batch back now
                # rather than let its lease run out (on WeChat that would record it failed, unsent).
                await self._repository.release(
                    [c.id for c in live], due_at=now, reason="retrying after an outage", now=now
                )
        return len(claimed)

    def _payload(self, warning: WarningRow) -> MessagePayload:
        key = (warning.id, warning.version)
        if key not in self._payloads:
            code = (RED if warning.level == "red" else ORANGE).code
            # The deployment's template ids: the registry holds them in place of the declared ones.
            template = self._notifications.registry.get(code)
            self._payloads[key] = payload_of(template, notice_data(warning))[2]
        return self._payloads[key]

    async def _send_sms(self, claimed: list[Claimed], warnings: dict[uuid.UUID, WarningRow]) -> None:
        outcome = _Outcome()
        try:
            phones = await self._contacts.phones([c.citizen_id for c in claimed])
        except DatabaseUnavailable as exc:
            raise _NothingSent from exc
        by_warning: dict[uuid.UUID, list[tuple[Claimed, str]]] = defaultdict(list)
        for c in claimed:
            phone = phones.get(c.citizen_id)
            if phone is None:
                outcome.add(c.id, "skipped", "no phone number")
            else:
                by_warning[c.warning_id].append((c, phone))
        gate = asyncio.Semaphore(SMS_CONCURRENCY)

        async def batch(warning: WarningRow, items: list[tuple[Claimed, str]]) -> None:
            sms = self._payload(warning).sms
            assert sms is not None
            ids = {f"w:{c.warning_id}:{c.citizen_id}": c.id for c, _ in items}
            async with gate:
                try:
                    results = await self._sms.send_batch(
                        [BatchItem(phone, f"w:{c.warning_id}:{c.citizen_id}") for c, phone in items],
                        sms.template_code,
                        sms.params,
                    )
                except UpstreamUnavailable as exc:
                    outcome.retry(list(ids.values()), f"sms unavailable ({exc.reason}), retrying")
                    return
                except UpstreamRejected as exc:
                    for delivery in ids.values():
                        outcome.add(delivery, "failed", f"sms refused: {exc.code}")
                    return
            for result in results:
                if result.status == "accepted":
                    outcome.add(ids[result.out_id], "sent", "")
                else:
                    outcome.add(ids[result.out_id], "failed", f"sms refused: {result.code}")

        await asyncio.gather(
            *(
                batch(warnings[warning_id], items[start : start + BATCH_LIMIT])
                for warning_id, items in by_warning.items()
                for start in range(0, len(items), BATCH_LIMIT)
            )
        )
        await outcome.record(self._repository, self._clock.now())

    async def _send_wechat(self, claimed: list[Claimed], warnings: dict[uuid.UUID, WarningRow]) -> None:
        assert self._wechat is not None
        wechat = self._wechat
        outcome = _Outcome()
        try:
            users = await self._links.platform_users([c.citizen_id for c in claimed], "wechat")
        except DatabaseUnavailable as exc:
            raise _NothingSent from exc
        gate = asyncio.Semaphore(self._settings.wechat_concurrency)

        async def one(c: Claimed) -> None:
            user = users.get(c.citizen_id)
            message = self._payload(warnings[c.warning_id]).wechat
            if user is None or message is None:
                outcome.add(c.id, "skipped", "wechat no longer linked")
                return
            async with gate:
                try:
                    await wechat.send_subscribe_message(
                        openid=user, template_id=message.template_id, data=message.data, page=message.page,
                        state=self._miniprogram_state,
                    )  # fmt: skip
                except UpstreamUnavailable as exc:
                    outcome.retry([c.id], f"wechat unavailable ({exc.reason}), retrying")
                    return
                except UpstreamRejected as exc:
                    outcome.add(c.id, "failed", f"wechat refused: {exc.code}")
                    return
            outcome.add(c.id, "sent", "")

        await asyncio.gather(*(one(c) for c in claimed))
        await outcome.record(self._repository, self._clock.now())


class _Outcome:
    """A batch's outcomes, recorded together: one statement per (state, reason)."""

    def __init__(self) -> None:
        self.settled: dict[tuple[str, str], list[int]] = defaultdict(list)
        self.retried: dict[str, list[int]] = defaultdict(list)

    def add(self, delivery: int, state: str, reason: str) -> None:
        self.settled[(state, reason)].append(delivery)

    def retry(self, deliveries: Sequence[int], reason: str) -> None:
        self.retried[reason].extend(deliveries)

    async def record(self, repository: WarningRepository, now: datetime) -> None:
        for (state, reason), ids in self.settled.items():
            await repository.settle(ids, state, reason=reason, now=now)
        for reason, ids in self.retried.items():
            await repository.release(ids, due_at=now + RETRY_AFTER, reason=reason, now=now)


class FanoutWorker:
    """The background job: a planner loop and one sender loop per channel, each going straight on
    while it finds work and polling every ``poll_seconds`` when it finds none; stopped between
    batches (a batch cut short by a crash is what the leases and the cursor are for)."""

    name = "warning fan-out"

    def __init__(self, fanout: Fanout, *, poll: float) -> None:
        self._fanout = fanout
        self._poll = poll
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        loops: list[Callable[[], Awaitable[int]]] = [self._fanout.plan_step]
        loops += [lambda c=channel: self._fanout.send_step(c) for channel in self._fanout.channels]  # type: ignore[misc]
        await asyncio.gather(*(self._loop(step) for step in loops))
        self._stopping.clear()

    async def _loop(self, step: Callable[[], Awaitable[int]]) -> None:
        while not self._stopping.is_set():
            try:
                busy = await step() > 0
            except Exception:
                log.exception("warning fan-out step failed, will retry")
                busy = False
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), timeout=self._poll)

    def stop(self) -> None:
        self._stopping.set()

    async def drain(self) -> None:
        return None
