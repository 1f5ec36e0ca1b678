"""Visitors: the citizen themselves (their verified identity, taken from the citizen feature) or a
companion they add with a name and an ID number. Both are sealed like the citizen's own record and
indexed by a blind index of the ID number, which is what the one-ticket-per-ID-a-day limit keys on."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from backend.citizen.service import CitizenService
from backend.clock import Clock
from backend.crypto import PersonalDataCipher
from backend.database import UniqueViolation
from backend.observability.masking import mask_id_number
from backend.tourism.errors import IdNumberInvalid, VisitorExists, VisitorInUse, VisitorNotFound
from backend.tourism.model import BEIJING, Visitor, VisitorKey
from backend.tourism.repository.catalogue import CatalogueRepository, VisitorRow
from backend.tourism.repository.sales import SalesRepository
from integrations import InvalidIdNumber, mask_name
from integrations.idnumber import parse_id_number

NAME, ID_NUMBER = "tourism.visitor.name", "tourism.visitor.id_number"


class VisitorService:
    def __init__(
        self,
        *,
        repository: CatalogueRepository,
        sales: SalesRepository,
        citizens: CitizenService,
        cipher: PersonalDataCipher,
        clock: Clock,
    ) -> None:
        self._repository = repository
        self._sales = sales
        self._citizens = citizens
        self._cipher = cipher
        self._clock = clock

    def index(self, id_number: str) -> str:
        return self._cipher.blind_index(id_number.upper(), column=ID_NUMBER)

    async def add(self, citizen_id: uuid.UUID, *, name: str, id_number: str) -> Visitor:
        """A companion: the ID number must be valid (GB 11643 check digit, a real birth date)."""
        try:
            parsed = parse_id_number(id_number, today=self._clock.now().astimezone(BEIJING).date())
        except InvalidIdNumber:
            raise IdNumberInvalid() from None
        return await self._add(citizen_id, name=name, id_number=parsed.value, is_self=False)

    async def add_self(self, citizen_id: uuid.UUID) -> Visitor:
        """The citizen themselves, from their verified identity."""
        real = await self._citizens.real_identity(citizen_id)
        return await self._add(citizen_id, name=real.name, id_number=real.id_number, is_self=True)

    async def _add(self, citizen_id: uuid.UUID, *, name: str, id_number: str, is_self: bool) -> Visitor:
        row = VisitorRow(
            id=uuid.uuid4(),
            citizen_id=citizen_id,
            name_sealed=self._cipher.seal(name, column=NAME),
            id_number_sealed=self._cipher.seal(id_number, column=ID_NUMBER),
            id_index=self.index(id_number),
            is_self=is_self,
            created_at=self._clock.now(),
        )
        with UniqueViolation(raise_as=VisitorExists):
            await self._repository.add_visitor(row)
        return self._masked(row)

    def _masked(self, row: VisitorRow) -> Visitor:
        return Visitor(
            id=row.id,
            name=mask_name(self._cipher.open(row.name_sealed, column=NAME)),
            id_number=mask_id_number(self._cipher.open(row.id_number_sealed, column=ID_NUMBER)),
            is_self=row.is_self,
            created_at=row.created_at,
        )

    async def list(self, citizen_id: uuid.UUID) -> list[Visitor]:
        return [self._masked(row) for row in await self._repository.visitors(citizen_id)]

    async def remove(self, citizen_id: uuid.UUID, visitor_id: uuid.UUID) -> None:
        if not await self._repository.find_visitors(citizen_id, [visitor_id]):
            raise VisitorNotFound()
        if await self._sales.live_tickets_of_visitor(visitor_id):
            raise VisitorInUse()
        await self._repository.remove_visitor(citizen_id, visitor_id)

    async def keys(
        self, citizen_id: uuid.UUID, visitor_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, VisitorKey]:
        """The citizen's visitors among ``visitor_ids`` (others are simply absent)."""
        keys = {}
        for visitor_id, index, sealed in await self._repository.visitor_keys(citizen_id, visitor_ids):
            born = parse_id_number(self._cipher.open(sealed, column=ID_NUMBER)).birth_date
            keys[visitor_id] = VisitorKey(id=visitor_id, id_index=index, born=born)
        return keys
