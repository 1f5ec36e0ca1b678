"""Citizens' codes and devices, and the operator actions on them (status, key rotation).

**Revocation seconds.** Times in codes are whole seconds and an entry ``(code_id, revoked_at)`` voids
what was issued *before* ``revoked_at``. Every entry, whatever caused it, is dated ``refresh_every + 1``
seconds ahead (6 s by default; why the refresh period, below). The extra second voids a credential
issued earlier in the same second (a thief's phone renewing at the moment its owner revokes it).
Whatever we issue for that code id afterwards is dated no earlier than the newest entry, so a phone
re-enrolling within that second is not caught by it.

**One lead for every cause.** Scanners read the entries (``GET /api/v1/scanner/revocations``): a code
id and a time. A lost phone once led by 1 s and a status change by 6 s, so the offset told a gate
whether its visitor had been restricted or had lost a phone (issue 21, row 14); with one lead it
tells nothing. A device revocation loses nothing by the longer lead: the revoked key can't renew
(``DeviceRevoked``) and the sessions that could enrol another have ended.

**Sequenced, so the last change wins.** The entries of one code id are dated strictly apart: one
falling on or before the newest is moved a second past it (``RevocationRepository.add``). Each change
therefore voids everything issued before it, including a code issued under the status it replaces a
moment earlier — restrict, lift, restrict within one second leaves no "lifted" code valid. Dating
ahead of the clock costs nothing within the 15 s a gate allows an ``iat`` to lead its clock
(``citizen_code`` ``CLOCK_SKEW``); only more than ~10 changes of one citizen within a few seconds
push past it, and gates then answer ``not_yet_valid`` until the clock catches up: it fails closed.

**Status without a query.** ``issue`` runs per displayed code (bench target: ≥ 35 % of a bare
Litestar app), so a worker keeps each citizen's code id and status in memory. Every status change
writes a revocation entry dated one refresh period (+1 s) ahead, which (a) tells every worker, within
one refresh, to drop its cached status for that code id, and (b) voids whatever a worker with the old
status issued until it learned: codes asserting a stale status can't outlive the change. Entries are
also capped at ``HOLDER_CACHE_TTL``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import math
import secrets
import uuid
from datetime import UTC, datetime
from typing import Any, Literal

import anyio.to_thread
import msgspec
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from piccolo.engine.base import Engine

from backend.audit.service import AuditLog
from backend.auth.principal import Principal
from backend.auth.tokens import TokenService
from backend.citizen.errors import CitizenNotFound
from backend.citizen.service import CitizenService
from backend.clock import Clock
from backend.code.errors import (
    DeviceKeyInvalid,
    DeviceLimit,
    DeviceNotFound,
    DeviceRevoked,
    EnrolRateLimited,
    HolderConflict,
    IssueRateLimited,
)
from backend.code.keys import IssuerKeys, TrustMaterial
from backend.code.repository import DeviceRow, Holder, HolderRepository, RevocationRepository
from backend.code.settings import CodeSettings
from backend.code.throttle import IssueThrottle
from backend.code.trust import CodeTrust
from backend.database import transaction
from backend.ratelimit import RateLimit, RateLimiter
from citizen_code import (
    Status,
    generate_code_id,
    issue_code,
    issue_holder_credential,
    load_public_key,
    render_png,
    render_svg,
)
from citizen_code.errors import InvalidKey

# Enrolment signs a credential and writes rows: a phone renews every few hours, a script may not.
ENROL_PER_CITIZEN = RateLimit(EnrolRateLimited, limit=30, window=3600)
HOLDER_CACHE_SIZE = 100_000
HOLDER_CACHE_TTL = 60.0


def _at(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


class IssuedCode(msgspec.Struct, frozen=True, kw_only=True):
    """An online citizen code and its validity; show it until ``refresh_in`` seconds have passed."""

    code: str
    issued_at: datetime
    expires_at: datetime
    refresh_in: int


class Enrolment(msgspec.Struct, frozen=True, kw_only=True):
    """A registered (or renewed) phone and the holder credential it signs offline frames with."""

    device: DeviceRow
    holder_credential: str
    issued_at: datetime
    expires_at: datetime


def parse_device_key(text: str) -> ec.EllipticCurvePublicKey:
    """A P-256 public key from base64 (standard or URL-safe, padding optional): SEC1 point or SPKI."""
    try:
        raw = base64.b64decode(
            text.replace("-", "+").replace("_", "/") + "=" * (-len(text) % 4), validate=True
        )
        return load_public_key(raw)
    except (binascii.Error, ValueError, InvalidKey):
        raise DeviceKeyInvalid() from None


class CitizenCodeService:
    def __init__(
        self,
        *,
        holders: HolderRepository,
        revocations: RevocationRepository,
        citizens: CitizenService,
        keys: IssuerKeys,
        trust: CodeTrust,
        limiter: RateLimiter,
        audit: AuditLog,
        clock: Clock,
        settings: CodeSettings,
        engine: Engine[Any],
        tokens: TokenService,
    ) -> None:
        self._tokens = tokens
        self._holders = holders
        self._limiter = limiter
        self._revocations = revocations
        self._citizens = citizens
        self._keys = keys
        self._trust = trust
        self._audit = audit
        self._clock = clock
        self._settings = settings
        self._engine = engine
        # citizen id -> (holder, its revocation mark when cached, monotonic time it goes stale)
        self._cache: dict[uuid.UUID, tuple[Holder, int, float]] = {}
        # How far ahead every revocation entry is dated, whatever its cause: one refresh period, +1 for
        # the current second (see the module docstring).
        self._revocation_lead = math.ceil(settings.refresh_every) + 1
        self._issue_throttle = IssueThrottle(
            per_minute=settings.issue_per_minute,
            burst=settings.issue_burst,
            max_keys=HOLDER_CACHE_SIZE,
            monotonic=clock.monotonic,
        )

    async def cached_holder(self, citizen_id: uuid.UUID) -> Holder:
        """``holder`` from this worker's memory while no newer revocation names its code id."""
        entry = self._cache.get(citizen_id)
        if entry is not None:
            holder, mark, fresh_until = entry
            if self._clock.monotonic() < fresh_until and self._trust.revocation_mark(holder.code_id) == mark:
                return holder
        while True:
            version = self._trust.revocations_version
            holder = await self.holder(citizen_id)
            # A revocation that arrived while we read may belong to a status our read missed.
            if version == self._trust.revocations_version:
                break
        if len(self._cache) >= HOLDER_CACHE_SIZE:
            self._cache.pop(next(iter(self._cache)))
        mark = self._trust.revocation_mark(holder.code_id)
        self._cache[citizen_id] = (holder, mark, self._clock.monotonic() + HOLDER_CACHE_TTL)
        return holder

    async def holder(self, citizen_id: uuid.UUID) -> Holder:
        """The citizen's code id and status; the code id is created (random, 80 bits) on first use."""
        for _ in range(3):
            found = await self._holders.find(citizen_id)
            if found is not None:
                return found
            holder = Holder(
                citizen_id=citizen_id, code_id=generate_code_id(secrets.token_bytes(10)), status=Status.NORMAL
            )
            if await self._holders.add(holder, now=self._clock.now()):
                return holder
            # Another request created it first (or, at 2^-80 odds, the code id was taken): re-read.
        raise HolderConflict()

    async def issue(self, citizen_id: uuid.UUID) -> IssuedCode:
        """A fresh online code (60 s), asserting the citizen's current status; at most
        ``issue_per_minute`` a citizen (per worker, no I/O: ``backend.code.throttle``)."""
        wait = self._issue_throttle.take(citizen_id)
        if wait:
            raise IssueRateLimited(retry_after=math.ceil(wait))
        holder = await self.cached_holder(citizen_id)
        material = await self._trust.material()
        now = max(self._trust.now(), self._trust.revoked_at(holder.code_id) or 0)
        ttl = self._settings.online_ttl
        code = issue_code(
            material.ring.active,
            issuer=self._settings.issuer,
            subject=holder.code_id,
            now=now,
            status=Status(holder.status),
            ttl=ttl,
        )
        return IssuedCode(
            code=code, issued_at=_at(now), expires_at=_at(now + ttl), refresh_in=self._settings.refresh_in
        )

    async def render(
        self, citizen_id: uuid.UUID, *, image: Literal["png", "svg"]
    ) -> tuple[bytes, IssuedCode]:
        """A fresh code as a QR image; rendering is CPU-bound, so it runs in a worker thread."""
        code = await self.issue(citizen_id)
        if image == "png":
            return await anyio.to_thread.run_sync(render_png, code.code), code
        svg = await anyio.to_thread.run_sync(render_svg, code.code)
        return svg.encode(), code

    async def enrol(self, citizen_id: uuid.UUID, *, public_key: str, label: str) -> Enrolment:
        """Register a phone key (or renew its credential): a holder credential for at most 48 h."""
        key = parse_device_key(public_key)
        await self._limiter.hit(ENROL_PER_CITIZEN, str(citizen_id))
        spki = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        thumbprint = hashlib.sha256(spki).hexdigest()
        await self.holder(citizen_id)
        material = await self._trust.material()
        async with transaction(self._engine):
            # The row lock orders this against a status change, a revocation and a concurrent
            # enrolment, so the device limit holds and the credential asserts the current status.
            await self._holders.lock(citizen_id)
            holder = await self._holders.find(citizen_id)
            assert holder is not None
            now = max(self._trust.now(), await self._revocations.latest(holder.code_id) or 0)
            issued_at, expires_at = _at(now), _at(now + self._settings.holder_ttl)
            existing = await self._holders.find_device(citizen_id, thumbprint=thumbprint)
            if existing is not None and existing.revoked_at is not None:
                raise DeviceRevoked()
            if existing is None or existing.credential_expires_at <= issued_at:
                active = await self._holders.count_active_devices(citizen_id, now=issued_at)
                if active >= self._settings.max_devices:
                    raise DeviceLimit(limit=self._settings.max_devices)
            credential = issue_holder_credential(
                material.ring.active,
                issuer=self._settings.issuer,
                subject=holder.code_id,
                device_public_key=key,
                now=now,
                status=Status(holder.status),
                ttl=self._settings.holder_ttl,
            )
            if existing is None:
                device = DeviceRow(
                    id=uuid.uuid4(),
                    citizen_id=citizen_id,
                    key_thumbprint=thumbprint,
                    public_key=spki,
                    label=label,
                    created_at=issued_at,
                    credential_issued_at=issued_at,
                    credential_expires_at=expires_at,
                    revoked_at=None,
                )
                await self._holders.add_device(device)
            else:
                await self._holders.renew_device(existing.id, issued_at=issued_at, expires_at=expires_at)
                device = existing
            await self._audit.append(
                actor=f"citizen:{citizen_id}",
                action="code.device_enrolled" if existing is None else "code.device_renewed",
                subject=f"code_device:{device.id}",
                data={"expires_at": now + self._settings.holder_ttl, "status": holder.status},
                chain="code",
            )
        return Enrolment(
            device=device,
            holder_credential=base64.urlsafe_b64encode(credential).rstrip(b"=").decode(),
            issued_at=issued_at,
            expires_at=expires_at,
        )

    async def devices(self, citizen_id: uuid.UUID, *, include_revoked: bool) -> list[DeviceRow]:
        return await self._holders.devices(citizen_id, include_revoked=include_revoked)

    async def revoke_device(
        self, citizen_id: uuid.UUID, device_id: uuid.UUID, *, reported_from: str | None
    ) -> None:
        """Revoke a lost phone. The entry voids every credential of the citizen's code id issued
        before now (the library revokes by code id), so the citizen's other phones renew theirs by
        enrolling their key again; repeating a revocation is harmless. Every session but the one
        reporting the loss (``reported_from``) ends too: the lost phone's app session could otherwise
        enrol a fresh key for whoever holds it."""
        holder = await self.holder(citizen_id)
        now = self._trust.now()
        async with transaction(self._engine):
            await self._holders.lock(citizen_id)
            revoked = await self._holders.revoke_device(citizen_id, device_id, now=_at(now))
            if revoked:
                await self._revocations.add(
                    holder.code_id, revoked_at=now + self._revocation_lead, reason="device_revoked"
                )
                await self._audit.append(
                    actor=f"citizen:{citizen_id}",
                    action="code.device_revoked",
                    subject=f"code_device:{device_id}",
                    chain="code",
                )
        if not revoked:
            if not await self._holders.owns_device(citizen_id, device_id):
                raise DeviceNotFound()
            return
        await self._tokens.end_other_sessions("citizen", citizen_id, keep_session=reported_from)
        await self._trust.refresh_revocations()

    async def set_status(self, citizen_id: uuid.UUID, status: Status, *, by: Principal) -> None:
        """An operator restricts (or clears) a citizen. The revocation entry it writes voids the
        credentials asserting the old status, online and offline (see the module docstring)."""
        if not await self._citizens.exists(citizen_id):
            raise CitizenNotFound()
        await self.holder(citizen_id)
        now = self._trust.now()
        async with transaction(self._engine):
            await self._holders.lock(citizen_id)
            holder = await self._holders.find(citizen_id)
            assert holder is not None
            previous = await self._holders.set_status(citizen_id, status)
            if previous == status:
                return
            await self._revocations.add(
                holder.code_id, revoked_at=now + self._revocation_lead, reason=f"status:{status}"
            )
            await self._audit.append(
                actor=by.subject,
                action="code.status_changed",
                subject=f"citizen:{citizen_id}",
                data={"from": previous, "to": str(status)},
                chain="code",
            )
        await self._trust.refresh_revocations()

    async def suspend(self, citizen_id: uuid.UUID, *, actor: str, reason: str) -> None:
        """Revoke every device of a citizen and restrict their holder (an account frozen by a reclaim):
        one revocation entry, dated like a status change's, voids every credential of the code id the
        old status or a revoked device could still show, online and offline. Safe to repeat."""
        holder = await self.holder(citizen_id)
        now = self._trust.now()
        async with transaction(self._engine):
            await self._holders.lock(citizen_id)
            devices = await self._holders.revoke_all_devices(citizen_id, now=_at(now))
            previous = await self._holders.set_status(citizen_id, Status.RESTRICTED)
            revoked_at = now + math.ceil(self._settings.refresh_every) + 1
            await self._revocations.add(holder.code_id, revoked_at=revoked_at, reason=f"suspended:{reason}")
            await self._audit.append(
                actor=actor,
                action="code.holder_suspended",
                subject=f"citizen:{citizen_id}",
                data={"devices_revoked": devices, "from": previous, "reason": reason},
                chain="code",
            )
        await self._trust.refresh_revocations()

    async def key_ring(self) -> TrustMaterial:
        return await self._trust.material()

    async def rotate_keys(self, *, by: Principal) -> str:
        """Emergency rotation (scheduled rotation needs no call); the new active kid."""
        kid = await self._keys.rotate_now(now=self._trust.now(), actor=by.subject)
        await self._trust.reload_keys()
        return kid
