"""The console's browser suite shares one embedded stack per test module (``stack``) and a browser
in which its bootstrap operator signed in for the first time with a second factor (``operator``)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from backend.staff import totp
from tests.console.browser import chromium, focused_id, path_of, screenshot, type_keys, wait_for
from tests.smoke.server import bearer, free_port, printed_passwords, serve


@dataclass
class Stack:
    base: str
    password: str  # the bootstrap operator's, as the server printed it
    shots: Path
    # Set once the operator enrolled an authenticator in the console (the ``operator`` fixture).
    secret: str = ""
    recovery_codes: tuple[str, ...] = ()
    admin: dict[str, str] = field(default_factory=dict)  # the operator's API session (bearer headers)
    data_dir: Path = Path()  # the server's (its SQLite file: data no route produces on the embedded default)


def api_session(web: httpx.Client, stack: Stack) -> dict[str, str]:
    """The operator signed in through the API too, with the next step's code of the authenticator
    (the console's enrolment spent this step's: a code is taken once; ±1 step is accepted)."""
    login = web.post("/api/v1/staff/token", json={"username": "admin", "password": stack.password})
    assert login.json()["status"] == "second_factor_required", login.text
    code = totp.code_at(stack.secret, time.time() + 30)
    signed = web.post(
        "/api/v1/staff/token/second-factor", json={"challenge": login.json()["challenge"], "code": code}
    )
    assert signed.status_code == 200, signed.text
    return bearer(signed.json()["access_token"])


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    shots = Path(os.environ.get("SUQIAN_CONSOLE_SCREENSHOTS") or tmp_path_factory.mktemp("console-screens"))
    shots.mkdir(parents=True, exist_ok=True)
    print(f"\nconsole screenshots: {shots}")
    data_dir = tmp_path_factory.mktemp("console")
    # One try per outbox job: a delivery that fails once is a dead letter to replay. A 2 s breaker
    # cool-down: the outage opens it, and waiting it out is not the point.
    env = {"SUQIAN_OUTBOX_MAX_ATTEMPTS": "1", "SUQIAN_UPSTREAM_BREAKER_OPEN_SECONDS": "2"}
    with serve(data_dir, free_port(), **env) as base:
        (password,) = printed_passwords(data_dir)
        yield Stack(base=base, password=password, shots=shots, data_dir=data_dir)


def sign_in_by_keyboard(browser: webdriver.Chrome, base: str, username: str, password: str) -> None:
    """From the sign-in page: the username (focused on arrival), Tab, the password, Enter."""
    wait_for(browser, lambda b: path_of(b).startswith("/console/sign-in"), "the sign-in page")
    assert focused_id(browser) == "username"
    type_keys(browser, username, Keys.TAB)
    assert focused_id(browser) == "password"
    type_keys(browser, password, Keys.ENTER)


@pytest.fixture(scope="module")
def operator(stack: Stack) -> Iterator[webdriver.Chrome]:
    """A browser in which the bootstrap operator signed in for the first time on a fresh install: the
    password, then enrolling an authenticator (ADR 9) with a code computed here, then the session."""
    browser = chromium()
    try:
        browser.get(f"{stack.base}/console/staff")  # not signed in: to sign-in, and back here after
        screenshot(browser, stack.shots, "01-sign-in")
        sign_in_by_keyboard(browser, stack.base, "admin", stack.password)
        wait_for(browser, lambda b: path_of(b).startswith("/console/setup"), "the account's setup")
        assert "second_factor_enrolment" in browser.find_element(By.ID, "main").text
        assert focused_id(browser) == "start-enrolment"
        type_keys(browser, Keys.ENTER)
        wait_for(browser, lambda b: b.find_elements(By.ID, "secret"), "the new secret")
        stack.secret = browser.find_element(By.ID, "secret").text
        assert browser.find_element(By.ID, "otpauth").text.startswith("otpauth://totp/")
        screenshot(browser, stack.shots, "02-enrolment")
        assert focused_id(browser) == "code"
        type_keys(browser, totp.code_at(stack.secret, time.time()), Keys.ENTER)
        wait_for(browser, lambda b: b.find_elements(By.ID, "recovery-codes"), "the recovery codes")
        codes = browser.find_elements(By.CSS_SELECTOR, "#recovery-codes code")
        stack.recovery_codes = tuple(code.text for code in codes)
        assert len(stack.recovery_codes) == 10
        screenshot(browser, stack.shots, "03-recovery-codes")
        assert focused_id(browser) == "continue"
        type_keys(browser, Keys.ENTER)
        wait_for(browser, lambda b: path_of(b) == "/console/staff", "the page asked for before sign-in")
        with httpx.Client(base_url=stack.base, timeout=30) as web:
            stack.admin = api_session(web, stack)
        yield browser
    finally:
        browser.quit()
