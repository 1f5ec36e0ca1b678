"""The key daily roots are signed with: made on first use (one, even when workers race: an advisory
lock on PostgreSQL, SQLite's single writer), the private half sealed by the data key, every key ever
made published at ``/api/v1/evidence/keys``."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from piccolo.engine.base import Engine

from backend.crypto import PersonalDataCipher, SealedValueCorrupt
from backend.database import transaction
from backend.evidence.repository import EvidenceRepository, KeyRow
from backend.evidence.tables import EvidenceKey
from wallet import SigningKey, jwk_thumbprint, jwks_lookup, public_jwk
from wallet.errors import InvalidKey

log = logging.getLogger("backend.evidence")


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
        # Only keys whose sealed private half opens under our data key are ours: a row written into
        # the table by anyone else (a public key of their own) is neither published nor used, and
        # each published JWK is computed from the private key, never read from the row.
        opened: list[SigningKey] = []
        for row in rows:
            try:
                pem = self._cipher.open_bytes(row.private_key, column=_column(row.kid))
                key = SigningKey.from_pem(pem, kid=row.kid)
            except (SealedValueCorrupt, InvalidKey):
                log.error("evidence key %s does not open under the data key: not published", row.kid)
                continue
            if key.kid == jwk_thumbprint(key.public_key):
                opened.append(key)
        if not opened:
            raise RuntimeError("no evidence signing key opens under the data key")
        self._signing = opened[-1]
        self._published = [public_jwk(key.public_key, kid=key.kid) for key in opened]
