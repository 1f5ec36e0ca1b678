"""The citizen's licences: pulled from the e-licence library, stored sealed, issued as credentials
bound to the citizen's holder key; the status lists that publish their status; and what other
features may ask of them (a field with its provenance, a licence as application material)."""

from __future__ import annotations

import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec
from piccolo.engine.base import Engine

from backend.citizen.service import CitizenService
from backend.clock import Clock
from backend.crypto import PersonalDataCipher
from backend.database import transaction
from backend.licence import credentials
from backend.licence.errors import (
    FieldsInvalid,
    LibraryUnavailable,
    LicenceNotFound,
    LicenceUnusable,
    NotHeld,
    RefreshRateLimited,
)
from backend.licence.keys import LicenceKeys
from backend.licence.kinds import claims_of
from backend.licence.log import DisclosureLog, LogEvent
from backend.licence.repository import RecordRepository, RecordRow, SyncRepository, serialise
from backend.licence.settings import LicenceSettings
from backend.ratelimit import RateLimit, RateLimiter
from integrations import UpstreamRejected, UpstreamUnavailable
from integrations.elicence import ElicenceClient, Licence
from integrations.masking import mask_id_number

log = logging.getLogger("backend.licence")

# Five pulls a minute per citizen: the app's pull-to-refresh, with room for retries.
REFRESH = RateLimit(RefreshRateLimited, limit=5, window=60)
SEALED = "licence_record.sealed"
CREDENTIAL = "licence_record.credential"
IDENTIFIER = "licence_record.identifier"


@dataclass(frozen=True, slots=True)
class Held:
    """One licence as the wallet shows it, opened."""

    record: RecordRow
    licence: Licence
    credential: str


@dataclass(frozen=True, slots=True)
class FieldValue:
    """A licence field for another feature (auto-fill), with where it came from: the licence, its
    version, the claim, the digest of the disclosure that carries it in the credential, the status
    at the time, and a presentation of just that claim that anyone can verify."""

    value: Any
    licence_id: uuid.UUID
    version: int
    kind_code: str
    claim: str
    digest: str
    status: str
    at: datetime
    presentation: str


@dataclass(frozen=True, slots=True)
class Material:
    """A licence attached to an application: what the department receives to fetch and check it."""

    licence_id: uuid.UUID
    kind_code: str
    kind_name: str
    version: int
    status: str
    original_sha256: str
    credential_sha256: str
    identifier: str


def _mask(licence: Licence) -> str:
    number = licence.number
    if licence.kind_code == "JMSFZ" or len(number) == 18:
        try:
            return mask_id_number(number)
        except ValueError:
            pass
    return number[:2] + "*" * max(len(number) - 6, 2) + number[-4:]


class LicenceService:
    def __init__(
        self,
        *,
        records: RecordRepository,
        sync: SyncRepository,
        keys: LicenceKeys,
        disclosure_log: DisclosureLog,
        citizens: CitizenService,
        elicence: ElicenceClient,
        cipher: PersonalDataCipher,
        limiter: RateLimiter,
        settings: LicenceSettings,
        clock: Clock,
        engine: Engine[Any],
    ) -> None:
        self._limiter = limiter
        self._records = records
        self._sync = sync
        self._keys = keys
        self._log = disclosure_log
        self._citizens = citizens
        self._elicence = elicence
        self._cipher = cipher
        self._settings = settings
        self._clock = clock
        self._engine = engine

    async def held(self, citizen_id: uuid.UUID) -> list[RecordRow]:
        """The citizen's licences; the first call pulls them from the library (its outage then
        leaves the list empty for now, not an error: the citizen can refresh later)."""
        if await self._sync.position(f"citizen:{citizen_id}") is None:
            try:
                await self.refresh(citizen_id)
            except LibraryUnavailable:
                log.warning("first licence pull deferred: library unavailable")
        return await self._records.held(citizen_id)

    async def refresh(self, citizen_id: uuid.UUID) -> list[RecordRow]:
        """Pull the citizen's licences now: new ones are issued, changed ones re-issued as a new
        version, unchanged ones kept. A citizen may ask ``REFRESH`` times a minute (each pull costs the
        library a search and a read per licence).

        Raises:
            RefreshRateLimited, LibraryUnavailable, CitizenNotFound.
        """
        await self._limiter.hit(REFRESH, str(citizen_id))
        now = self._clock.now()
        citizen = await self._citizens.real_identity(citizen_id)
        try:
            summaries = await self._elicence.list_licences(citizen.id_number)
            licences = [await self._elicence.get_licence(s.identifier) for s in summaries]
        except (UpstreamUnavailable, UpstreamRejected) as exc:
            log.warning("licence pull failed: %s", type(exc).__name__)
            raise LibraryUnavailable() from exc
        holder = (await self._keys.holder(citizen_id, now=now)).public_key
        issuer_key = await self._keys.issuer(now=now)
        async with transaction(self._engine):
            await serialise(self._engine, f"citizen:{citizen_id}")
            held = {r.identifier_index: r for r in await self._records.held(citizen_id)}
            for licence in licences:
                index = self._cipher.blind_index(licence.identifier, column=IDENTIFIER)
                sealed = msgspec.json.encode(licence)
                before = held.get(index)
                if before is not None and self._open(before) == sealed:
                    continue
                row = before or await self._new_row(citizen_id, index, now=now)
                row.version = row.version + 1 if before else 1
                row.credential = credentials.issue(
                    licence,
                    issuer_key=issuer_key,
                    holder=holder,
                    iss=self._settings.issuer,
                    status_list=row.status_list,
                    status_idx=row.status_idx,
                    now=now,
                    ttl=self._settings.credential_ttl,
                )
                self._fill(row, licence, sealed, now=now)
                await (self._records.update(row) if before else self._records.insert(row))
                await self._log.append(
                    citizen_id,
                    LogEvent(event="issued", kind_code=licence.kind_code, outcome=f"version {row.version}"),
                    now=now,
                )
            await self._sync.save(f"citizen:{citizen_id}", 0, now=now)
        return await self._records.held(citizen_id)

    async def _new_row(self, citizen_id: uuid.UUID, index: str, *, now: datetime) -> RecordRow:
        status_list = 1
        while True:
            idx = secrets.randbelow(self._settings.status_list_size)
            if not await self._records.idx_taken(status_list, idx):
                break
        return RecordRow(
            id=uuid.uuid4(),
            citizen_id=citizen_id,
            identifier_index=index,
            kind_code="",
            kind_name="",
            masked_number="",
            issuer_name="",
            issued_on="",
            expires_on=None,
            status="valid",
            version=0,
            sealed="",
            credential="",
            credential_digest="",
            status_list=status_list,
            status_idx=idx,
            fetched_at=now,
            status_changed_at=now,
        )

    def _fill(self, row: RecordRow, licence: Licence, sealed: bytes, *, now: datetime) -> None:
        if row.status != licence.status:
            row.status_changed_at = now
        row.kind_code, row.kind_name = licence.kind_code, licence.kind_name
        row.masked_number, row.issuer_name = _mask(licence), licence.issuer_name
        row.issued_on = licence.issued_on.isoformat()
        row.expires_on = licence.expires_on.isoformat() if licence.expires_on else None
        row.status, row.fetched_at = licence.status, now
        row.sealed = self._cipher.seal_bytes(sealed, column=f"{SEALED}:{row.id}")
        row.credential_digest = credentials.credential_digest(row.credential)
        row.credential = self._cipher.seal(row.credential, column=f"{CREDENTIAL}:{row.id}")

    def _open(self, row: RecordRow) -> bytes:
        return self._cipher.open_bytes(row.sealed, column=f"{SEALED}:{row.id}")

    async def get(self, citizen_id: uuid.UUID, licence_id: uuid.UUID) -> Held:
        row = await self._records.find(licence_id, citizen_id)
        if row is None:
            raise LicenceNotFound()
        licence = msgspec.json.decode(self._open(row), type=Licence)
        credential = self._cipher.open(row.credential, column=f"{CREDENTIAL}:{row.id}")
        return Held(
            record=row, licence=msgspec.structs.replace(licence, status=row.status), credential=credential
        )

    async def usable_of_kind(self, citizen_id: uuid.UUID, kind_code: str) -> Held:
        """The citizen's usable licence of a type (the newest issued, if they hold two)."""
        rows = [r for r in await self.held(citizen_id) if r.kind_code == kind_code]
        if not rows:
            raise NotHeld()
        usable = [r for r in rows if r.status == "valid"]
        if not usable:
            raise LicenceUnusable()
        newest = max(usable, key=lambda r: r.issued_on)
        return await self.get(citizen_id, newest.id)

    async def field(self, citizen_id: uuid.UUID, kind_code: str, claim: str, *, audience: str) -> FieldValue:
        """Field ``claim`` of the citizen's licence of ``kind_code`` with its provenance (for
        auto-fill): a presentation of that one claim to ``audience``, verified here."""
        now = self._clock.now()
        held = await self.usable_of_kind(citizen_id, kind_code)
        if claim not in claims_of(held.licence, today=now.date()):
            raise FieldsInvalid(fields=[claim])
        nonce = secrets.token_urlsafe(16)
        published = await self._keys.lookup(now=now)
        presentation = credentials.present(
            held.credential,
            claims=[claim],
            holder=await self._keys.holder(citizen_id, now=now),
            published=published,
            aud=audience,
            nonce=nonce,
            now=now,
        )
        verified = credentials.verify(
            presentation.compact,
            published=published,
            aud=audience,
            nonce=nonce,
            now=now,
            status=lambda _uri, _idx: credentials.status_value(held.record.status),
        )
        digests = credentials.disclosure_digests(presentation.compact)
        return FieldValue(
            value=verified.claims.get(claim),
            licence_id=held.record.id,
            version=held.record.version,
            kind_code=kind_code,
            claim=claim,
            digest=digests.get(claim, ""),
            status=held.record.status,
            at=now,
            presentation=presentation.compact,
        )

    async def material(self, citizen_id: uuid.UUID, licence_id: uuid.UUID) -> Material:
        """Licence ``licence_id`` of the citizen as application material (usable licences only)."""
        held = await self.get(citizen_id, licence_id)
        if held.record.status != "valid":
            raise LicenceUnusable()
        return Material(
            licence_id=held.record.id,
            kind_code=held.licence.kind_code,
            kind_name=held.licence.kind_name,
            version=held.record.version,
            status=held.record.status,
            original_sha256=held.licence.file_sha256,
            credential_sha256=held.record.credential_digest,
            identifier=held.licence.identifier,
        )
