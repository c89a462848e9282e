"""The reader's walk in Chromium: home, search, a claim, its metric, on a phone and
on a desktop screen (claims.pages, docs/pages.md).

Each step fails on a console error, on main content wider than the window (the
page scrolling sideways), or on a missing element the next step relies on; each
leaves a screenshot under test-artifacts/browser/ (the CI artifacts).
"""

import re

import pytest
from django.core.management import call_command

from claims.services.conflicts import detect_all_conflicts

expect = pytest.importorskip(
    "playwright.sync_api",
    reason="the playwright package is not installed (pip install playwright)",
).expect

# As tests/browser/test_admin_flow.py: a live server needs committed rows.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1400, "height": 900}
# What a reader searches for: the seed's "close to 5.3 billion dollars".
SEARCH = "5.3 billion"


def assert_no_sideways_scroll(page):
    """Fail when the page or its main content is wider than the window."""
    widths = page.evaluate(
        """() => ({
            window: document.documentElement.clientWidth,
            page: document.documentElement.scrollWidth,
            main: document.querySelector('main').scrollWidth,
            mainBox: document.querySelector('main').clientWidth,
        })"""
    )
    assert widths["page"] <= widths["window"], widths
    assert widths["main"] <= widths["mainBox"], widths


def step(browser, name: str):
    """Check what every step checks, and keep a screenshot of it."""
    assert_no_sideways_scroll(browser.page)
    browser.assert_no_console_errors()
    browser.screenshot(name)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_reader_finds_a_claim_and_its_metric(browser, viewport):
    # As `make run` serves it: the seed fixtures and conflict detection.
    call_command("loaddata", "seed", verbosity=0)
    detect_all_conflicts()
    page = browser.page
    page.set_viewport_size(viewport)
    size = f"{viewport['width']}px"

    browser.goto("/")
    expect(page.locator("ul.verdicts li").first).to_be_visible()
    expect(page.locator("ul.verdicts .status-disputed").first).to_have_text("Disputed")
    step(browser, f"home-{size}")

    page.fill("#q", SEARCH)
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r"/search/\?q=5\.3\+billion"))
    results = page.locator("ol.results li")
    expect(results.first).to_be_visible()
    disputed = results.filter(has=page.locator(".status-disputed")).first
    expect(disputed).to_be_visible()
    step(browser, f"search-{size}")

    disputed.locator("a[href^='/claims/']").first.click()
    page.wait_for_url(re.compile(r"/claims/\d+/$"))
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("dd .status-disputed")).to_have_text("Disputed")
    expect(page.locator("#conflicts li").first).to_be_visible()
    expect(page.locator("#evidence h2")).to_be_visible()
    expect(page.locator("a[href='#official-record']")).to_be_visible()
    expect(page.locator("#official-record")).to_be_attached()
    metric_link = page.locator("a.metric-link")
    expect(metric_link).to_be_visible()
    step(browser, f"claim-{size}")

    metric_link.click()
    page.wait_for_url(re.compile(r"/metrics/[\w-]+/$"))
    shown, hidden = (
        (".chart-narrow", ".chart-wide")
        if viewport is PHONE
        else (".chart-wide", ".chart-narrow")
    )
    chart = page.locator(f"{shown} svg")
    expect(chart).to_be_visible()
    expect(page.locator(f"{hidden} svg")).to_be_hidden()
    expect(chart.locator(".conflict-mark").first).to_be_attached()
    # The chart fits the window: drawn for it, not shrunk to a third.
    box = chart.bounding_box()
    assert box is not None
    assert box["width"] <= viewport["width"]
    if viewport is PHONE:
        assert box["width"] >= 300, box
    expect(page.locator("table.figures tbody tr").first).to_be_visible()
    step(browser, f"metric-{size}")
