"""The key daily roots are signed with: made on first use (one, even when workers race: an advisory
lock on PostgreSQL, SQLite's single writer), the private half sealed by the data key, every key ever
made published at ``/api/v1/evidence/keys``."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from piccolo.engine.base import Engine

from backend.crypto import PersonalDataCipher
from backend.database import transaction
from backend.evidence.repository import EvidenceRepository, KeyRow
from backend.evidence.tables import EvidenceKey
from wallet import SigningKey, jwks_lookup, public_jwk


def _column(kid: str) -> str:
    return f"evidence_key.private_key:{kid}"


class EvidenceKeys:
    def __init__(
        self, *, repository: EvidenceRepository, cipher: PersonalDataCipher, engine: Engine[Any]
    ) -> None:
        self._repository = repository
        self._cipher = cipher
        self._engine = engine
        self._signing: SigningKey | None = None
        self._published: list[dict[str, str]] = []

    async def signing(self, *, now: datetime) -> SigningKey:
        if self._signing is None:
            await self._load(now=now)
        assert self._signing is not None
        return self._signing

    async def jwks(self, *, now: datetime) -> dict[str, list[dict[str, str]]]:
        await self.signing(now=now)
        return {"keys": list(self._published)}

    async def lookup(self, *, now: datetime) -> dict[str, ec.EllipticCurvePublicKey]:
        return jwks_lookup(await self.jwks(now=now))

    async def _load(self, *, now: datetime) -> None:
        rows = await self._repository.keys()
        if not rows:
            async with transaction(self._engine):
                if self._engine.engine_type == "postgres":
                    await EvidenceKey.raw("SELECT pg_advisory_xact_lock(hashtext({}))", "evidence:key")
                if not await self._repository.keys():
                    key = SigningKey.generate()
                    await self._repository.insert_key(
                        KeyRow(
                            kid=key.kid,
                            private_key=self._cipher.seal_bytes(key.to_pem(), column=_column(key.kid)),
                            public_jwk=json.dumps(public_jwk(key.public_key, kid=key.kid)),
                            created_at=now,
                        )
                    )
            rows = await self._repository.keys()
        live = rows[-1]
        pem = self._cipher.open_bytes(live.private_key, column=_column(live.kid))
        self._signing = SigningKey.from_pem(pem, kid=live.kid)
        self._published = [json.loads(row.public_jwk) for row in rows]
