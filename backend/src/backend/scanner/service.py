"""Registering, listing and revoking scanner devices, and trading a device credential for a token."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import uuid
from datetime import datetime
from typing import Any

from piccolo.engine.base import Engine

from backend.audit.service import AuditLog
from backend.auth.principal import Principal
from backend.auth.tokens import AccessToken, TokenService
from backend.clock import Clock
from backend.database import transaction
from backend.pagination import decode_cursor, encode_cursor
from backend.ratelimit import RateLimit, RateLimiter
from backend.scanner.errors import CredentialsInvalid, ScannerNotFound, TokenThrottled
from backend.scanner.repository import DeviceRow, ScannerRepository
from backend.scanner.scenes import Scene

log = logging.getLogger("backend.scanner")

DEVICE_SCOPE = "scanner"
# 10 min: a gate re-presents its credential often, so a stolen token is short-lived even before the
# revocation denylist (which ends outstanding tokens at once) is consulted.
DEVICE_TOKEN_TTL = 600
DEVICE_CLIENT_ID = "scanner"
# A device needs one exchange per token lifetime; 10 a minute leaves room for restarts and retries.
TOKEN_PER_DEVICE = RateLimit(TokenThrottled, limit=10, window=60)


def credential_hash(credential: str) -> str:
    # 256 random bits need no slow hash; SHA-256 keeps a database leak from yielding credentials.
    return hashlib.sha256(credential.encode()).hexdigest()


class ScannerService:
    """Operators register and revoke devices; devices authenticate with their credential."""

    def __init__(
        self,
        *,
        repository: ScannerRepository,
        tokens: TokenService,
        limiter: RateLimiter,
        audit: AuditLog,
        clock: Clock,
        engine: Engine[Any],
    ) -> None:
        self._repository = repository
        self._tokens = tokens
        self._limiter = limiter
        self._audit = audit
        self._clock = clock
        self._engine = engine

    async def register(self, *, scene: Scene, venue: str, by: Principal) -> tuple[DeviceRow, str]:
        """A new device and its credential; the credential is returned here once and never again."""
        credential = secrets.token_urlsafe(32)
        async with transaction(self._engine):
            row = await self._repository.create(
                scene=scene,
                venue=venue,
                credential_hash=credential_hash(credential),
                registered_by=by.id,
                now=self._clock.now(),
            )
            await self._audit.append(
                actor=by.subject,
                action="scanner.registered",
                subject=f"device:{row.id}",
                data={"scene": scene, "venue": venue},
                chain="auth",
            )
        return row, credential

    async def list(
        self, *, cursor: str | None, limit: int, include_revoked: bool
    ) -> tuple[list[DeviceRow], str | None]:
        after = decode_cursor(cursor, tuple[datetime, uuid.UUID]) if cursor else None
        rows = await self._repository.list(after=after, limit=limit + 1, include_revoked=include_revoked)
        page = rows[:limit]
        return page, encode_cursor(page[-1].created_at, page[-1].id) if len(rows) > limit else None

    async def get(self, device_id: uuid.UUID) -> DeviceRow:
        row = await self._repository.find(device_id)
        if row is None:
            raise ScannerNotFound()
        return row

    async def revoke(self, device_id: uuid.UUID, *, by: Principal) -> None:
        """Take a device out of service for good and end its outstanding tokens now. Repeating it is
        harmless, and repeats the denylist entry in case the first attempt lost the store."""
        async with transaction(self._engine):
            revoked = await self._repository.revoke(device_id, by=by.id, now=self._clock.now())
            if revoked:
                await self._audit.append(
                    actor=by.subject, action="scanner.revoked", subject=f"device:{device_id}", chain="auth"
                )
        if not revoked:
            await self.get(device_id)
        await self._tokens.revoke_subject("device", device_id)

    async def exchange(self, device_id: uuid.UUID, credential: str) -> tuple[AccessToken, DeviceRow]:
        """A short-lived device token carrying the device's scene and venue, for a valid credential
        of a live device. Unknown device, revoked device and wrong credential get the same answer."""
        await self._limiter.hit(TOKEN_PER_DEVICE, str(device_id))
        row = await self._repository.find(device_id)
        presented = credential_hash(credential)
        if (
            row is None
            or row.revoked_at is not None
            or not hmac.compare_digest(row.credential_hash, presented)
        ):
            # Logged, not audited: unauthenticated callers must not be able to grow the audit chain.
            log.info(
                "scanner token refused: device=%s reason=%s",
                device_id,
                "unknown" if row is None else "revoked" if row.revoked_at else "credential",
            )
            raise CredentialsInvalid()
        token = await self._tokens.issue_access(
            "device",
            row.id,
            scopes=(DEVICE_SCOPE,),
            client_id=DEVICE_CLIENT_ID,
            ttl=DEVICE_TOKEN_TTL,
            context={"scene": row.scene, "venue": row.venue},
        )
        return token, row
