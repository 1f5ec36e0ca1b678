"""The citizen's licences: pulled from the e-licence library, stored sealed, issued as credentials
bound to the citizen's holder key; the status lists that publish their status; and what other
features may ask of them (a field with its provenance, a licence as application material)."""

from __future__ import annotations

import logging
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any, Protocol

import msgspec
from cryptography.hazmat.primitives.asymmetric import ec
from piccolo.engine.base import Engine

import wallet
from backend.citizen.service import CitizenService
from backend.clock import Clock
from backend.crypto import PersonalDataCipher
from backend.database import UniqueViolation, transaction
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
from backend.licence.model import FieldValue, Held, Material
from backend.licence.repository import FEED, RecordRepository, RecordRow, SyncRepository, serialise
from backend.licence.settings import LicenceSettings
from backend.ratelimit import RateLimit, RateLimiter
from integrations import UpstreamRejected, UpstreamUnavailable
from integrations.elicence import ElicenceClient, Licence
from integrations.masking import mask_id_number

log = logging.getLogger("backend.licence")

# Five pulls a minute per citizen: the app's pull-to-refresh, with room for retries.
REFRESH = RateLimit(RefreshRateLimited, limit=5, window=60)
# A credential is renewed in its last 30 days (on the citizen's next look at the wallet).
RENEW_BEFORE = timedelta(days=30)
SEALED = "licence_record.sealed"
CREDENTIAL = "licence_record.credential"
IDENTIFIER = "licence_record.identifier"


def _mask(licence: Licence) -> str:
    """Never more than a quarter of the number shown, at most its first 2 and last 4 characters
    (an ID card's, and any 16 characters or longer, the city's rule: first 4, last 4)."""
    number = licence.number
    if len(number) >= 16:
        return mask_id_number(number)
    shown = len(number) // 4
    head, tail = min(2, shown // 2), min(4, shown - min(2, shown // 2))
    return number[:head] + "*" * (len(number) - head - tail) + (number[-tail:] if tail else "")


class OrganisationHolders(Protocol):
    """Which owners are organisations (``backend.organisation``): their wallet is filed at the library
    under their unified social credit code, not a person's ID number."""

    async def credit_code(self, organisation_id: uuid.UUID) -> str | None: ...


class LicenceService:
    def __init__(
        self,
        *,
        organisations: OrganisationHolders | None = None,
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
        self._organisations = organisations
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
        """The citizen's licences. The first look pulls them from the library, and so does a look at
        a credential that is due for renewal (``_due``); the library's outage then leaves the list as
        it was, not an error: what is held keeps working and the citizen can refresh later.

        Raises:
            CitizenNotFound.
        """
        rows = await self._records.held(citizen_id)
        first = await self._sync.position(f"citizen:{citizen_id}") is None
        if first or any(self._due(row) for row in rows):
            try:
                rows = await self._pull(citizen_id)
            except LibraryUnavailable:
                log.warning("licence pull deferred: library unavailable")
        return rows

    async def refresh(self, citizen_id: uuid.UUID) -> list[RecordRow]:
        """Pull the citizen's licences now: new ones are issued, changed or due ones re-issued as a
        new version, the rest kept. A citizen may ask ``REFRESH`` times a minute (each pull costs the
        library a search and a read per licence).

        Raises:
            RefreshRateLimited, LibraryUnavailable, CitizenNotFound.
        """
        await self._limiter.hit(REFRESH, str(citizen_id))
        return await self._pull(citizen_id)

    async def _pull(self, citizen_id: uuid.UUID) -> list[RecordRow]:
        """Apply a snapshot of the library only if no status change from the feed was applied since
        it was taken: the feed's cursor is read before the snapshot and checked under the feed's lock
        (taken first, as the feed job takes it, so the two never deadlock); a moved cursor means the
        snapshot may hold a status the feed already superseded, so it is taken again."""
        holder_number, organisation = await self._holder_number(citizen_id)
        for _ in range(3):
            cursor = await self._sync.position(FEED)
            licences = await self._fetch(holder_number, organisation=organisation)
            now = self._clock.now()
            holder = (await self._keys.holder(citizen_id, now=now)).public_key
            issuer_key = await self._keys.issuer(now=now)
            # Another citizen's pull may draw the same status entry at once: the unique index refuses
            # the second, which takes the snapshot again.
            with UniqueViolation() as clash:
                async with transaction(self._engine):
                    await serialise(self._engine, FEED)
                    await serialise(self._engine, f"citizen:{citizen_id}")
                    if await self._sync.position(FEED) != cursor:
                        continue
                    held = {r.identifier_index: r for r in await self._records.held(citizen_id)}
                    for licence in licences:
                        await self._apply(
                            citizen_id, licence, held, issuer_key=issuer_key, holder=holder, now=now
                        )
                    await self._sync.save(f"citizen:{citizen_id}", 0, now=now)
            if not clash.occurred:
                return await self._records.held(citizen_id)
        raise LibraryUnavailable()

    async def _holder_number(self, owner_id: uuid.UUID) -> tuple[str, bool]:
        """The number the library files the owner's licences under: an organisation's credit code, or
        the citizen's ID number; and whether the owner is an organisation."""
        if self._organisations is not None:
            code = await self._organisations.credit_code(owner_id)
            if code is not None:
                return code, True
        return (await self._citizens.real_identity(owner_id)).id_number, False

    async def _fetch(self, id_number: str, *, organisation: bool = False) -> list[Licence]:
        try:
            summaries = await (
                self._elicence.list_organisation_licences(id_number)
                if organisation
                else self._elicence.list_licences(id_number)
            )
            licences = [await self._elicence.get_licence(s.identifier) for s in summaries]
        except (UpstreamUnavailable, UpstreamRejected) as exc:
            log.warning("licence pull failed: %s", type(exc).__name__)
            raise LibraryUnavailable() from exc
        # The library answers a search by holder; a licence naming someone else (a co-owner's, a
        # misbehaving search) is never issued to this citizen.
        mine = [lic for lic in licences if lic.holder_id_number.upper() == id_number.upper()]
        if len(mine) != len(licences):
            log.warning("licence pull: %d licences of another holder dropped", len(licences) - len(mine))
        return mine

    async def _apply(
        self,
        citizen_id: uuid.UUID,
        licence: Licence,
        held: dict[str, RecordRow],
        *,
        issuer_key: wallet.SigningKey,
        holder: ec.EllipticCurvePublicKey,
        now: datetime,
    ) -> None:
        index = self._cipher.blind_index(licence.identifier, column=IDENTIFIER)
        sealed = msgspec.json.encode(licence)
        before = held.get(index)
        if before is not None and self._open(before) == sealed and not self._due(before):
            return
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
        event = LogEvent(event="issued", kind_code=licence.kind_code, outcome=f"version {row.version}")
        await self._log.append(citizen_id, event, now=now)

    def _due(self, row: RecordRow) -> bool:
        """A credential is re-issued within ``RENEW_BEFORE`` of its end (it was issued when the row
        was last filled, ``fetched_at``) and when a predicate it states has flipped (an ID card's
        holder turned 18 since)."""
        now = self._clock.now()
        if now >= row.fetched_at + timedelta(seconds=self._settings.credential_ttl) - RENEW_BEFORE:
            return True
        if row.kind_code != "JMSFZ" or row.status != "valid":
            return False
        licence = msgspec.json.decode(self._open(row), type=Licence)
        then = claims_of(licence, today=row.fetched_at.astimezone(credentials.BEIJING).date())
        return then != claims_of(licence, today=now.astimezone(credentials.BEIJING).date())

    async def _new_row(self, citizen_id: uuid.UUID, index: str, *, now: datetime) -> RecordRow:
        # A random free entry of the newest list; when four draws in a row hit taken entries the list
        # is full enough (about half) and the next one is opened. Lists are numbered from 1 up.
        status_list = await self._records.newest_list() or 1
        while True:
            for _ in range(4):
                idx = secrets.randbelow(self._settings.status_list_size)
                if not await self._records.idx_taken(status_list, idx):
                    return self._blank(citizen_id, index, status_list, idx, now=now)
            status_list += 1

    def _blank(
        self, citizen_id: uuid.UUID, index: str, status_list: int, idx: int, *, now: datetime
    ) -> RecordRow:
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
        auto-fill): a presentation of that one claim to ``audience``, verified here.

        It signs with the citizen's holder key: call it only from an action the signed-in citizen
        took (filling their own form), never on another party's behalf.

        Raises:
            NotHeld, LicenceUnusable, FieldsInvalid (the credential carries no such claim).
        """
        now = self._clock.now()
        held = await self.usable_of_kind(citizen_id, kind_code)
        if claim not in credentials.disclosure_digests(held.credential):
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
        try:
            verified = credentials.verify(
                presentation.compact,
                published=published,
                aud=audience,
                nonce=nonce,
                now=now,
                status=lambda _uri, _idx: credentials.status_value(held.record.status),
            )
        except wallet.errors.WalletError as exc:  # an expired credential awaiting renewal, say
            log.warning("field provenance refused: %s", exc.code)
            raise LicenceUnusable() from exc
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
