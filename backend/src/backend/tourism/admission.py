"""The admission queue of a flash sale (限流排队): buyers of a hot slot take a number and are let
through to buy at a steady rate, instead of all hitting the database in the same second.

An operator opens it on a slot (``rate`` buyers a second after a first ``burst``). A buyer asks to
enter: their number is theirs for the sale (asking again keeps it), and the sale admits numbers up to
``burst + rate × seconds since it opened``. Admitted, they get a **pass** — an HMAC over slot, citizen
and expiry (2 min), keyed from the data key — that the hold must carry; not yet, they get their
position and a ``Retry-After``. *Why the queue lives in Redis and may fail open:* it is fairness and
load shaping, not correctness — the hold's conditional write still decides every place; with Redis
down the queue is skipped (every buyer goes straight to the database, which stays exact, only
slower), like the sold-out flag.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import uuid
from datetime import datetime, timedelta

import msgspec

from backend.audit.service import AuditLog
from backend.clock import Clock
from backend.crypto import derive_key
from backend.store import KeyValueStore, StoreUnavailable
from backend.tourism.errors import AdmissionRequired

PASS_TTL = 120
_MAX_RETRY_AFTER = 60


class AdmissionRule(msgspec.Struct, frozen=True, kw_only=True):
    rate: int
    burst: int
    opened_at: float


class Entry(msgspec.Struct, frozen=True, kw_only=True):
    """``admission`` is the pass to hold with (None when the slot has no queue, or not yet admitted:
    then ``position`` numbers wait before you and you ask again after ``retry_after`` seconds)."""

    queued: bool
    number: int
    position: int
    retry_after: int
    admission: str | None


def rule_key(slot_id: uuid.UUID) -> str:
    return f"tourism:adm:{slot_id}"


def _numbers(slot_id: uuid.UUID, rule: AdmissionRule) -> str:
    """The numbering of one opening of the queue (reopening numbers afresh)."""
    return f"tourism:adm:{slot_id}:{int(rule.opened_at * 1000)}"


class Admission:
    def __init__(self, *, store: KeyValueStore, data_key: bytes, clock: Clock, audit: AuditLog) -> None:
        self._store = store
        self._key = derive_key(data_key, "tourism admission pass")
        self._clock = clock
        self._audit = audit

    async def open(
        self, slot_id: uuid.UUID, *, rate: int, burst: int, until: datetime, by: str
    ) -> AdmissionRule:
        """Open (or reopen, numbering afresh) the queue of a slot until ``until`` (its end)."""
        now = self._clock.now()
        rule = AdmissionRule(rate=rate, burst=burst, opened_at=now.timestamp())
        ttl = max(1.0, (until - now).total_seconds())
        await self._store.set(rule_key(slot_id), msgspec.json.encode(rule), ttl=ttl)
        await self._audit.append(
            actor=by,
            action="tourism.admission_opened",
            subject=f"tourism_slot:{slot_id}",
            data={"rate": rate, "burst": burst},
            chain="tourism",
        )
        return rule

    async def close(self, slot_id: uuid.UUID, *, by: str) -> None:
        await self._store.delete(rule_key(slot_id))
        await self._audit.append(
            actor=by, action="tourism.admission_closed", subject=f"tourism_slot:{slot_id}", chain="tourism"
        )

    async def find_rule(self, slot_id: uuid.UUID) -> AdmissionRule | None:
        """The slot's open queue (None: none, or the store is down and sales skip it)."""
        return await self._rule(slot_id)

    async def _rule(self, slot_id: uuid.UUID) -> AdmissionRule | None:
        try:
            raw = await self._store.get(rule_key(slot_id))
        except StoreUnavailable:
            return None  # fail open: the database decides, only slower
        return None if raw is None else msgspec.json.decode(raw, type=AdmissionRule)

    async def enter(self, citizen_id: uuid.UUID, slot_id: uuid.UUID) -> Entry:
        rule = await self._rule(slot_id)
        if rule is None:
            return Entry(queued=False, number=0, position=0, retry_after=0, admission=None)
        now = self._clock.now()
        ttl = 86_400.0
        mine = f"{_numbers(slot_id, rule)}:c:{citizen_id}"
        try:
            held = await self._store.get(mine)
            if held is None:
                number = await self._store.incr(f"{_numbers(slot_id, rule)}:n", ttl=ttl)
                if not await self._store.set_if_absent(mine, str(number).encode(), ttl=ttl):
                    held = await self._store.get(mine)  # a parallel request of theirs took one first
            if held is not None:
                number = int(held)
        except StoreUnavailable:
            return Entry(queued=False, number=0, position=0, retry_after=0, admission=None)
        admitted = rule.burst + math.floor(rule.rate * max(0.0, now.timestamp() - rule.opened_at))
        if number <= admitted:
            return Entry(
                queued=True,
                number=number,
                position=0,
                retry_after=0,
                admission=self._pass(citizen_id, slot_id, now),
            )
        position = number - admitted
        retry = min(_MAX_RETRY_AFTER, max(1, math.ceil(position / max(rule.rate, 1))))
        return Entry(queued=True, number=number, position=position, retry_after=retry, admission=None)

    async def check(self, citizen_id: uuid.UUID, slot_id: uuid.UUID, admission: str | None) -> None:
        """Before a hold: a slot with an open queue needs this buyer's unexpired pass."""
        self.require(await self._rule(slot_id) is not None, citizen_id, slot_id, admission)

    def require(self, queued: bool, citizen_id: uuid.UUID, slot_id: uuid.UUID, admission: str | None) -> None:
        """``check`` once the rule was read (the hold reads it with the sold-out flag, one round trip)."""
        if queued and (admission is None or not self._valid(citizen_id, slot_id, admission)):
            raise AdmissionRequired()

    def _sign(self, citizen_id: uuid.UUID, slot_id: uuid.UUID, expires: int) -> str:
        message = f"{slot_id}|{citizen_id}|{expires}".encode()
        digest = hmac.new(self._key, message, hashlib.sha256).digest()[:18]
        return base64.urlsafe_b64encode(digest).decode()

    def _pass(self, citizen_id: uuid.UUID, slot_id: uuid.UUID, now: datetime) -> str:
        expires = int((now + timedelta(seconds=PASS_TTL)).timestamp())
        return f"{expires}.{self._sign(citizen_id, slot_id, expires)}"

    def _valid(self, citizen_id: uuid.UUID, slot_id: uuid.UUID, admission: str) -> bool:
        expires_text, _, signature = admission.partition(".")
        if not expires_text.isdigit() or len(expires_text) > 12:
            return False
        expires = int(expires_text)
        if expires < self._clock.now().timestamp():
            return False
        return hmac.compare_digest(signature, self._sign(citizen_id, slot_id, expires))
