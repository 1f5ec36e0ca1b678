"""Scanner side, offline: a scanner that verified codes without a network uploads its scan log, and
the backend looks for clones across scanners (research/citizen_code.md §5.3, replay (3)).

Each uploaded code is checked as of its ``scanned_at`` with the current trust list, ignoring
revocations and scene policy (the gate already decided; the question here is only "was this a
genuine code then"). Genuine ones are compared with every stored scan:

- ``frame_reused``: the same frame or online code (its replay key) at another scanner: a screenshot
  used twice, which an offline gate can't see on its own.
- ``credential_cloned``: the same holder credential at another venue within ``clone_window``
  seconds: one phone's key in two places at once.

Flags are stored (``code_scan_flag``), audited, and listed in the answer. Re-uploading a log is
harmless: a (device, code) pair is stored once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Literal

import anyio.to_thread
import msgspec
from piccolo.engine.base import Engine

from backend.audit.chain import NewEntry
from backend.audit.service import AuditLog
from backend.auth.principal import Principal
from backend.clock import Clock
from backend.code.errors import ScanTimeInvalid
from backend.code.policy import Pseudonyms
from backend.code.repository import NewScan, ScanRepository, ScanRow
from backend.code.scanning import scene_of
from backend.code.settings import CodeSettings
from backend.code.trust import CodeTrust
from backend.database import transaction
from citizen_code import Mode, ParsedCode, Verdict, Verifier

# A scanner's clock may run a little fast; a scan "from the future" beyond this is refused.
FUTURE_SKEW = timedelta(minutes=5)


def _check_all(verifier: Verifier, scans: Sequence[tuple[str, int]]) -> list[Verdict | ParsedCode]:
    return [verifier.check(code, now=scanned_at) for code, scanned_at in scans]


def _credential(parsed: ParsedCode) -> str | None:
    """Which holder credential a device frame embeds: issuer key, code id and its validity."""
    claims = parsed.claims
    if claims.mode is not Mode.DEVICE:
        return None
    return f"{claims.code_id}:{claims.kid.hex()}:{claims.credential_issued_at}:{claims.expires_at}"


class OfflineScan(msgspec.Struct, frozen=True, kw_only=True):
    """A code an offline scanner read, and when (its own clock; checked against ours on upload)."""

    code: str
    scanned_at: datetime


class Clone(msgspec.Struct, frozen=True, kw_only=True):
    """One credential (or one frame) seen at two places within the clone window."""

    kind: Literal["frame_reused", "credential_cloned"]
    pseudonym: str
    scanned_at: datetime
    other_scene: str
    other_venue: str
    other_scanned_at: datetime


class FlaggedClone(msgspec.Struct, frozen=True, kw_only=True):
    """A stored flag, as operators review it: both scans, where and when."""

    id: int
    kind: Literal["frame_reused", "credential_cloned"]
    code_id: str
    flagged_at: datetime
    scene: str
    venue: str
    scanned_at: datetime
    other_scene: str
    other_venue: str
    other_scanned_at: datetime


class ScanReport(msgspec.Struct, frozen=True, kw_only=True):
    received: int
    stored: int
    flags: list[Clone]


class ScanUploads:
    def __init__(
        self,
        *,
        trust: CodeTrust,
        scans: ScanRepository,
        pseudonyms: Pseudonyms,
        audit: AuditLog,
        clock: Clock,
        settings: CodeSettings,
        engine: Engine[Any],
    ) -> None:
        self._trust = trust
        self._scans = scans
        self._pseudonyms = pseudonyms
        self._audit = audit
        self._clock = clock
        self._settings = settings
        self._engine = engine

    async def upload(self, principal: Principal, uploads: Sequence[OfflineScan]) -> ScanReport:
        scene = scene_of(principal)
        venue = principal.context.get("venue", "")
        now = self._clock.now()
        if any(upload.scanned_at > now + FUTURE_SKEW for upload in uploads):
            raise ScanTimeInvalid()
        unique = {hashlib.sha256(u.code.encode()).hexdigest(): u for u in uploads}
        material = await self._trust.material()
        # Its own verifier: this one runs in a worker thread, and with no revocations or policy.
        verifier = Verifier(material.trust_list, deny_statuses=frozenset())
        checked = await anyio.to_thread.run_sync(
            _check_all, verifier, [(u.code, int(u.scanned_at.timestamp())) for u in unique.values()]
        )
        new_scans = []
        for (code_hash, upload), result in zip(unique.items(), checked, strict=True):
            parsed = result if isinstance(result, ParsedCode) else None
            claims = result.claims
            new_scans.append(
                NewScan(
                    device_id=principal.id,
                    scene=scene,
                    venue=venue,
                    code_hash=code_hash,
                    code_id=claims.code_id if claims is not None else None,
                    replay_key=parsed.replay_key if parsed is not None else None,
                    credential=_credential(parsed) if parsed is not None else None,
                    reason="ok" if parsed is not None else str(result.reason),  # type: ignore[union-attr]
                    scanned_at=upload.scanned_at,
                    uploaded_at=now,
                )
            )
        async with transaction(self._engine):
            stored = await self._scans.add_new(new_scans)
            pairs = await self._find_clones(stored)
            await self._scans.add_flags(
                [(kind, scan.code_id or "", scan.id, other.id) for kind, scan, other in pairs], now=now
            )
            await self._audit.append_many(
                "code",
                [
                    NewEntry(
                        occurred_at=now,
                        actor=principal.subject,
                        action="code.scans_uploaded",
                        subject=principal.subject,
                        data={"received": len(uploads), "stored": len(stored), "flags": len(pairs)},
                    ),
                    *(
                        NewEntry(
                            occurred_at=now,
                            actor=principal.subject,
                            action="code.clone_flagged",
                            subject=f"code:{scan.code_id}",
                            data={"kind": kind, "scan": scan.id, "other_scan": other.id},
                        )
                        for kind, scan, other in pairs
                    ),
                ],
            )
        return ScanReport(
            received=len(uploads),
            stored=len(stored),
            flags=[
                Clone(
                    kind=kind,  # type: ignore[arg-type]
                    pseudonym=self._pseudonyms.of(scene, scan.code_id or ""),
                    scanned_at=scan.scanned_at,
                    other_scene=other.scene,
                    other_venue=other.venue,
                    other_scanned_at=other.scanned_at,
                )
                for kind, scan, other in pairs
            ],
        )

    async def flagged(self, *, limit: int) -> list[FlaggedClone]:
        """The clones uploads flagged, newest first (what ``code.clone_flagged`` audited)."""
        flagged = []
        for flag_id, kind, code_id, at, scan, other in await self._scans.flags(limit=limit):
            flagged.append(
                FlaggedClone(
                    id=flag_id,
                    kind=kind,  # type: ignore[arg-type]
                    code_id=code_id,
                    flagged_at=at,
                    scene=scan.scene,
                    venue=scan.venue,
                    scanned_at=scan.scanned_at,
                    other_scene=other.scene,
                    other_venue=other.venue,
                    other_scanned_at=other.scanned_at,
                )
            )
        return flagged

    async def _find_clones(self, stored: Sequence[ScanRow]) -> list[tuple[str, ScanRow, ScanRow]]:
        """``(kind, new scan, earlier scan)`` for each new genuine scan seen elsewhere too."""
        genuine = [scan for scan in stored if scan.replay_key is not None]
        if not genuine:
            return []
        ids = [scan.id for scan in stored]
        window = timedelta(seconds=self._settings.clone_window)
        frames = await self._scans.same_frame([s.replay_key for s in genuine if s.replay_key], exclude=ids)
        devices = [s for s in genuine if s.credential is not None]
        credentials = (
            await self._scans.same_credential(
                [s.credential for s in devices if s.credential],
                since=min(s.scanned_at for s in devices) - window,
                until=max(s.scanned_at for s in devices) + window,
                exclude=ids,
            )
            if devices
            else []
        )
        pairs: list[tuple[str, ScanRow, ScanRow]] = []
        for scan in genuine:
            other = _first(
                o for o in frames if o.replay_key == scan.replay_key and o.device_id != scan.device_id
            )
            if other is not None:
                pairs.append(("frame_reused", scan, other))
            if scan.credential is None:
                continue
            other = _first(
                o
                for o in credentials
                if o.credential == scan.credential
                and o.venue != scan.venue
                and abs(o.scanned_at - scan.scanned_at) <= window
            )
            if other is not None:
                pairs.append(("credential_cloned", scan, other))
        return pairs


def _first(candidates: Any) -> ScanRow | None:
    found: list[ScanRow] = sorted(candidates, key=lambda o: o.scanned_at)
    return found[0] if found else None
