"""``OrganisationService``: organisations claimed by their legal representative (matched in the
legal-person registry by the citizen's verified identity: ``Representatives``), the agents (经办人)
the representative authorises with scopes and an expiry, and the acting-as tokens a citizen takes to
act for one, whose authorisation is read again at every use (``check_acting``, called by the auth
guard)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from piccolo.engine.base import Engine

from backend.audit.service import AuditLog
from backend.auth.errors import ActingEnded, ActingOutOfScope
from backend.auth.principal import (
    ACTING_GRANT,
    ACTING_ORGANISATION,
    CITIZEN_SCOPES,
    Principal,
)
from backend.auth.tokens import AccessToken, TokenService
from backend.citizen.service import CitizenService
from backend.clock import Clock
from backend.database import UniqueViolation, transaction
from backend.organisation.errors import (
    AgentNotFound,
    AlreadyAuthorised,
    AuthoriseRateLimited,
    GrantInvalid,
    GrantNotFound,
    NotRepresentative,
    OrganisationNotFound,
)
from backend.organisation.repository import GrantRow, OrganisationRepository, OrganisationRow
from backend.organisation.representative import CHAIN, SCOPES, Representatives
from backend.ratelimit import RateLimit, RateLimiter

# Authorising someone answers whether a registered citizen has that phone, name and ID number; a
# representative may get it wrong 10 times an hour (typos), not walk the register. Counted before the
# look-up, given back when they named a citizen.
AUTHORISE = RateLimit(AuthoriseRateLimited, limit=10, window=3600)
# An authorisation longer than a year is renewed, not left standing (a leaving employee's forgotten
# grant is the classic delegation bug, research §A).
MAX_AGENT_DAYS = 366


class OrganisationService:
    def __init__(
        self,
        *,
        repository: OrganisationRepository,
        representatives: Representatives,
        citizens: CitizenService,
        tokens: TokenService,
        limiter: RateLimiter,
        audit: AuditLog,
        clock: Clock,
        engine: Engine[Any],
    ) -> None:
        self._repository = repository
        self._representatives = representatives
        self._citizens = citizens
        self._limiter = limiter
        self._tokens = tokens
        self._audit = audit
        self._clock = clock
        self._engine = engine

    async def claim(self, citizen_id: uuid.UUID, credit_code: str, *, actor: str) -> OrganisationRow:
        """See ``Representatives.claim``."""
        return await self._representatives.claim(citizen_id, credit_code, actor=actor)

    async def mine(self, citizen_id: uuid.UUID) -> list[tuple[OrganisationRow, GrantRow]]:
        """The organisations the citizen may act for now, each with the grant they act under."""
        now = self._clock.now()
        grants = {
            g.organisation_id: g for g in await self._repository.grants_of_citizen(citizen_id) if g.live(now)
        }
        return [(row, grants[row.id]) for row in await self._repository.of_ids(list(grants))]

    async def get(
        self, citizen_id: uuid.UUID, organisation_id: uuid.UUID
    ) -> tuple[OrganisationRow, GrantRow]:
        """The organisation and the citizen's live grant for it (``OrganisationNotFound`` otherwise)."""
        grant = await self._repository.grant_of(organisation_id, citizen_id)
        row = await self._repository.find(organisation_id)
        if grant is None or row is None or not grant.live(self._clock.now()):
            raise OrganisationNotFound()
        return row, grant

    async def _represented(self, citizen_id: uuid.UUID, organisation_id: uuid.UUID) -> OrganisationRow:
        row, grant = await self.get(citizen_id, organisation_id)
        if grant.role != "representative":
            raise NotRepresentative()
        return row

    async def authorise(
        self,
        representative_id: uuid.UUID,
        organisation_id: uuid.UUID,
        *,
        phone: str,
        name: str,
        id_number: str,
        scopes: list[str],
        expires_at: datetime,
        actor: str,
    ) -> GrantRow:
        """The representative authorises the citizen with this phone, name and ID number to act for
        the organisation with ``scopes`` until ``expires_at``.

        Raises:
            OrganisationNotFound, NotRepresentative, GrantInvalid, AgentNotFound, AlreadyAuthorised,
            AuthoriseRateLimited (``AUTHORISE``: too many that named no citizen).
        """
        row = await self._represented(representative_id, organisation_id)
        now = self._clock.now()
        wanted = sorted(set(scopes))
        if not wanted or not set(wanted) <= set(SCOPES):
            raise GrantInvalid()
        if expires_at.tzinfo is None or not now < expires_at <= now + timedelta(days=MAX_AGENT_DAYS):
            raise GrantInvalid()
        await self._limiter.hit(AUTHORISE, str(representative_id))
        agent = await self._citizens.find_by_phone(phone)
        if agent is None or not await self._citizens.holds_identity(agent, name=name, id_number=id_number):
            # Audited without the identity named: a representative probing the register leaves a trail.
            await self._audit.append(
                actor=actor, action="organisation.authorise_refused", subject=f"organisation:{row.id}",
                data={"reason": "no registered citizen with that phone, name and ID number"}, chain=CHAIN,
            )  # fmt: skip
            raise AgentNotFound()
        # A match is no probe (it makes a grant, audited and listed): it does not count.
        await self._limiter.refund(AUTHORISE, str(representative_id))
        grant = GrantRow(
            id=uuid.uuid4(), organisation_id=row.id, citizen_id=agent, role="agent", scopes=" ".join(wanted),
            expires_at=expires_at, revoked_at=None, granted_by=representative_id, created_at=now,
        )  # fmt: skip
        with UniqueViolation(raise_as=AlreadyAuthorised):
            async with transaction(self._engine):
                # Checked again where the grant is written: a claim ending meanwhile (the registry
                # names someone else) must not let its former representative slip a grant in after it.
                if not await self._repository.still_represented(row.id, representative=representative_id):
                    raise NotRepresentative()
                held = await self._repository.grant_of(row.id, agent)
                if held is not None:
                    if held.live(now):
                        raise AlreadyAuthorised()
                    # An expired grant makes way for the new one (the one-unrevoked-grant index).
                    await self._repository.revoke(held.id, row.id, now=now)
                await self._repository.add_grant(grant)
                await self._audit.append(
                    actor=actor, action="organisation.agent_authorised", subject=f"organisation:{row.id}",
                    data={"grant": str(grant.id), "agent": f"citizen:{agent}", "scopes": grant.scopes,
                          "expires_at": expires_at.isoformat()},
                    chain=CHAIN,
                )  # fmt: skip
        return grant

    async def grants(self, representative_id: uuid.UUID, organisation_id: uuid.UUID) -> list[GrantRow]:
        """Every authorisation of the organisation, live or ended (its representative only)."""
        row = await self._represented(representative_id, organisation_id)
        return await self._repository.grants_of(row.id)

    async def revoke(
        self, representative_id: uuid.UUID, organisation_id: uuid.UUID, grant_id: uuid.UUID, *, actor: str
    ) -> GrantRow:
        """End an agent's authorisation now: their acting-as tokens fail at their next use.

        Raises:
            OrganisationNotFound, NotRepresentative, GrantNotFound (none, the representative's own, or
            revoked already).
        """
        row = await self._represented(representative_id, organisation_id)
        async with transaction(self._engine):
            revoked = await self._repository.revoke(grant_id, row.id, now=self._clock.now())
            if revoked is None:
                raise GrantNotFound()
            await self._audit.append(
                actor=actor, action="organisation.agent_revoked", subject=f"organisation:{row.id}",
                data={"grant": str(grant_id), "agent": f"citizen:{revoked.citizen_id}"}, chain=CHAIN,
            )  # fmt: skip
        return revoked

    async def act(self, principal: Principal, organisation_id: uuid.UUID) -> tuple[AccessToken, GrantRow]:
        """An access token of the same session acting for the organisation, no longer-lived than the
        grant behind it (``OrganisationNotFound`` without a live one). The registry is asked first
        whether the representative still is: if it names someone else, the claim ends here and every
        grant with it (``OrganisationNotFound``); if it can't answer, the grant stands."""
        row, grant = await self.get(principal.id, organisation_id)
        if await self._representatives.confirm(row, checked="acting") is False:
            raise OrganisationNotFound()
        ttl = None
        if grant.expires_at is not None:
            ttl = max(1, int((grant.expires_at - self._clock.now()).total_seconds()))
        token = await self._tokens.issue_access(
            "citizen", principal.id, scopes=CITIZEN_SCOPES, client_id=principal.client_id, sid=principal.sid,
            ttl=ttl, context={ACTING_ORGANISATION: str(row.id), ACTING_GRANT: str(grant.id)},
        )  # fmt: skip
        await self._audit.append(
            actor=f"{principal.subject}@organisation:{row.id}", action="organisation.acting_started",
            subject=f"organisation:{row.id}", data={"grant": str(grant.id), "jti": token.jti[:8]},
            chain=CHAIN,
        )  # fmt: skip
        return token, grant

    async def check_acting(self, principal: Principal, scopes: tuple[str, ...]) -> None:
        """The auth guard's check of an acting-as token at every use: its grant still unrevoked,
        unexpired, this person's, for this organisation, and holding one of ``scopes``."""
        grant = await self._repository.find_grant(uuid.UUID(principal.context[ACTING_GRANT]))
        if (
            grant is None
            or grant.citizen_id != principal.id
            or grant.organisation_id != principal.organisation
            or not grant.live(self._clock.now())
        ):
            raise ActingEnded()
        if set(grant.scopes.split()).isdisjoint(scopes):
            raise ActingOutOfScope()

    async def credit_code(self, organisation_id: uuid.UUID) -> str | None:
        """The organisation's unified social credit code (its holder number at the e-licence
        library), or None when ``organisation_id`` names no organisation."""
        row = await self._repository.find(organisation_id)
        return None if row is None else row.credit_code

    async def forget(self, citizen_id: uuid.UUID) -> int:
        """After the citizen's account closed: the grants they gave as representative go too, so no
        agent keeps acting for an organisation nobody represents (their claim and own grants are
        deleted by the closure itself); safe to repeat."""
        return await self._repository.forget(citizen_id)
