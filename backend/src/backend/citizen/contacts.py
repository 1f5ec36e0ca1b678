"""How to reach a citizen outside the app: their phone number, unmasked, for the SMS the notification
feature sends them (``backend.notification``). Never shown, never logged."""

from __future__ import annotations

import uuid

from backend.citizen.records import PHONE
from backend.citizen.repository import ACTIVE, CitizenRepository
from backend.crypto import PersonalDataCipher


class CitizenContacts:
    def __init__(self, *, repository: CitizenRepository, cipher: PersonalDataCipher) -> None:
        self._repository = repository
        self._cipher = cipher

    async def phone(self, citizen_id: uuid.UUID) -> str | None:
        """The active citizen's phone number; None for no such citizen or a frozen account."""
        row = await self._repository.find(citizen_id)
        if row is None or row.status != ACTIVE:
            return None
        return self._cipher.open(row.phone_sealed, column=PHONE)

    async def phones(self, citizen_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
        """``phone`` for many citizens in one query (a warning's batch); absent: none or frozen."""
        sealed = await self._repository.sealed_phones(citizen_ids)
        return {citizen_id: self._cipher.open(box, column=PHONE) for citizen_id, box in sealed.items()}
