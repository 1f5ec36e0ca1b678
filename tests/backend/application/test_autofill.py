"""Auto-fill from e-licences with provenance: filled and locked fields, a field the citizen changes
becoming their input, a licence revoked between draft and submission blocking it with its code, and
drafts holding licence data purged."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from backend.application.autofill import normalised
from backend.application.service import ApplicationService
from backend.licence.status import StatusLists
from tests.backend.application.test_lifecycle import draft
from tests.backend.licence.factories import holder, issue_at_library, set_library_status
from tests.services import Services


async def test_a_draft_is_filled_from_the_id_card_with_provenance_and_a_changed_field_is_the_citizens(
    web: httpx.AsyncClient,
) -> None:
    citizen = await holder(web, "JMSFZ")
    application_id = await draft(web, citizen)
    path = f"/api/v1/applications/{application_id}"
    view = (await web.get(path, headers=citizen.headers)).json()
    assert view["data"]["applicant"] == {
        "name": citizen.person["name"],
        "id_number": citizen.person["id_number"],
    }
    name = view["provenance"]["/applicant/name"]
    assert name["source"] == "licence"
    assert name["kind"] == "JMSFZ"
    assert name["claim"] == "name"
    assert name["status"] == "valid"
    assert name["digest"]
    assert name["presentation"].count("~") >= 2  # an SD-JWT presentation of that one claim
    assert "/applicant/phone" not in view["provenance"]  # no licence says it: the citizen types it

    data: dict[str, Any] = view["data"]
    data["applicant"] = {**data["applicant"], "name": "别人的名字", "phone": citizen.person["phone"]}
    saved = (await web.put(f"{path}/data", json={"data": data}, headers=citizen.headers)).json()[
        "application"
    ]
    assert saved["provenance"]["/applicant/name"]["source"] == "citizen"
    assert saved["provenance"]["/applicant/name"]["overrode"]["claim"] == "name"
    assert saved["provenance"]["/applicant/id_number"]["source"] == "licence"  # untouched, still the card's


def test_comparison_normalises_width_case_and_spaces() -> None:
    assert normalised("３２１３０２１９９００１０１１２３ｘ") == normalised("32130219900101123X")
    assert normalised(" 张  伟 ") == normalised("张 伟")


async def test_a_licence_revoked_between_draft_and_submission_blocks_it_with_its_code(
    web: httpx.AsyncClient, services: Services
) -> None:
    citizen = await holder(web)  # an ID card, and a driving licence
    application_id = await draft(web, citizen, "SQ-GA-0005")  # 机动车驾驶证换证: fills the licence number
    path = f"/api/v1/applications/{application_id}"
    data: dict[str, Any] = (await web.get(path, headers=citizen.headers)).json()["data"]
    assert data["details"]["licence_no"]
    data["applicant"]["phone"] = citizen.person["phone"]
    data["details"].update(reason="有效期满", mailing_address="宿迁市宿城区幸福中路88号")
    assert (await web.put(f"{path}/data", json={"data": data}, headers=citizen.headers)).json()[
        "errors"
    ] == []

    library = (await web.get("/_sandbox/elicence/licences")).json()
    driving = next(
        lic
        for lic in library
        if lic["kind_code"] == "JDCJSZ" and lic["holder_id_number"] == citizen.person["id_number"]
    )
    await set_library_status(web, driving["identifier"], "revoked")
    await services.wiring.get(StatusLists).follow_feed()  # the change feed, as its job runs it

    blocked = await web.post(f"{path}/submit", headers=citizen.headers)
    assert blocked.status_code == 409, blocked.text
    assert blocked.json()["code"] == "licence.unusable"
    assert (await web.get(path, headers=citizen.headers)).json()["status"] == "draft"


async def test_drafts_holding_licence_data_are_purged_after_their_time(
    web: httpx.AsyncClient, services: Services
) -> None:
    citizen = await holder(web, "JMSFZ")
    await issue_at_library(web, citizen.person, "JHZ")
    application_id = await draft(web, citizen)
    applications = services.wiring.get(ApplicationService)
    await applications.purge_stale_drafts(older_than=timedelta(hours=72))
    fresh = (await web.get(f"/api/v1/applications/{application_id}", headers=citizen.headers)).json()
    assert fresh["data"]["applicant"]["id_number"] == citizen.person["id_number"]  # not yet 72 h old
    purged = await applications.purge_stale_drafts(older_than=timedelta(seconds=0))
    assert purged >= 1
    view = (await web.get(f"/api/v1/applications/{application_id}", headers=citizen.headers)).json()
    assert view["data"] == {}
    assert view["provenance"] == {}
    assert view["status"] == "draft"
