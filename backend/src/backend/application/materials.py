"""``MaterialService``: an application's materials (材料) — uploads and e-licences in the slots its item
declares — and what submission and delivery need of them.

An upload is sniffed from its bytes (``sniff``), sealed with AES-GCM for its application (personal
documents: ID cards, contracts) and stored in the blob store under the digest of the sealed bytes;
the material row keeps the digest of the plain bytes (what the department checks), its size, type
and sanitised name. The same file given twice in one application is stored once: a second material
with those bytes shares the first's blob (copied, under the application's row lock, from a
material that still holds it). Removing the last material holding a blob sweeps the blob through
the outbox, so a crash between the two never leaves a reference to nothing.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec
from piccolo.engine.base import Engine

from backend.application.errors import (
    ApplicationNotFound,
    KindNotAccepted,
    MaterialLocked,
    MaterialNotFound,
    MaterialsMissing,
    MaterialStoreUnavailable,
    MaterialTypeNotAccepted,
    MaterialTypeUnsupported,
    NotEditable,
    SlotFull,
    SlotUnknown,
)
from backend.application.lifecycle import EDITABLE
from backend.application.repository import (
    ApplicationRepository,
    ApplicationRow,
    MaterialRepository,
    MaterialRow,
)
from backend.application.sniff import MEDIA_TYPES, Kind, sniff
from backend.audit.service import AuditLog
from backend.catalogue.definition import MaterialSpec
from backend.catalogue.service import CatalogueService
from backend.clock import Clock
from backend.crypto import PersonalDataCipher, SealedValueCorrupt
from backend.database import transaction
from backend.licence.model import Material
from backend.licence.service import LicenceService
from backend.outbox.jobs import ClaimedJob, RetryLater
from backend.outbox.service import Outbox
from blobstore import BlobStore, BlobStoreError, StoreUnavailable
from integrations.cases import Document, LicenceRef, MaterialRef

log = logging.getLogger("backend.application")

SWEEP = "application.material_sweep"
_EXTENSIONS: dict[Kind, str] = {"pdf": "pdf", "jpeg": "jpg", "png": "png"}


class _BlobGone(Exception):
    """The material whose blob we meant to share was removed meanwhile: store our own."""


class SweepJob(msgspec.Struct, frozen=True, kw_only=True):
    blob: str


@dataclass(frozen=True, slots=True, kw_only=True)
class MaterialView:
    row: MaterialRow
    name: str
    licence: dict[str, Any] | None


def clean_name(filename: str, kind: Kind) -> str:
    """The file's name as shown and sent: its last path part, no control, format (bidi) or private
    characters, at most 80 characters, and the extension of what it *is* (a PNG named .pdf is .png)."""
    name = unicodedata.normalize("NFC", filename).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] not in ("C", "Z") or c == " ")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = stem.strip(" .")[:80] or "material"
    return f"{stem}.{_EXTENSIONS[kind]}"


def _column(application_id: uuid.UUID, part: str) -> str:
    return f"application.material.{part}:{application_id}"


class MaterialService:
    def __init__(
        self,
        *,
        repository: MaterialRepository,
        applications: ApplicationRepository,
        catalogue: CatalogueService,
        licences: LicenceService,
        blobs: BlobStore,
        cipher: PersonalDataCipher,
        outbox: Outbox,
        audit: AuditLog,
        clock: Clock,
        engine: Engine[Any],
        max_bytes: int,
        per_slot: int,
    ) -> None:
        self._repository = repository
        self._applications = applications
        self._catalogue = catalogue
        self._licences = licences
        self._blobs = blobs
        self._cipher = cipher
        self._outbox = outbox
        self._audit = audit
        self._clock = clock
        self._engine = engine
        self.max_bytes = max_bytes
        self._per_slot = per_slot

    async def slot(self, citizen_id: uuid.UUID, application_id: uuid.UUID, key: str) -> MaterialSpec:
        """The slot ``key`` of the citizen's application, while materials may be added: checked before
        an upload's bytes are read."""
        row = await self._owned(citizen_id, application_id)
        if row.status not in EDITABLE:
            raise NotEditable()
        for spec in await self._specs(row):
            if spec.key == key:
                return spec
        raise SlotUnknown()

    async def upload(
        self, citizen_id: uuid.UUID, application_id: uuid.UUID, *, slot: str, filename: str, content: bytes,
        actor: str,
    ) -> MaterialView:  # fmt: skip
        spec = await self.slot(citizen_id, application_id, slot)
        sniffed = await asyncio.to_thread(sniff, content)  # a crafted file costs a thread, not the loop
        if sniffed.kind is None:
            raise MaterialTypeUnsupported(sniffed.refusal or "unknown")
        if sniffed.kind not in spec.upload_kinds:
            raise MaterialTypeNotAccepted(sniffed.kind, spec.upload_kinds)
        sha256 = await asyncio.to_thread(lambda: hashlib.sha256(content).hexdigest())
        name = clean_name(filename, sniffed.kind)
        material = MaterialRow(
            id=uuid.uuid4(), application_id=application_id, slot=slot, source="upload", sha256=sha256,
            size=len(content), media_type=MEDIA_TYPES[sniffed.kind],
            name=self._cipher.seal(name, column=_column(application_id, "name")), blob=None, licence="",
            created_at=self._clock.now(),
        )  # fmt: skip
        for _ in range(2):
            shared = await self._repository.blob_of(application_id, sha256)
            blob = shared or await self._put(application_id, sha256, content)
            try:
                saved, created = await self._insert(dataclasses.replace(material, blob=blob), actor=actor,
                                                    shared=shared is not None)  # fmt: skip
            except _BlobGone:
                continue
            except BaseException:
                if shared is None:
                    await self._discard(blob)
                raise
            if not created and shared is None:
                await self._discard(blob)  # the same file was given to this slot meanwhile
            return self._view(saved)
        raise MaterialStoreUnavailable()  # shared blobs vanished twice in a row: let the client retry

    async def attach_licence(
        self, citizen_id: uuid.UUID, application_id: uuid.UUID, *, slot: str, licence_id: uuid.UUID,
        actor: str,
    ) -> MaterialView:  # fmt: skip
        """The citizen's licence as the material (``LicenceService.material``: theirs, usable), with
        its provenance; re-checked on submission."""
        spec = await self.slot(citizen_id, application_id, slot)
        licence = await self._licences.material(citizen_id, licence_id)
        if licence.kind_code not in spec.licence_kinds:
            raise KindNotAccepted(licence.kind_code, spec.licence_kinds)
        material = MaterialRow(
            id=uuid.uuid4(), application_id=application_id, slot=slot, source="licence",
            sha256=licence.credential_sha256, size=0, media_type="",
            name=self._cipher.seal(licence.kind_name, column=_column(application_id, "name")), blob=None,
            licence=self._cipher.seal_bytes(
                msgspec.json.encode(self._provenance(licence)), column=_column(application_id, "licence")
            ),
            created_at=self._clock.now(),
        )  # fmt: skip
        saved, _ = await self._insert(material, actor=actor, shared=False)
        return self._view(saved)

    async def of_application(
        self, citizen_id: uuid.UUID, application_id: uuid.UUID
    ) -> tuple[list[MaterialView], list[MaterialSpec]]:
        row = await self._owned(citizen_id, application_id)
        rows = await self._repository.of_application(application_id)
        return [self._view(r) for r in rows], await self._specs(row)

    async def content(self, citizen_id: uuid.UUID, material_id: uuid.UUID) -> tuple[MaterialView, bytes]:
        """An uploaded material's bytes, for its owner (a licence material has none: 404)."""
        row = await self._material(citizen_id, material_id)
        if row.blob is None:
            raise MaterialNotFound()
        return self._view(row), await self._read(row.application_id, row.sha256, row.blob)

    async def remove(self, citizen_id: uuid.UUID, material_id: uuid.UUID, *, actor: str) -> None:
        """Take a material out of a draft; its blob goes once no material of the application holds it."""
        application_id = (await self._material(citizen_id, material_id)).application_id
        now = self._clock.now()
        async with transaction(self._engine):
            if not await self._repository.lock(application_id, statuses=frozenset({"draft"}), now=now):
                raise MaterialLocked()
            row = await self._repository.delete(material_id, application_id)
            if row is None:
                raise MaterialNotFound()
            await self._audit.append(
                actor=actor, action="application.material_removed", subject=f"application:{application_id}",
                data={"slot": row.slot, "sha256": row.sha256, "source": row.source}, chain="application",
            )  # fmt: skip
            sweep = row.blob is not None and not await self._repository.blob_referenced(row.blob)
            if sweep and row.blob is not None:
                await self._outbox.enqueue(SWEEP, key=f"{row.blob}:{row.id}", payload=SweepJob(blob=row.blob))
        if sweep:
            self._outbox.wake()

    async def purge_abandoned(self, *, before: datetime) -> int:
        """Delete the materials of drafts untouched since ``before`` and of applications withdrawn
        before they were sent (scans of ID cards are kept for nothing), sweeping their blobs; how
        many applications were emptied."""
        emptied = 0
        for application_id in await self._repository.abandoned(before=before):
            async with transaction(self._engine):
                rows = await self._repository.take_abandoned(application_id, before=before)
                if not rows:
                    continue
                await self._audit.append(
                    actor="system",
                    action="application.materials_purged",
                    subject=f"application:{application_id}",
                    data={"materials": len(rows)},
                    chain="application",
                )
                for blob in {r.blob for r in rows if r.blob is not None}:
                    if not await self._repository.blob_referenced(blob):
                        await self._outbox.enqueue(SWEEP, key=f"{blob}:purge", payload=SweepJob(blob=blob))
            emptied += 1
        if emptied:
            self._outbox.wake()
        return emptied

    async def for_submission(self, citizen_id: uuid.UUID, application: ApplicationRow) -> list[MaterialRef]:
        """Every required slot filled (``MaterialsMissing`` names the empty ones), every licence
        material read again (a licence revoked since raises ``LicenceUnusable``): what the department
        is sent."""
        rows = await self._repository.of_application(application.id)
        filled = {r.slot for r in rows}
        missing = [s.key for s in await self._specs(application) if s.required and s.key not in filled]
        if missing:
            raise MaterialsMissing(missing)
        refs: list[MaterialRef] = []
        for row in rows:
            view = self._view(row)
            if view.licence is None:
                refs.append(MaterialRef(
                    slot=row.slot, name=view.name, source="upload", sha256=row.sha256, size=row.size,
                    media_type=row.media_type,
                ))  # fmt: skip
                continue
            licence = await self._licences.material(citizen_id, uuid.UUID(view.licence["licence_id"]))
            refs.append(MaterialRef(
                slot=row.slot, name=licence.kind_name, source="licence", sha256=licence.credential_sha256,
                licence=LicenceRef(
                    kind=licence.kind_code, identifier=licence.identifier, version=licence.version,
                    original_sha256=licence.original_sha256, credential_sha256=licence.credential_sha256,
                ),
            ))  # fmt: skip
        return refs

    async def document(self, application_id: uuid.UUID, ref: MaterialRef) -> Document:
        """An uploaded material's bytes for the department (``StoreUnavailable`` propagates: retry)."""
        blob = await self._repository.blob_of(application_id, ref.sha256)
        if blob is None:
            raise MaterialNotFound()
        content = await self._read(application_id, ref.sha256, blob, store_errors=False)
        return Document(media_type=ref.media_type, content=content)  # type: ignore[arg-type]

    async def sweep(self, job: ClaimedJob) -> None:
        """Outbox handler: delete a blob no material holds any more."""
        blob = msgspec.json.decode(job.payload, type=SweepJob).blob
        if await self._repository.blob_referenced(blob):
            return
        try:
            await self._blobs.delete(blob)
        except StoreUnavailable as exc:
            raise RetryLater(f"blob store: {exc.reason}") from None

    async def _insert(self, material: MaterialRow, *, actor: str, shared: bool) -> tuple[MaterialRow, bool]:
        """Add the material under the application's row lock; the one already there when the slot
        holds the same file (False)."""
        application_id = material.application_id
        async with transaction(self._engine):
            if not await self._repository.lock(application_id, statuses=EDITABLE, now=self._clock.now()):
                raise NotEditable()
            same = await self._repository.find_same(application_id, material.slot, material.sha256)
            if same is not None:
                return same, False
            blob = material.blob
            if shared and blob is not None and not await self._repository.blob_referenced(blob):
                raise _BlobGone()
            if await self._repository.count_slot(application_id, material.slot) >= self._per_slot:
                raise SlotFull(self._per_slot)
            await self._repository.insert(material)
            await self._audit.append(
                actor=actor, action="application.material_added", subject=f"application:{application_id}",
                data={"slot": material.slot, "sha256": material.sha256, "source": material.source,
                      "size": material.size, "media_type": material.media_type},
                chain="application",
            )  # fmt: skip
        return material, True

    async def _put(self, application_id: uuid.UUID, sha256: str, content: bytes) -> str:
        column = _column(application_id, f"blob:{sha256}")
        sealed = await asyncio.to_thread(self._cipher.seal_blob, content, column=column)
        try:
            return await self._blobs.put(sealed)
        except StoreUnavailable as exc:
            log.warning("blob store put failed: %s", exc.reason)
            raise MaterialStoreUnavailable() from None

    async def _discard(self, blob: str) -> None:
        # Best effort: a blob nothing references is only space (and sealed); never fail the answer.
        try:
            await self._blobs.delete(blob)
        except StoreUnavailable:
            log.warning("blob %s left behind: the store is unavailable", blob)

    async def _read(
        self, application_id: uuid.UUID, sha256: str, blob: str, *, store_errors: bool = True
    ) -> bytes:
        column = _column(application_id, f"blob:{sha256}")
        try:
            sealed = await self._blobs.get(blob)
            return await asyncio.to_thread(self._cipher.open_blob, sealed, column=column)
        except StoreUnavailable as exc:
            if not store_errors:
                raise
            log.warning("blob store get failed: %s", exc.reason)
            raise MaterialStoreUnavailable() from None
        except (BlobStoreError, SealedValueCorrupt) as exc:
            if not store_errors:
                raise
            # Gone or altered under us: an operator must look; the citizen is told it can't be read.
            log.error("material blob %s of application %s unreadable: %s", blob, application_id, exc)
            raise MaterialStoreUnavailable() from None

    async def _material(self, citizen_id: uuid.UUID, material_id: uuid.UUID) -> MaterialRow:
        """The material, if its application is the citizen's (another's is ``MaterialNotFound``)."""
        row = await self._repository.find(material_id)
        if row is None or await self._applications.find(row.application_id, citizen_id=citizen_id) is None:
            raise MaterialNotFound()
        return row

    async def _owned(self, citizen_id: uuid.UUID, application_id: uuid.UUID) -> ApplicationRow:
        row = await self._applications.find(application_id, citizen_id=citizen_id)
        if row is None:
            raise ApplicationNotFound()
        return row

    async def _specs(self, row: ApplicationRow) -> list[MaterialSpec]:
        item = await self._catalogue.get(row.item_code, row.item_version)
        return list(item.definition.materials)

    def _view(self, row: MaterialRow) -> MaterialView:
        name = self._cipher.open(row.name, column=_column(row.application_id, "name"))
        licence: dict[str, Any] | None = None
        if row.source == "licence":
            licence = msgspec.json.decode(
                self._cipher.open_bytes(row.licence, column=_column(row.application_id, "licence"))
            )
        return MaterialView(row=row, name=name, licence=licence)

    def _provenance(self, licence: Material) -> dict[str, Any]:
        return {
            "source": "licence", "licence_id": str(licence.licence_id), "kind": licence.kind_code,
            "kind_name": licence.kind_name, "version": licence.version, "status": licence.status,
            "original_sha256": licence.original_sha256, "credential_sha256": licence.credential_sha256,
            "at": self._clock.now().isoformat(),
        }  # fmt: skip
