"""The staff console in a real browser (Debian's chromium through Selenium), on the embedded default
over real HTTP: the operator signs in with a TOTP code computed here, walks each screen's main task
with the keyboard alone (Tab and Enter) — creates a member and disables another, replays a dead
letter, verifies the audit chain — a renewal and an ended session go back through sign-in, a form
without its CSRF token is refused, and a member without the role sees no link and gets 403.

A screenshot of each screen is written to ``$SUQIAN_CONSOLE_SCREENSHOTS`` when set, else to the
test's temporary folder (its path is printed)."""

from __future__ import annotations

import itertools
import re
import secrets
import time
from pathlib import Path
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
from tests.smoke.test_credit_embedded import registered, until
from tests.smoke.test_hotline_embedded import COMPLAINT

pytestmark = pytest.mark.embedded

CLERK_PASSWORD = "counter clerk first password 7"


def test_the_operator_signs_in_with_the_second_factor_and_sees_every_screen(
    stack: Stack, operator: webdriver.Chrome
) -> None:
    operator.get(f"{stack.base}/console")
    links = {a.get_attribute("id") for a in operator.find_elements(By.CSS_SELECTOR, "nav a")}
    # Not application review: a reviewer's (the operator decides no citizen's case); the counter
    # screen too, as the API's counter routes allow.
    assert links == {
        "nav-staff", "nav-outbox", "nav-audit", "nav-scanners", "nav-catalogue", "nav-counters",
        "nav-payments", "nav-citizen-code", "nav-venues",
    }  # fmt: skip
    cookie = operator.get_cookie("suqian_console")
    assert cookie is not None
    assert (cookie["httpOnly"], cookie["sameSite"], cookie["path"]) == (True, "Strict", "/console")
    screenshot(operator, stack.shots, "04-home")


def test_the_operator_creates_a_member_and_disables_another_by_keyboard(
    stack: Stack, operator: webdriver.Chrome
) -> None:
    with httpx.Client(base_url=stack.base, timeout=30) as web:
        other = {
            "username": "temp.zhao",
            "display_name": "赵临时",
            "role": "counter",
            "password": CLERK_PASSWORD,
        }
        assert web.post("/api/v1/admin/staff", json=other, headers=stack.admin).status_code == 201
    operator.get(f"{stack.base}/console")
    press_enter_on(operator, "nav-staff")
    wait_for(operator, lambda b: path_of(b) == "/console/staff", "the staff screen")

    tab_to(operator, "new-username")
    type_keys(operator, "clerk.li", Keys.TAB, "李窗口", Keys.TAB, "counter", Keys.TAB)
    assert focused_id(operator) == "new-password"
    type_keys(operator, CLERK_PASSWORD, Keys.ENTER)
    wait_for(operator, lambda b: b.find_elements(By.ID, "done"), "the member created")
    row = operator.find_element(By.CSS_SELECTOR, 'tr[data-username="clerk.li"]')
    assert "counter" in row.text
    assert row.find_element(By.CLASS_NAME, "status").text == "active"

    press_enter_on(operator, "toggle-temp.zhao")
    wait_for(operator, lambda b: "disabled:temp.zhao" in b.find_element(By.ID, "done").text, "the disable")
    row = operator.find_element(By.CSS_SELECTOR, 'tr[data-username="temp.zhao"]')
    assert row.find_element(By.CLASS_NAME, "status").text == "disabled"
    press_enter_on(operator, "end-sessions-clerk.li")
    wait_for(
        operator, lambda b: "sessions-ended:" in b.find_element(By.ID, "done").text, "the sessions ended"
    )
    screenshot(operator, stack.shots, "05-staff")
    with httpx.Client(base_url=stack.base, timeout=30) as web:
        # The same service as the API: the disabled member can't sign in.
        refused = web.post("/api/v1/staff/token", json={"username": "temp.zhao", "password": CLERK_PASSWORD})
        assert (refused.status_code, refused.json()["code"]) == (401, "auth.invalid_credentials")

    # A rule of the service, met on the page: not yourself (as the API answers).
    press_enter_on(operator, "toggle-admin")
    wait_for(operator, lambda b: problem_code(b) is not None, "the problem page")
    assert problem_code(operator) == "staff.not_on_yourself"
    assert "Traceback" not in operator.page_source
    screenshot(operator, stack.shots, "06-problem-page")


def _dead_letter(stack: Stack) -> dict[str, Any]:
    """A complaint filed while 12345 is down, its one try spent: a dead letter."""
    with httpx.Client(base_url=stack.base, timeout=30) as web:
        _person, citizen = registered(web)
        web.post("/_sandbox/hotline12345/faults", json={"down": True})
        try:
            filed = web.post("/api/v1/hotline/tickets", json=COMPLAINT, headers=citizen)
            assert filed.status_code == 201, filed.text
            dead = until(
                lambda: web.get("/api/v1/admin/outbox", params={"state": "dead"}, headers=stack.admin).json(),
                lambda page: any(job["topic"].startswith("hotline") for job in page["items"]),
                60,
            )
        finally:
            web.post("/_sandbox/hotline12345/faults/reset")
    job: dict[str, Any] = next(job for job in dead["items"] if job["topic"].startswith("hotline"))
    return job


def test_the_operator_replays_a_dead_letter_by_keyboard(stack: Stack, operator: webdriver.Chrome) -> None:
    job = _dead_letter(stack)
    time.sleep(2.5)  # the breaker's cool-down after the outage (SUQIAN_UPSTREAM_BREAKER_OPEN_SECONDS)
    operator.get(f"{stack.base}/console")
    press_enter_on(operator, "nav-outbox")
    wait_for(operator, lambda b: b.find_elements(By.ID, f"replay-{job['id']}"), "the dead letter")
    screenshot(operator, stack.shots, "07-outbox")
    press_enter_on(operator, f"replay-{job['id']}")
    wait_for(operator, lambda b: b.find_elements(By.ID, "done"), "the replay")
    assert job["id"] in operator.find_element(By.ID, "done").text
    with httpx.Client(base_url=stack.base, timeout=30) as web:
        delivered = until(
            lambda: web.get(f"/api/v1/admin/outbox/{job['id']}", headers=stack.admin).json(),
            lambda found: found["state"] == "done",
            60,
        )
    assert delivered["replays"] == 1


def test_the_operator_verifies_the_audit_chain_by_keyboard(stack: Stack, operator: webdriver.Chrome) -> None:
    operator.get(f"{stack.base}/console")
    press_enter_on(operator, "nav-audit")
    wait_for(operator, lambda b: b.find_elements(By.ID, "entries"), "the audit log")
    actions = operator.find_element(By.ID, "entries").text
    # What the console did, audited by the services as the API's calls are.
    for action in ("staff.created", "staff.disabled", "staff.login"):
        assert action in actions
    press_enter_on(operator, "verify-chain")
    wait_for(operator, lambda b: b.find_elements(By.ID, "report"), "the chain's report")
    report = operator.find_element(By.ID, "report").text
    assert re.match(r"Intact: all \d+ entries of auth link and seal", report), report
    screenshot(operator, stack.shots, "08-audit")


def test_the_operator_registers_a_scanner_and_revokes_it_by_keyboard(
    stack: Stack, operator: webdriver.Chrome
) -> None:
    operator.get(f"{stack.base}/console")
    press_enter_on(operator, "nav-scanners")
    wait_for(operator, lambda b: path_of(b) == "/console/scanners", "the scanners screen")
    tab_to(operator, "scene")
    type_keys(operator, "library", Keys.TAB, "宿迁市图书馆一楼", Keys.ENTER)
    wait_for(operator, lambda b: b.find_elements(By.ID, "credential"), "the new scanner's credential")
    credential = operator.find_element(By.ID, "credential").text
    device_id = operator.find_element(By.CSS_SELECTOR, "#registered code").text
    screenshot(operator, stack.shots, "09-scanners")
    with httpx.Client(base_url=stack.base, timeout=30) as web:
        exchange = {"device_id": device_id, "credential": credential}
        token = web.post("/api/v1/scanner/token", json=exchange)
        assert token.status_code == 200, token.text
        operator.get(f"{stack.base}/console/scanners")
        press_enter_on(operator, f"revoke-{device_id}")
        wait_for(operator, lambda b: b.find_elements(By.ID, "done"), "the revocation")
        status = operator.find_element(By.CSS_SELECTOR, f'tr[data-device="{device_id}"] .status').text
        assert status.startswith("revoked")
        refused = web.post("/api/v1/scanner/token", json=exchange)
        assert (refused.status_code, refused.json()["code"]) == (401, "scanner.credentials_invalid")


def test_a_form_posted_without_its_csrf_token_is_refused(stack: Stack, operator: webdriver.Chrome) -> None:
    operator.get(f"{stack.base}/console/staff")
    cookies = cookies_of(operator)
    with httpx.Client(base_url=stack.base, timeout=30, cookies=cookies) as web:
        form = {
            "username": "forged.one",
            "display_name": "伪",
            "role": "operator",
            "password": CLERK_PASSWORD,
        }
        for forged in (form, {**form, "csrf": "0" * 64}):
            refused = web.post("/console/staff", data=forged)
            assert refused.status_code == 403
            assert 'data-problem-code="console.csrf_invalid"' in refused.text
        listed = web.get("/api/v1/admin/staff", headers=stack.admin).json()["items"]
    assert "forged.one" not in {member["username"] for member in listed}


# What the API's bad-input catalogue (tests/contract/catalogue.py) throws at a value, as URL text.
HOSTILE = {
    "NUL": "%00",
    "4,000 characters": "x" * 4000,
    "lone surrogate": "%ED%A0%80",
    "invalid UTF-8": "%FF%FE",
    "Arabic-Indic digits": "%D9%A3%D9%A4",
    "markup": "%3Cscript%3Ealert(1)%3C/script%3E",
}
# Every parameter a console page reads, and every field a console form posts.
PARAMETERS = ("next", "chain", "before", "cursor", "state", "done")
FIELDS = (
    "username", "display_name", "role", "password", "status", "challenge", "code", "recovery_code", "reason",
    "name", "department", "aliases", "conditions", "fee_fen", "time_limit_days", "form", "hold",
)  # fmt: skip


def _console_routes() -> list[tuple[str, str]]:
    """The console's routes, read from the committed access table: a page added later is covered."""
    table = Path(__file__).parents[1] / "contract" / "access_table.txt"
    routes = [line.split()[:2] for line in table.read_text().splitlines()]
    return [(method, path) for method, path in routes if path.startswith("/console")]


def _hostile_verdict(response: httpx.Response) -> str | None:
    kind = response.headers.get("content-type", "")
    if response.status_code >= 500:
        return "a server error"
    if kind.startswith("text/html") and ("Traceback" in response.text or "<script>" in response.text):
        return "a trace or the value as markup"
    if response.status_code < 400:
        return None
    if kind.startswith("text/html"):
        return (
            None if re.search(r'data-problem-code="[a-z_.]+"', response.text) else "a page without its code"
        )
    # Refused before any console route ran (a path id of no route's shape, a request line over
    # the limit): the app's problem+json, with its code.
    return None if kind.startswith("application/problem+json") and response.json().get("code") else kind


def test_hostile_values_on_every_console_page_answer_pages_never_errors(
    stack: Stack, operator: webdriver.Chrome
) -> None:
    """Each page and form with hostile parameters, fields and path ids, signed in and not: a page or a
    redirect, or a 4xx problem page naming a code — never a 5xx, never a stack trace, never the
    value echoed as markup."""
    operator.get(f"{stack.base}/console")
    token = operator.find_element(By.CSS_SELECTOR, 'input[name="csrf"]').get_attribute("value") or ""
    routes = _console_routes()
    assert len(routes) >= 15
    failures = []
    signed_in = httpx.Client(base_url=stack.base, timeout=30, cookies=cookies_of(operator))
    anonymous = httpx.Client(base_url=stack.base, timeout=30)
    with signed_in, anonymous:
        for (method, template), (name, value) in itertools.product(routes, HOSTILE.items()):
            short = value[
                :1000
            ]  # within the 8 KiB a request line may take (backend.edge), once per parameter
            path = re.sub(r"\{[a-z_]+\}", short, template)
            query = "&".join(f"{parameter}={short}" for parameter in PARAMETERS)
            form = "&".join([f"csrf={token}", *(f"{field}={value}" for field in FIELDS)])
            for who, web in (("operator", signed_in), ("anonymous", anonymous)):
                if (who, template) == ("operator", "/console/sign-out"):
                    continue  # it would rightly end the session the later tests walk in
                response = web.request(
                    method, f"{path}?{query}", content=form if method == "POST" else None,
                    headers={"content-type": "application/x-www-form-urlencoded"},
                )  # fmt: skip
                failure = _hostile_verdict(response)
                if failure:
                    failures.append(
                        f"{method} {template} [{name}] as {who}: {response.status_code} {failure}"
                    )
    assert failures == [], "\n".join(failures)


def test_a_lapsed_session_renews_and_an_ended_one_returns_to_sign_in(
    stack: Stack, operator: webdriver.Chrome
) -> None:
    # The access cookie gone (it lives as long as the access token): renewed from the refresh
    # cookie, straight back to the page.
    operator.get(f"{stack.base}/console")
    operator.delete_cookie("suqian_console")
    operator.get(f"{stack.base}/console/audit?chain=auth")
    wait_for(operator, lambda b: path_of(b) == "/console/audit?chain=auth", "the page again, renewed")
    assert operator.find_elements(By.ID, "entries")

    press_enter_on(operator, "sign-out")
    wait_for(operator, lambda b: path_of(b).startswith("/console/sign-in"), "the sign-in page")
    # Signed out: the session (and its refresh token) is over; the page asks to sign in, then returns.
    operator.get(f"{stack.base}/console/audit?chain=auth")
    wait_for(operator, lambda b: path_of(b).startswith("/console/sign-in"), "the sign-in page")
    assert path_of(operator) == "/console/sign-in?next=/console/audit%3Fchain%3Dauth"

    # Signing in again: the password, then the challenge's page, answered with a recovery code (the
    # authenticator's codes of these steps are spent), and back to the page.
    sign_in_by_keyboard(operator, stack.base, "admin", stack.password)
    wait_for(operator, lambda b: b.find_elements(By.ID, "recovery_code"), "the second-factor form")
    assert focused_id(operator) == "code"
    screenshot(operator, stack.shots, "10-second-factor")
    type_keys(operator, Keys.TAB, stack.recovery_codes[0], Keys.ENTER)
    wait_for(operator, lambda b: path_of(b) == "/console/audit?chain=auth", "the page again, signed in")


def test_a_member_without_the_role_sees_no_link_and_gets_403(stack: Stack) -> None:
    with httpx.Client(base_url=stack.base, timeout=30) as web:
        admin_id = next(
            m["id"] for m in web.get("/api/v1/admin/staff", headers=stack.admin).json()["items"]
            if m["username"] == "admin"
        )  # fmt: skip
    browser = chromium()
    try:
        # The clerk the operator created signs in for the first time: the operator-set password must
        # be replaced first (ADR 9), on the setup page, by keyboard.
        browser.get(f"{stack.base}/console")
        sign_in_by_keyboard(browser, stack.base, "clerk.li", CLERK_PASSWORD)
        wait_for(browser, lambda b: path_of(b).startswith("/console/setup"), "the account's setup")
        assert focused_id(browser) == "current_password"
        type_keys(browser, CLERK_PASSWORD, Keys.TAB, secrets.token_urlsafe(18), Keys.ENTER)
        wait_for(browser, lambda b: path_of(b) == "/console", "the console's home")
        # A counter clerk: their counter, none of the operators' screens, nor application review
        # (a reviewer's, of its departments).
        links = {a.get_attribute("id") for a in browser.find_elements(By.CSS_SELECTOR, "nav a")}
        assert links == {"nav-counters"}
        screenshot(browser, stack.shots, "11-no-role-home")

        browser.get(f"{stack.base}/console/staff")
        assert problem_code(browser) == "auth.missing_role"
        screenshot(browser, stack.shots, "12-no-role-refused")

        # The action itself, with the clerk's own session and form token: refused for the role.
        browser.get(f"{stack.base}/console")
        token = browser.find_element(By.CSS_SELECTOR, 'input[name="csrf"]').get_attribute("value")
        with httpx.Client(base_url=stack.base, timeout=30, cookies=cookies_of(browser)) as web:
            refused = web.post(
                f"/console/staff/{admin_id}/status", data={"csrf": token, "status": "disabled"}
            )
            assert refused.status_code == 403
            assert 'data-problem-code="auth.missing_role"' in refused.text
            admin = web.get(f"/api/v1/admin/staff/{admin_id}", headers=stack.admin).json()
            assert admin["active"] is True
    finally:
        browser.quit()
