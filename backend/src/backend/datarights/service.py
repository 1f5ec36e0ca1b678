"""``DataRightsService``: what we hold and why, the export, consents, and closing the account.

The export and the closure are outbox jobs (``EXPORT_TOPIC``, ``CLOSE_TOPIC``) enqueued in the
transaction of the request that asks for them, so a request either leaves its job or nothing; a
worker killed mid-job leaves it to the next (the closure's every step is safe to repeat).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from piccolo.engine.base import Engine

from backend.audit.service import AuditLog
from backend.auth.tokens import TokenService
from backend.citizen.service import CitizenService
from backend.clock import Clock
from backend.crypto import PersonalDataCipher
from backend.database import transaction
from backend.datarights.errors import (
    ClosureBlocked,
    ClosureUnderway,
    ConsentUnknown,
    ExportGone,
    ExportNotFound,
    ExportNotReady,
)
from backend.datarights.repository import ClosureRow, DataRightsRepository, ExportRow
from backend.outbox.service import Outbox
from backend.personal_data import (
    BlockerCheck,
    Category,
    CitizenStep,
    Consent,
    ConsentHolder,
    PersonalData,
    PersonalDataWalk,
)

EXPORT_TOPIC = "datarights.export"
CLOSE_TOPIC = "datarights.close"
FORMAT = "suqian.personal-data-export/1"
# Short-lived: a download link that lives a day is enough to fetch it and short enough that a
# forgotten one does not sit sealed in our database for long.
EXPORT_TTL = timedelta(hours=24)


def content_column(export_id: uuid.UUID) -> str:
    return f"datarights_export.content:{export_id}"


@dataclass(frozen=True, slots=True, kw_only=True)
class HeldCategory:
    feature: str
    category: Category
    tables: tuple[str, ...]
    # What closing the account does: "deleted", or "retained" (with why).
    on_closure: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Hooks:
    """What the features declared, gathered from the wiring."""

    declarations: Sequence[tuple[str, PersonalData]]
    blockers: Sequence[BlockerCheck]
    closure_steps: Sequence[CitizenStep]
    consents: Sequence[ConsentHolder]


class DataRightsService:
    """PIPL art. 44–47 for the signed-in citizen."""

    def __init__(
        self,
        *,
        repository: DataRightsRepository,
        hooks: Hooks,
        citizens: CitizenService,
        outbox: Outbox,
        audit: AuditLog,
        clock: Clock,
        engine: Engine[Any],
        cipher: PersonalDataCipher,
        tokens: TokenService,
    ) -> None:
        self._repository = repository
        self._tokens = tokens
        self._hooks = hooks
        self._walk = PersonalDataWalk([d for _, d in hooks.declarations], cipher)
        self._citizens = citizens
        self._outbox = outbox
        self._audit = audit
        self._clock = clock
        self._engine = engine
        self._cipher = cipher
        self._categories = self._gather_categories()

    def _gather_categories(self) -> list[HeldCategory]:
        found = []
        for feature, declaration in self._hooks.declarations:
            for category in declaration.categories:
                held = [h for h in declaration.held if h.category == category.name]
                retained = [h for h in held if h.retained_because]
                found.append(
                    HeldCategory(
                        feature=feature,
                        category=category,
                        tables=tuple(h.name for h in held),
                        on_closure="retained: " + retained[0].retained_because if retained else "deleted",
                    )
                )
        return found

    @property
    def walk(self) -> PersonalDataWalk:
        return self._walk

    def categories(self) -> list[HeldCategory]:
        """Every category of personal data the app holds, why, and for how long."""
        return self._categories

    async def request_export(self, citizen_id: uuid.UUID) -> ExportRow:
        """An export of everything the citizen's account holds; one being built is answered again."""
        async with transaction(self._engine):
            pending = await self._repository.pending_export(citizen_id)
            if pending is not None:
                return pending
            export = await self._repository.add_export(uuid.uuid4(), citizen_id, now=self._clock.now())
            await self._outbox.enqueue(
                EXPORT_TOPIC, key=f"export:{export.id}", payload={"export_id": str(export.id)}
            )
            await self._audit.append(
                actor=f"citizen:{citizen_id}",
                action="datarights.export_requested",
                subject=f"citizen:{citizen_id}",
                data={"export": str(export.id)},
            )
        self._outbox.wake()
        return export

    async def build_export(self, export_id: uuid.UUID) -> None:
        """The outbox's step: walk every declaration, seal the document, mark it ready (once)."""
        export = await self._repository.find_export(export_id)
        if export is None or export.state != "pending":
            return
        now = self._clock.now()
        document = {
            "format": FORMAT,
            "citizen_id": str(export.citizen_id),
            "generated_at": now.isoformat(),
            "categories": [
                {
                    "feature": c.feature,
                    "name": c.category.name,
                    "purpose": c.category.purpose,
                    "legal_basis": c.category.legal_basis,
                    "retention": c.category.retention,
                    "tables": list(c.tables),
                }
                for c in self._categories
            ],
            "tables": await self._walk.export(export.citizen_id),
        }
        text = json.dumps(document, ensure_ascii=False, sort_keys=True)
        async with transaction(self._engine):
            filled = await self._repository.fill_export(
                export_id,
                content=self._cipher.seal(text, column=content_column(export_id)),
                size=len(text.encode()),
                now=now,
                expires_at=now + EXPORT_TTL,
            )
            if filled:
                await self._audit.append(
                    actor="system:datarights",
                    action="datarights.export_ready",
                    subject=f"citizen:{export.citizen_id}",
                    data={"export": str(export_id), "bytes": len(text.encode())},
                )

    async def exports(self, citizen_id: uuid.UUID) -> list[ExportRow]:
        return await self._repository.exports(citizen_id)

    async def export(self, citizen_id: uuid.UUID, export_id: uuid.UUID) -> ExportRow:
        export = await self._repository.find_export(export_id)
        if export is None or export.citizen_id != citizen_id:
            raise ExportNotFound()
        return export

    async def download(self, citizen_id: uuid.UUID, export_id: uuid.UUID) -> bytes:
        """The export's JSON, once: the database hands it to one request, then it is gone."""
        export = await self.export(citizen_id, export_id)
        if export.state == "pending":
            raise ExportNotReady()
        async with transaction(self._engine):
            sealed = await self._repository.take_export(export_id, citizen_id, now=self._clock.now())
            if sealed is None:
                raise ExportGone()
            await self._audit.append(
                actor=f"citizen:{citizen_id}",
                action="datarights.export_downloaded",
                subject=f"citizen:{citizen_id}",
                data={"export": str(export_id)},
            )
        return self._cipher.open_bytes(sealed, column=content_column(export_id))

    async def expire_exports(self) -> int:
        return await self._repository.expire_exports(now=self._clock.now())

    async def consents(self, citizen_id: uuid.UUID) -> list[Consent]:
        return [c for holder in self._hooks.consents for c in await holder.consents(citizen_id)]

    async def withdraw(self, citizen_id: uuid.UUID, name: str) -> int:
        """Withdraw one consent by name; how many grants it ended."""
        for holder in self._hooks.consents:
            if any(c.name == name for c in await holder.consents(citizen_id)):
                async with transaction(self._engine):
                    ended = await holder.withdraw(citizen_id, name)
                    await self._audit.append(
                        actor=f"citizen:{citizen_id}",
                        action="datarights.consent_withdrawn",
                        subject=f"citizen:{citizen_id}",
                        data={"consent": name, "ended": ended},
                    )
                return ended
        raise ConsentUnknown()

    async def closure(self, citizen_id: uuid.UUID) -> ClosureRow | None:
        return await self._repository.find_closure(citizen_id)

    async def close(self, citizen_id: uuid.UUID) -> ClosureRow:
        """Ask to close the account: refused with what blocks it, else the outbox finishes it."""
        blockers = [b for check in self._hooks.blockers for b in await check(citizen_id)]
        if blockers:
            raise ClosureBlocked(blockers)
        now = self._clock.now()
        async with self._citizens.changing(citizen_id), transaction(self._engine):
            if not await self._repository.add_closure(citizen_id, now=now):
                raise ClosureUnderway()
            if not await self._citizens.begin_closure(citizen_id):
                raise ClosureUnderway()
            await self._outbox.enqueue(
                CLOSE_TOPIC, key=f"close:{citizen_id}", payload={"citizen_id": str(citizen_id)}
            )
            await self._audit.append(
                actor=f"citizen:{citizen_id}",
                action="datarights.closure_requested",
                subject=f"citizen:{citizen_id}",
                chain="auth",
            )
        # Every session and access token ends now, not when the outbox gets to the job: nothing the
        # blockers were checked against can be started by this account after its closure was asked.
        await self._tokens.sessions.revoke_subject("citizen", citizen_id)
        self._outbox.wake()
        return ClosureRow(citizen_id=citizen_id, requested_at=now, done_at=None)

    async def finish_closure(self, citizen_id: uuid.UUID) -> None:
        """The outbox's step: end what lives outside the database, then delete or scrub every held
        row in one transaction. Safe to repeat: a second run finds nothing left to touch."""
        for step in self._hooks.closure_steps:
            await step(citizen_id)
        # The walk deletes the citizen's row: no worker may answer ``GET /me`` from memory after it.
        async with self._citizens.changing(citizen_id), transaction(self._engine):
            touched = await self._walk.erase(citizen_id)
            summary = json.dumps({name: n for name, n in touched.items() if n}, sort_keys=True)
            if await self._repository.finish_closure(citizen_id, summary=summary, now=self._clock.now()):
                await self._audit.append(
                    actor="system:datarights",
                    action="datarights.closed",
                    subject=f"citizen:{citizen_id}",
                    data={"rows": json.loads(summary)},
                    chain="auth",
                )
