"""The console's working screens in a real browser, on the embedded default: a counter clerk serves
numbers at their counter, a publisher publishes a warning and follows its fan-out, an operator
resolves a payment discrepancy and rotates the citizen-code key and reads the clone flags — each main
task walked with the keyboard, its effect checked through the API; a member without the role sees no
link and gets 403. Also the small fixes of the console's review: a setup password over the API's
limit is a form error, ``/console/renew`` without a refresh cookie signs nobody out."""

from __future__ import annotations

import secrets
import sqlite3
import uuid
from contextlib import closing
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

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
from tests.smoke.test_code_embedded import _citizen
from tests.smoke.test_queues_embedded import _hall

pytestmark = pytest.mark.embedded

FIRST_PASSWORD = "operator-set first password 9"


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _member(stack: Stack, username: str, role: str) -> str:
    """A member created by the operator through the API; their id."""
    with httpx.Client(base_url=stack.base, timeout=30) as web:
        body = {"username": username, "display_name": username, "role": role, "password": FIRST_PASSWORD}
        return str(_ok(web.post("/api/v1/admin/staff", json=body, headers=stack.admin), 201)["id"])


def _first_sign_in(stack: Stack, username: str) -> tuple[webdriver.Chrome, str]:
    """A browser in which ``username`` signed in for the first time: the operator-set password,
    replaced on the setup page by keyboard (ADR 9), then the console's home; and the new password."""
    browser, password = chromium(), secrets.token_urlsafe(18)
    browser.get(f"{stack.base}/console")
    sign_in_by_keyboard(browser, stack.base, username, FIRST_PASSWORD)
    wait_for(browser, lambda b: path_of(b).startswith("/console/setup"), "the account's setup")
    assert focused_id(browser) == "current_password"
    type_keys(browser, FIRST_PASSWORD, Keys.TAB, password, Keys.ENTER)
    wait_for(browser, lambda b: path_of(b) == "/console", "the console's home")
    return browser, password


def _links(browser: webdriver.Chrome) -> set[str]:
    return {a.get_attribute("id") or "" for a in browser.find_elements(By.CSS_SELECTOR, "nav a")}


def _refused(stack: Stack, browser: webdriver.Chrome, page: str) -> None:
    """No link to the screen, and its page answers 403 for the role."""
    browser.get(f"{stack.base}/console")
    assert f"nav-{page.split('/')[2]}" not in _links(browser)
    browser.get(f"{stack.base}{page}")
    assert problem_code(browser) == "auth.missing_role", browser.page_source[:500]


def _done(browser: webdriver.Chrome, text: str) -> None:
    wait_for(browser, lambda b: text in " ".join(e.text for e in b.find_elements(By.ID, "done")), text)


def test_renew_without_a_refresh_cookie_goes_to_sign_in_and_deletes_no_cookie(stack: Stack) -> None:
    with httpx.Client(base_url=stack.base, timeout=30) as web:
        answer = web.get("/console/renew", params={"next": "/console/staff"})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/sign-in?next=/console/staff"
    assert "set-cookie" not in answer.headers


def test_a_setup_password_over_the_apis_limit_is_a_form_error(
    stack: Stack, operator: webdriver.Chrome
) -> None:
    _member(stack, "long.pw", "counter")
    browser = chromium()
    try:
        browser.get(f"{stack.base}/console")
        sign_in_by_keyboard(browser, stack.base, "long.pw", FIRST_PASSWORD)
        wait_for(browser, lambda b: path_of(b).startswith("/console/setup"), "the account's setup")
        token = browser.find_element(By.CSS_SELECTOR, 'input[name="csrf"]').get_attribute("value")
        form = {"csrf": token, "current_password": FIRST_PASSWORD, "new_password": "p" * 129}
        with httpx.Client(base_url=stack.base, timeout=30, cookies=cookies_of(browser)) as web:
            refused = web.post("/console/setup/password", data=form)
        assert refused.status_code == 422
        assert 'data-problem-code="console.form_invalid"' in refused.text
    finally:
        browser.quit()


def test_a_clerk_serves_numbers_at_their_counter_by_keyboard(
    stack: Stack, operator: webdriver.Chrome
) -> None:
    with httpx.Client(base_url=stack.base, timeout=30) as web:
        hall, code, service_a, counter_id = _hall(web, stack.admin, "console hall")
        _ok(
            web.post(
                f"/api/v1/admin/queue/halls/{hall['id']}/services",
                json={"name": "社保", "prefix": "B"},
                headers=stack.admin,
            ),
            201,
        )
        clerk_id = _member(stack, "clerk.wang", "counter")
        assigned = web.put(f"/api/v1/admin/queue/halls/{hall['id']}/staff/{clerk_id}", headers=stack.admin)
        assert assigned.status_code == 204
        citizens = [_citizen(web) for _ in range(2)]
        tickets = [
            _ok(
                web.post(
                    "/api/v1/queue/tickets",
                    json={"service_id": service_a, "hall_code": code},
                    headers=citizen,
                ),
                201,
            )
            for citizen in citizens
        ]
    assert [t["label"] for t in tickets] == ["A001", "A002"]
    clerk, _password = _first_sign_in(stack, "clerk.wang")
    try:
        assert "nav-counters" in _links(clerk)
        press_enter_on(clerk, "nav-counters")
        wait_for(clerk, lambda b: b.find_elements(By.ID, f"counter-{counter_id}"), "the clerk's counter")
        press_enter_on(clerk, f"counter-{counter_id}")
        wait_for(clerk, lambda b: b.find_elements(By.ID, "call-next"), "the counter")
        press_enter_on(clerk, "call-next")
        _done(clerk, "called:A001")
        assert "A001" in clerk.find_element(By.ID, "serving").text
        press_enter_on(clerk, "recall")
        _done(clerk, "recalled:A001")
        # A no-show is skipped only after the grace period: the service's rule, met as a page.
        press_enter_on(clerk, "skip")
        wait_for(clerk, lambda b: problem_code(b) is not None, "the problem page")
        assert problem_code(clerk) == "queue.grace_not_over"
        clerk.get(f"{stack.base}/console/counters/{counter_id}")
        tab_to(clerk, "transfer-service")
        type_keys(clerk, "社保", Keys.TAB)
        assert focused_id(clerk) == "transfer"
        type_keys(clerk, Keys.ENTER)
        _done(clerk, "transferred:B001")
        press_enter_on(clerk, "call-next")
        _done(clerk, "called:A002")
        screenshot(clerk, stack.shots, "20-counter")
        press_enter_on(clerk, "finish")
        _done(clerk, "finished:A002")
        with httpx.Client(base_url=stack.base, timeout=30) as web:
            state = _ok(web.get(f"/api/v1/queue/counters/{counter_id}", headers=stack.admin))
            assert state["current"] is None
            statuses = [
                _ok(web.get(f"/api/v1/queue/tickets/{ticket['id']}", headers=citizen))["ticket"]["status"]
                for ticket, citizen in zip(tickets, citizens, strict=True)
            ]
        assert statuses == ["transferred", "done"]
        # Another hall's counter is not the clerk's: the service's 403, as the API answers.
        with httpx.Client(base_url=stack.base, timeout=30) as web:
            _other, _code, _service, other_counter = _hall(web, stack.admin, "another hall")
        clerk.get(f"{stack.base}/console/counters/{other_counter}")
        assert problem_code(clerk) == "queue.counter_not_yours"
        for page in ("/console/staff", "/console/payments", "/console/citizen-code"):
            _refused(stack, clerk, page)
    finally:
        clerk.quit()


def test_a_publisher_publishes_a_warning_follows_its_fan_out_and_cancels_it_by_keyboard(
    stack: Stack, operator: webdriver.Chrome
) -> None:
    with httpx.Client(base_url=stack.base, timeout=30) as web:
        publisher_id = _member(stack, "qxt.zhou", "publisher")
        bound = {"staff_id": publisher_id, "organisation": "meteorological"}
        _ok(web.post("/api/v1/warnings/publishers", json=bound, headers=stack.admin), 201)
        citizen = _citizen(web)
        _ok(web.put("/api/v1/warnings/subscription", json={"districts": ["宿城区"]}, headers=citizen))
    publisher, password = _first_sign_in(stack, "qxt.zhou")
    try:
        assert _links(publisher) == {"nav-warnings"}
        press_enter_on(publisher, "nav-warnings")
        wait_for(publisher, lambda b: b.find_elements(By.ID, "publish-warning"), "the warnings screen")
        tab_to(publisher, "kind")
        type_keys(publisher, "暴雨", Keys.TAB, "red", Keys.TAB)
        assert focused_id(publisher) == "district-1"  # 宿城区
        type_keys(publisher, Keys.SPACE)
        tab_to(publisher, "text")
        type_keys(publisher, "预计未来3小时宿城区将出现50毫米以上降水，请减少外出。")
        press_enter_on(publisher, "publish")
        _done(publisher, "published:")
        warning_id = path_of(publisher).split("?")[0].rsplit("/", 1)[1]
        assert publisher.find_element(By.TAG_NAME, "h1").text == "暴雨红色预警"
        # The fan-out runs in the background: the page is refreshed (Enter on its link) until done.
        for _ in range(60):
            if publisher.find_element(By.ID, "fanout-state").text == "done":
                break
            press_enter_on(publisher, "refresh")
            wait_for(publisher, lambda b: b.find_elements(By.ID, "fanout-state"), "the progress")
        shown = {
            row.get_attribute("data-channel"): row.find_element(By.CLASS_NAME, "sent").text
            for row in publisher.find_elements(By.CSS_SELECTOR, "#progress tr[data-channel]")
        }
        screenshot(publisher, stack.shots, "21-warning-progress")
        with httpx.Client(base_url=stack.base, timeout=30) as web:
            signed = _ok(web.post("/api/v1/staff/token", json={"username": "qxt.zhou", "password": password}))
            api = {"authorization": f"Bearer {signed['access_token']}"}
            progress = _ok(web.get(f"/api/v1/warnings/{warning_id}/progress", headers=api))
        assert progress["state"] == "done"
        assert shown == {channel: str(counts["sent"]) for channel, counts in progress["channels"].items()}
        assert sum(counts["sent"] for counts in progress["channels"].values()) == 1

        tab_to(publisher, "change-text")
        type_keys(publisher, "降水减弱，仍请注意安全。")
        press_enter_on(publisher, "change")
        _done(publisher, "changed:v2")
        press_enter_on(publisher, "cancel")
        _done(publisher, "cancelled:")
        assert publisher.find_element(By.ID, "state").text == "cancelled"
        screenshot(publisher, stack.shots, "22-warning-cancelled")
        with httpx.Client(base_url=stack.base, timeout=30) as web:
            read = _ok(web.get("/api/v1/warnings/published", headers=api))["items"][0]
            in_force = _ok(web.get("/api/v1/warnings"))["items"]
        assert (read["id"], read["state"], read["version"]) == (warning_id, "cancelled", 3)
        assert read["text"] == "降水减弱，仍请注意安全。"
        assert warning_id not in {w["id"] for w in in_force}
        _refused(stack, publisher, "/console/counters")
    finally:
        publisher.quit()
    # The operator is no publisher: no link, and 403 (as the API's publishing routes answer).
    _refused(stack, operator, "/console/warnings")


def _discrepancy(stack: Stack) -> str:
    """A bill amount that differs from our ledger's, as reconciliation lists it — by hand in the SQLite
    file: on the embedded default no route produces one (bills are of past days; the sandbox's
    platform signs notifications with a key it does not share)."""
    found = str(uuid.uuid4())
    with closing(sqlite3.connect(stack.data_dir / "suqian.sqlite3", timeout=10)) as db, db:
        db.execute(
            "INSERT INTO payment_discrepancy (id, key, kind, platform, bill_date, out_trade_no, reference, "
            "ours_fen, theirs_fen, detail, status, note, resolved_by, resolved_at, created_at) VALUES "
            "(:id, :key, 'amount_mismatch', 'wechatpay', NULL, 'SQ20261202000001', '4200000001', 5000, 4990, "
            "'the bill''s amount differs from our ledger''s', 'open', '', '', NULL, :now)",
            {"id": found, "key": f"console-test:{found}", "now": datetime.now(UTC).isoformat()},
        )
    return found


def test_the_operator_resolves_a_discrepancy_and_reconciles_a_day_by_keyboard(
    stack: Stack, operator: webdriver.Chrome
) -> None:
    found = _discrepancy(stack)
    operator.get(f"{stack.base}/console")
    press_enter_on(operator, "nav-payments")
    wait_for(operator, lambda b: b.find_elements(By.ID, f"resolve-{found}"), "the open discrepancy")
    screenshot(operator, stack.shots, "23-discrepancies")
    tab_to(operator, f"outcome-{found}")
    type_keys(operator, "resolved", Keys.TAB)
    assert focused_id(operator) == f"note-{found}"
    type_keys(operator, "已与商户平台核对，补退差额", Keys.ENTER)
    _done(operator, f"resolved:{found}")
    assert not operator.find_elements(By.ID, f"resolve-{found}")
    with httpx.Client(base_url=stack.base, timeout=30) as web:
        settled = _ok(
            web.get(
                "/api/v1/admin/payments/discrepancies", params={"status": "resolved"}, headers=stack.admin
            )
        )
        row = next(item for item in settled["items"] if item["id"] == found)
        assert (row["status"], row["note"]) == ("resolved", "已与商户平台核对，补退差额")
    # Settled once: the service's rule, on the page as in the API; an outcome not the API's: a form error.
    token = operator.find_element(By.CSS_SELECTOR, 'input[name="csrf"]').get_attribute("value")
    with httpx.Client(base_url=stack.base, timeout=30, cookies=cookies_of(operator)) as web:
        again = web.post(
            f"/console/payments/discrepancies/{found}/resolve",
            data={"csrf": token, "status": "dismissed", "note": "再次"},
        )
        assert (again.status_code, 'data-problem-code="payment.discrepancy_resolved"' in again.text) == (
            409,
            True,
        )
        bad = web.post(
            f"/console/payments/discrepancies/{found}/resolve",
            data={"csrf": token, "status": "maybe", "note": "x"},
        )
        assert (bad.status_code, 'data-problem-code="console.form_invalid"' in bad.text) == (422, True)

    yesterday = (datetime.now(UTC) + timedelta(hours=8) - timedelta(days=1)).date().isoformat()
    tab_to(operator, "platform")
    type_keys(operator, "wechatpay", Keys.TAB, yesterday, Keys.ENTER)
    wait_for(operator, lambda b: b.find_elements(By.ID, "report"), "the reconciliation's report")
    assert f"Reconciled wechatpay {yesterday}" in operator.find_element(By.ID, "report").text
    screenshot(operator, stack.shots, "24-reconciled")


def test_the_operator_rotates_the_issuer_key_and_reads_the_clone_flags_by_keyboard(
    stack: Stack, operator: webdriver.Chrome
) -> None:
    with httpx.Client(base_url=stack.base, timeout=30) as web:
        before = _ok(web.get("/api/v1/admin/citizen-code/keys", headers=stack.admin))
    operator.get(f"{stack.base}/console")
    press_enter_on(operator, "nav-citizen-code")
    wait_for(operator, lambda b: b.find_elements(By.ID, "rotate"), "the citizen-code screen")
    press_enter_on(operator, "rotate")
    _done(operator, "rotated:")
    kid = operator.find_element(By.ID, "done").text.rsplit(":", 1)[1]
    screenshot(operator, stack.shots, "25-citizen-code")
    with httpx.Client(base_url=stack.base, timeout=30) as web:
        after = _ok(web.get("/api/v1/admin/citizen-code/keys", headers=stack.admin))
        flags = _ok(web.get("/api/v1/admin/citizen-code/clone-flags", headers=stack.admin))["items"]
    assert after["trust_list_seq"] > before["trust_list_seq"]
    assert {key["kid"]: key["state"] for key in after["items"]}[kid] == "active"
    shown = {
        row.get_attribute("data-kid"): row.find_element(By.CLASS_NAME, "state").text
        for row in operator.find_elements(By.CSS_SELECTOR, "#keys tr[data-kid]")
    }
    assert shown == {key["kid"]: key["state"] for key in after["items"]}
    # The same flags as the API's list (none on this stack: no scanner uploaded a log).
    rows = operator.find_elements(By.CSS_SELECTOR, "#flags tr[data-flag]")
    assert [row.get_attribute("data-flag") for row in rows] == [str(flag["id"]) for flag in flags]
