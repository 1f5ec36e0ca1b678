"""The licence feature's signing keys, persisted in ``licence_key`` with private halves sealed by the
data key (bound to their kid, like the code feature's keys).

- **Issuer key**: signs credentials, status lists and disclosure-log heads. One is made on first
  use; every worker loads the same row (a unique primary key decides which of two racing workers'
  keys wins). Published at ``/.well-known/jwt-vc-issuer``. Rotation is not scheduled yet: older
  keys stay published while any row names them (see the README).
- **Holder keys**: the cloud wallet's key per citizen, which a presentation's KB-JWT is signed with
  only when its signed-in owner consents (research/wallet.md §5.1.3). Made on the first issuance.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from piccolo.engine.base import Engine

from backend.crypto import PersonalDataCipher
from backend.database import UniqueViolation, transaction
from backend.licence.repository import KeyRepository, KeyRow, serialise
from wallet import SigningKey, jwks, public_jwk


def _column(kid: str) -> str:
    return f"licence_key.private_key:{kid}"


class LicenceKeys:
    def __init__(self, *, repository: KeyRepository, cipher: PersonalDataCipher, engine: Engine[Any]) -> None:
        self._repository = repository
        self._cipher = cipher
        self._engine = engine
        self._issuer: SigningKey | None = None
        self._published: dict[str, ec.EllipticCurvePublicKey] = {}

    async def issuer(self, *, now: datetime) -> SigningKey:
        """The live issuer key, made on first use."""
        if self._issuer is None:
            await self._load(now=now)
        assert self._issuer is not None
        return self._issuer

    async def _load(self, *, now: datetime) -> None:
        rows = await self._repository.issuer_keys()
        if not rows:
            key = SigningKey.generate()
            async with transaction(self._engine):
                await serialise(self._engine, "issuer-key")
                if not await self._repository.issuer_keys():
                    await self._repository.insert(self._row(key, purpose="issuer", citizen_id=None, now=now))
            rows = await self._repository.issuer_keys()
        live = [r for r in rows if r.retired_at is None]
        self._issuer = self._open(live[0] if live else rows[-1])
        self._published = {row.kid: self._open(row).public_key for row in rows}

    async def lookup(self, *, now: datetime) -> dict[str, ec.EllipticCurvePublicKey]:
        """Every published issuer key by kid."""
        await self.issuer(now=now)
        return dict(self._published)

    async def jwks(self, *, now: datetime) -> dict[str, list[dict[str, str]]]:
        return jwks((await self.lookup(now=now)).values())

    async def holder(self, citizen_id: uuid.UUID, *, now: datetime) -> SigningKey:
        """The citizen's holder key, made on first use (a racing second maker loses to the first)."""
        row = await self._repository.holder_key(citizen_id)
        if row is None:
            key = SigningKey.generate()
            with UniqueViolation():
                async with transaction(self._engine):
                    await serialise(self._engine, f"holder:{citizen_id}")
                    if await self._repository.holder_key(citizen_id) is None:
                        await self._repository.insert(
                            self._row(key, purpose="holder", citizen_id=citizen_id, now=now)
                        )
            row = await self._repository.holder_key(citizen_id)
            assert row is not None
        return self._open(row)

    def _row(self, key: SigningKey, *, purpose: str, citizen_id: uuid.UUID | None, now: datetime) -> KeyRow:
        sealed = self._cipher.seal_bytes(key.to_pem(), column=_column(key.kid))
        return KeyRow(
            kid=key.kid,
            purpose=purpose,
            citizen_id=citizen_id,
            private_key=sealed,
            public_jwk=public_jwk(key.public_key, kid=key.kid),
            created_at=now,
        )

    def _open(self, row: KeyRow) -> SigningKey:
        return SigningKey.from_pem(
            self._cipher.open_bytes(row.private_key, column=_column(row.kid)), kid=row.kid
        )
