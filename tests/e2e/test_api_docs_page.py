"""The API reference page (`/_local/docs`) opened in a real browser: Debian's Chromium, driven by
selenium through Debian's chromedriver, both started by this test. The page must show every
operation of docs/openapi.json, with nothing fetched from outside the machine."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.wait import WebDriverWait

from tests.e2e.conftest import ROOT, Stack

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
SCREENSHOT = ROOT / "build" / "screenshots" / "api-docs.png"


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    # `make test` installs both (Makefile: $(BROWSER)); a missing browser is a failure, not a skip.
    assert Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists(), "run `make install` for chromium"
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        # The machine's network is closed: Chromium's own background calls would only fail.
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,2400",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def test_the_page_shows_every_route_of_the_document(stack: Stack, browser: webdriver.Chrome) -> None:
    document = json.loads((ROOT / "docs" / "openapi.json").read_text())
    expected = {(method.upper(), path) for path, ops in document["paths"].items() for method in ops}

    browser.get(f"{stack.api}/_local/docs")
    WebDriverWait(browser, 30).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, ".opblock .opblock-summary-path"))
    )
    shown = {
        (
            block.find_element(By.CSS_SELECTOR, ".opblock-summary-method").text.strip(),
            block.find_element(By.CSS_SELECTOR, ".opblock-summary-path").get_attribute("data-path"),
        )
        for block in browser.find_elements(By.CSS_SELECTOR, ".opblock")
    }
    assert shown == expected
    assert "LIVE GMV Max Mission service" in browser.find_element(By.CSS_SELECTOR, ".info .title").text
    # Every resource came from the local stack itself: no CDN, no other origin.
    origins = browser.execute_script("return performance.getEntriesByType('resource').map(e => new URL(e.name).origin)")
    assert set(origins) <= {stack.api}, origins

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 10_000  # a rendered page, not a blank one


def test_the_page_can_call_the_api_with_a_seller_token(stack: Stack, browser: webdriver.Chrome) -> None:
    """Authorize with a seller token, then "Try it out" on eligibility: the service answers for the
    seller the page's token names."""
    mission_id = stack.put_mission()
    seller_id = stack.new_eligible_seller()
    browser.get(f"{stack.api}/_local/docs")
    wait = WebDriverWait(browser, 30)
    wait.until(expected_conditions.element_to_be_clickable((By.CSS_SELECTOR, "button.authorize"))).click()
    field = wait.until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, ".auth-container input")))
    field.send_keys(stack.token(seller_id))
    browser.find_element(By.CSS_SELECTOR, ".auth-container .auth-btn-wrapper button.authorize").click()
    browser.find_element(By.CSS_SELECTOR, ".btn-done, button.close-modal").click()

    operation = browser.find_element(
        By.CSS_SELECTOR, '.opblock-summary-path[data-path="/missions/{mission_id}/eligibility"]'
    )
    block = operation.find_element(By.XPATH, "./ancestor::div[contains(@class, 'opblock ')]")
    if "is-open" not in (block.get_attribute("class") or ""):
        operation.click()
    wait.until(lambda _: block.find_element(By.CSS_SELECTOR, "button.try-out__btn")).click()
    block.find_element(By.CSS_SELECTOR, "input[placeholder='mission_id']").send_keys(mission_id)
    block.find_element(By.CSS_SELECTOR, "button.execute").click()
    status = wait.until(
        lambda _: block.find_element(By.CSS_SELECTOR, ".live-responses-table tr.response .response-col_status")
    )
    assert status.text.strip() == "200"
    answer = json.loads(block.find_element(By.CSS_SELECTOR, ".live-responses-table tr.response .microlight").text)
    # Only the seller the token names has an ad account set up; anyone else would be shown blockers.
    assert answer["eligible"] is True and answer["blockers"] == [], answer
