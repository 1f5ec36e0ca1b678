"""The console's application review and service catalogue screens in a real browser, on the embedded
default over real HTTP: a counter clerk takes a citizen's application through intake, review and a
correction request by keyboard (the effect read back through the citizen's own API); an operator gets
no review link and 403. Screenshots go where ``tests/console/test_console.py`` says."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

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
    """A counter clerk the operator created through the API, signed in for the first time (replacing
    the operator-set password on the setup page), by keyboard."""
    with httpx.Client(base_url=stack.base, timeout=30) as web:
        member = {
            "username": "review.wang",
            "display_name": "王审核",
            "role": "counter",
            "password": CLERK_PASSWORD,
        }
        assert web.post("/api/v1/admin/staff", json=member, headers=stack.admin).status_code == 201
    browser = chromium()
    try:
        browser.get(f"{stack.base}/console")
        sign_in_by_keyboard(browser, stack.base, "review.wang", CLERK_PASSWORD)
        wait_for(browser, lambda b: path_of(b).startswith("/console/setup"), "the account's setup")
        type_keys(browser, CLERK_PASSWORD, Keys.TAB, secrets.token_urlsafe(18), Keys.ENTER)
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
    assert links == {"nav-review"}
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
