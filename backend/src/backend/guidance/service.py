"""``GuidanceService``: a resident's question → the service items and approved answers that fit, and
the staff's aliases, FAQ entries and unanswered questions behind it."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from piccolo.engine.base import Engine

from backend.audit.service import AuditLog
from backend.catalogue.service import CatalogueService
from backend.clock import Clock
from backend.database import UniqueViolation, transaction
from backend.guidance.corpus import corpus, faq_entry
from backend.guidance.errors import (
    MAX_QUESTION,
    MEANINGFUL,
    UNREADABLE,
    AliasExists,
    AliasNotFound,
    FaqExists,
    FaqNotDraft,
    FaqNotFound,
    FaqRetired,
    MissesKept,
    QuestionEmpty,
    QuestionTooLong,
    QuestionUnreadable,
)
from backend.guidance.policy import Decision, Policy, decide
from backend.guidance.ranking import Entry, Index
from backend.guidance.redaction import mask_question
from backend.guidance.repository import AliasRow, FaqRow, GuidanceRepository, MissRow
from backend.guidance.seed import SeedFaq
from backend.guidance.settings import GuidanceSettings
from backend.pagination import decode_cursor, encode_cursor
from backend.ratelimit import RateLimit, RateLimiter

SEED_ACTOR = "system:seed"
# Questions kept per client address and hour: a resident rephrasing asks a handful.
KEEP_MISSES = RateLimit(MissesKept, limit=60, window=3600, by_address=True)


def checked_question(raw: str | None) -> str:
    """The question as asked, spaces collapsed, or the error that says why it is not one
    (``errors.QUESTION_PATTERN`` says the same to the OpenAPI document)."""
    if raw is None:
        raise QuestionEmpty()
    if _UNREADABLE.search(raw):
        raise QuestionUnreadable()
    if len(raw) > MAX_QUESTION:
        raise QuestionTooLong()
    if not _MEANINGFUL.search(raw):
        raise QuestionEmpty()
    return " ".join(raw.split())


_UNREADABLE = re.compile(UNREADABLE)
_MEANINGFUL = re.compile(MEANINGFUL)


class GuidanceService:
    def __init__(
        self,
        *,
        repository: GuidanceRepository,
        catalogue: CatalogueService,
        settings: GuidanceSettings,
        audit: AuditLog,
        clock: Clock,
        engine: Engine[Any],
        limiter: RateLimiter,
    ) -> None:
        self._engine = engine
        self._limiter = limiter
        self._repository = repository
        self._catalogue = catalogue
        self._settings = settings
        self._audit = audit
        self._clock = clock
        self._policy = Policy(answer=settings.answer_threshold, choices=settings.choices_threshold)
        self._index = Index(())
        self._items: object = None
        self._staff_rows: tuple[Any, ...] | None = None
        self._read_at = float("-inf")
        self._lock = asyncio.Lock()

    async def ask(self, raw: str | None, *, client: str) -> Decision:
        """Ranked items and approved answers for a question; a question nothing explains is kept,
        masked, for staff (``misses``) — up to ``KEEP_MISSES`` a client address, so a script asking
        nonsense fills no table (its questions are still answered)."""
        question = checked_question(raw)
        index = await self._current()
        decision = decide(index.rank(question, limit=self._policy.limit), self._policy)
        if decision.mode == "none" and self._settings.keep_misses:
            try:
                await self._limiter.hit(KEEP_MISSES, client)
            except MissesKept:
                return decision
            await self._repository.record_miss(mask_question(question), now=self._clock.now())
        return decision

    async def _current(self) -> Index:
        """The index over the catalogue's published items and the staff's rows, rebuilt when either
        changed: the catalogue's (cached) list at once, the staff's rows within ``refresh_seconds``
        (another worker's edit; this worker's own at once)."""
        items = await self._catalogue.search()
        if items is self._items and self._clock.monotonic() - self._read_at < self._settings.refresh_seconds:
            return self._index
        async with self._lock:
            items = await self._catalogue.search()
            now = self._clock.monotonic()
            if items is self._items and now - self._read_at < self._settings.refresh_seconds:
                return self._index
            aliases = await self._repository.aliases()
            faqs = await self._repository.faqs(status="approved")
            staff_rows = (*((a.item_code, a.phrase) for a in aliases), *((f.slug, f.revision) for f in faqs))
            if items is not self._items or staff_rows != self._staff_rows:
                by_item: dict[str, list[str]] = {}
                for alias in aliases:
                    by_item.setdefault(alias.item_code, []).append(alias.phrase)
                self._index = Index(corpus((i.definition for i in items), by_item, map(_faq_entry, faqs)))
                self._items, self._staff_rows = items, staff_rows
            self._read_at = now
            return self._index

    def _changed(self) -> None:
        self._read_at = float("-inf")

    # Aliases

    async def aliases(self, item_code: str | None = None) -> list[AliasRow]:
        return await self._repository.aliases(item_code)

    async def add_alias(self, item_code: str, phrase: str, *, by: str) -> AliasRow:
        await self._catalogue.get(item_code)  # ItemNotFound: only published items take aliases
        row = AliasRow(
            id=uuid.uuid4(), item_code=item_code, phrase=phrase, created_at=self._clock.now(), created_by=by
        )
        with UniqueViolation(raise_as=AliasExists):
            await self._repository.add_alias(row)
        await self._audit.append(
            actor=by, action="guidance.alias_added", subject=f"item:{item_code}", data={"phrase": phrase}
        )
        self._changed()
        return row

    async def remove_alias(self, alias_id: uuid.UUID, *, by: str) -> None:
        row = await self._repository.remove_alias(alias_id)
        if row is None:
            raise AliasNotFound()
        await self._audit.append(
            actor=by,
            action="guidance.alias_removed",
            subject=f"item:{row.item_code}",
            data={"phrase": row.phrase},
        )
        self._changed()

    # FAQ entries

    async def faqs(self, status: str | None = None) -> list[FaqRow]:
        return await self._repository.faqs(status)

    async def faq(self, slug: str) -> FaqRow:
        row = await self._repository.find_faq(slug)
        if row is None:
            raise FaqNotFound()
        return row

    async def add_faq(self, *, slug: str, by: str, approved: bool = False, **fields: Any) -> FaqRow:
        """A new entry, a draft for another look (``approved`` only for the seed's)."""
        if fields.get("item_code"):
            await self._catalogue.get(fields["item_code"])
        now = self._clock.now()
        row = FaqRow(
            id=uuid.uuid4(),
            slug=slug,
            status="approved" if approved else "draft",
            revision=1,
            created_at=now,
            created_by=by,
            updated_at=now,
            updated_by=by,
            approved_at=now if approved else None,
            approved_by=by if approved else None,
            **fields,
        )
        with UniqueViolation(raise_as=FaqExists):
            await self._repository.add_faq(row)
        await self._audit.append(
            actor=by, action="guidance.faq_added", subject=f"faq:{slug}", data={"status": row.status}
        )
        self._changed()
        return row

    async def edit_faq(self, slug: str, *, by: str, **fields: Any) -> FaqRow:
        """A new revision of the entry, a draft again: what residents see waits for its approval."""
        if fields.get("item_code"):
            await self._catalogue.get(fields["item_code"])
        row = await self._repository.edit_faq(slug, fields=fields, by=by, now=self._clock.now())
        if row is None:
            await self.faq(slug)
            raise FaqRetired()
        await self._audit.append(
            actor=by, action="guidance.faq_edited", subject=f"faq:{slug}", data={"revision": row.revision}
        )
        self._changed()
        return row

    async def approve_faq(self, slug: str, *, revision: int, by: str) -> FaqRow:
        row = await self._repository.approve_faq(slug, revision=revision, by=by, now=self._clock.now())
        if row is None:
            await self.faq(slug)
            raise FaqNotDraft()
        await self._audit.append(
            actor=by, action="guidance.faq_approved", subject=f"faq:{slug}", data={"revision": revision}
        )
        self._changed()
        return row

    async def retire_faq(self, slug: str, *, by: str) -> FaqRow:
        row = await self._repository.retire_faq(slug, by=by, now=self._clock.now())
        if row is None:
            await self.faq(slug)
            raise FaqRetired()
        await self._audit.append(actor=by, action="guidance.faq_retired", subject=f"faq:{slug}")
        self._changed()
        return row

    # What found nothing

    async def misses(self, *, cursor: str | None, limit: int) -> tuple[list[MissRow], str | None]:
        after = decode_cursor(cursor, tuple[int, datetime, uuid.UUID]) if cursor else None
        rows = await self._repository.misses(after=after, limit=limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        last = rows[-1] if rows else None
        return rows, (encode_cursor(last.asked, last.last_at, last.id) if more and last else None)

    # Seed

    async def seed(self, faqs: Sequence[SeedFaq], aliases: dict[str, tuple[str, ...]]) -> int:
        """Approved seed entries and aliases the tables lack (an operator's edits are left), in one
        transaction (one SQLite commit, not 60); the number added. Aliases of items the catalogue does
        not publish are skipped. Workers starting together race here: the loser's insert meets the
        winner's row, its transaction rolls back, and it adds nothing."""
        known = {f.slug for f in await self._repository.faqs()}
        published = {i.definition.code for i in await self._catalogue.search()}
        have = {(a.item_code, a.phrase) for a in await self._repository.aliases()}
        added = 0
        try:
            async with transaction(self._engine):
                for faq in faqs:
                    if faq.slug not in known:
                        await self.add_faq(
                            slug=faq.slug,
                            by=SEED_ACTOR,
                            approved=True,
                            topic=faq.topic,
                            question=faq.question,
                            answer=faq.answer,
                            phrasings=list(faq.phrasings),
                            item_code=faq.item_code,
                        )
                        added += 1
                for code, phrases in aliases.items():
                    for phrase in phrases:
                        if code in published and (code, phrase) not in have:
                            await self.add_alias(code, phrase, by=SEED_ACTOR)
                            added += 1
        except (FaqExists, AliasExists):
            return 0
        return added


def _faq_entry(row: FaqRow) -> Entry:
    return faq_entry(
        slug=row.slug,
        question=row.question,
        answer=row.answer,
        phrasings=row.phrasings,
        item_code=row.item_code,
    )
