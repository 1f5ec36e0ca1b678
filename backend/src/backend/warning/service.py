"""``WarningService``: publishers publish, update and cancel warnings; citizens choose their districts
and see the warnings in force there; publishers watch a warning's fan-out.

Publishing an orange or red warning starts its fan-out (``backend.warning.fanout``) in the same
transaction: a row the background planner picks up, never a million jobs enqueued at once.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from piccolo.engine.base import Engine

from backend.audit.service import AuditLog
from backend.auth.principal import Principal
from backend.clock import Clock
from backend.database import transaction
from backend.staff.errors import StaffNotFound
from backend.staff.service import StaffService
from backend.warning.errors import (
    DistrictUnknown,
    KindNotYours,
    KindUnknown,
    NotAPublisher,
    NotYourWarning,
    PublisherNotFound,
    PublisherTaken,
    PublisherUnbound,
    ValidityInvalid,
    WarningCancelled,
    WarningNotFound,
)
from backend.warning.repository import WarningRepository
from backend.warning.rows import FanoutRow, WarningRow
from backend.warning.rules import ALL_KINDS, DISTRICTS, KINDS, LEVEL_NAMES, PUSHED

MAX_VALIDITY = timedelta(days=7)
# A start a little in the past is today's "from now" as the publisher's clock saw it.
CLOCK_SLACK = timedelta(minutes=5)
LEVELS = tuple(LEVEL_NAMES)


@dataclass(frozen=True, slots=True)
class Progress:
    """A warning's fan-out: its state, citizens planned so far, and per channel deliveries by state."""

    state: str
    planned: int
    channels: dict[str, dict[str, int]]


def _districts(districts: Sequence[str]) -> list[str]:
    unknown = [d for d in districts if d not in DISTRICTS]
    if unknown:
        raise DistrictUnknown(f"Not one of Suqian's districts: {', '.join(unknown)}")
    return sorted(set(districts), key=DISTRICTS.index)


class WarningService:
    def __init__(
        self,
        *,
        repository: WarningRepository,
        staff: StaffService,
        audit: AuditLog,
        clock: Clock,
        engine: Engine[Any],
    ) -> None:
        self._repository = repository
        self._staff = staff
        self._audit = audit
        self._clock = clock
        self._engine = engine

    async def bind_publisher(self, staff_id: uuid.UUID, organisation: str, *, by: Principal) -> None:
        """An operator binds a publisher account to its organisation."""
        try:
            member = await self._staff.get(staff_id)
        except StaffNotFound:
            raise PublisherNotFound() from None
        if member.role != "publisher":
            raise NotAPublisher()
        async with transaction(self._engine):
            if not await self._repository.bind_publisher(staff_id, organisation, now=self._clock.now()):
                raise PublisherTaken()
            await self._audit.append(
                actor=by.subject,
                action="warning.publisher_bound",
                subject=f"staff:{staff_id}",
                data={"organisation": organisation},
                chain="staff",
            )

    async def organisation(self, principal: Principal) -> str:
        organisation = await self._repository.organisation_of(principal.id)
        if organisation is None:
            raise PublisherUnbound()
        return organisation

    async def publish(
        self,
        principal: Principal,
        *,
        kind: str,
        level: str,
        districts: Sequence[str],
        title: str,
        text: str,
        valid_from: datetime | None,
        valid_until: datetime,
    ) -> WarningRow:
        organisation = await self.organisation(principal)
        if kind not in ALL_KINDS:
            raise KindUnknown()
        if kind not in KINDS[organisation]:
            raise KindNotYours()
        now = self._clock.now()
        start = valid_from or now
        self._check_validity(start, valid_until, now)
        row = WarningRow(
            id=uuid.uuid4(), publisher_id=principal.id, organisation=organisation, kind=kind, level=level,
            districts=_districts(districts), title=title or f"{kind}{LEVEL_NAMES[level]}预警", text=text,
            valid_from=start, valid_until=valid_until, state="active", version=1, created_at=now,
            updated_at=now,
        )  # fmt: skip
        async with transaction(self._engine):
            await self._repository.insert_warning(row)
            if level in PUSHED:
                await self._repository.start_fanout(row.id, now=now)
            await self._audit_change(principal, "warning.published", row)
        return row

    async def update(
        self,
        principal: Principal,
        warning_id: uuid.UUID,
        *,
        level: str | None = None,
        districts: Sequence[str] | None = None,
        title: str | None = None,
        text: str | None = None,
        valid_until: datetime | None = None,
    ) -> WarningRow:
        """Change a warning in force. Raising it to orange or red, or widening its area while it is
        orange or red, (re)starts its fan-out: only citizens not told yet are told."""
        row = await self._own(principal, warning_id)
        if row.state != "active":
            raise WarningCancelled()
        now = self._clock.now()
        before_level, before_districts = row.level, set(row.districts)
        if level is not None:
            row.level = level
        if districts is not None:
            row.districts = _districts(districts)
        if title is not None:
            row.title = title
        if text is not None:
            row.text = text
        if valid_until is not None:
            self._check_validity(row.valid_from, valid_until, max(now, row.valid_from))
            row.valid_until = valid_until
        version = row.version
        row.version, row.updated_at = version + 1, now
        raised = row.level in PUSHED and (
            before_level not in PUSHED or LEVELS.index(row.level) > LEVELS.index(before_level)
        )
        widened = row.level in PUSHED and not set(row.districts) <= before_districts
        async with transaction(self._engine):
            if not await self._repository.save_warning(row, version=version):
                raise WarningCancelled("The warning changed meanwhile; read it again")
            if raised or widened:
                await self._repository.start_fanout(row.id, now=now)
            await self._audit_change(principal, "warning.updated", row)
        return row

    async def cancel(self, principal: Principal, warning_id: uuid.UUID) -> WarningRow:
        """Lift a warning: it leaves the citizens' lists, and what was not sent yet is not sent."""
        row = await self._own(principal, warning_id)
        if row.state != "active":
            raise WarningCancelled()
        now = self._clock.now()
        version = row.version
        row.state, row.version, row.updated_at = "cancelled", version + 1, now
        async with transaction(self._engine):
            if not await self._repository.save_warning(row, version=version):
                raise WarningCancelled("The warning changed meanwhile; read it again")
            await self._repository.stop_fanout(row.id, now=now)
            await self._audit_change(principal, "warning.cancelled", row)
        return row

    async def get(self, warning_id: uuid.UUID) -> WarningRow:
        row = await self._repository.find_warning(warning_id)
        if row is None:
            raise WarningNotFound()
        return row

    async def published(self, principal: Principal, *, limit: int) -> list[WarningRow]:
        return await self._repository.published_by(await self.organisation(principal), limit=limit)

    async def current(self, districts: Sequence[str] | None = None) -> list[WarningRow]:
        """Warnings in force (now between their start and end), those naming any of ``districts``."""
        now = self._clock.now()
        rows = [row for row in await self._repository.current(now) if row.valid_from <= now]
        if districts is None:
            return rows
        wanted = set(districts)
        return [row for row in rows if wanted & set(row.districts)]

    async def mine(self, citizen_id: uuid.UUID) -> tuple[list[str], list[WarningRow]]:
        """The citizen's districts and the warnings in force there. The citizen records hold no
        address, so a citizen who chose none sees none (and is told none) until they choose."""
        districts = await self._repository.districts_of(citizen_id)
        return districts, (await self.current(districts) if districts else [])

    async def subscribe(self, citizen_id: uuid.UUID, districts: Sequence[str]) -> list[str]:
        chosen = _districts(districts)
        async with transaction(self._engine):
            await self._repository.set_districts(citizen_id, chosen, now=self._clock.now())
        return chosen

    async def progress(self, principal: Principal, warning_id: uuid.UUID) -> Progress:
        await self._own(principal, warning_id)
        fanout: FanoutRow | None = await self._repository.find_fanout(warning_id)
        if fanout is None:
            return Progress(state="not_pushed", planned=0, channels={})
        channels: dict[str, dict[str, int]] = {}
        for (channel, state), n in (await self._repository.counts(warning_id)).items():
            channels.setdefault(channel, {})[state] = n
        return Progress(state=fanout.state, planned=fanout.planned, channels=channels)

    async def _own(self, principal: Principal, warning_id: uuid.UUID) -> WarningRow:
        organisation = await self.organisation(principal)
        row = await self.get(warning_id)
        if row.organisation != organisation:
            raise NotYourWarning()
        return row

    def _check_validity(self, start: datetime, end: datetime, now: datetime) -> None:
        if start < now - CLOCK_SLACK or end <= start or end - start > MAX_VALIDITY or end <= now:
            raise ValidityInvalid()

    async def _audit_change(self, principal: Principal, action: str, row: WarningRow) -> None:
        await self._audit.append(
            actor=principal.subject,
            action=action,
            subject=f"warning:{row.id}",
            data={"kind": row.kind, "level": row.level, "districts": row.districts, "version": row.version},
            chain="staff",
        )
