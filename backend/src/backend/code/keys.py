"""Issuer keys and the trust list, persisted: the ring's lifecycle lives in ``citizen_code.KeyRing``;
this module stores it, keeps it on schedule and signs the trust list that publishes it.

Schedule (``CodeSettings``): an issuer key signs for ``key_usage_period`` (30 days); its successor
is staged ``key_prepublish`` (7 days) before that, so scanners syncing weekly already trust it when it
starts signing; a retired key stays on the trust list until its last 48 h credential has expired,
then it is deleted (``KeyRing.prune``). The trust anchor signs a new trust list (``seq`` + 1) whenever
the ring changes and at least every ``trust_list_resign`` seconds.

Every key lives in ``code_key`` with its private half sealed by the data key (the same
``PersonalDataCipher`` that seals the access-token keys), bound to its kid. Key changes happen in
one serialised transaction that re-reads the rows first, so workers racing to rotate agree on one
outcome. Private keys never reach a log line: ``IssuerKey``'s repr is its kid.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from piccolo.engine.base import Engine

from backend.audit.service import AuditLog
from backend.code.repository import KeyRepository, KeyRow, TrustListRow, serialise
from backend.code.settings import CodeSettings
from backend.crypto import PersonalDataCipher
from backend.database import transaction
from citizen_code import IssuerKey, KeyRing, RingEntry, TrustList, load_trust_list, sign_trust_list

log = logging.getLogger("backend.code.keys")

# The audit actor of scheduled key maintenance.
SCHEDULER = "system:code-keys"
ANCHOR = "anchor"
ISSUER = "issuer"


def _sealed_column(kid: str) -> str:
    # Bound to the kid: a ciphertext copied onto another key's row fails to open.
    return f"code_key.private_key:{kid}"


_Plan = Callable[[KeyRing | None], KeyRing]


@dataclass(frozen=True, slots=True)
class TrustMaterial:
    """What a worker needs to issue and verify: the ring (private keys), the anchor, the signed list."""

    ring: KeyRing
    anchor: IssuerKey
    document: bytes
    trust_list: TrustList

    @property
    def seq(self) -> int:
        return self.trust_list.sequence


def schedule(ring: KeyRing | None, *, now: int, settings: CodeSettings) -> KeyRing:
    """The ring as it should be at ``now``: started, successor staged, rotated, pruned."""
    if ring is None:
        return KeyRing.start(IssuerKey.generate(), now=now, usage_period=settings.key_usage_period)
    active = next(e for e in ring.entries if e.activated_at is not None and e.retired_at is None)
    assert active.activated_at is not None
    if ring.staged is None and now >= active.activated_at + ring.usage_period - settings.key_prepublish:
        ring = ring.stage(IssuerKey.generate(), now=now)
    if ring.due_for_rotation(now=now):
        ring = ring.rotate(now=now)
    return ring.prune(now=now)


class IssuerKeys:
    """Loads, maintains and rotates the persisted key ring and trust list."""

    def __init__(
        self,
        repository: KeyRepository,
        *,
        cipher: PersonalDataCipher,
        audit: AuditLog,
        settings: CodeSettings,
        engine: Engine[Any],
    ) -> None:
        self._repository = repository
        self._cipher = cipher
        self._audit = audit
        self._settings = settings
        self._engine = engine

    async def load(self) -> TrustMaterial | None:
        """The stored material, or None before the first ``maintain``."""
        rows = await self._repository.keys()
        latest = await self._repository.latest_trust_list()
        anchor = next((r for r in rows if r.purpose == ANCHOR), None)
        issuers = [r for r in rows if r.purpose == ISSUER]
        if anchor is None or not issuers or latest is None:
            return None
        anchor_key = self._open(anchor)
        return TrustMaterial(
            ring=KeyRing(
                [self._entry(r) for r in issuers],
                usage_period=self._settings.key_usage_period,
            ),
            anchor=anchor_key,
            document=latest.document,
            trust_list=load_trust_list(latest.document, anchor_key.public_key),
        )

    async def latest_seq(self) -> int | None:
        return await self._repository.latest_trust_list_seq()

    def due(self, material: TrustMaterial, *, now: int) -> bool:
        """Whether ``maintain`` would change anything (a cheap, in-memory check)."""
        if now - material.trust_list.issued_at >= self._settings.trust_list_resign:
            return True
        planned = schedule(material.ring, now=now, settings=self._settings)
        return _times(planned) != _times(material.ring)

    async def maintain(self, *, now: int) -> None:
        """Create, stage, rotate and prune keys as the schedule says, and re-sign the trust list."""
        await self._change(
            lambda ring: schedule(ring, now=now, settings=self._settings), now=now, actor=SCHEDULER
        )

    async def rotate_now(self, *, now: int, actor: str) -> str:
        """Emergency rotation: retire the active key now for the staged (or a fresh) one; its kid.

        Codes the old key signed stay valid until they expire; scanners that have not synced since
        the successor was published will answer ``unknown_kid`` for new codes until they do.
        """

        def rotate(ring: KeyRing | None) -> KeyRing:
            ring = schedule(ring, now=now, settings=self._settings)
            return (
                ring.rotate(now=now)
                if ring.staged is not None
                else ring.rotate(IssuerKey.generate(), now=now)
            )

        ring = await self._change(rotate, now=now, actor=actor, force=True)
        return ring.active.kid.hex()

    async def _change(self, plan: _Plan, *, now: int, actor: str, force: bool = False) -> KeyRing:
        settings = self._settings
        async with transaction(self._engine):
            await serialise(self._engine, "keys")
            rows = await self._repository.keys()
            anchor_row = next((r for r in rows if r.purpose == ANCHOR), None)
            if anchor_row is None:
                anchor = IssuerKey.generate()
                anchor_row = self._row(anchor, purpose=ANCHOR, entry=RingEntry(anchor, now, now))
                await self._repository.add(anchor_row)
                log.info("citizen code: trust anchor %s created", anchor.kid.hex())
            anchor = self._open(anchor_row)
            issuers = [r for r in rows if r.purpose == ISSUER]
            current = (
                KeyRing([self._entry(r) for r in issuers], usage_period=settings.key_usage_period)
                if issuers
                else None
            )
            ring = plan(current)
            changed = await self._store(current, ring)
            latest = await self._repository.latest_trust_list()
            if force or changed or latest is None or now - latest.issued_at >= settings.trust_list_resign:
                seq = 1 if latest is None else latest.seq + 1
                document = sign_trust_list(
                    anchor,
                    ring.trusted_keys(),
                    issuer=settings.issuer,
                    now=now,
                    sequence=seq,
                    ttl=settings.trust_list_ttl,
                )
                await self._repository.add_trust_list(
                    TrustListRow(
                        seq=seq, document=document, issued_at=now, expires_at=now + settings.trust_list_ttl
                    )
                )
                log.info("citizen code: trust list %s signed (%r)", seq, ring)
                await self._audit.append(
                    actor=actor,
                    action="code.trust_list_signed",
                    subject=f"code_trust_list:{seq}",
                    data={"keys": repr(ring), "rotated": force, "ring_changed": changed},
                    chain="code",
                )
        return ring

    async def _store(self, before: KeyRing | None, after: KeyRing) -> bool:
        old = {e.key.kid.hex(): e for e in (before.entries if before else ())}
        new = {e.key.kid.hex(): e for e in after.entries}
        for kid, entry in new.items():
            if kid not in old:
                await self._repository.add(self._row(entry.key, purpose=ISSUER, entry=entry))
                log.info("citizen code: issuer key %s created", kid)
            elif (old[kid].activated_at, old[kid].retired_at) != (entry.activated_at, entry.retired_at):
                await self._repository.set_times(
                    kid, activated_at=entry.activated_at, retired_at=entry.retired_at
                )
        gone = [kid for kid in old if kid not in new]
        await self._repository.remove(gone)
        return old.keys() != new.keys() or any(
            (old[k].activated_at, old[k].retired_at) != (new[k].activated_at, new[k].retired_at) for k in new
        )

    def _row(self, key: IssuerKey, *, purpose: str, entry: RingEntry) -> KeyRow:
        kid = key.kid.hex()
        return KeyRow(
            kid=kid,
            purpose=purpose,
            private_key=self._cipher.seal_bytes(key.to_pem(), column=_sealed_column(kid)),
            published_at=entry.published_at,
            activated_at=entry.activated_at,
            retired_at=entry.retired_at,
        )

    def _open(self, row: KeyRow) -> IssuerKey:
        key = IssuerKey.from_pem(self._cipher.open_bytes(row.private_key, column=_sealed_column(row.kid)))
        if key.kid.hex() != row.kid:
            raise ValueError(f"code_key {row.kid}: the sealed key has another kid")
        return key

    def _entry(self, row: KeyRow) -> RingEntry:
        return RingEntry(self._open(row), row.published_at, row.activated_at, row.retired_at)


def _times(ring: KeyRing) -> list[tuple[bytes, int | None, int | None]]:
    return [(e.key.kid, e.activated_at, e.retired_at) for e in ring.entries]
