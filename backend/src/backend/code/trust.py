"""This worker's trust material and revocation set, in memory, so the verify path never queries.

The first use loads it (creating the keys on a fresh database). After that a background task
(``backend.code.tasks``) calls ``refresh`` every ``refresh_every`` seconds: it runs key maintenance
when the schedule says so, picks up a trust list another worker signed, and appends revocations
past its cursor. A change made by this worker (a revoked device, a rotation) is applied here at
once; other workers see it within one refresh period (5 s), well inside the 15 s clock skew a
rotated key is allowed and the 60 s an online code lives.
"""

from __future__ import annotations

import asyncio

from backend.clock import Clock
from backend.code.keys import IssuerKeys, TrustMaterial
from backend.code.repository import RevocationRepository
from backend.code.settings import CodeSettings
from citizen_code import RevocationList, Verifier

_REVOCATION_PAGE = 1000


class CodeTrust:
    def __init__(
        self,
        keys: IssuerKeys,
        revocations: RevocationRepository,
        *,
        settings: CodeSettings,
        clock: Clock,
    ) -> None:
        self._keys = keys
        self._revocation_rows = revocations
        self._settings = settings
        self._clock = clock
        self._material: TrustMaterial | None = None
        self._verifier: Verifier | None = None
        self._revocations = RevocationList()
        self._cursor = 0
        self._loading = asyncio.Lock()
        # Bumped whenever the revocation set changes: caches keyed on it know they may be stale.
        self.revocations_version = 0
        # Entries seen per code id: two entries in one second still change the count.
        self._marks: dict[str, int] = {}

    def now(self) -> int:
        return int(self._clock.now().timestamp())

    @property
    def revocation_horizon(self) -> int:
        """Seconds a revocation entry matters: the longest credential, plus clock skew."""
        return self._settings.holder_ttl + 60

    @property
    def loaded(self) -> bool:
        return self._material is not None

    def revoked_at(self, code_id: str) -> int | None:
        """The newest revocation of ``code_id`` this worker knows (its own at once, others' within
        one refresh period)."""
        return self._revocations.revoked_at(code_id)

    def revocation_mark(self, code_id: str) -> int:
        """How many revocation entries of ``code_id`` this worker has seen: changes with each."""
        return self._marks.get(code_id, 0)

    async def material(self) -> TrustMaterial:
        """The ring, the anchor and the signed trust list (loaded on first use)."""
        if self._material is None:
            await self._load()
        assert self._material is not None
        return self._material

    async def verifier(self) -> Verifier:
        """The verifier over the current trust list and revocations. It denies no status itself:
        which statuses pass is the scene's policy (``backend.code.policy``)."""
        if self._verifier is None:
            await self._load()
        assert self._verifier is not None
        return self._verifier

    async def _load(self) -> None:
        async with self._loading:
            if self._material is not None:
                return
            now = self.now()
            material = await self._keys.load()
            if material is None or self._keys.due(material, now=now):
                await self._keys.maintain(now=now)
                material = await self._keys.load()
            assert material is not None
            self._verifier = Verifier(material.trust_list, deny_statuses=frozenset())
            self._material = material
            await self.refresh_revocations()

    async def refresh(self) -> None:
        """Catch up with the database: key maintenance when due, a newer trust list, revocations."""
        material = self._material
        if material is None:
            return  # nothing served yet; the first request loads
        now = self.now()
        if self._keys.due(material, now=now):
            await self._keys.maintain(now=now)
        if await self._keys.latest_seq() != material.seq:
            await self.reload_keys()
        await self.refresh_revocations()

    async def reload_keys(self) -> None:
        material = await self._keys.load()
        if material is None or self._verifier is None:
            return
        self._material = material
        self._verifier.update(trust_list=material.trust_list)

    async def refresh_revocations(self) -> None:
        """Append the entries past this worker's cursor, and forget those past the horizon."""
        not_before = self.now() - self.revocation_horizon
        added: list[tuple[str, int]] = []
        while True:
            rows = await self._revocation_rows.after(
                self._cursor, not_before=not_before, limit=_REVOCATION_PAGE
            )
            added.extend((row.code_id, row.revoked_at) for row in rows)
            if rows:
                self._cursor = rows[-1].id
            if len(rows) < _REVOCATION_PAGE:
                break
        current = RevocationList([*self._revocations, *added]) if added else self._revocations
        pruned = current.prune(older_than=not_before)
        for code_id, _ in added:
            self._marks[code_id] = self._marks.get(code_id, 0) + 1
        if len(pruned) != len(current):
            self._marks = {c: n for c, n in self._marks.items() if pruned.revoked_at(c) is not None}
        if added or len(pruned) != len(current):
            self._revocations = pruned
            self.revocations_version += 1
            if self._verifier is not None:
                self._verifier.update(revocations=pruned)
