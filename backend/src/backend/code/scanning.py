"""Scanner side, online: verify a presented code, and the revocation feed offline scanners sync.

The verify path is the feature's hot path (issue 5 §7). Per request it does, in order:
the device token from the in-memory verified-token cache (the route's guard, revocation deferred);
``Verifier.check`` with the in-memory trust list and revocation set (no database); the scene policy;
then ONE store round trip that claims the code's replay key (``SET NX``, TTL = the code's remaining
validity, city-wide) and, unless this worker already knows the device token is live
(``backend.auth.revocation``), reads its denylist entries; and an audit row appended to an
in-process buffer (``backend.code.tasks``). No database query, no database write.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Literal

import msgspec

from backend.auth.errors import TokenRevoked
from backend.auth.principal import Principal
from backend.auth.tokens import TokenService
from backend.clock import Clock
from backend.code.errors import SceneUnknown
from backend.code.policy import SCENE_POLICY, Pseudonyms
from backend.code.repository import HolderRepository, RevocationRepository
from backend.code.tasks import AuditBuffer
from backend.code.trust import CodeTrust
from backend.pagination import CursorInvalid
from backend.store import KeyValueStore, SetIfAbsent
from citizen_code import Decision, ParsedCode, Reason, Verdict

REPLAY_PREFIX = "code:replay:"


def scene_of(principal: Principal) -> str:
    """The scanner's scene, from its device token; a scanner without a known scene is no gate."""
    scene = principal.context.get("scene", "")
    if scene not in SCENE_POLICY:
        raise SceneUnknown()
    return scene


class GateDecision(msgspec.Struct, frozen=True, kw_only=True):
    """What a gate shows for one presented code. A denial is an answer, not an error."""

    decision: Literal["pass", "deny"]
    reason: str
    scene: str
    # Per scene, so two venues can't link their visitors (``backend.code.policy.Pseudonyms``).
    pseudonym: str | None = None


class RevokedCode(msgspec.Struct, frozen=True, kw_only=True):
    code_id: str
    revoked_at: datetime


class RevocationFeed(msgspec.Struct, frozen=True, kw_only=True):
    items: list[RevokedCode]
    next_cursor: str
    has_more: bool


class ScanService:
    def __init__(
        self,
        *,
        trust: CodeTrust,
        revocations: RevocationRepository,
        tokens: TokenService,
        store: KeyValueStore,
        pseudonyms: Pseudonyms,
        audit: AuditBuffer,
        clock: Clock,
        holders: HolderRepository,
    ) -> None:
        self._trust = trust
        self._revocations = revocations
        self._tokens = tokens
        self._store = store
        self._pseudonyms = pseudonyms
        self._audit = audit
        self._clock = clock
        self._holders = holders

    async def verify(self, principal: Principal, code: str) -> GateDecision:
        """Pass or deny one presented code at this scanner's scene; every answer is audited."""
        decision, _ = await self._verify(principal, code)
        return decision

    async def identify(self, principal: Principal, code: str) -> uuid.UUID | None:
        """The citizen whose code a device read at a counter or kiosk (check-in at a hall), checked
        and claimed exactly as at a gate; None when the code does not pass there."""
        decision, code_id = await self._verify(principal, code)
        if decision.decision != "pass" or code_id is None:
            return None
        return await self._holders.find_by_code_id(code_id)

    async def _verify(self, principal: Principal, code: str) -> tuple[GateDecision, str | None]:
        scene = scene_of(principal)
        verifier = await self._trust.verifier()
        now = int(self._clock.now().timestamp())
        checked = verifier.check(code, now=now)
        revocation = self._tokens.revocation_check(principal)
        denylist = revocation.keys
        claimed: str | None = None
        if isinstance(checked, ParsedCode):
            if checked.claims.status in SCENE_POLICY[scene]:
                claimed = REPLAY_PREFIX + checked.replay_key
                ttl = max(1, checked.replay_expires_at - now)
                (first,), denials = await self._store.set_if_absent_many(
                    [SetIfAbsent(claimed, b"1", ttl)], get=denylist
                )
                if not first:
                    claimed = None
                verdict = checked.accept() if first else checked.replayed()
            else:
                denials = await self._store.get_many(denylist) if denylist else []
                verdict = Verdict(Decision.DENY, Reason.RESTRICTED, checked.claims)
        else:
            denials = await self._store.get_many(denylist) if denylist else []
            verdict = checked
        if self._tokens.revoked_by(principal, revocation, denials):
            if claimed is not None:
                # A revoked scanner must not use up a citizen's code.
                await self._store.delete(claimed)
            raise TokenRevoked()
        claims = verdict.claims
        self._audit.record(
            actor=principal.subject,
            action="code.verified",
            subject=f"code:{claims.code_id}" if claims is not None else "code:unverified",
            data={
                "decision": str(verdict.decision),
                "reason": str(verdict.reason),
                "scene": scene,
                "venue": principal.context.get("venue", ""),
                "mode": str(claims.mode) if claims is not None else None,
            },
        )
        decision = GateDecision(
            decision="pass" if verdict.passed else "deny",
            reason=verdict.reason.value,
            scene=scene,
            pseudonym=self._pseudonyms.of(scene, claims.code_id) if claims is not None else None,
        )
        return decision, claims.code_id if claims is not None else None

    async def revocations(self, *, since: str | None, limit: int) -> RevocationFeed:
        """Entries after ``since`` still inside the 48 h horizon, oldest first (cursor = entry id)."""
        cursor = _cursor(since)
        not_before = self._trust.now() - self._trust.revocation_horizon
        rows = await self._revocations.after(cursor, not_before=not_before, limit=limit + 1)
        page = rows[:limit]
        return RevocationFeed(
            items=[
                RevokedCode(code_id=row.code_id, revoked_at=datetime.fromtimestamp(row.revoked_at, UTC))
                for row in page
            ],
            next_cursor=str(page[-1].id if page else cursor),
            has_more=len(rows) > limit,
        )


def _cursor(since: str | None) -> int:
    if since is None:
        return 0
    if not (since.isascii() and since.isdigit() and len(since) <= 19):
        raise CursorInvalid()
    return int(since)
