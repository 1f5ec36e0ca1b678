"""The verifier registry: who may ask a citizen for licence fields, why, and exactly which.

A verifier is a registered scanner device (``backend.scanner``: its credential, token and revocation)
plus a registration here: name, kind, legal basis, purpose, the fields of each licence type it may
ask for, how long it keeps what it receives and whom to ask for deletion. A request outside the
registered set is refused before the citizen sees it.
"""

from __future__ import annotations

import uuid
from typing import Any

from piccolo.engine.base import Engine

from backend.audit.service import AuditLog
from backend.auth.principal import Principal
from backend.clock import Clock
from backend.database import transaction
from backend.licence.errors import (
    OutsidePurpose,
    RegistrationInvalid,
    VerifierExists,
    VerifierNotFound,
    VerifierSuspended,
    VerifierUnregistered,
)
from backend.licence.kinds import KINDS
from backend.licence.repository import VerifierKind, VerifierRepository, VerifierRow, serialise
from backend.scanner.service import ScannerService


def audience(verifier_id: uuid.UUID) -> str:
    """The ``aud`` a presentation to this verifier is bound to."""
    return f"urn:suqian:verifier:{verifier_id}"


def outside(allowed: dict[str, list[str]], kind_code: str, fields: list[str]) -> list[str]:
    """The requested ``type.field`` names outside ``allowed`` (empty: all inside)."""
    permitted = set(allowed.get(kind_code, ()))
    return [f"{kind_code}.{field}" for field in fields if field not in permitted] or (
        [kind_code] if kind_code not in allowed else []
    )


class VerifierRegistry:
    def __init__(
        self,
        *,
        repository: VerifierRepository,
        scanners: ScannerService,
        audit: AuditLog,
        clock: Clock,
        engine: Engine[Any],
    ) -> None:
        self._repository = repository
        self._scanners = scanners
        self._audit = audit
        self._clock = clock
        self._engine = engine

    async def register(
        self,
        *,
        device_id: uuid.UUID,
        name: str,
        kind: VerifierKind,
        legal_basis: str,
        purpose: str,
        allowed: dict[str, list[str]],
        retention_days: int,
        contact: str,
        by: Principal,
    ) -> VerifierRow:
        """Register scanner ``device_id`` as a verifier. Every field named must exist on its type:
        a registration is the legal boundary, so a typo must not silently allow nothing or more.

        Raises:
            ScannerNotFound: no such device. VerifierExists: it is registered already.
            OutsidePurpose: a type or field the catalogue does not know (``outside`` names them).
        """
        device = await self._scanners.get(device_id)
        if not allowed or not all(allowed.values()) or sum(map(len, allowed.values())) > 256:
            raise RegistrationInvalid()
        unknown = [code for code in allowed if code not in KINDS] + [
            f"{code}.{field}"
            for code, fields in allowed.items()
            if code in KINDS
            for field in fields
            if field not in KINDS[code].claims
        ]
        if unknown:
            raise OutsidePurpose(outside=unknown)
        row = VerifierRow(
            id=uuid.uuid4(),
            device_id=device.id,
            name=name,
            kind=kind,
            legal_basis=legal_basis,
            purpose=purpose,
            allowed={code: sorted(set(fields)) for code, fields in allowed.items()},
            retention_days=retention_days,
            contact=contact,
            registered_by=by.id,
            created_at=self._clock.now(),
        )
        async with transaction(self._engine):
            await serialise(self._engine, f"verifier:{device_id}")
            if await self._repository.of_device(device_id) is not None:
                raise VerifierExists()
            await self._repository.insert(row)
            await self._audit.append(
                actor=by.subject,
                action="licence.verifier_registered",
                subject=f"verifier:{row.id}",
                data={"device": str(device_id), "allowed": row.allowed},
                chain="auth",
            )
        return row

    async def get(self, verifier_id: uuid.UUID) -> VerifierRow:
        row = await self._repository.find(verifier_id)
        if row is None:
            raise VerifierNotFound()
        return row

    async def all(self) -> list[VerifierRow]:
        return await self._repository.all()

    async def suspend(self, verifier_id: uuid.UUID, *, by: Principal) -> VerifierRow:
        async with transaction(self._engine):
            if await self._repository.suspend(verifier_id, now=self._clock.now()):
                await self._audit.append(
                    actor=by.subject,
                    action="licence.verifier_suspended",
                    subject=f"verifier:{verifier_id}",
                    chain="auth",
                )
        return await self.get(verifier_id)

    async def of_device(self, device_id: uuid.UUID) -> VerifierRow:
        """The live registration of the asking device.

        Raises:
            VerifierUnregistered, VerifierSuspended.
        """
        row = await self._repository.of_device(device_id)
        if row is None:
            raise VerifierUnregistered()
        if row.suspended_at is not None:
            raise VerifierSuspended()
        return row
