"""Organisations over HTTP on PostgreSQL: a claim needs the registry to name the caller's verified
identity (a mismatch says nothing of which field), bad and unknown codes have their own answers; an
agent acts within the scopes they were given, and an authorisation that expired or was revoked after
the token was issued is refused at the token's next use; what an agent does is recorded naming both
the person and the organisation."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx

from backend.audit.repository import AuditRepository
from backend.datarights.service import DataRightsService
from backend.organisation.tables import Organisation, OrganisationGrant
from integrations.creditcode import make_credit_code
from tests.backend.citizen.factories import register
from tests.backend.organisation import factories as org
from tests.services import Services


async def test_a_claim_needs_the_registry_to_name_the_callers_identity(client: httpx.AsyncClient) -> None:
    owner, stranger = await register(client), await register(client)
    code = await org.registered(client, owner["_person"])
    # The same name with another number, as a near-miss impostor would try.
    impostor = await register(client)
    answers = []
    for who in (stranger, impostor):
        refused = await client.post(
            "/api/v1/organisations",
            json={"credit_code": code},
            headers=org.bearer(who["tokens"]["access_token"]),
        )
        answers.append((refused.status_code, refused.json()["code"], refused.json()["detail"]))
    assert answers[0] == answers[1]
    assert answers[0][:2] == (403, "organisation.representative_mismatch")
    mine = org.bearer(owner["tokens"]["access_token"])
    first = await client.post("/api/v1/organisations", json={"credit_code": code.lower()}, headers=mine)
    again = await client.post("/api/v1/organisations", json={"credit_code": code}, headers=mine)
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["id"] == again.json()["id"]
    assert (first.json()["role"], first.json()["credit_code"]) == ("representative", code)


async def test_bad_unknown_and_closed_codes_have_their_own_answers(client: httpx.AsyncClient) -> None:
    citizen = await register(client)
    headers = org.bearer(citizen["tokens"]["access_token"])
    good = make_credit_code("91", "321302", "T9999998")
    closed = await org.registered(client, citizen["_person"], status="cancelled")
    answers = {}
    for code in (good[:-1] + ("0" if good[-1] != "0" else "1"), "not a code", good, closed):
        answer = await client.post("/api/v1/organisations", json={"credit_code": code}, headers=headers)
        answers[code] = (answer.status_code, answer.json()["code"])
    assert list(answers.values()) == [
        (422, "organisation.credit_code_invalid"),
        (422, "organisation.credit_code_invalid"),
        (404, "organisation.not_registered"),
        (409, "organisation.not_active"),
    ]


async def test_an_agent_acts_only_within_scope_and_only_the_representative_authorises(
    client: httpx.AsyncClient,
) -> None:
    _, representative, organisation_id = await org.claimed(client)
    agent, _ = await org.authorise(client, representative, organisation_id, "licences")
    as_org = await org.acting(client, agent, organisation_id)
    out_of_scope = await client.post("/api/v1/applications", json={"item_code": "SQ-SJ-0002"}, headers=as_org)
    assert (out_of_scope.status_code, out_of_scope.json()["code"]) == (403, "auth.acting_out_of_scope")
    assert (await client.get("/api/v1/licences", headers=as_org)).status_code == 200
    own = org.bearer(agent["tokens"]["access_token"])
    other = await register(client)
    person = {k: other["_person"][k] for k in ("phone", "name", "id_number")}
    until = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    refused = await client.post(
        f"/api/v1/organisations/{organisation_id}/agents",
        json={**person, "scopes": ["apply"], "expires_at": until},
        headers=own,
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "organisation.not_representative")
    too_long = (datetime.now(UTC) + timedelta(days=400)).isoformat()
    invalid = await client.post(
        f"/api/v1/organisations/{organisation_id}/agents",
        json={**person, "scopes": ["apply"], "expires_at": too_long},
        headers=representative,
    )
    assert (invalid.status_code, invalid.json()["code"]) == (422, "organisation.grant_invalid")


async def test_an_authorisation_ended_after_the_token_was_issued_is_refused_at_next_use(
    client: httpx.AsyncClient,
) -> None:
    _, representative, organisation_id = await org.claimed(client)
    expiring, expiring_grant = await org.authorise(
        client, representative, organisation_id, "apply", "licences"
    )
    revoked, revoked_grant = await org.authorise(client, representative, organisation_id, "apply")
    as_expiring = await org.acting(client, expiring, organisation_id)
    as_revoked = await org.acting(client, revoked, organisation_id)
    assert (await client.get("/api/v1/applications", headers=as_expiring)).status_code == 200
    assert (await client.get("/api/v1/applications", headers=as_revoked)).status_code == 200
    # The grant's expiry passes (set in the past, as time would): the token itself is still valid.
    await OrganisationGrant.update(
        {OrganisationGrant.expires_at: datetime.now(UTC) - timedelta(seconds=1)}
    ).where(OrganisationGrant.id == uuid.UUID(expiring_grant))
    ended = await client.delete(
        f"/api/v1/organisations/{organisation_id}/agents/{revoked_grant}", headers=representative
    )
    assert ended.status_code == 200, ended.text
    for headers in (as_expiring, as_revoked):
        refused = await client.get("/api/v1/applications", headers=headers)
        assert (refused.status_code, refused.json()["code"]) == (403, "auth.acting_ended")
    again = await client.delete(
        f"/api/v1/organisations/{organisation_id}/agents/{revoked_grant}", headers=representative
    )
    assert (again.status_code, again.json()["code"]) == (404, "organisation.grant_not_found")
    taken = await client.post(
        f"/api/v1/organisations/{organisation_id}/acting",
        headers=org.bearer(expiring["tokens"]["access_token"]),
    )
    assert (taken.status_code, taken.json()["code"]) == (404, "organisation.not_found")


async def test_what_an_agent_does_names_the_person_and_the_organisation(
    services: Services, client: httpx.AsyncClient
) -> None:
    _, representative, organisation_id = await org.claimed(client)
    agent, grant_id = await org.authorise(client, representative, organisation_id, "apply")
    as_org = await org.acting(client, agent, organisation_id)
    draft = await client.post("/api/v1/applications", json={"item_code": "SQ-SJ-0001"}, headers=as_org)
    assert draft.status_code == 201, draft.text
    events = await client.get(f"/api/v1/applications/{draft.json()['id']}/events", headers=as_org)
    acting_actor = f"citizen:{agent['citizen']['id']}@organisation:{organisation_id}"
    assert [e["actor"] for e in events.json()["items"]] == [acting_actor]
    records = await AuditRepository(services.engine).scan("organisation", after_seq=0, limit=100_000)
    mine = [r for r in records if r.subject == f"organisation:{organisation_id}"]
    assert [r.action for r in mine] == ["organisation.claimed", "organisation.agent_authorised",
                                        "organisation.acting_started"]  # fmt: skip
    assert grant_id in mine[1].data
    assert mine[2].actor == acting_actor


async def test_closing_an_account_ends_the_grants_naming_it_and_frees_the_claim(
    services: Services, client: httpx.AsyncClient
) -> None:
    representative_citizen, representative, organisation_id = await org.claimed(client)
    staying, staying_grant = await org.authorise(client, representative, organisation_id, "apply")
    leaving, leaving_grant = await org.authorise(client, representative, organisation_id, "apply")
    as_staying = await org.acting(client, staying, organisation_id)
    closures = services.wiring.get(DataRightsService)
    # An agent closes their account: their grant goes, the organisation and the others' stay.
    await closures.finish_closure(uuid.UUID(leaving["citizen"]["id"]))
    left = await OrganisationGrant.select(OrganisationGrant.id).where(
        OrganisationGrant.organisation_id == uuid.UUID(organisation_id)
    )
    assert uuid.UUID(leaving_grant) not in {row["id"] for row in left}
    assert uuid.UUID(staying_grant) in {row["id"] for row in left}
    assert (await client.get("/api/v1/applications", headers=as_staying)).status_code == 200
    # The representative closes theirs: the claim goes (the code can be claimed again) and with it
    # every grant they gave, so the agent's acting token stops at its next use.
    await closures.finish_closure(uuid.UUID(representative_citizen["citizen"]["id"]))
    assert await Organisation.count().where(Organisation.id == uuid.UUID(organisation_id)) == 0
    assert (
        await OrganisationGrant.count().where(OrganisationGrant.organisation_id == uuid.UUID(organisation_id))
        == 0
    )
    refused = await client.get("/api/v1/applications", headers=as_staying)
    assert (refused.status_code, refused.json()["code"]) == (403, "auth.acting_ended")
