"""A change of legal representative at the registry is taken over, on PostgreSQL: when the registry names
someone else, the old claim ends at the next acting-as token or daily re-check (the representative
cleared, every grant ended and audited with the reason, acting tokens refused at their next use), and
the person it names claims the same organisation; the registry's outage ends nothing. Authorising
agents is rate-limited per representative, since its answer says whether a citizen is registered."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from backend.audit.repository import AuditRepository
from backend.organisation.repository import NOBODY
from backend.organisation.representative import ENDED, FRESH, RECHECK, Representatives
from backend.organisation.service import OrganisationService
from backend.organisation.tables import Organisation, OrganisationGrant
from tests.backend.citizen.factories import register
from tests.backend.organisation import factories as org
from tests.services import Services


async def _name_at_registry(client: httpx.AsyncClient, code: str, person: dict[str, str]) -> None:
    """Market regulation records ``person`` as the organisation's new legal representative."""
    changed = await client.post(
        "/_sandbox/legalperson/organisations",
        json={
            "credit_code": code, "name": org.name_of(code), "kind": "enterprise",
            "representative_name": person["name"], "representative_id_number": person["id_number"],
        },
    )  # fmt: skip
    assert changed.status_code == 201, changed.text


async def _code(client: httpx.AsyncClient, headers: dict[str, str], organisation_id: str) -> str:
    read = await client.get(f"/api/v1/organisations/{organisation_id}", headers=headers)
    assert read.status_code == 200, read.text
    code: str = read.json()["credit_code"]
    return code


async def _events(services: Services, organisation_id: str) -> list[Any]:
    records = await AuditRepository(services.engine).scan("organisation", after_seq=0, limit=100_000)
    return [r for r in records if r.subject == f"organisation:{organisation_id}"]


async def _due(organisation_id: str) -> None:
    await Organisation.update({Organisation.recheck_at: datetime.now(UTC) - timedelta(seconds=1)}).where(
        Organisation.id == uuid.UUID(organisation_id)
    )


async def _row(organisation_id: str) -> dict[str, Any]:
    row = await Organisation.select().where(Organisation.id == uuid.UUID(organisation_id)).first()
    assert row is not None
    return row


async def test_the_representative_the_registry_names_now_takes_the_organisation_over(
    services: Services, client: httpx.AsyncClient
) -> None:
    old, old_headers, organisation_id = await org.claimed(client)
    agent, agent_grant = await org.authorise(client, old_headers, organisation_id, "apply")
    as_org = await org.acting(client, agent, organisation_id)
    code = await _code(client, old_headers, organisation_id)
    new = await register(client)
    new_headers = org.bearer(new["tokens"]["access_token"])
    # Before the registry says so, the organisation is someone else's: no match, nothing said.
    early = await client.post("/api/v1/organisations", json={"credit_code": code}, headers=new_headers)
    assert (early.status_code, early.json()["code"]) == (403, "organisation.representative_mismatch")

    await _name_at_registry(client, code, new["_person"])
    taken = await client.post("/api/v1/organisations", json={"credit_code": code}, headers=new_headers)
    assert taken.status_code == 201, taken.text
    assert (taken.json()["id"], taken.json()["role"]) == (organisation_id, "representative")
    # The old representative's claim, and the agent they authorised, end at once.
    refused = await client.get("/api/v1/applications", headers=as_org)
    assert (refused.status_code, refused.json()["code"]) == (403, "auth.acting_ended")
    gone = await client.get(f"/api/v1/organisations/{organisation_id}", headers=old_headers)
    assert (gone.status_code, gone.json()["code"]) == (404, "organisation.not_found")
    assert (await client.get("/api/v1/organisations", headers=old_headers)).json()["items"] == []
    grants = (await client.get(f"/api/v1/organisations/{organisation_id}/agents", headers=new_headers)).json()
    ended = {g["id"]: g for g in grants["items"] if g["revoked_at"] is not None}
    assert agent_grant in ended
    assert [g["citizen_id"] for g in grants["items"] if g["revoked_at"] is None] == [new["citizen"]["id"]]

    events = await _events(services, organisation_id)
    claim_ended = [e for e in events if e.action == "organisation.claim_ended"]
    assert len(claim_ended) == 1
    assert f"citizen:{old['citizen']['id']}" in claim_ended[0].data
    assert ENDED in claim_ended[0].data
    assert {e.action for e in events if agent_grant in e.data} >= {"organisation.grant_ended"}
    assert len([e for e in events if e.action == "organisation.grant_ended"]) == 2  # theirs, the agent's
    assert events[-1].action == "organisation.claimed"
    assert f"citizen:{old['citizen']['id']}" in events[-1].data  # took over from


async def test_taking_an_acting_token_asks_the_registry_and_ends_a_claim_it_no_longer_names(
    client: httpx.AsyncClient,
) -> None:
    _, representative, organisation_id = await org.claimed(client)
    agent, _ = await org.authorise(client, representative, organisation_id, "apply")
    as_org = await org.acting(client, agent, organisation_id)
    code = await _code(client, representative, organisation_id)
    successor = await register(client)
    await _name_at_registry(client, code, successor["_person"])
    # The agent's existing token still works until someone asks the registry (the daily re-check or
    # the next token); taking a token asks — unless the registry said yes under FRESH ago (the first
    # token's question), which bounds the registry calls a loop of tokens makes.
    assert (await client.get("/api/v1/applications", headers=as_org)).status_code == 200
    own = org.bearer(agent["tokens"]["access_token"])
    soon = await client.post(f"/api/v1/organisations/{organisation_id}/acting", headers=own)
    assert soon.status_code == 201, soon.text
    await Organisation.update(
        {Organisation.recheck_at: datetime.now(UTC) + RECHECK - FRESH - timedelta(seconds=1)}
    ).where(Organisation.id == uuid.UUID(organisation_id))
    again = await client.post(f"/api/v1/organisations/{organisation_id}/acting", headers=own)
    assert (again.status_code, again.json()["code"]) == (404, "organisation.not_found")
    refused = await client.get("/api/v1/applications", headers=as_org)
    assert (refused.status_code, refused.json()["code"]) == (403, "auth.acting_ended")
    row = await _row(organisation_id)
    assert (row["representative_id"], row["recheck_at"]) == (NOBODY, None)
    live = await OrganisationGrant.count().where(
        (OrganisationGrant.organisation_id == uuid.UUID(organisation_id))
        & OrganisationGrant.revoked_at.is_null()
    )
    assert live == 0
    mine = org.bearer(successor["tokens"]["access_token"])
    claimed = await client.post("/api/v1/organisations", json={"credit_code": code}, headers=mine)
    assert (claimed.status_code, claimed.json()["id"]) == (201, organisation_id)


async def test_the_daily_recheck_ends_only_claims_the_registry_definitely_no_longer_names(
    services: Services, client: httpx.AsyncClient
) -> None:
    representatives = services.wiring.get(Representatives)
    _, kept_headers, kept = await org.claimed(client)
    _, changed_headers, changed = await org.claimed(client)
    agent, _ = await org.authorise(client, changed_headers, changed, "apply")
    as_changed = await org.acting(client, agent, changed)
    await _name_at_registry(
        client, await _code(client, changed_headers, changed), (await register(client))["_person"]
    )

    # The registry is down: nothing ends, the check is tried again in minutes, not a day.
    await _due(changed)
    await client.post("/_sandbox/legalperson/faults", json={"down": True})
    try:
        assert await representatives.recheck_due(limit=1000) >= 1
    finally:
        await client.post("/_sandbox/legalperson/faults/reset")
    row = await _row(changed)
    assert row["representative_id"] != NOBODY
    assert datetime.now(UTC) < row["recheck_at"] < datetime.now(UTC) + timedelta(hours=1)
    assert (await client.get("/api/v1/applications", headers=as_changed)).status_code == 200
    assert await representatives.recheck_due(limit=1000) == 0  # not due again yet

    # A day later it answers: the one it no longer names ends, the other is asked again tomorrow.
    await _due(changed)
    await _due(kept)
    assert await representatives.recheck_due(limit=1000) == 2
    assert (await _row(changed))["representative_id"] == NOBODY
    refused = await client.get("/api/v1/applications", headers=as_changed)
    assert (refused.status_code, refused.json()["code"]) == (403, "auth.acting_ended")
    still = await _row(kept)
    assert still["representative_id"] != NOBODY
    assert still["recheck_at"] > datetime.now(UTC) + timedelta(hours=23)
    assert (await client.get(f"/api/v1/organisations/{kept}", headers=kept_headers)).status_code == 200


async def test_an_acting_token_is_issued_while_the_registry_is_down(client: httpx.AsyncClient) -> None:
    _, representative, organisation_id = await org.claimed(client)
    agent, _ = await org.authorise(client, representative, organisation_id, "apply")
    own = org.bearer(agent["tokens"]["access_token"])
    await client.post("/_sandbox/legalperson/faults", json={"down": True})
    try:
        taken = await client.post(f"/api/v1/organisations/{organisation_id}/acting", headers=own)
    finally:
        await client.post("/_sandbox/legalperson/faults/reset")
    assert taken.status_code == 201, taken.text
    assert (await _row(organisation_id))["representative_id"] != NOBODY


async def test_authorising_agents_who_name_no_citizen_is_rate_limited_per_representative(
    services: Services, client: httpx.AsyncClient
) -> None:
    _, representative, organisation_id = await org.claimed(client)
    _, other_representative, other_organisation = await org.claimed(client)
    # A match does not count: a representative with many agents is never held back by them.
    for _ in range(3):
        await org.authorise(client, representative, organisation_id, "apply")
    real = await register(client)
    until = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    probe = {**{k: real["_person"][k] for k in ("phone", "id_number")}, "name": "不是他", "scopes": ["apply"],
             "expires_at": until}  # fmt: skip
    path = f"/api/v1/organisations/{organisation_id}/agents"
    answers = [(await client.post(path, json=probe, headers=representative)) for _ in range(11)]
    assert [a.status_code for a in answers] == [422] * 10 + [429]
    assert answers[-1].json()["code"] == "organisation.authorise_rate_limited"
    assert 0 < int(answers[-1].headers["retry-after"]) <= 3600
    # Each refusal is audited, naming no identity (a probe of the register leaves a trail).
    refusals = [
        e for e in await _events(services, organisation_id) if e.action == "organisation.authorise_refused"
    ]
    assert len(refusals) == 10
    assert real["_person"]["id_number"] not in refusals[0].data
    assert "不是他" not in refusals[0].data
    # Even a right answer waits now (the limit is the representative's, not the guess's) ...
    right = {**probe, "name": real["_person"]["name"]}
    assert (await client.post(path, json=right, headers=representative)).status_code == 429
    # ... and another representative is not held back by this one.
    elsewhere = await client.post(
        f"/api/v1/organisations/{other_organisation}/agents", json=right, headers=other_representative
    )
    assert elsewhere.status_code == 201, elsewhere.text


async def test_a_former_representative_cannot_slip_a_grant_in_as_their_claim_ends(
    services: Services, client: httpx.AsyncClient, monkeypatch: Any
) -> None:
    """The race a review found: ``authorise`` read "is the caller the representative?" before the
    claim ended at another request, and wrote its grant after. The grant's transaction asks again."""
    old, old_headers, organisation_id = await org.claimed(client)
    code = await _code(client, old_headers, organisation_id)
    stale = await services.wiring.get(OrganisationService).get(
        uuid.UUID(old["citizen"]["id"]), uuid.UUID(organisation_id)
    )
    new = await register(client)
    await _name_at_registry(client, code, new["_person"])
    taken = await client.post(
        "/api/v1/organisations", json={"credit_code": code}, headers=org.bearer(new["tokens"]["access_token"])
    )
    assert taken.status_code == 201, taken.text

    # The former representative's request had passed its first check just before the takeover.
    async def passed_before(_representative: uuid.UUID, _organisation: uuid.UUID) -> Any:
        return stale[0]

    service = services.wiring.get(OrganisationService)
    monkeypatch.setattr(service, "_represented", passed_before)
    friend = await register(client)
    until = (datetime.now(UTC) + timedelta(days=300)).isoformat()
    person = {k: friend["_person"][k] for k in ("phone", "name", "id_number")}
    slipped = await client.post(
        f"/api/v1/organisations/{organisation_id}/agents",
        json={**person, "scopes": ["apply", "pay", "licences"], "expires_at": until},
        headers=old_headers,
    )
    assert (slipped.status_code, slipped.json()["code"]) == (403, "organisation.not_representative")
    live = await OrganisationGrant.select(OrganisationGrant.citizen_id).where(
        (OrganisationGrant.organisation_id == uuid.UUID(organisation_id))
        & OrganisationGrant.revoked_at.is_null()
    )
    assert [row["citizen_id"] for row in live] == [uuid.UUID(new["citizen"]["id"])]
