"""What the organisation feature keeps about citizens: the organisations they claimed as legal
representative and the grants naming them (as representative or agent). The agent's phone, name and
ID number are only matched against the citizen register when the grant is made, never stored.

Closing a representative's account deletes their claim, so the organisation can be claimed again by
whoever the legal-person registry names (kept, it would stay bound to a closed account and lock the
next representative out: the credit code is unique), and every grant they gave: an agent's authority
comes from the representative, and nobody would be left to revoke it. Closing an agent's account
deletes the grants naming them. When the legal-person registry names a new representative, the old
one's link to the organisation is cleared (``representative_id`` becomes the nil UUID, their grants
revoked). The audit log keeps the claims, grants, revocations and ended claims as events."""

from __future__ import annotations

import uuid

from backend.organisation.service import OrganisationService
from backend.organisation.tables import Organisation, OrganisationGrant
from backend.personal_data import Category, CitizenStep, Held, PersonalData
from backend.wiring import Wiring


def _forget(w: Wiring) -> CitizenStep:
    organisations = w.get(OrganisationService)

    async def step(citizen_id: uuid.UUID) -> None:
        # The closure deleted the citizen's claims and own grants; the agents' grants they gave
        # name them only in ``granted_by``, so they go here (acting-as tokens stop at their next use).
        await organisations.forget(citizen_id)

    return step


PERSONAL_DATA = PersonalData(
    categories=(
        Category(
            name="organisations",
            description=(
                "The organisations you claimed as legal representative, and the authorisations to act "
                "for an organisation that you gave or were given (scopes, expiry, revocation)"
            ),
            purpose=(
                "Acting for an organisation (applications, payments, licences) on its representative's "
                "authority"
            ),
            legal_basis="PIPL art. 13(2): the service you asked for, as representative or authorised agent",
            retention="While the account is open; the audit log keeps the events",
        ),
    ),
    held=(
        Held(table=Organisation, category="organisations", citizen=("representative_id",)),
        Held(table=OrganisationGrant, category="organisations"),
    ),
    on_closure=_forget,
)
