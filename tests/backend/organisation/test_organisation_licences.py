"""An organisation's licences, on PostgreSQL: an agent authorised to see them finds the business licence
the e-licence library files under the organisation's credit code, and their drafts are filled from it;
an agent authorised only to apply sees none of it, not even through a draft's auto-fill (those fields
are left for them to type, not refused)."""

from __future__ import annotations

import httpx

from tests.backend.organisation import factories as org

CHANGE = "SQ-SJ-0002"  # 个体工商户变更登记: 个体工商户名称 is filled from the GTGSHYYZZ licence
NAME = "/details/business_name"


async def _business(client: httpx.AsyncClient) -> tuple[dict[str, str], str, str]:
    """A claimed individual business holding its licence at the library: the representative's
    headers, the organisation's id and its registered name."""
    representative, headers, organisation_id = await org.claimed(client, kind="individual_business")
    read = await client.get(f"/api/v1/organisations/{organisation_id}", headers=headers)
    code = read.json()["credit_code"]
    await org.business_licence(client, code, representative["_person"]["name"], kind="individual_business")
    return headers, organisation_id, org.name_of(code)


async def test_an_agent_with_licences_sees_the_business_licence_and_drafts_are_filled_from_it(
    client: httpx.AsyncClient,
) -> None:
    representative, organisation_id, name = await _business(client)
    agent, _ = await org.authorise(client, representative, organisation_id, "apply", "licences")
    as_org = await org.acting(client, agent, organisation_id)
    held = await client.get("/api/v1/licences", headers=as_org)
    assert held.status_code == 200, held.text
    assert [lic["kind_code"] for lic in held.json()["items"]] == ["GTGSHYYZZ"]
    own = await client.get("/api/v1/licences", headers=org.bearer(agent["tokens"]["access_token"]))
    assert "GTGSHYYZZ" not in [lic["kind_code"] for lic in own.json()["items"]]
    draft = await client.post("/api/v1/applications", json={"item_code": CHANGE}, headers=as_org)
    assert draft.status_code == 201, draft.text
    assert draft.json()["data"]["details"]["business_name"] == name
    assert draft.json()["provenance"][NAME]["source"] == "licence"


async def test_an_agent_who_may_apply_but_not_see_licences_gets_no_licence_values_in_a_draft(
    client: httpx.AsyncClient,
) -> None:
    representative, organisation_id, name = await _business(client)
    agent, _ = await org.authorise(client, representative, organisation_id, "apply")
    as_org = await org.acting(client, agent, organisation_id)
    refused = await client.get("/api/v1/licences", headers=as_org)
    assert (refused.status_code, refused.json()["code"]) == (403, "auth.acting_out_of_scope")
    draft = await client.post("/api/v1/applications", json={"item_code": CHANGE}, headers=as_org)
    assert draft.status_code == 201, draft.text
    assert name not in draft.text
    assert "business_name" not in draft.json()["data"].get("details", {})
    assert draft.json()["provenance"] == {}
    # The agent types it, as the form expects of anyone without a licence to fill it from.
    data = draft.json()["data"]
    data.setdefault("details", {})["business_name"] = name
    saved = await client.put(
        f"/api/v1/applications/{draft.json()['id']}/data", json={"data": data}, headers=as_org
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["application"]["data"]["details"]["business_name"] == name
