"""Real-name registration and the citizen's own view of their record."""

from __future__ import annotations

import hmac
import logging
import uuid
from datetime import datetime
from typing import Any

import msgspec
from piccolo.engine.base import Engine

from backend.audit.service import AuditLog
from backend.auth.errors import SmsCodeInvalid
from backend.auth.passwords import Passwords
from backend.auth.principal import CITIZEN_SCOPES
from backend.auth.settings import AuthSettings
from backend.auth.sms import SmsCodes
from backend.auth.tokens import TokenPair, TokenService
from backend.citizen.errors import (
    AlreadyRegistered,
    CitizenNotFound,
    IdentityDeceased,
    IdentityMismatch,
    IdentityNotFound,
    IdNumberInvalid,
    NameInvalid,
    PhoneTaken,
    RegisterRateLimited,
    RegistryUnavailable,
)
from backend.citizen.repository import (
    CitizenLogin,
    CitizenRepository,
    CitizenRow,
    DuplicateCitizen,
    NewCitizen,
)
from backend.clock import Clock
from backend.crypto import PersonalDataCipher
from backend.database import transaction
from backend.errors import Invalid
from backend.observability.masking import mask_id_number, mask_phone
from backend.ratelimit import RateLimit, RateLimiter
from integrations import InvalidIdNumber, UpstreamRejected, UpstreamUnavailable, mask_name, parse_id_number
from integrations.population import PopulationClient

log = logging.getLogger("backend.citizen")

# The app's own client id; mini programs log citizens in with theirs.
APP_CLIENT_ID = "suqian-app"
# Sealed columns: the associated data binds each ciphertext to its column.
NAME, ID_NUMBER, PHONE = "citizen.name", "citizen.id_number", "citizen.phone"

_IDENTITY_PROBLEMS: dict[str, type[Invalid]] = {
    "mismatch": IdentityMismatch,
    "not_found": IdentityNotFound,
    "deceased": IdentityDeceased,
}


class Citizen(msgspec.Struct, frozen=True, kw_only=True):
    """A citizen as the rest of the system sees them: name, ID number and phone masked."""

    id: uuid.UUID
    name: str
    id_number: str
    phone: str
    has_password: bool
    verified_at: datetime
    created_at: datetime


class Registration(msgspec.Struct, frozen=True, kw_only=True):
    citizen: Citizen
    tokens: TokenPair


class CitizenService:
    def __init__(
        self,
        *,
        repository: CitizenRepository,
        population: PopulationClient,
        sms_codes: SmsCodes,
        passwords: Passwords,
        tokens: TokenService,
        limiter: RateLimiter,
        cipher: PersonalDataCipher,
        audit: AuditLog,
        clock: Clock,
        settings: AuthSettings,
        engine: Engine[Any],
    ) -> None:
        self._repository = repository
        self._engine = engine
        self._population = population
        self._sms_codes = sms_codes
        self._passwords = passwords
        self._tokens = tokens
        self._limiter = limiter
        self._cipher = cipher
        self._audit = audit
        self._clock = clock
        # Each attempt may cost a population-registry query, and a failed one says whether a name
        # matches an ID number: failures are bounded per client address. A registration that went
        # through gives its unit back (it needed a fresh phone and its SMS code anyway), so a
        # crowded carrier-grade NAT doesn't use the budget up.
        self._per_client = RateLimit(
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
        sms_code: str,
        name: str,
        id_number: str,
        password: str | None = None,
        client: str,
    ) -> Registration:
        """Verify the phone (SMS code) and the identity (population registry), then create the
        citizen and their first session. One citizen per ID number and per phone."""
        name, id_number = self._parse_identity(name, id_number)
        await self._limiter.hit(self._per_client, client)
        if not await self._sms_codes.consume(phone, "register", sms_code):
            raise SmsCodeInvalid()
        row = await self._create(
            name=name, id_number=id_number, phone=phone, password=password, client=client
        )
        await self._limiter.refund(self._per_client, client)
        tokens = await self._tokens.issue_pair(
            "citizen", row.id, scopes=CITIZEN_SCOPES, client_id=APP_CLIENT_ID
        )
        return Registration(citizen=self._read(row), tokens=tokens)

    async def register_verified_phone(
        self, *, name: str, id_number: str, phone: str, client: str
    ) -> uuid.UUID:
        """Create a citizen whose phone the caller has already proven (a mini program's bind: an SMS
        code of purpose "bind", or the platform's phone number API); the identity is still checked
        against the population registry. No session is started: the caller issues its own."""
        name, id_number = self._parse_identity(name, id_number)
        await self._limiter.hit(self._per_client, client)
        row = await self._create(name=name, id_number=id_number, phone=phone, password=None, client=client)
        await self._limiter.refund(self._per_client, client)
        return row.id

    async def find_by_phone(self, phone: str) -> uuid.UUID | None:
        """The citizen registered with ``phone``, if any (looked up by its blind index)."""
        login = await self._repository.find_login(self.phone_index(phone))
        return None if login is None else login.id

    async def find_login(self, phone_index: str) -> CitizenLogin | None:
        """What a login checks for the phone with this blind index (``phone_index``), if registered."""
        return await self._repository.find_login(phone_index)

    async def set_password_hash(self, citizen_id: uuid.UUID, password_hash: str) -> None:
        await self._repository.set_password_hash(citizen_id, password_hash)

    async def exists(self, citizen_id: uuid.UUID) -> bool:
        return await self._repository.find(citizen_id) is not None

    async def holds_identity(self, citizen_id: uuid.UUID, *, name: str, id_number: str) -> bool:
        """True when ``name`` and ``id_number`` are the real name this citizen registered with."""
        row = await self._repository.find(citizen_id)
        if row is None:
            return False
        try:
            name, id_number = self._parse_identity(name, id_number)
        except Invalid:
            return False
        stored_name = self._cipher.open(row.name_sealed, column=NAME)
        stored_id = self._cipher.open(row.id_number_sealed, column=ID_NUMBER)
        # Both compared, always, in constant time: the answer must not tell which one differed.
        same_name = hmac.compare_digest(stored_name.encode(), name.encode())
        same_id = hmac.compare_digest(stored_id.encode(), id_number.encode())
        return same_name and same_id

    def _parse_identity(self, name: str, id_number: str) -> tuple[str, str]:
        try:
            parsed = parse_id_number(id_number, today=self._clock.now().date()).value
        except InvalidIdNumber as exc:
            raise IdNumberInvalid(reason=exc.reason) from None
        name = name.strip()
        if not name:
            raise NameInvalid()
        return name, parsed

    async def _create(
        self, *, name: str, id_number: str, phone: str, password: str | None, client: str
    ) -> CitizenRow:
        now = self._clock.now()
        id_index = self._cipher.blind_index(id_number, column=ID_NUMBER)
        phone_index = self.phone_index(phone)
        await self._refuse_taken(id_index, phone_index)
        await self._verify_identity(name, id_number)
        password_hash = await self._passwords.hash(password) if password else None
        citizen = NewCitizen(
            id=uuid.uuid4(),
            name_sealed=self._cipher.seal(name, column=NAME),
            id_number_sealed=self._cipher.seal(id_number, column=ID_NUMBER),
            id_number_index=id_index,
            phone_sealed=self._cipher.seal(phone, column=PHONE),
            phone_index=phone_index,
            password_hash=password_hash,
            verified_at=now,
            created_at=now,
        )
        try:
            async with transaction(self._engine):
                await self._repository.add(citizen)
                await self._audit.append(
                    actor=f"citizen:{citizen.id}",
                    action="citizen.registered",
                    subject=f"citizen:{citizen.id}",
                    data={
                        "id_number": mask_id_number(id_number),
                        "phone": mask_phone(phone),
                        "password": password_hash is not None,
                        "client": client,
                    },
                    chain="auth",
                )
        except DuplicateCitizen:
            # Lost a race with a concurrent registration: answer as the pre-check would have.
            await self._refuse_taken(id_index, phone_index)
            raise AlreadyRegistered() from None
        log.info("citizen registered id=%s", citizen.id)
        return CitizenRow(
            id=citizen.id,
            name_sealed=citizen.name_sealed,
            id_number_sealed=citizen.id_number_sealed,
            phone_sealed=citizen.phone_sealed,
            password_hash=password_hash,
            verified_at=now,
            created_at=now,
        )

    async def get(self, citizen_id: uuid.UUID) -> Citizen:
        row = await self._repository.find(citizen_id)
        if row is None:
            raise CitizenNotFound()
        return self._read(row)

    def _read(self, row: CitizenRow) -> Citizen:
        return Citizen(
            id=row.id,
            name=mask_name(self._cipher.open(row.name_sealed, column=NAME)),
            id_number=mask_id_number(self._cipher.open(row.id_number_sealed, column=ID_NUMBER)),
            phone=mask_phone(self._cipher.open(row.phone_sealed, column=PHONE)),
            has_password=row.password_hash is not None,
            verified_at=row.verified_at,
            created_at=row.created_at,
        )

    async def _refuse_taken(self, id_index: str, phone_index: str) -> None:
        # Never say which phone holds the ID number: the caller proved only their own phone.
        if await self._repository.id_number_taken(id_index):
            raise AlreadyRegistered()
        if await self._repository.phone_taken(phone_index):
            raise PhoneTaken()

    async def _verify_identity(self, name: str, id_number: str) -> None:
        try:
            outcome = await self._population.verify(name=name, id_number=id_number)
        except UpstreamUnavailable as exc:
            retry = int(exc.retry_after) if exc.retry_after else 5
            raise RegistryUnavailable(retry_after=retry) from None
        except UpstreamRejected as exc:
            log.warning("population registry rejected a verification: %s", exc.code)
            raise RegistryUnavailable(retry_after=60) from None
        if outcome != "match":
            raise _IDENTITY_PROBLEMS[outcome]()
