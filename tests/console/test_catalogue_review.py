"""The console's application review and service catalogue screens in a real browser, on the embedded
default over real HTTP: a reviewer of the police bureau takes a citizen's application through intake,
review and a correction request by keyboard (the effect read back through the citizen's own API); an
operator gets no review link and 403. Screenshots go where ``tests/console/test_console.py`` says."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from backend.staff import totp
from tests.backend.application.factories import png
from tests.console.browser import (
    chromium,
    cookies_of,
    focused_id,
    path_of,
    press_enter_on,
    problem_code,
    screenshot,
    tab_to,
    type_keys,
    wait_for,
)
from tests.console.conftest import Stack, sign_in_by_keyboard
from tests.smoke.server import bearer
from tests.smoke.test_identity_embedded import _code, _person

pytestmark = pytest.mark.embedded

CLERK_PASSWORD = "review clerk first password 7"


def submitted_application(web: httpx.Client) -> tuple[dict[str, str], str]:
    """A citizen (their ID card at the e-licence library) who filled and submitted a residence permit
    application (SQ-GA-0001) with its materials: their bearer headers and the application's id."""
    person = _person(web)
    issued = web.post(
        "/_sandbox/elicence/licences",
        json={"name": person["name"], "id_number": person["id_number"], "kind_code": "JMSFZ"},
    )
    assert issued.status_code == 201, issued.text
    registered = web.post(
        "/api/v1/auth/register",
        json={
            "phone": person["phone"], "sms_code": _code(web, person["phone"], "register"),
            "name": person["name"], "id_number": person["id_number"],
        },
    )  # fmt: skip
    assert registered.status_code == 201, registered.text
    citizen = bearer(registered.json()["tokens"]["access_token"])
    created = web.post("/api/v1/applications", json={"item_code": "SQ-GA-0001"}, headers=citizen)
    assert created.status_code == 201, created.text
    application: dict[str, Any] = created.json()
    path = f"/api/v1/applications/{application['id']}"
    data = application["data"]
    data["applicant"]["phone"] = person["phone"]
    data["details"] = {
        "address": "宿迁市宿城区幸福中路88号",
        "residence_type": "租赁住房",
        "since": "2026-01-15",
    }
    assert web.put(f"{path}/data", json={"data": data}, headers=citizen).json()["errors"] == []
    card = next(i["id"] for i in web.get("/api/v1/licences", headers=citizen).json()["items"])
    given = web.post(
        f"{path}/materials/licence", json={"slot": "id_card", "licence_id": card}, headers=citizen
    )
    assert given.status_code == 201, given.text
    uploaded = web.post(
        f"{path}/materials", params={"slot": "residence_proof", "filename": "lease.png"},
        content=png(b"lease"), headers={**citizen, "content-type": "image/png"},
    )  # fmt: skip
    assert uploaded.status_code == 201, uploaded.text
    submitted = web.post(f"{path}/submit", headers=citizen)
    assert submitted.status_code == 200, submitted.text
    return citizen, application["id"]


@pytest.fixture(scope="module")
def clerk(stack: Stack, operator: webdriver.Chrome) -> Iterator[webdriver.Chrome]:
    """A reviewer the operator created through the API and bound to the police bureau (the residence
    permit's department), signed in for the first time by keyboard: replacing the operator-set
    password, then enrolling the authenticator its role must use."""
    with httpx.Client(base_url=stack.base, timeout=30) as web:
        member = {
            "username": "review.wang",
            "display_name": "王审核",
            "role": "reviewer",
            "password": CLERK_PASSWORD,
        }
        created = web.post("/api/v1/admin/staff", json=member, headers=stack.admin)
        assert created.status_code == 201, created.text
        binding = {"staff_id": created.json()["id"], "department": "宿迁市公安局"}
        bound = web.post("/api/v1/admin/reviewers", json=binding, headers=stack.admin)
        assert bound.status_code == 201, bound.text
    browser = chromium()
    try:
        browser.get(f"{stack.base}/console")
        sign_in_by_keyboard(browser, stack.base, "review.wang", CLERK_PASSWORD)
        wait_for(browser, lambda b: path_of(b).startswith("/console/setup"), "the account's setup")
        type_keys(browser, CLERK_PASSWORD, Keys.TAB, secrets.token_urlsafe(18), Keys.ENTER)
        wait_for(browser, lambda b: b.find_elements(By.ID, "start-enrolment"), "the enrolment")
        press_enter_on(browser, "start-enrolment")
        wait_for(browser, lambda b: b.find_elements(By.ID, "secret"), "the new secret")
        secret = browser.find_element(By.ID, "secret").text
        type_keys(browser, totp.code_at(secret, time.time()), Keys.ENTER)
        wait_for(browser, lambda b: b.find_elements(By.ID, "continue"), "the recovery codes")
        press_enter_on(browser, "continue")
        wait_for(browser, lambda b: path_of(b) == "/console", "the console's home")
        yield browser
    finally:
        browser.quit()


def status_is(expected: str) -> Callable[[webdriver.Chrome], bool]:
    def seen(browser: webdriver.Chrome) -> bool:
        return bool(browser.find_element(By.ID, "status").text == expected)

    return seen


def test_a_clerk_takes_an_application_through_intake_review_and_correction_by_keyboard(
    stack: Stack, clerk: webdriver.Chrome
) -> None:
    with httpx.Client(base_url=stack.base, timeout=30) as web:
        citizen, application_id = submitted_application(web)
    links = {a.get_attribute("id") for a in clerk.find_elements(By.CSS_SELECTOR, "nav a")}
    assert links == {"nav-review"}  # a reviewer: review alone
    press_enter_on(clerk, "nav-review")
    wait_for(clerk, lambda b: b.find_elements(By.ID, f"open-{application_id}"), "the submitted queue")
    screenshot(clerk, stack.shots, "20-review-queue")
    press_enter_on(clerk, f"open-{application_id}")
    wait_for(clerk, lambda b: b.find_elements(By.ID, "history"), "the application")
    # Only the moves open from ``submitted``; the ID number masked; the history from creation on.
    buttons = {b.get_attribute("id") for b in clerk.find_elements(By.CSS_SELECTOR, ".moves button")}
    assert buttons == {"move-accept", "move-refuse"}
    assert "**********" in clerk.find_element(By.ID, "form-data").text
    assert "submit" in clerk.find_element(By.ID, "history").text

    for move, status in (("accept", "accepted"), ("review", "in_review")):
        press_enter_on(clerk, f"move-{move}")
        wait_for(clerk, status_is(status), f"the move to {status}")
    buttons = {b.get_attribute("id") for b in clerk.find_elements(By.CSS_SELECTOR, ".moves button")}
    assert buttons == {"move-request_correction", "move-approve", "move-refuse"}

    # A correction request without its reason is refused by the browser's own check first; typed, it goes.
    tab_to(clerk, "reason-request_correction")
    type_keys(clerk, "请补充租房合同的签字页", Keys.TAB)
    assert focused_id(clerk) == "move-request_correction"
    type_keys(clerk, Keys.ENTER)
    wait_for(
        clerk, lambda b: b.find_element(By.ID, "status").text == "correction_requested", "the correction"
    )
    assert "请补充租房合同的签字页" in clerk.find_element(By.ID, "history").text
    screenshot(clerk, stack.shots, "21-review-application")

    with httpx.Client(base_url=stack.base, timeout=30) as web:
        mine = web.get(f"/api/v1/applications/{application_id}", headers=citizen).json()
        assert mine["status"] == "correction_requested"
        events = web.get(f"/api/v1/applications/{application_id}/events", headers=citizen).json()["items"]
        staff_moves = [(e["action"], e["source"]) for e in events if e["source"] == "staff"]
        assert staff_moves == [
            ("staff.accept", "staff"), ("staff.review", "staff"), ("staff.request_correction", "staff")
        ]  # fmt: skip
        assert events[-1]["reason"] == "请补充租房合同的签字页"

        # A move the page no longer offers, posted anyway with the clerk's session: the service's 409.
        token = clerk.find_element(By.CSS_SELECTOR, 'input[name="csrf"]').get_attribute("value")
        with httpx.Client(base_url=stack.base, timeout=30, cookies=cookies_of(clerk)) as session:
            stale = session.post(f"/console/review/{application_id}/accept", data={"csrf": token})
            assert stale.status_code == 409
            assert 'data-problem-code="application.transition_invalid"' in stale.text
            empty = session.post(
                f"/console/review/{application_id}/refuse", data={"csrf": token, "reason": " "}
            )
            assert 'data-problem-code="console.form_invalid"' in empty.text


def test_an_operator_gets_no_review_link_and_403(stack: Stack, operator: webdriver.Chrome) -> None:
    operator.get(f"{stack.base}/console")
    assert not operator.find_elements(By.ID, "nav-review")
    operator.get(f"{stack.base}/console/review")
    assert problem_code(operator) == "auth.missing_role"


def _draft_of(stack: Stack, code: str) -> dict[str, Any]:
    with httpx.Client(base_url=stack.base, timeout=30) as web:
        versions = web.get(f"/api/v1/admin/catalogue/items/{code}/versions", headers=stack.admin).json()[
            "items"
        ]
    found: dict[str, Any] = next(v for v in versions if v["status"] == "draft")
    return found


def _replace(browser: webdriver.Chrome, element_id: str, text: str) -> None:
    tab_to(browser, element_id)
    ActionChains(browser).key_down(Keys.CONTROL).send_keys("a").key_up(Keys.CONTROL).send_keys(text).perform()


def test_an_operator_drafts_previews_and_publishes_a_catalogue_item_by_keyboard(
    stack: Stack, operator: webdriver.Chrome
) -> None:
    operator.get(f"{stack.base}/console")
    press_enter_on(operator, "nav-catalogue")
    wait_for(operator, lambda b: b.find_elements(By.ID, "item-SQ-GA-0001"), "the catalogue")
    screenshot(operator, stack.shots, "22-catalogue")
    press_enter_on(operator, "item-SQ-GA-0001")
    wait_for(operator, lambda b: b.find_elements(By.ID, "new-draft"), "the item's versions")
    press_enter_on(operator, "new-draft")
    wait_for(operator, lambda b: b.find_elements(By.ID, "draft-form"), "the new draft")
    _replace(operator, "name", "居住证办理（试行新版）")
    _replace(operator, "time_limit_days", "5")
    type_keys(operator, Keys.ENTER)
    wait_for(operator, lambda b: b.find_elements(By.ID, "done") or problem_code(b), "the draft saved")
    assert problem_code(operator) is None, operator.find_element(By.ID, "main").text
    assert "saved:SQ-GA-0001" in operator.find_element(By.ID, "done").text
    draft = _draft_of(stack, "SQ-GA-0001")
    assert (draft["definition"]["name"], draft["definition"]["time_limit_days"]) == (
        "居住证办理（试行新版）",
        5,
    )
    screenshot(operator, stack.shots, "23-catalogue-draft")

    # The preview: each step, its labels, required marks, and an enum as a select.
    press_enter_on(operator, "preview")
    wait_for(operator, lambda b: b.find_elements(By.ID, "preview-form"), "the form's preview")
    legends = [e.text for e in operator.find_elements(By.CSS_SELECTOR, "fieldset legend")]
    assert legends[0] == "1. 申请人信息"
    residence = operator.find_element(By.CSS_SELECTOR, '[data-path="/details/residence_type"]')
    assert "租赁住房" in [o.text for o in residence.find_elements(By.TAG_NAME, "option")]
    assert residence.find_elements(By.CSS_SELECTOR, ".required")
    screenshot(operator, stack.shots, "24-catalogue-preview")

    # Bad input is a page naming its code: not JSON (the console's), a schema the service refuses.
    operator.get(f"{stack.base}/console/catalogue/SQ-GA-0001/versions/{draft['version']}")
    token = operator.find_element(By.CSS_SELECTOR, 'input[name="csrf"]').get_attribute("value") or ""
    fields = {
        "csrf": token, "name": "x", "department": "宿迁市公安局", "fee_fen": "0", "time_limit_days": "5",
    }  # fmt: skip
    bad_schema = (
        '{"schema": {"type": 5}, "ui": {"steps": [{"title": "t", "fields": [{"path": "/a", "label": "a"}]}]}}'
    )
    with httpx.Client(base_url=stack.base, timeout=30, cookies=cookies_of(operator)) as session:
        page = f"/console/catalogue/SQ-GA-0001/versions/{draft['version']}"
        refusals = (
            ("{not json", "console.form_invalid"), ("[" * 60000, "console.form_invalid"),
            (bad_schema, "catalogue.form_invalid"),
        )  # fmt: skip
        for form, code in refusals:
            refused = session.post(page, data={**fields, "form": form})
            assert (refused.status_code, f'data-problem-code="{code}"' in refused.text) == (422, True)

    press_enter_on(operator, "publish")
    wait_for(operator, lambda b: b.find_elements(By.ID, "done"), "the publication")
    with httpx.Client(base_url=stack.base, timeout=30) as web:
        current = web.get("/api/v1/catalogue/items/SQ-GA-0001").json()
    assert (current["version"], current["definition"]["name"]) == (draft["version"], "居住证办理（试行新版）")


def test_a_draft_posted_after_its_access_lapsed_is_back_after_renewal_and_not_in_another_session(
    stack: Stack, operator: webdriver.Chrome
) -> None:
    # A published version's page has no form to keep, so no hold token.
    operator.get(f"{stack.base}/console/catalogue/SQ-GA-0002/versions/1")
    wait_for(operator, lambda b: b.find_elements(By.ID, "status"), "the published version")
    assert not operator.find_elements(By.CSS_SELECTOR, 'input[name="hold"]')
    operator.get(f"{stack.base}/console/catalogue/SQ-GA-0002")
    press_enter_on(operator, "new-draft")
    wait_for(operator, lambda b: b.find_elements(By.ID, "draft-form"), "the new draft")
    page = path_of(operator).split("?")[0]
    _replace(operator, "department", "宿迁市公安局（户政）")
    # The access token lapses while the operator types (its cookie gone; the session's refresh one
    # lives): the post goes through renewal, and the fields come back with the draft, unsaved.
    operator.delete_cookie("suqian_console")
    _replace(operator, "name", "半填的名称")
    type_keys(operator, Keys.ENTER)
    wait_for(operator, lambda b: b.find_elements(By.ID, "restored"), "the draft with what was typed")
    assert path_of(operator) == page
    assert operator.find_element(By.ID, "name").get_attribute("value") == "半填的名称"
    assert operator.find_element(By.ID, "department").get_attribute("value") == "宿迁市公安局（户政）"
    screenshot(operator, stack.shots, "25-catalogue-restored")
    assert _draft_of(stack, "SQ-GA-0002")["definition"]["name"] != "半填的名称"  # nothing saved meanwhile
    press_enter_on(operator, "save")
    wait_for(operator, lambda b: b.find_elements(By.ID, "done"), "the draft saved")
    assert _draft_of(stack, "SQ-GA-0002")["definition"]["name"] == "半填的名称"
    # Taken once: opening the draft again shows what is saved, with no notice.
    operator.get(f"{stack.base}{page}")
    assert not operator.find_elements(By.ID, "restored")

    # The session ends (every cookie gone, the refresh one too): signing in makes another session,
    # and the fields the old session's page posted are not put into it.
    operator.execute_cdp_cmd("Network.clearBrowserCookies", {})
    _replace(operator, "name", "另一个会话")
    type_keys(operator, Keys.ENTER)
    sign_in_by_keyboard(operator, stack.base, "admin", stack.password)
    wait_for(operator, lambda b: b.find_elements(By.ID, "recovery_code"), "the second-factor form")
    type_keys(operator, Keys.TAB, stack.recovery_codes[0], Keys.ENTER)
    wait_for(operator, lambda b: path_of(b) == page, "the draft again")
    assert not operator.find_elements(By.ID, "restored")
    assert operator.find_element(By.ID, "name").get_attribute("value") == "半填的名称"
