"""Real-name registration and the citizen's own view of their record.

A registration proves three things, in this order, before anything is said about who else is
registered: the phone (an SMS code, or what a mini program's platform vouches for), the identity (the
population registry: name and ID number belong together, the person is alive), and that the
registrant is that person (``backend.citizen.proof``: the operators say the phone is registered to
them, or a face verification does). Only then does an ID number that already has an account answer
``citizen.already_registered`` — to someone who has just proven it is theirs, and who may take it back
(``backend.citizen.reclaim``). A phone that already has an account answers at once: its holder proved
they hold it, so that leaks nothing.

The checks come first and the writes last (``verify_registrant``, then ``enrol``), so a caller that
must consume something between them — a mini program's bind ticket — does so after every check and
before anything is created. One active citizen per ID number and per phone: the database's partial
unique indexes decide.
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import uuid
from typing import Any

from piccolo.engine.base import Engine

from backend.audit.service import AuditLog
from backend.auth.errors import SmsCodeInvalid
from backend.auth.passwords import Passwords
from backend.auth.principal import CITIZEN_SCOPES
from backend.auth.settings import AuthSettings
from backend.auth.sms import SmsCodes
from backend.auth.tokens import TokenService
from backend.citizen import entries, sealed
from backend.citizen.cache import CitizenCache
from backend.citizen.errors import (
    AccountFrozen,
    AlreadyRegistered,
    CitizenNotFound,
    FaceTicketInvalid,
    NothingToReclaim,
    PhoneProofMissing,
    PhoneTaken,
    ReclaimRaced,
    RegisterRateLimited,
)
from backend.citizen.identity import parse_identity, verify_identity
from backend.citizen.proof import IdentityProofs
from backend.citizen.records import (
    ID_NUMBER,
    PHONE,
    Citizen,
    FreezeStep,
    RealIdentity,
    Registrant,
    Registration,
)
from backend.citizen.repository import (
    CitizenLogin,
    CitizenRepository,
    CitizenRow,
    DuplicateCitizen,
    NewCitizen,
    row_of,
)
from backend.clock import Clock
from backend.crypto import PersonalDataCipher
from backend.database import transaction
from backend.errors import Invalid
from backend.ratelimit import RateLimit, RateLimiter
from integrations.population import PopulationClient

log = logging.getLogger("backend.citizen")

# The app's own client id; mini programs log citizens in with theirs.
APP_CLIENT_ID = "suqian-app"


class CitizenService:
    def __init__(
        self,
        *,
        repository: CitizenRepository,
        population: PopulationClient,
        proofs: IdentityProofs,
        sms_codes: SmsCodes,
        passwords: Passwords,
        tokens: TokenService,
        limiter: RateLimiter,
        cipher: PersonalDataCipher,
        audit: AuditLog,
        clock: Clock,
        settings: AuthSettings,
        engine: Engine[Any],
        cache: CitizenCache,
    ) -> None:
        self._repository = repository
        self._cache = cache
        self._engine = engine
        self._population = population
        self._proofs = proofs
        self._sms_codes = sms_codes
        self._passwords = passwords
        self._tokens = tokens
        self._limiter = limiter
        self._cipher = cipher
        self._audit = audit
        self._clock = clock
        # Each attempt may cost a registry query, an operator check or a face verification, and a
        # failed one says whether a name matches an ID number: failures are bounded per client
        # address. A registration that went through gives its unit back (it needed a fresh phone and
        # its SMS code anyway), so a crowded carrier-grade NAT doesn't use the budget up.
        self.per_client = RateLimit(
            RegisterRateLimited,
            limit=settings.registration_failures_per_address,
            window=settings.registration_failures_window,
            by_address=True,
        )

    def phone_index(self, phone: str) -> str:
        return self._cipher.blind_index(phone, column=PHONE)

    async def register(
        self,
        *,
        phone: str,
        sms_code: str | None,
        face_ticket: str | None = None,
        name: str,
        id_number: str,
        password: str | None = None,
        client: str,
    ) -> Registration:
        """Prove the phone (an SMS code, or the face ticket a previous attempt was given), the identity
        and that the registrant is the person, then create the citizen and their first session."""
        registrant = await self.admit(
            phone=phone,
            sms_code=sms_code,
            face_ticket=face_ticket,
            name=name,
            id_number=id_number,
            client=client,
        )
        row = await self.enrol(registrant, password=password, client=client)
        return await self.first_session(row)

    async def verify_registrant(
        self,
        *,
        name: str,
        id_number: str,
        phone: str,
        face_ticket: str | None,
        phone_by_sms: bool,
        client: str,
    ) -> Registrant:
        """Every check of a registration whose phone the caller has already proven (a mini program's
        bind: an SMS code of purpose "bind" — ``phone_by_sms`` — or the platform's phone number API),
        and nothing written; counts against the address's budget until ``enrol`` succeeds."""
        name, id_number = parse_identity(name, id_number, today=self._clock.now().date())
        await self._limiter.hit(self.per_client, client)
        return await self._prepare(
            name=name, id_number=id_number, phone=phone, face_ticket=face_ticket, phone_by_sms=phone_by_sms
        )

    async def enrol(
        self,
        registrant: Registrant,
        *,
        password: str | None = None,
        client: str,
        step: FreezeStep | None = None,
    ) -> CitizenRow:
        """Create the verified registrant's citizen (no session: the caller starts its own); for a
        reclaim (``registrant.holder``) freeze the holding account in the same transaction, with
        ``step``. The database decides every "only once": the freeze (one reclaim wins), one active
        citizen per ID number and phone, one citizen per face verification. A face ticket is dropped
        only after the commit, so a registrant who loses a race keeps their verification."""
        new = await self._new_citizen(registrant, password)
        try:
            # A new citizen has nothing cached; a reclaim's holder may (its ``/me`` doesn't show the
            # freeze, but every write to a citizen moves their version: one rule, no exceptions).
            async with self._changing_holder(registrant.holder), transaction(self._engine):
                if registrant.holder is not None:
                    await self._freeze(registrant.holder, new, registrant, client=client, step=step)
                await self._repository.add(new)
                await self._audit_registered(new, registrant, client=client)
        except DuplicateCitizen:
            # Lost a race with a concurrent registration: answer as the checks would have.
            await self._refuse_taken(new)
            raise (ReclaimRaced() if registrant.holder else AlreadyRegistered()) from None
        await self._proofs.forget(registrant.proof)
        await self._limiter.refund(self.per_client, client)
        log.info(
            "citizen registered id=%s proof=%s holder=%s", new.id, registrant.proof.method, registrant.holder
        )
        return row_of(new)

    async def face_ticket_vouches(self, face_ticket: str, *, phone: str, name: str, id_number: str) -> bool:
        """True when ``face_ticket`` was issued for this phone and identity (so the phone was proven
        then): before anything is said about that phone's account."""
        try:
            name, id_number = parse_identity(name, id_number, today=self._clock.now().date())
        except Invalid:
            return False
        return await self._proofs.vouches(face_ticket, name=name, id_number=id_number, phone=phone)

    async def charge_failed_attempt(self, client: str) -> None:
        """Count a registration refused before it ran (a reused or replayed idempotency key) against
        the address's failure budget, as a failed registration is."""
        await self._limiter.hit(self.per_client, client)

    async def find_by_phone(self, phone: str) -> uuid.UUID | None:
        """The active citizen registered with ``phone``, if any (looked up by its blind index)."""
        login = await self._repository.find_login(self.phone_index(phone))
        return None if login is None or login.frozen else login.id

    async def find_login(self, phone_index: str) -> CitizenLogin | None:
        """What a login checks for the phone with this blind index (``phone_index``): its active
        account, else its frozen one (``frozen``: a right credential then answers ``AccountFrozen``)."""
        return await self._repository.find_login(phone_index)

    async def ensure_active(self, citizen_id: uuid.UUID) -> None:
        """Raise ``AccountFrozen`` for a frozen citizen: before a session is started or renewed."""
        row = await self._repository.find(citizen_id)
        if row is not None and row.status != "active":
            raise AccountFrozen()

    async def begin_closure(self, citizen_id: uuid.UUID) -> bool:
        """active → closing (no session starts or renews); False when it was not active. Inside the
        caller's transaction, itself inside ``changing(citizen_id)``."""
        return await self._repository.begin_closure(citizen_id)

    def changing(self, citizen_id: uuid.UUID) -> contextlib.AbstractAsyncContextManager[None]:
        """Around any transaction that writes the citizen's row (closing it, deleting it): every
        worker's cached view of the citizen is dropped from its start and after its commit."""
        return self._cache.changing(citizen_id)

    async def set_password_hash(self, citizen_id: uuid.UUID, password_hash: str) -> None:
        async with self._cache.changing(citizen_id):
            await self._repository.set_password_hash(citizen_id, password_hash)

    async def exists(self, citizen_id: uuid.UUID) -> bool:
        return await self._repository.find(citizen_id) is not None

    async def holds_identity(self, citizen_id: uuid.UUID, *, name: str, id_number: str) -> bool:
        """True when ``name`` and ``id_number`` are the real name this citizen registered with."""
        row = await self._repository.find(citizen_id)
        if row is None:
            return False
        try:
            name, id_number = parse_identity(name, id_number, today=self._clock.now().date())
        except Invalid:
            return False
        stored = sealed.identity(row, self._cipher)
        # Both compared, always, in constant time: the answer must not tell which one differed.
        same_name = hmac.compare_digest(stored.name.encode(), name.encode())
        same_id = hmac.compare_digest(stored.id_number.encode(), id_number.encode())
        return same_name and same_id

    async def get(self, citizen_id: uuid.UUID) -> Citizen:
        """The citizen as they see themselves (``GET /me``), from this worker's cache while nothing
        changed (``backend.citizen.cache``)."""
        return await self._cache.get(citizen_id, self._masked)

    async def _masked(self, citizen_id: uuid.UUID) -> Citizen:
        row = await self._repository.find(citizen_id)
        if row is None:
            raise CitizenNotFound()
        return sealed.masked(row, self._cipher)

    async def real_identity(self, citizen_id: uuid.UUID) -> RealIdentity:
        """The citizen's unmasked name and ID number (see ``RealIdentity`` for when to ask)."""
        row = await self._repository.find(citizen_id)
        if row is None:
            raise CitizenNotFound()
        return sealed.identity(row, self._cipher)

    async def admit(
        self,
        *,
        phone: str,
        sms_code: str | None,
        face_ticket: str | None,
        name: str,
        id_number: str,
        client: str,
        taking: bool = False,
    ) -> Registrant:
        """Prove the phone (an SMS code, or the face ticket a previous attempt was given), the identity
        and that the registrant is the person; nothing written. ``taking``: a reclaim's checks, whose
        registrant names the account holding the identity (``backend.citizen.reclaim``). The
        operators' match is enough while the holder's phone is no longer the person's (the number
        changed hands); when they say both phones are the person's (or can't say for the holder's),
        only a face verification decides between them."""
        name, id_number = parse_identity(name, id_number, today=self._clock.now().date())
        if (sms_code is None) == (face_ticket is None):
            raise PhoneProofMissing()
        await self._limiter.hit(self.per_client, client)
        # A face ticket was issued only once this phone was proven, and is bound to it.
        if sms_code is not None and not await self._sms_codes.consume(
            phone, "register", sms_code, client=client
        ):
            raise SmsCodeInvalid()
        return await self._prepare(
            name=name, id_number=id_number, phone=phone, face_ticket=face_ticket, taking=taking
        )

    async def _prepare(
        self,
        *,
        name: str,
        id_number: str,
        phone: str,
        face_ticket: str | None,
        phone_by_sms: bool = True,
        taking: bool = False,
    ) -> Registrant:
        if await self._repository.phone_taken(self.phone_index(phone)):
            raise PhoneTaken()
        await verify_identity(self._population, name=name, id_number=id_number)
        proof = await self._proofs.prove(
            name=name, id_number=id_number, phone=phone, face_ticket=face_ticket, phone_by_sms=phone_by_sms
        )
        holder = await self._repository.find_holder(self._cipher.blind_index(id_number, column=ID_NUMBER))
        if not taking:
            if holder is not None:
                raise AlreadyRegistered()
            return Registrant(name=name, id_number=id_number, phone=phone, proof=proof)
        if holder is None:
            raise NothingToReclaim()
        if proof.method == "telecom":
            holder_phone = self._cipher.open(holder.phone_sealed, column=PHONE)
            outcome, _ = await self._proofs.check_phone(name=name, id_number=id_number, phone=holder_phone)
            # Only a number the operator says is no longer the person's ("mismatch", "not_registered")
            # lets three elements decide; "match" or "unknown" and a face verification must.
            if outcome in ("match", "unknown"):
                raise await self._proofs.require_face(name=name, id_number=id_number, phone=phone)
        return Registrant(name=name, id_number=id_number, phone=phone, proof=proof, holder=holder.id)

    def _changing_holder(self, holder: uuid.UUID | None) -> contextlib.AbstractAsyncContextManager[None]:
        return contextlib.nullcontext() if holder is None else self._cache.changing(holder)

    async def _freeze(
        self,
        holder: uuid.UUID,
        new: NewCitizen,
        registrant: Registrant,
        *,
        client: str,
        step: FreezeStep | None,
    ) -> None:
        phone_sealed = await self._repository.freeze(holder, now=new.created_at)
        if phone_sealed is None:
            raise ReclaimRaced()  # another reclaim froze it first
        await self._audit.append(
            actor=f"citizen:{new.id}",
            action="citizen.frozen",
            subject=f"citizen:{holder}",
            data=entries.frozen(
                new, registrant, phone=self._cipher.open(phone_sealed, column=PHONE), client=client
            ),
            chain="auth",
        )
        if step is not None:
            await step(holder, by=new.id)

    async def _new_citizen(self, registrant: Registrant, password: str | None) -> NewCitizen:
        password_hash = await self._passwords.hash(password) if password else None
        return sealed.new_citizen(
            registrant, self._cipher, password_hash=password_hash, now=self._clock.now()
        )

    async def _audit_registered(self, new: NewCitizen, registrant: Registrant, *, client: str) -> None:
        await self._audit.append(
            actor=f"citizen:{new.id}",
            action="citizen.registered",
            subject=f"citizen:{new.id}",
            data=entries.registered(new, registrant, client=client),
            chain="auth",
        )

    async def first_session(self, row: CitizenRow) -> Registration:
        """The new citizen as they see themselves, and their first session (the app's client)."""
        tokens = await self._tokens.issue_pair(
            "citizen", row.id, scopes=CITIZEN_SCOPES, client_id=APP_CLIENT_ID
        )
        return Registration(citizen=sealed.masked(row, self._cipher), tokens=tokens)

    async def _refuse_taken(self, new: NewCitizen) -> None:
        # Never say which phone holds the ID number: the caller proved only their own phone.
        if await self._repository.id_number_taken(new.id_number_index):
            raise AlreadyRegistered()
        if await self._repository.phone_taken(new.phone_index):
            raise PhoneTaken()
        if new.face_verification and await self._repository.face_verification_used(new.face_verification):
            raise FaceTicketInvalid()  # its verification made another citizen first
