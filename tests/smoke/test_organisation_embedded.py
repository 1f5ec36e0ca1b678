"""An organisation end to end over HTTP on the embedded default (SQLite + in-process store + sandbox):
吴明, the legal representative of a seeded individual business in the legal-person registry, claims it
(a bad credit code is 422 with its code, a stranger's claim 403 without saying why); he authorises an
agent with scopes and an expiry; the agent takes a token acting for the business, sees its business
licence from the e-licence library and files a 营业执照变更 application as the business (pre-filled
from that licence, the licence attached, submitted to the department's case system); his own token
sees none of it, routes that serve people refuse the acting token, and once the authorisation is
revoked the same token is refused at its next use."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from integrations._seed import NAMED_RESIDENTS
from integrations.legalperson import SANDBOX_ORGANISATIONS
from tests.backend.application.factories import png
from tests.smoke.server import free_port, serve
from tests.smoke.test_identity_embedded import _code, _person

pytestmark = pytest.mark.embedded

SHOP = SANDBOX_ORGANISATIONS[3].organisation  # 宿迁市宿城区吴明修车铺, 个体工商户
WU_MING = NAMED_RESIDENTS[7]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("organisation")


def _register(web: httpx.Client, person: dict[str, str]) -> dict[str, str]:
    registered = web.post(
        "/api/v1/auth/register",
        json={
            "phone": person["phone"],
            "sms_code": _code(web, person["phone"], "register"),
            "name": person["name"],
            "id_number": person["id_number"],
        },
    )
    assert registered.status_code == 201, registered.text
    return {"authorization": f"Bearer {registered.json()['tokens']['access_token']}"}


def test_an_agent_acts_for_a_claimed_organisation_within_scope_until_revoked(data_dir: Path) -> None:
    with serve(data_dir, free_port()) as base, httpx.Client(base_url=base) as web:
        wu = {"name": WU_MING.name, "id_number": WU_MING.id_number, "phone": WU_MING.phone}
        representative = _register(web, wu)
        agent_person = _person(web)
        agent = _register(web, agent_person)
        agent_id = web.get("/api/v1/me", headers=agent).json()["id"]

        bad = web.post(
            "/api/v1/organisations", json={"credit_code": SHOP.credit_code[:-1] + "0"}, headers=agent
        )
        assert (bad.status_code, bad.json()["code"]) == (422, "organisation.credit_code_invalid")
        stranger = web.post("/api/v1/organisations", json={"credit_code": SHOP.credit_code}, headers=agent)
        assert (stranger.status_code, stranger.json()["code"]) == (
            403,
            "organisation.representative_mismatch",
        )
        assert "id_number" not in stranger.json()["detail"]
        assert "name" not in stranger.json()["detail"]

        claimed = web.post(
            "/api/v1/organisations", json={"credit_code": SHOP.credit_code}, headers=representative
        )
        assert claimed.status_code == 201, claimed.text
        shop = claimed.json()
        assert (shop["name"], shop["kind"], shop["role"]) == (
            SHOP.name,
            "individual_business",
            "representative",
        )

        until = (datetime.now(UTC) + timedelta(days=30)).isoformat()
        authorised = web.post(
            f"/api/v1/organisations/{shop['id']}/agents",
            json={**agent_person, "scopes": ["apply", "licences"], "expires_at": until},
            headers=representative,
        )
        assert authorised.status_code == 201, authorised.text
        grant = authorised.json()
        assert (grant["role"], grant["scopes"]) == ("agent", ["apply", "licences"])
        mine = web.get("/api/v1/organisations", headers=agent).json()["items"]
        assert [(o["id"], o["role"]) for o in mine] == [(shop["id"], "agent")]

        acting = web.post(f"/api/v1/organisations/{shop['id']}/acting", headers=agent)
        assert acting.status_code == 201, acting.text
        as_shop = {"authorization": f"Bearer {acting.json()['access_token']}"}

        licences = web.get("/api/v1/licences", headers=as_shop)
        assert licences.status_code == 200, licences.text
        assert [lic["kind_code"] for lic in licences.json()["items"]] == ["GTGSHYYZZ"]

        draft = web.post("/api/v1/applications", json={"item_code": "SQ-SJ-0002"}, headers=as_shop)
        assert draft.status_code == 201, draft.text
        application = draft.json()
        path = f"/api/v1/applications/{application['id']}"
        data = application["data"]
        assert data["details"]["business_name"] == SHOP.name  # from the business's own licence
        data["applicant"] = {k: agent_person[k] for k in ("name", "id_number", "phone")}
        data["details"].update({"change": "经营范围", "new_value": "预包装食品、日用百货零售；汽车维修"})
        saved = web.put(f"{path}/data", json={"data": data}, headers=as_shop)
        assert saved.json()["errors"] == [], saved.text
        licence_id = licences.json()["items"][0]["id"]
        given = web.post(
            f"{path}/materials/licence", json={"slot": "licence", "licence_id": licence_id}, headers=as_shop
        )
        assert given.status_code == 201, given.text
        card = web.post(
            f"{path}/materials",
            params={"slot": "id_card", "filename": "经办人身份证.png"},
            content=png(b"agent id card"),
            headers={**as_shop, "content-type": "image/png"},
        )
        assert card.status_code == 201, card.text
        submitted = web.post(f"{path}/submit", headers=as_shop)
        assert submitted.status_code == 200, submitted.text
        assert submitted.json()["status"] == "submitted"
        assert submitted.json()["delivery"] in ("forwarding", "delivered")
        events = web.get(f"{path}/events", headers=as_shop).json()["items"]
        acting_actor = f"citizen:{agent_id}@organisation:{shop['id']}"
        # Every step the caller took names both (the outbox's own delivery step, when it was quick
        # enough to land before this read, is the system's).
        assert {e["actor"] for e in events if not e["actor"].startswith("system:")} == {acting_actor}
        assert [a["id"] for a in web.get("/api/v1/applications", headers=as_shop).json()["items"]] == [
            application["id"]
        ]
        # The agent's own token is the agent's, not the business's.
        assert web.get("/api/v1/applications", headers=agent).json()["items"] == []
        assert web.get(f"/api/v1/applications/{application['id']}", headers=agent).status_code == 404
        # Routes serving people refuse the acting token; the acting token can't mint another.
        code = web.get("/api/v1/citizen-code", headers=as_shop)
        assert (code.status_code, code.json()["code"]) == (403, "auth.acting_not_admitted")
        again = web.post(f"/api/v1/organisations/{shop['id']}/acting", headers=as_shop)
        assert (again.status_code, again.json()["code"]) == (403, "auth.acting_not_admitted")

        revoked = web.delete(
            f"/api/v1/organisations/{shop['id']}/agents/{grant['id']}", headers=representative
        )
        assert revoked.status_code == 200, revoked.text
        assert revoked.json()["revoked_at"] is not None
        ended = web.get("/api/v1/licences", headers=as_shop)
        assert (ended.status_code, ended.json()["code"]) == (403, "auth.acting_ended")
        assert web.get("/api/v1/organisations", headers=agent).json()["items"] == []
