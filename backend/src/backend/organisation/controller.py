"""Organisations (法人): claim one as its legal representative, authorise agents (经办人) and revoke
them, and take a token acting for an organisation one may represent."""

from __future__ import annotations

import uuid

from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from backend.auth.guards import CITIZEN
from backend.auth.principal import Principal
from backend.citizen.errors import CitizenNotFound
from backend.organisation.errors import (
    AgentNotFound,
    AlreadyAuthorised,
    AlreadyClaimed,
    AuthoriseRateLimited,
    CreditCodeInvalid,
    GrantInvalid,
    GrantNotFound,
    NotActive,
    NotRegistered,
    NotRepresentative,
    OrganisationNotFound,
    RegistryUnavailable,
    RepresentativeMismatch,
)
from backend.organisation.repository import GrantRow, OrganisationRow
from backend.organisation.schemas import (
    ActingToken,
    AgentCreate,
    GrantPage,
    GrantRead,
    OrganisationClaim,
    OrganisationPage,
    OrganisationRead,
)
from backend.organisation.service import OrganisationService

OWNS = {"organisation_id": "organisation.organisation"}
OWNS_GRANT = {**OWNS, "grant_id": "organisation.grant"}


def _read(row: OrganisationRow, grant: GrantRow) -> OrganisationRead:
    return OrganisationRead(
        id=row.id, credit_code=row.credit_code, name=row.name, kind=row.kind, role=grant.role,
        scopes=grant.scopes.split(), expires_at=grant.expires_at,
    )  # fmt: skip


def _grant(row: GrantRow) -> GrantRead:
    return GrantRead(
        id=row.id, organisation_id=row.organisation_id, citizen_id=row.citizen_id, role=row.role,
        scopes=row.scopes.split(), expires_at=row.expires_at, revoked_at=row.revoked_at,
        created_at=row.created_at,
    )  # fmt: skip


class OrganisationController(Controller):
    path = "/api/v1/organisations"
    tags = ("organisations",)
    opt = {"access": CITIZEN}  # noqa: RUF012 (Litestar's declaration style)

    @post(
        "/",
        status_code=HTTP_201_CREATED,
        errors=(CreditCodeInvalid, NotRegistered, NotActive, RepresentativeMismatch, AlreadyClaimed,
                RegistryUnavailable, CitizenNotFound),
    )  # fmt: skip
    async def claim(
        self,
        data: JSONBody[OrganisationClaim],
        organisations: NamedDependency[OrganisationService],
        principal: NamedDependency[Principal],
    ) -> OrganisationRead:
        """Claim an organisation by its unified social credit code as its legal representative: the
        legal-person registry must name your verified identity (a mismatch is 403, never saying
        which part differed). An organisation another account represented is taken over when the
        registry names you (a change of legal representative): their claim and every authorisation
        they gave end. 409 `organisation.already_claimed` only when another claim won a race."""
        row = await organisations.claim(principal.id, data.credit_code, actor=principal.actor)
        return _read(*await organisations.get(principal.id, row.id))

    @get("/")
    async def mine(
        self, organisations: NamedDependency[OrganisationService], principal: NamedDependency[Principal]
    ) -> OrganisationPage:
        """The organisations you may act for now."""
        return OrganisationPage(
            items=[_read(row, grant) for row, grant in await organisations.mine(principal.id)]
        )

    @get("/{organisation_id:uuid}", owns=OWNS, errors=(OrganisationNotFound,))
    async def read(
        self,
        organisation_id: FromPath[uuid.UUID],
        organisations: NamedDependency[OrganisationService],
        principal: NamedDependency[Principal],
    ) -> OrganisationRead:
        return _read(*await organisations.get(principal.id, organisation_id))

    @post(
        "/{organisation_id:uuid}/agents",
        owns=OWNS,
        status_code=HTTP_201_CREATED,
        errors=(OrganisationNotFound, NotRepresentative, GrantInvalid, AgentNotFound, AlreadyAuthorised,
                AuthoriseRateLimited),
    )  # fmt: skip
    async def authorise(
        self,
        organisation_id: FromPath[uuid.UUID],
        data: JSONBody[AgentCreate],
        organisations: NamedDependency[OrganisationService],
        principal: NamedDependency[Principal],
    ) -> GrantRead:
        """Authorise a citizen (by registered phone, real name and ID number) to act for the
        organisation with scopes until an expiry (at most a year ahead). Representative only. The
        answer tells whether such a citizen is registered, so a representative may name no citizen
        10 times an hour: then 429 `organisation.authorise_rate_limited` with `Retry-After`."""
        grant = await organisations.authorise(
            principal.id, organisation_id, phone=data.phone, name=data.name, id_number=data.id_number,
            scopes=list(data.scopes), expires_at=data.expires_at, actor=principal.actor,
        )  # fmt: skip
        return _grant(grant)

    @get("/{organisation_id:uuid}/agents", owns=OWNS, errors=(OrganisationNotFound, NotRepresentative))
    async def agents(
        self,
        organisation_id: FromPath[uuid.UUID],
        organisations: NamedDependency[OrganisationService],
        principal: NamedDependency[Principal],
    ) -> GrantPage:
        """Every authorisation of the organisation, live or ended. Representative only."""
        return GrantPage(items=[_grant(g) for g in await organisations.grants(principal.id, organisation_id)])

    @delete(
        "/{organisation_id:uuid}/agents/{grant_id:uuid}",
        owns=OWNS_GRANT,
        status_code=HTTP_200_OK,
        errors=(OrganisationNotFound, NotRepresentative, GrantNotFound),
    )
    async def revoke(
        self,
        organisation_id: FromPath[uuid.UUID],
        grant_id: FromPath[uuid.UUID],
        organisations: NamedDependency[OrganisationService],
        principal: NamedDependency[Principal],
    ) -> GrantRead:
        """Revoke an agent's authorisation now: their acting-as tokens are refused from the next use."""
        return _grant(
            await organisations.revoke(principal.id, organisation_id, grant_id, actor=principal.actor)
        )

    @post(
        "/{organisation_id:uuid}/acting",
        owns=OWNS,
        status_code=HTTP_201_CREATED,
        errors=(OrganisationNotFound,),
    )
    async def act(
        self,
        organisation_id: FromPath[uuid.UUID],
        organisations: NamedDependency[OrganisationService],
        principal: NamedDependency[Principal],
    ) -> ActingToken:
        """A token acting for the organisation (call with your own token). Routes that serve an
        organisation accept it within your authorisation's scopes; the rest refuse it (403
        ``auth.acting_not_admitted``). Switch back by using your own token again. The legal-person
        registry is asked first whether the representative still is: if it names someone else, their
        claim and every authorisation end (404 `organisation.not_found`); its outage ends nothing."""
        token, grant = await organisations.act(principal, organisation_id)
        return ActingToken(
            access_token=token.token, expires_in=token.expires_in, organisation_id=organisation_id,
            scopes=grant.scopes.split(),
        )  # fmt: skip
