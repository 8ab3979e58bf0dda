"""The showcase in a real browser: axe-core finds no WCAG 2 A/AA violation, the keyboard
reaches the content, and a phone-sized screen needs no sideways scrolling.

Headless Chromium from Debian, driven by Playwright, against `matchday serve`; axe-core comes
from the axe-playwright-python package (its bundled axe.min.js). Screenshots go to
test-artifacts/browser-showcase/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.e2e import ServerProcess
from tests.test_browser_sandbox import CHROMIUM, CHROMIUM_ARGS
from tests.test_showcase import seed_programme

pytestmark = pytest.mark.e2e
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "browser-showcase"
AXE = resources.files("axe_playwright_python") / "axe.min.js"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's WCAG 2 A and AA violations on the page, with the failing elements."""
    page.wait_for_load_state()  # after a click on a link: the new page, not the one leaving
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    found = page.evaluate(
        "async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21aa']}))"
        ".violations.map(v => ({id: v.id, nodes: v.nodes.map(n => n.target.join(' '))}))"
    )
    assert isinstance(found, list)
    return found


def test_every_kind_of_page_passes_axe_and_the_keyboard(
    server: ServerProcess, sessions: Any, browser: Browser, database_url: str
) -> None:
    _seed, ids = seed_programme(sessions)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    backend = database_url.split(":", 1)[0]
    # The pages allow no script; axe is one, added by the test only.
    context = browser.new_context(bypass_csp=True, viewport={"width": 1100, "height": 900})
    page = context.new_page()
    paths = [
        "/showcase/",
        "/showcase/opportunities.html",
        "/showcase/cases.html",
        "/showcase/organisations.html",
        f"/showcase/organisation-{ids['sodertalje']}.html",
        "/showcase/en/",
        "/showcase/en/cases.html",
        "/showcase/en/no-such-page.html",
    ]
    for path in paths:
        page.goto(server.url + path)
        assert violations(page) == [], path
    # The figures as the seed makes them (2024, 2025, all years), read as a visitor reads them.
    page.goto(server.url + "/showcase/en/")
    # 2024, 2025, then this year (nothing yet) when it is later, and all years last (the
    # meeting of 1 September 2025 is held by now).
    for measure, years, everything in (
        ("Meetings held", ["1", "4"], "5"),
        ("Opportunities published", ["1", "4"], "5"),
    ):
        row = page.locator("tr", has=page.locator("th", has_text=measure))
        cells = row.locator("td").all_inner_texts()
        assert (cells[:2], cells[-1]) == (years, everything), (measure, cells)
    # From the organisations to one of them, and on to its published opportunities.
    page.get_by_role("link", name="Organisations", exact=True).first.click()
    page.get_by_role("link", name="Södertälje kommun").click()
    assert page.get_by_role("heading", name="Södertälje kommun").count() >= 1
    assert page.get_by_text("Sensorer i hemtjänsten").count() >= 1
    assert page.get_by_text("Trygg natt").count() >= 1
    assert page.get_by_text("Digital väntrum").count() == 0  # the region's, not theirs
    page.goto(server.url + "/showcase/")
    page.screenshot(path=str(ARTIFACTS / f"{backend}-start.png"), full_page=True)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Hoppa till innehållet" or (
        page.evaluate("document.activeElement.getAttribute('href')") == "#main"
    )
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")
    assert page.evaluate("document.activeElement.id") == "main"
    page.get_by_role("link", name="In English").click()
    assert page.url.endswith("/showcase/en/index.html")
    assert page.evaluate("document.documentElement.lang") == "en"
    context.close()

    phone = browser.new_context(viewport={"width": 360, "height": 740}, bypass_csp=True)
    small = phone.new_page()
    for path in ("/showcase/", "/showcase/opportunities.html", "/showcase/en/cases.html"):
        small.goto(server.url + path)
        width = small.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, (path, width)
    small.screenshot(path=str(ARTIFACTS / f"{backend}-phone.png"), full_page=True)
    phone.close()


def test_registering_for_an_exchange_in_the_browser(
    workspace: Any, sessions: Any, browser: Browser, database_url: str
) -> None:
    from icalendar import Calendar

    from tests.e2e import ADMIN
    from tests.test_exchanges import new_exchange, registrations

    exchange_id = new_exchange(sessions, seats=2)
    backend = database_url.split(":", 1)[0]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    server = workspace.server
    context = browser.new_context(bypass_csp=True, viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.goto(server.url + "/showcase/en/")
    page.get_by_role("link", name="Erfarenhetsutbyte: AI i hemtjänsten").click()
    expect(page.get_by_role("button", name="Send registration")).to_be_visible()  # arrived
    assert violations(page) == []
    # A mistake first: the error is next to the field, what was typed is kept.
    page.get_by_label("Name").fill("Eva <b>Ek</b>")
    page.get_by_label("Organisation").fill("Region Gotland")
    page.get_by_label("E-mail address").fill("eva-at-gotland")
    page.get_by_role("button", name="Send registration").click()
    assert page.get_by_text("Give an e-mail address such as name@example.se.").count() == 2
    assert page.get_by_label("Name").input_value() == "Eva <b>Ek</b>"
    assert violations(page) == []
    page.screenshot(path=str(ARTIFACTS / f"{backend}-exchange-errors.png"), full_page=True)
    # <script> in every field and a text longer than the form allows.
    hostile = "<script>alert(1)</script>"
    for label in ("Name", "Organisation", "Your role", "E-mail address"):
        page.get_by_label(label).fill(hostile)
    learn = page.get_by_label("What do you want to learn?")
    learn.evaluate(
        "(box, text) => { box.removeAttribute('maxlength'); box.value = text; }", "x" * 5000
    )
    page.get_by_role("button", name="Send registration").click()
    assert page.get_by_label("Name").input_value() == hostile  # kept, shown as text
    assert page.locator("script").count() == 0
    assert page.get_by_text("Give an e-mail address such as name@example.se.").count() == 2
    assert page.get_by_text(re.compile(r"Keep this within \d+ characters \(now 5.?000\)")).count()
    assert not registrations(sessions)
    page.get_by_label("Name").fill("Eva <b>Ek</b>")
    page.get_by_label("Organisation").fill("Region Gotland")
    page.get_by_label("Your role").fill("")
    page.get_by_label("E-mail address").fill("eva@gotland.example")
    learn.fill("Procurement after a pilot")
    page.get_by_role("button", name="Send registration").click()
    assert "/showcase/en/r/" in page.url
    assert page.get_by_text("Received: the programme's team will confirm your seat.").count() == 1
    assert violations(page) == []
    workspace.wait_post(ADMIN, "exchange_confirm", timeout=15)
    workspace.click(ADMIN, "exchange_confirm", str(registrations(sessions)[0].id))
    workspace.wait_response("has a seat")
    page.reload()
    assert page.get_by_text("Confirmed: you have a seat. Welcome!").count() == 1
    with page.expect_download() as download:
        page.get_by_role("link", name="Add to your calendar (.ics)").click()
    saved = ARTIFACTS / f"{backend}-exchange.ics"
    download.value.save_as(saved)
    event = Calendar.from_ical(saved.read_bytes()).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Erfarenhetsutbyte: AI i hemtjänsten"
    page.screenshot(path=str(ARTIFACTS / f"{backend}-exchange-confirmed.png"), full_page=True)
    page.goto(server.url + f"/showcase/exchange-{exchange_id}.html")
    assert violations(page) == []
    page.goto(server.url + "/showcase/take-part.html")
    assert violations(page) == []
    page.goto(server.url + "/showcase/en/take-part.html")
    page.get_by_role("button", name="Send").click()
    assert (
        page.get_by_text("Choose whether you are a public organisation or a startup.").count() == 2
    )
    assert violations(page) == []
    context.close()
