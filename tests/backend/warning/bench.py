"""Benchmark row for the warning fan-out, against PostgreSQL and Redis on this machine and the SMS and
WeChat sandbox twins in process (not collected by pytest;
``uv run --no-sync python -m tests.backend.warning.bench [--quick] [--recipients N]``):

- fan-out: a red warning to N citizens subscribed to its district (1,000,000; 20,000 with ``--quick``),
  5 % of them linked to WeChat, 1 % opted out of warnings, by two fan-out workers (each a planner and
  one sender per channel) at the default per-channel rates (SMS 20,000/s, WeChat 2,000/s), until the
  fan-out is done: time to complete, deliveries per second, duplicates and lost recipients counted
  at the twins and in the database;
- its reference: the same SMS twin sent straight to, gateway batches of 100 numbers, 4 at a time, no
  database (what the fan-out would cost if planning, claiming and recording were free).

The citizens are written straight into the tables (COPY, phones sealed as registration seals them):
registering a million through the API would measure registration.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg

from backend.auth.principal import Principal
from backend.citizen.records import PHONE
from backend.database import migrate
from backend.settings import Settings
from backend.warning.fanout import FanoutWorker
from backend.warning.repository import WarningRepository
from backend.warning.service import WarningService
from backend.wiring import Wiring
from integrations.sms import BatchItem
from integrations.sms.twin import SmsState
from integrations.wechat import WeChatTwinState
from miniprogram_api.app import FEATURES
from tests.backend.warning.factories import fanout
from tests.benching import throwaway_settings
from tests.services import Services

WECHAT_SHARE = 0.05
OPTED_OUT_SHARE = 0.01
WORKERS = 2


async def _seed(settings: Settings, services: Services, n: int) -> tuple[set[str], set[str], int]:
    """N citizens subscribed to 宿城区: the phones and openids that should be told, and the opted out."""
    cipher = services.wiring.infra.cipher
    now = datetime.now(UTC)
    rng = random.Random(7)
    citizens, links, subscriptions, preferences = [], [], [], []
    phones: set[str] = set()
    openids: set[str] = set()
    sessions: dict[str, str] = {}
    opted = 0
    sealed_name = cipher.seal("陈静", column="citizen.name")
    sealed_id = cipher.seal("321302199001011234", column="citizen.id_number")
    for i in range(n):
        citizen = uuid.uuid4()
        phone = f"13{i:09d}"
        citizens.append(
            (citizen, sealed_name, sealed_id, f"bench-id-{i}", cipher.seal(phone, column=PHONE),
             f"bench-phone-{i}", now, now, "active")
        )  # fmt: skip
        subscriptions.append((uuid.uuid4(), citizen, "宿城区", now))
        roll = rng.random()
        if roll < OPTED_OUT_SHARE:
            opted += 1
            preferences.append((uuid.uuid4(), citizen, '{"warning": {"sms": false, "wechat": false}}', now))
        elif roll < OPTED_OUT_SHARE + WECHAT_SHARE:
            openid = f"oBench{i:020d}"
            openids.add(openid)
            sessions[openid] = "bench-session-key"
            links.append((uuid.uuid4(), citizen, "wechat", "wx00sandbox0000001", openid, None, now))
        else:
            phones.add(phone)
    connection = await asyncpg.connect(settings.database.url)
    try:
        await connection.copy_records_to_table(
            "citizen",
            records=citizens,
            columns=["id", "name_sealed", "id_number_sealed", "id_number_index", "phone_sealed",
                     "phone_index", "verified_at", "created_at", "status"],
        )  # fmt: skip
        await connection.copy_records_to_table(
            "warning_subscription",
            records=subscriptions,
            columns=["id", "citizen_id", "district", "created_at"],
        )
        await connection.copy_records_to_table(
            "platform_link",
            records=links,
            columns=["id", "citizen_id", "platform", "app_id", "platform_user_id", "unionid", "created_at"],
        )
        await connection.copy_records_to_table(
            "notification_preference",
            records=preferences,
            columns=["id", "citizen_id", "channels", "updated_at"],
        )
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
    wechat = _wechat(services)
    wechat.sessions.update(sessions)  # the twin knows these users (as if each had logged in once)
    return phones, openids, opted


def _sms(services: Services) -> SmsState:
    assert services.upstreams.sandbox is not None
    state = services.upstreams.sandbox.state("sms")
    assert isinstance(state, SmsState)
    return state


def _wechat(services: Services) -> WeChatTwinState:
    assert services.upstreams.sandbox is not None
    state = services.upstreams.sandbox.state("wechat")
    assert isinstance(state, WeChatTwinState)
    return state


async def _reference(services: Services, n: int) -> float:
    """SMS messages a second, straight to the twin in batches of 100, 4 at a time, no database."""
    sms = services.wiring.infra.upstreams.sms
    params = {
        "issuer": "宿迁市气象台",
        "kind": "暴雨",
        "level": "红色",
        "area": "宿城区",
        "summary": "强降水",
    }
    gate = asyncio.Semaphore(4)

    async def batch(start: int) -> None:
        items = [BatchItem(f"15{i:09d}", f"ref:{i}") for i in range(start, min(n, start + 100))]
        async with gate:
            await sms.send_batch(items, "SQ_DISASTER_WARNING", params)

    began = time.perf_counter()
    await asyncio.gather(*(batch(start) for start in range(0, n, 100)))
    return n / (time.perf_counter() - began)


async def run(settings: Settings, n: int) -> None:
    services = Services(Wiring(settings, FEATURES))
    async with services.lifespan():
        await migrate()
        engine = services.wiring.infra.engine
        began = time.perf_counter()
        phones, openids, opted = await _seed(settings, services, n)
        print(f"seeded {n:,} subscribed citizens in {time.perf_counter() - began:,.0f} s "
              f"({len(openids):,} on WeChat, {opted:,} opted out)")  # fmt: skip
        reference = await _reference(services, min(n, 100_000))
        _sms(services).outbox.clear()
        _sms(services).out_ids.clear()

        staff_id = uuid.uuid4()
        await WarningRepository(engine).bind_publisher(staff_id, "meteorological", now=datetime.now(UTC))
        publisher = Principal(kind="staff", id=staff_id, roles=frozenset({"publisher"}), client_id="bench",
                              jti="bench", iat=0, exp=0)  # fmt: skip
        warnings = services.wiring.get(WarningService)
        began = time.perf_counter()
        warning = await warnings.publish(
            publisher, kind="暴雨", level="red", districts=["宿城区"], title="", valid_from=None,
            text="预计未来3小时宿城区降雨量将达100毫米以上，请停止户外活动。",
            valid_until=datetime.now(UTC) + timedelta(hours=6),
        )  # fmt: skip
        workers = [FanoutWorker(fanout(services), poll=0.2) for _ in range(WORKERS)]
        tasks = [asyncio.create_task(worker.run()) for worker in workers]
        repository = WarningRepository(engine)
        while (found := await repository.find_fanout(warning.id)) is None or found.state != "done":  # noqa: ASYNC110
            await asyncio.sleep(1.0)  # the database says when it is done; nothing in process to wait on
        elapsed = time.perf_counter() - began
        assert found.planned_at is not None
        planning = (found.planned_at - found.started_at).total_seconds()
        for worker in workers:
            worker.stop()
        await asyncio.gather(*tasks)

        texts: dict[str, int] = {}
        for message in _sms(services).outbox:
            texts[message.phone] = texts.get(message.phone, 0) + 1
        pushed: dict[str, int] = {}
        for sent in _wechat(services).sent:
            if sent["template_id"] == "sandbox-tpl-warning":
                pushed[sent["touser"]] = pushed.get(sent["touser"], 0) + 1
        duplicates = sum(c - 1 for c in texts.values() if c > 1) + sum(
            c - 1 for c in pushed.values() if c > 1
        )
        lost = len(phones - texts.keys()) + len(openids - pushed.keys())
        strays = len(texts.keys() - phones) + len(pushed.keys() - openids)
        counts = await repository.counts(warning.id)
        delivered = len(texts) + len(pushed)
        print(f"SMS twin direct, batches of 100 (reference): {reference:,.0f} messages/s")
        print(f"fan-out of a red warning to {n:,} citizens, {WORKERS} workers: done in {elapsed:,.1f} s, "
              f"{delivered / elapsed:,.0f} deliveries/s "
              f"({delivered / elapsed / reference:.0%} of the reference)")  # fmt: skip
        print(f"  SMS {len(texts):,}, WeChat {len(pushed):,}, opted out {opted:,}; "
              f"duplicates {duplicates}, lost {lost}, strays {strays}")  # fmt: skip
        print(f"  planning took {planning:,.1f} s of it (the senders run alongside)")
        print(f"  deliveries by (channel, state): {dict(sorted(counts.items()))}")
        assert duplicates == lost == strays == 0


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="20,000 recipients instead of 1,000,000")
    parser.add_argument("--recipients", type=int, default=None)
    args = parser.parse_args()
    n = args.recipients or (20_000 if args.quick else 1_000_000)
    async with throwaway_settings() as settings:
        await run(settings, n)


if __name__ == "__main__":
    asyncio.run(main())
