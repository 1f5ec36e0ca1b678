"""Driving the console in Debian's chromium (through its chromedriver, ``scripts/lib.sh
ensure_chromium``), with the keyboard where a person would use it."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.chrome.service import Service as DriverService
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys


def chromium() -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for argument in (
        "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
        "--window-size=1280,900", "--lang=zh-CN",
    ):  # fmt: skip
        options.add_argument(argument)
    driver = shutil.which("chromedriver")
    assert driver, "scripts/test.sh installs Debian's chromium-driver"
    return webdriver.Chrome(service=DriverService(executable_path=driver), options=options)


def type_keys(browser: webdriver.Chrome, *keys: str) -> None:
    """Keys pressed into whatever has the focus, as a person types."""
    ActionChains(browser).send_keys(*keys).perform()


def focused_id(browser: webdriver.Chrome) -> str:
    return browser.switch_to.active_element.get_attribute("id") or ""


def tab_to(browser: webdriver.Chrome, element_id: str, *, limit: int = 80) -> None:
    """Press Tab until ``element_id`` has the focus (a keyboard user's only way there)."""
    for _ in range(limit):
        if focused_id(browser) == element_id:
            return
        type_keys(browser, Keys.TAB)
    raise AssertionError(f"{limit} presses of Tab never reached #{element_id}")


def press_enter_on(browser: webdriver.Chrome, element_id: str) -> None:
    tab_to(browser, element_id)
    type_keys(browser, Keys.ENTER)


def wait_for(browser: webdriver.Chrome, found: Callable[[webdriver.Chrome], object], what: str) -> None:
    # A page load under a loaded 2-core machine; not a performance check.
    deadline = time.monotonic() + 30
    while not _seen(browser, found):
        assert time.monotonic() < deadline, f"never saw {what}; at {browser.current_url}"
        time.sleep(0.05)


def _seen(browser: webdriver.Chrome, found: Callable[[webdriver.Chrome], object]) -> bool:
    try:
        return bool(found(browser))
    except (StaleElementReferenceException, NoSuchElementException):
        return False  # the page is being replaced by the next one: look again


def path_of(browser: webdriver.Chrome) -> str:
    url = httpx.URL(browser.current_url)
    return url.raw_path.decode()


def problem_code(browser: webdriver.Chrome) -> str | None:
    found = browser.find_elements(By.CSS_SELECTOR, "[data-problem-code]")
    return found[0].get_attribute("data-problem-code") if found else None


def screenshot(browser: webdriver.Chrome, folder: Path, name: str) -> Path:
    path = folder / f"{name}.png"
    assert browser.save_screenshot(str(path)), f"no screenshot of {name}"
    assert path.stat().st_size > 1000
    return path


def cookies_of(browser: webdriver.Chrome) -> dict[str, str]:
    """The browser's console cookies (HttpOnly included), for a request made beside it."""
    return {c["name"]: c["value"] for c in browser.get_cookies()}
