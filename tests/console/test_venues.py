"""The console's venues screen in a real browser, on the embedded default over real HTTP: an operator
changes a seeded slot's quota and opens and closes its admission queue by keyboard (the effect read
back through the admin API, each action in the audit log); adds a spot (bad input named on a page,
never a 500); reads the queue halls; a member without the role gets no link and 403. Screenshots go
where ``tests/console/test_console.py`` says."""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.console.browser import (
    chromium,
    cookies_of,
    path_of,
    press_enter_on,
    problem_code,
    screenshot,
    tab_to,
    type_keys,
    wait_for,
)
from tests.console.conftest import Stack, sign_in_by_keyboard

pytestmark = pytest.mark.embedded

CLERK_PASSWORD = "venues clerk first password 9"


def _replace(browser: webdriver.Chrome, element_id: str, text: str) -> None:
    tab_to(browser, element_id)
    ActionChains(browser).key_down(Keys.CONTROL).send_keys("a").key_up(Keys.CONTROL).send_keys(text).perform()


def _first_spot(stack: Stack) -> dict[str, Any]:
    with httpx.Client(base_url=stack.base, timeout=30) as web:
        spots = web.get("/api/v1/tourism/spots").json()["items"]
    assert spots, "the embedded default seeds Suqian's scenic spots"
    spot: dict[str, Any] = spots[0]
    return spot


def _counters(stack: Stack, slot_id: str) -> dict[str, int]:
    with httpx.Client(base_url=stack.base, timeout=30) as web:
        answer = web.get(f"/api/v1/admin/tourism/slots/{slot_id}/counters", headers=stack.admin)
    assert answer.status_code == 200, answer.text
    counters: dict[str, int] = answer.json()
    return counters


def _csrf(browser: webdriver.Chrome) -> str:
    return browser.find_element(By.CSS_SELECTOR, 'input[name="csrf"]').get_attribute("value") or ""


def test_an_operator_changes_a_slots_quota_and_its_admission_queue_by_keyboard(
    stack: Stack, operator: webdriver.Chrome
) -> None:
    spot = _first_spot(stack)
    operator.get(f"{stack.base}/console")
    press_enter_on(operator, "nav-venues")
    wait_for(operator, lambda b: b.find_elements(By.ID, f"spot-{spot['slug']}"), "the venues")
    screenshot(operator, stack.shots, "40-venues")
    press_enter_on(operator, f"spot-{spot['slug']}")
    wait_for(operator, lambda b: b.find_elements(By.ID, "slots"), "the spot's slots of today")
    row = operator.find_element(By.CSS_SELECTOR, "#slots tbody tr")
    slot_id = row.get_attribute("data-slot") or ""
    before = _counters(stack, slot_id)
    assert int(row.find_element(By.CLASS_NAME, "capacity").text) == before["capacity"]

    wanted = before["capacity"] + 7
    _replace(operator, f"capacity-{slot_id}", str(wanted))
    type_keys(operator, Keys.ENTER)
    wait_for(operator, lambda b: b.find_elements(By.ID, "done") or problem_code(b), "the quota changed")
    assert problem_code(operator) is None, operator.find_element(By.ID, "main").text
    assert f"capacity:{wanted}" in operator.find_element(By.ID, "done").text
    assert _counters(stack, slot_id) == {**before, "capacity": wanted}
    row = operator.find_element(By.CSS_SELECTOR, f'tr[data-slot="{slot_id}"]')
    assert int(row.find_element(By.CLASS_NAME, "left").text) == wanted - before["held"] - before["sold"]
    screenshot(operator, stack.shots, "41-venue-slots")

    # The flash-sale queue: opened with its rate, shown, closed — by keyboard.
    _replace(operator, f"rate-{slot_id}", "50")
    press_enter_on(operator, f"open-queue-{slot_id}")
    wait_for(operator, lambda b: b.find_elements(By.ID, f"queue-{slot_id}"), "the open queue")
    assert "50/s" in operator.find_element(By.ID, f"queue-{slot_id}").text
    press_enter_on(operator, f"close-queue-{slot_id}")
    wait_for(operator, lambda b: b.find_elements(By.ID, f"open-queue-{slot_id}"), "the queue closed")

    # Bad quotas are pages naming their code: not a number, negative (the API's shape), none at all.
    page = path_of(operator)
    with httpx.Client(base_url=stack.base, timeout=30, cookies=cookies_of(operator)) as session:
        for bad in ("lots", "-1", " "):
            refused = session.post(
                f"/console/venues/slots/{slot_id}/capacity", data={"csrf": _csrf(operator), "capacity": bad}
            )
            assert refused.status_code == 422, refused.text
            assert 'data-problem-code="console.form_invalid"' in refused.text
        forged = session.post(f"/console/venues/slots/{slot_id}/capacity", data={"capacity": "1"})
        assert 'data-problem-code="console.csrf_invalid"' in forged.text
        bad_day = session.get(page.split("?")[0], params={"day": "yesterday"})
        assert 'data-problem-code="console.form_invalid"' in bad_day.text
    assert _counters(stack, slot_id)["capacity"] == wanted

    # Each action is in the tourism chain of the audit log, by this operator.
    operator.get(f"{stack.base}/console/audit?chain=tourism")
    audit = operator.find_element(By.ID, "main").text
    for action in ("tourism.capacity_changed", "tourism.admission_opened", "tourism.admission_closed"):
        assert action in audit


def test_an_operator_adds_a_spot_and_bad_input_is_a_page_naming_its_code(
    stack: Stack, operator: webdriver.Chrome
) -> None:
    operator.get(f"{stack.base}/console/venues")
    slug = f"test-{secrets.token_hex(3)}"
    fields = {
        "csrf": _csrf(operator), "slug": slug, "name": "测试湿地公园", "address": "宿豫区测试路1号",
        "description": "", "opens": "09:00", "closes": "17:00", "slot_minutes": "120",
        "daily_capacity": "400", "shards": "2", "kind": "adult", "product_name": "成人票",
        "price_fen": "3000",
    }  # fmt: skip
    with httpx.Client(base_url=stack.base, timeout=30, cookies=cookies_of(operator)) as session:
        added = session.post("/console/venues/spots", data=fields)
        assert added.status_code == 303, added.text
        assert added.headers["location"].endswith(f"done=added:{slug}")
        page = session.get(added.headers["location"])
        assert page.status_code == 200
        assert page.text.count("data-slot=") == 4  # 09:00–17:00 in slots of two hours
        for changed, code, status in (
            ({"slug": slug}, "tourism.spot_exists", 409),
            ({"slug": "Not A Slug"}, "console.form_invalid", 422),
            ({"slug": f"{slug}-x", "opens": "9 o'clock"}, "console.form_invalid", 422),
            ({"slug": f"{slug}-y", "opens": "18:00"}, "tourism.spot_invalid", 422),
            ({"slug": f"{slug}-z", "price_fen": "free"}, "console.form_invalid", 422),
        ):
            refused = session.post("/console/venues/spots", data={**fields, **changed})
            assert (refused.status_code, f'data-problem-code="{code}"' in refused.text) == (status, True)
    with httpx.Client(base_url=stack.base, timeout=30) as web:
        slugs = [s["slug"] for s in web.get("/api/v1/tourism/spots").json()["items"]]
    assert slug in slugs
    assert not [s for s in slugs if s.startswith(f"{slug}-")]


def test_an_operator_reads_the_queue_halls_with_their_services_and_counters(
    stack: Stack, operator: webdriver.Chrome
) -> None:
    hours = [{"opens": 510, "closes": 1050}] * 5 + [None, None]
    with httpx.Client(base_url=stack.base, timeout=30, headers=stack.admin) as admin:
        made = admin.post(
            "/api/v1/admin/queue/halls",
            json={
                "name": "宿城区政务服务中心",
                "kind": "service_centre",
                "venue": "洪泽湖路136号",
                "hours": hours,
            },
        )
        assert made.status_code == 201, made.text
        hall_id = made.json()["hall"]["id"]
        service = admin.post(
            f"/api/v1/admin/queue/halls/{hall_id}/services", json={"name": "社保业务", "prefix": "A"}
        )
        assert service.status_code == 201, service.text
        counter = {"name": "3号窗口", "services": [service.json()["id"]]}
        assert admin.post(f"/api/v1/admin/queue/halls/{hall_id}/counters", json=counter).status_code == 201
    operator.get(f"{stack.base}/console/venues")
    press_enter_on(operator, f"hall-{hall_id}")
    wait_for(operator, lambda b: b.find_elements(By.ID, "services"), "the hall")
    with httpx.Client(base_url=stack.base, timeout=30) as web:
        view = web.get(f"/api/v1/queue/halls/{hall_id}").json()
    shown = [
        e.get_attribute("data-service") for e in operator.find_elements(By.CSS_SELECTOR, "[data-service]")
    ]
    assert shown == [s["id"] for s in view["services"]]
    assert len(operator.find_elements(By.CSS_SELECTOR, "[data-counter]")) == len(view["counters"])
    screenshot(operator, stack.shots, "42-venue-hall")


def test_a_member_without_the_role_gets_no_venues_link_and_403(
    stack: Stack, operator: webdriver.Chrome
) -> None:
    with httpx.Client(base_url=stack.base, timeout=30) as web:
        member = {
            "username": "venues.li",
            "display_name": "李窗口",
            "role": "counter",
            "password": CLERK_PASSWORD,
        }
        assert web.post("/api/v1/admin/staff", json=member, headers=stack.admin).status_code == 201
    browser = chromium()
    try:
        browser.get(f"{stack.base}/console")
        sign_in_by_keyboard(browser, stack.base, "venues.li", CLERK_PASSWORD)
        wait_for(browser, lambda b: path_of(b).startswith("/console/setup"), "the account's setup")
        type_keys(browser, CLERK_PASSWORD, Keys.TAB, secrets.token_urlsafe(18), Keys.ENTER)
        wait_for(browser, lambda b: path_of(b) == "/console", "the console's home")
        assert not browser.find_elements(By.ID, "nav-venues")
        browser.get(f"{stack.base}/console/venues")
        assert problem_code(browser) == "auth.missing_role"
        screenshot(browser, stack.shots, "43-venues-refused")
        with httpx.Client(base_url=stack.base, timeout=30, cookies=cookies_of(browser)) as session:
            spot = _first_spot(stack)
            posted = session.post("/console/venues/spots", data={"slug": "x"})
            assert 'data-problem-code="auth.missing_role"' in posted.text
            page = session.get(f"/console/venues/spots/{spot['id']}")
            assert 'data-problem-code="auth.missing_role"' in page.text
    finally:
        browser.quit()
