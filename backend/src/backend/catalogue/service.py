"""``CatalogueService``: the published catalogue (search, items, their compiled forms) and the
operators' drafts and publishing."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec
from piccolo.engine.base import Engine

from backend.audit.service import AuditLog
from backend.catalogue.definition import ItemDefinition
from backend.catalogue.errors import CodeMismatch, DraftExists, FormInvalid, ItemNotFound, VersionPublished
from backend.catalogue.forms import CompiledForm, SchemaInvalid
from backend.catalogue.repository import CatalogueRepository, VersionRow
from backend.catalogue.settings import CatalogueSettings
from backend.clock import Clock
from backend.database import transaction


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceItem:
    definition: ItemDefinition
    version: int
    status: str
    digest: str
    published_at: datetime | None


def _item(row: VersionRow) -> ServiceItem:
    return ServiceItem(
        definition=msgspec.json.decode(row.document, type=ItemDefinition),
        version=row.version,
        status=row.status,
        digest=row.digest,
        published_at=row.published_at,
    )


def _search_text(definition: ItemDefinition) -> str:
    return "\n".join([definition.code, definition.name, definition.department, *definition.aliases]).lower()


class CatalogueService:
    def __init__(
        self,
        *,
        repository: CatalogueRepository,
        settings: CatalogueSettings,
        audit: AuditLog,
        clock: Clock,
        engine: Engine[Any],
    ) -> None:
        self._repository = repository
        self._settings = settings
        self._audit = audit
        self._clock = clock
        self._engine = engine
        # Published versions never change, so their compiled forms are cached for good.
        self._forms: dict[tuple[str, int], CompiledForm] = {}
        self._current: tuple[float, list[ServiceItem]] | None = None

    async def search(self, query: str | None = None, *, department: str | None = None) -> list[ServiceItem]:
        """Published items whose name, code, department or an alias (俗称) contains ``query``; the
        ones whose name does first."""
        items = await self._all_current()
        if department:
            items = [i for i in items if i.definition.department == department]
        if not query:
            return items
        needle = query.strip().lower()
        found = [i for i in items if needle in _search_text(i.definition)]
        return sorted(found, key=lambda i: (needle not in i.definition.name.lower(), i.definition.code))

    async def get(self, code: str, version: int | None = None) -> ServiceItem:
        """A published version (the current one by default); ``ItemNotFound`` for a draft."""
        if version is not None:
            _known_range(version)
        row = await (
            self._repository.current(code) if version is None else self._repository.find(code, version)
        )
        if row is None or row.status != "published":
            raise ItemNotFound()
        return _item(row)

    async def form(self, code: str, version: int) -> CompiledForm:
        """The compiled form of a published version."""
        compiled = self._forms.get((code, version))
        if compiled is None:
            item = await self.get(code, version)
            compiled = self._forms[(code, version)] = CompiledForm(item.definition.form)
        return compiled

    async def versions(self, code: str) -> list[ServiceItem]:
        rows = await self._repository.versions(code)
        if not rows:
            raise ItemNotFound()
        return [_item(r) for r in rows]

    async def version(self, code: str, version: int) -> ServiceItem:
        """Any version, drafts included (operators)."""
        _known_range(version)
        row = await self._repository.find(code, version)
        if row is None:
            raise ItemNotFound()
        return _item(row)

    async def versions_of(self, departments: list[str]) -> dict[str, list[int]]:
        """The published versions, by item code, whose department is one of ``departments``."""
        if not departments:
            return {}
        found: dict[str, list[int]] = {}
        for code, version in await self._repository.published_of(departments):
            found.setdefault(code, []).append(version)
        return found

    async def departments(self) -> set[str]:
        """The departments any version of any item names (drafts too)."""
        return await self._repository.departments()

    async def draft(self, definition: ItemDefinition, *, by: str) -> ServiceItem:
        """Open the next version of ``definition.code`` as a draft (a new item's first)."""
        async with transaction(self._engine):
            row = await self._drafted(definition, by=by, now=self._clock.now())
            if row is None:
                raise DraftExists()
        return _item(row)

    async def _drafted(
        self, definition: ItemDefinition, *, by: str, now: datetime, first_only: bool = False
    ) -> VersionRow | None:
        """Inside a transaction: the new draft and its audit entry; None when the item has a draft
        already (or, ``first_only``, any version)."""
        document, digest = self._checked(definition)
        row = await self._repository.insert_draft(
            code=definition.code,
            name=definition.name,
            department=definition.department,
            search=_search_text(definition),
            document=document,
            digest=digest,
            by=by,
            now=now,
            first_only=first_only,
        )
        if row is not None:
            await self._audit.append(
                actor=by,
                action="catalogue.drafted",
                subject=f"item:{definition.code}",
                data={"version": row.version, "digest": digest},
                chain="catalogue",
            )
        return row

    async def edit(self, code: str, version: int, definition: ItemDefinition, *, by: str) -> ServiceItem:
        """Replace a draft's definition; ``VersionPublished`` once it is published."""
        if definition.code != code:
            raise CodeMismatch()
        _known_range(version)
        document, digest = self._checked(definition)
        updated = await self._repository.update_draft(
            code,
            version,
            name=definition.name,
            department=definition.department,
            search=_search_text(definition),
            document=document,
            digest=digest,
        )
        if not updated:
            await self.version(code, version)  # 404 when there is no such version
            raise VersionPublished()
        return await self.version(code, version)

    async def publish(self, code: str, version: int, *, by: str) -> ServiceItem:
        _known_range(version)
        async with transaction(self._engine):
            if not await self._repository.publish(code, version, by=by, now=self._clock.now()):
                await self.version(code, version)
                raise VersionPublished()
            row = await self._repository.find(code, version)
            assert row is not None
            await self._audit.append(
                actor=by,
                action="catalogue.published",
                subject=f"item:{code}",
                data={"version": version, "digest": row.digest},
                chain="catalogue",
            )
        self._current = None
        return _item(row)

    async def seed(self, items: tuple[ItemDefinition, ...], *, by: str = "system:seed") -> int:
        """Draft and publish each item the catalogue lacks; the number added."""
        known = await self._repository.known_codes()
        added = 0
        for definition in items:
            if definition.code not in known and await self._seed_one(definition, by=by):
                added += 1
        if added:
            self._current = None
        return added

    async def _seed_one(self, definition: ItemDefinition, *, by: str) -> bool:
        """Draft and publish one seed item in one transaction: API workers starting together race
        here, and the loser's draft meets the winner's (nothing to do), never a half-seeded item."""
        now = self._clock.now()
        try:
            async with transaction(self._engine):
                # Version 1 or nothing: a worker that finds it published stops.
                row = await self._drafted(definition, by=by, now=now, first_only=True)
                # Raised, not returned: the failed insert left the transaction to be rolled back.
                if row is None or not await self._repository.publish(
                    definition.code, row.version, by=by, now=now
                ):
                    raise _SeededElsewhere()
                await self._audit.append(
                    actor=by,
                    action="catalogue.published",
                    subject=f"item:{definition.code}",
                    data={"version": row.version, "digest": row.digest},
                    chain="catalogue",
                )
        except _SeededElsewhere:
            return False
        return True

    @property
    def seed_on_start(self) -> bool | None:
        return self._settings.seed_on_start

    def _checked(self, definition: ItemDefinition) -> tuple[str, str]:
        try:
            CompiledForm(definition.form)
        except SchemaInvalid as exc:
            raise FormInvalid(str(exc)) from None
        except RecursionError:
            # A schema nested a few hundred levels deep exhausts the compiler's stack: no form of ours.
            raise FormInvalid("The form's schema is nested too deep") from None
        document = msgspec.json.encode(definition).decode()
        return document, hashlib.sha256(document.encode()).hexdigest()

    async def _all_current(self) -> list[ServiceItem]:
        now = self._clock.monotonic()
        if self._current is None or now - self._current[0] > self._settings.cache_seconds:
            rows = await self._repository.all_current()
            kept = self._current[1] if self._current is not None else None
            if kept is not None and [(i.definition.code, i.version, i.digest) for i in kept] == [
                (r.code, r.version, r.digest) for r in rows
            ]:
                # Unchanged: the same list, so whoever built something from it (guidance's index)
                # sees by identity that nothing changed and keeps it.
                self._current = (now, kept)
            else:
                self._current = (now, [_item(r) for r in rows])
        return self._current[1]


class _SeededElsewhere(Exception):
    """Another process drafted this seed item first."""


def _known_range(version: int) -> None:
    """Versions are small counters; a number no column holds (SQLite and PostgreSQL refuse it as a
    parameter) names no version: 404, never a 500."""
    if not 1 <= version <= 2**31 - 1:
        raise ItemNotFound()
