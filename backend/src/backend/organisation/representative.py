"""``Representatives``: who represents an organisation is the legal-person registry's word, asked at
the claim, again whenever an acting-as token is taken, and daily for every represented organisation.

When the registry names someone else (a change of legal representative, 法定代表人变更), the claim
ends: the representative is cleared and every grant of the organisation (theirs and the agents' they
gave) is revoked and audited with the reason, so acting-as tokens are refused at their next use (the
guard reads grants live); the person the registry names can then claim it and takes it over with the
organisation's history. Only a definite "not this person" ends anything: an outage, or a registry
that no longer knows the code, leaves the claim standing and the check is tried again later.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any

from piccolo.engine.base import Engine

from backend.audit.service import AuditLog
from backend.auth.principal import AGENT_SCOPES
from backend.citizen.errors import CitizenNotFound
from backend.citizen.service import CitizenService
from backend.clock import Clock
from backend.database import UniqueViolation, transaction
from backend.organisation.errors import (
    AlreadyClaimed,
    CreditCodeInvalid,
    NotActive,
    NotRegistered,
    RegistryUnavailable,
    RepresentativeMismatch,
)
from backend.organisation.repository import NOBODY, GrantRow, OrganisationRepository, OrganisationRow
from integrations import UpstreamRejected, UpstreamUnavailable, is_valid_credit_code
from integrations.legalperson import LegalPersonClient, Organisation

log = logging.getLogger("backend.organisation")

# What an agent may be authorised to do as the organisation (``backend.auth.principal``: file
# applications and their materials, pay its orders, see its licences); the representative holds all.
SCOPES: tuple[str, ...] = AGENT_SCOPES
CHAIN = "organisation"
# A representative is asked about again daily: a change at the registry (which market regulation
# records within days of the shareholders' decision) ends the old claim within a day at most, and at
# once for whoever takes an acting-as token.
RECHECK = timedelta(days=1)
# An acting-as token taken within this long of the registry's last yes is not asked about again: one
# registry call per organisation per 5 minutes however often its agents take tokens (a loop of them
# would otherwise spend the registry's quota and trip its breaker for the whole city's claims).
FRESH = timedelta(minutes=5)
# A check the registry could not answer (or a worker that stopped mid-check) is tried again after this.
RETRY = timedelta(minutes=15)
ENDED = "the legal-person registry no longer names them the legal representative"


class Representatives:
    def __init__(
        self,
        *,
        repository: OrganisationRepository,
        citizens: CitizenService,
        registry: LegalPersonClient,
        audit: AuditLog,
        clock: Clock,
        engine: Engine[Any],
    ) -> None:
        self._repository = repository
        self._citizens = citizens
        self._registry = registry
        self._audit = audit
        self._clock = clock
        self._engine = engine

    async def claim(self, citizen_id: uuid.UUID, credit_code: str, *, actor: str) -> OrganisationRow:
        """The citizen claims the organisation as its legal representative: the registry must name
        their verified identity. Claiming one's own organisation again answers it unchanged; claiming
        one another account represented takes it over (the registry names this citizen, so not them):
        their claim ends as if the daily re-check had found it.

        Raises:
            CreditCodeInvalid, NotRegistered, NotActive, RepresentativeMismatch, AlreadyClaimed (another
            claimant won a race), RegistryUnavailable, CitizenNotFound.
        """
        code = credit_code.strip().upper()
        if not is_valid_credit_code(code):
            raise CreditCodeInvalid()
        registered = await self._registered(code)
        identity = await self._citizens.real_identity(citizen_id)
        try:
            match = await self._registry.is_representative(
                code, name=identity.name, id_number=identity.id_number
            )
        except UpstreamUnavailable as exc:
            raise RegistryUnavailable(retry_after=int(exc.retry_after or 5)) from exc
        except UpstreamRejected:
            match = False  # the registry no longer knows the code or the person: no match, nothing said
        if not match:
            await self._audit.append(
                actor=actor, action="organisation.claim_refused", subject=f"organisation-code:{code}",
                chain=CHAIN,
            )  # fmt: skip
            raise RepresentativeMismatch()
        existing = await self._repository.find_by_code(code)
        if existing is not None and existing.representative_id == citizen_id:
            return existing
        now = self._clock.now()
        row = existing or OrganisationRow(
            id=uuid.uuid4(), credit_code=code, name=registered.name, kind=registered.kind,
            representative_id=citizen_id, claimed_at=now, recheck_at=now + RECHECK,
        )  # fmt: skip
        grant = GrantRow(
            id=uuid.uuid4(), organisation_id=row.id, citizen_id=citizen_id, role="representative",
            scopes=" ".join(SCOPES), expires_at=None, revoked_at=None, granted_by=citizen_id, created_at=now,
        )  # fmt: skip
        data: dict[str, Any] = {"credit_code": code, "kind": row.kind}
        with UniqueViolation(raise_as=AlreadyClaimed):
            async with transaction(self._engine):
                if existing is None:
                    await self._repository.insert(row)
                else:
                    taken = await self._repository.take_over(
                        row.id, previous=existing.representative_id, representative=citizen_id, now=now,
                        recheck_at=now + RECHECK,
                    )  # fmt: skip
                    if not taken:
                        raise AlreadyClaimed()
                    await self._ended(existing, actor=actor, checked="claim")
                    if existing.representative_id != NOBODY:
                        data["took_over_from"] = f"citizen:{existing.representative_id}"
                await self._repository.add_grant(grant)
                await self._audit.append(
                    actor=actor, action="organisation.claimed", subject=f"organisation:{row.id}", data=data,
                    chain=CHAIN,
                )  # fmt: skip
        return row if existing is None else (await self._repository.find(row.id) or row)

    async def _registered(self, code: str) -> Organisation:
        try:
            registered = await self._registry.find_organisation(code)
        except UpstreamRejected as exc:
            raise NotRegistered() from exc
        except UpstreamUnavailable as exc:
            raise RegistryUnavailable(retry_after=int(exc.retry_after or 5)) from exc
        if registered.status != "active":
            raise NotActive()
        return registered

    async def confirm(self, row: OrganisationRow, *, checked: str) -> bool | None:
        """Ask the registry whether the organisation's representative still is: True (the next
        re-check is a day away), False (it named someone else: the claim ended here), or None (no
        answer: nothing changed, ask again later). ``checked``: what asked (for the audit)."""
        if row.representative_id == NOBODY:
            return False
        now = self._clock.now()
        if checked == "acting" and row.recheck_at is not None and row.recheck_at - RECHECK > now - FRESH:
            return True  # the registry said yes under FRESH ago
        verdict = await self._verdict(row)
        if verdict is True:
            await self._repository.schedule(row.id, representative=row.representative_id, at=now + RECHECK)
        elif verdict is False:
            async with transaction(self._engine):
                if await self._repository.release(row.id, representative=row.representative_id):
                    await self._ended(row, actor="system", checked=checked)
        return verdict

    async def _verdict(self, row: OrganisationRow) -> bool | None:
        try:
            identity = await self._citizens.real_identity(row.representative_id)
        except CitizenNotFound:
            return None  # the account is closing; its closure deletes the claim
        try:
            return await self._registry.is_representative(
                row.credit_code, name=identity.name, id_number=identity.id_number
            )
        except UpstreamUnavailable:
            log.warning("representative re-check deferred: legal-person registry unavailable")
        except UpstreamRejected as exc:
            # Not knowing the code says nothing about the person: never a reason to end a claim.
            log.warning("representative re-check: registry refused (%s)", exc)
        return None

    async def _ended(self, row: OrganisationRow, *, actor: str, checked: str) -> None:
        """Within the caller's transaction: revoke every grant of the organisation and audit why."""
        ended = await self._repository.end_grants(row.id, now=self._clock.now())
        subject = f"organisation:{row.id}"
        if row.representative_id != NOBODY:
            await self._audit.append(
                actor=actor, action="organisation.claim_ended", subject=subject, chain=CHAIN,
                data={"representative": f"citizen:{row.representative_id}", "reason": ENDED,
                      "checked": checked, "grants": [str(g.id) for g in ended]},
            )  # fmt: skip
        for grant in ended:
            await self._audit.append(
                actor=actor, action="organisation.grant_ended", subject=subject, chain=CHAIN,
                data={"grant": str(grant.id), "holder": f"citizen:{grant.citizen_id}", "role": grant.role,
                      "reason": ENDED},
            )  # fmt: skip

    async def recheck_due(self, *, limit: int = 100) -> int:
        """The periodic re-check: ask the registry about up to ``limit`` organisations due (each taken
        by one worker: a conditional UPDATE leases it for ``RETRY``, which is also when an
        unanswered check is tried again). How many were asked."""
        now = self._clock.now()
        asked = 0
        for due in await self._repository.due(now=now, limit=limit):
            row = await self._repository.lease(due.id, now=now, until=now + RETRY)
            if row is None:
                continue
            await self.confirm(row, checked="daily")
            asked += 1
        return asked
