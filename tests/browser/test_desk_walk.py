"""The editor's and the reviewer's main paths at 1,400 px, in Chromium (#26).

An editor finds a claim in the list and edits it, starts a new claim and sees
"Already in the database?" fill in before saving, adds the match as evidence,
moves the new claim to review; another user, a reviewer, sets its verdict. Every
page is checked for console errors and for main content wider than the window;
screenshots go to test-artifacts/browser/ (conftest).

Texts are made for this test, in the words of the seed's Iran-Russia trade claims.
"""

import datetime
import json
import re
from decimal import Decimal

import pytest

from claims.models import Claim, Evidence
from claims.ratings import Status
from claims.selectors.matching import similar_claims
from tests.factories import (
    DocumentFactory,
    EvidenceFactory,
    FigureClaimFactory,
    MetricFactory,
    PersonFactory,
    user_in_group,
)

expect = pytest.importorskip(
    "playwright.sync_api",
    reason="the playwright package is not installed (pip install playwright)",
).expect

# As tests/browser/test_admin_flow.py: committed rows for the live server.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WIDTH = 1400
STORED = (
    "Made for this test: according to unofficial figures, trade between Iran and "
    "Russia stood close to $5.3 billion in the Iranian year 1391, the minister said."
)
NEW = "Iran and Russia traded close to $5.3 billion in the Iranian year 1391."


def assert_fits(browser, what: str):
    """Fail when the page or its main content is wider than the window."""
    widths = browser.page.evaluate(
        """() => {
            const main = document.querySelector('#content-main') ||
                document.querySelector('#content');
            return {
                page: document.documentElement.scrollWidth,
                window: window.innerWidth,
                main: main.scrollWidth,
                mainBox: main.clientWidth,
            };
        }"""
    )
    if widths["page"] <= widths["window"] and widths["main"] <= widths["mainBox"] + 1:
        return
    # Name the widest elements that stick out, to say what to fix.
    culprits = browser.page.evaluate(
        """() => [...document.querySelectorAll('#content-main *')]
            .filter(e => e.getBoundingClientRect().right > window.innerWidth)
            .slice(-5)
            .map(e => e.tagName + '.' + e.className + '#' + e.id + ' ' +
                 Math.round(e.getBoundingClientRect().right))"""
    )
    raise AssertionError(f"{what}: wider than the window {widths}: {culprits}")


def pick_autocomplete(page, field: str, search: str, choice: str):
    page.click(f".field-{field} .select2-selection")
    page.fill(".select2-container--open .select2-search__field", search)
    page.click(f".select2-results__option:has-text({json.dumps(choice)})")


def test_editor_and_reviewer_walk_the_desk(browser):
    editor = user_in_group("Editors", username="desk-walk-editor")
    reviewer = user_in_group("Reviewers", username="desk-walk-reviewer")
    metric = MetricFactory(
        name="Iran-Russia trade volume (walk)", slug="iran-russia-walk", unit="USD"
    )
    document = DocumentFactory(
        title="Made for this test: minister on Iran-Russia trade",
        published_on=datetime.date(2013, 4, 23),
    )
    stored = FigureClaimFactory(
        metric=metric,
        text=STORED,
        document=document,
        speaker=PersonFactory(name="Made-for-this-test Minister"),
    )
    EvidenceFactory(
        claim=stored,
        url="https://stats.example.org/trade/iran-russia/1391/customs-report-"
        "with-a-very-long-address-that-must-not-push-the-page-sideways",
        note="Made for this test: customs give $1.5 billion. " * 6,
    )
    for number in range(12):
        FigureClaimFactory(
            metric=metric,
            text=f"Made for this test, claim {number}: trade with a long sentence "
            "that an editor reads in the list on one line, cut where the column ends.",
            value=Decimal(1_000_000_000 + number),
        )
    # The first match in a process loads the figure parser's number tables
    # (quantulum3, inflect: seconds on a busy machine, claims.figures.quantities);
    # load them here, not inside the first page's time limit.
    similar_claims(claim=stored, limit=1)
    page = browser.page
    page.set_viewport_size({"width": WIDTH, "height": 900})

    # The editor finds the claim in the list.
    browser.login(editor.username)
    browser.goto("/admin/claims/claim/?q=unofficial")
    row = page.locator("#result_list tbody tr").first
    expect(row.locator(".desk-one-line")).to_have_attribute("title", STORED)
    text_width = page.locator("#result_list th.column-short_text").bounding_box()
    assert text_width["width"] >= 350, text_width  # it was about 80 px
    assert row.bounding_box()["height"] < 60  # one line, not six to nine
    for column in ["status", "figure", "document", "speaker", "claimed_on"]:
        header = page.locator(f"#result_list th.column-{column}").bounding_box()
        assert header["x"] + header["width"] <= WIDTH, column
    browser.goto("/admin/claims/claim/")
    assert page.locator("#result_list tbody tr").count() >= 13
    assert_fits(browser, "changelist")
    browser.screenshot("editor-changelist")

    # ... opens it and edits it: the matches first, Save on top, inlines in the page.
    page.click(f"#result_list a:has-text({json.dumps(STORED[:40])})")
    page.wait_for_url(re.compile(rf"/admin/claims/claim/{stored.pk}/change/$"))
    expect(page.locator("#already-in-database")).to_be_visible()
    assert_fits(browser, "change form")
    browser.screenshot("editor-change-form")
    page.fill("#id_editor_note", "Made for this test: check the customs report.")
    page.locator("input[name=_continue]").first.click()
    expect(page.locator("ul.messagelist")).to_contain_text("was changed successfully")

    # A new claim: the panel fills in as the editor types, before saving.
    browser.goto("/admin/claims/claim/add/")
    expect(page.locator("#already-in-database")).to_be_visible()
    page.fill("#id_quote", "traded close to 5.3 billion dollars")
    pick_autocomplete(page, "document", "minister", document.title)
    page.fill("#id_text", NEW)
    page.fill("#id_amount_text", "close to $5.3 billion")
    match = page.locator(f'#already-in-database tr[data-id="{stored.pk}"]')
    expect(match).to_be_visible()
    assert_fits(browser, "add form with matches")
    browser.screenshot("editor-add-matches-before-saving")

    # One click: the new claim is saved with the match's source as evidence.
    match.locator("button:has-text('Add as evidence')").click()
    page.wait_for_url(re.compile(r"/admin/claims/claim/\d+/change/$"))
    expect(page.locator("ul.messagelist")).to_contain_text("as evidence")
    new_id = int(re.search(r"/claim/(\d+)/change/", page.url).group(1))
    assert Evidence.objects.filter(claim_id=new_id, document=document).exists()
    assert_fits(browser, "new claim with evidence")
    browser.screenshot("editor-new-claim-with-evidence")

    # It goes to review: an editor is offered no verdict.
    offered = page.locator("#id_status option").evaluate_all(
        "options => options.map(o => o.value)"
    )
    assert offered == [Status.UNVERIFIED.value, Status.IN_REVIEW.value]
    page.select_option("#id_status", Status.IN_REVIEW.value)
    page.locator("input[name=_continue]").first.click()
    expect(page.locator("ul.messagelist")).to_contain_text("was changed successfully")
    browser.assert_no_console_errors()
    browser.logout()

    # Another user, a reviewer, sets the verdict.
    browser.login(reviewer.username)
    browser.goto(f"/admin/claims/claim/{new_id}/change/")
    page.select_option("#id_status", Status.DISPUTED.value)
    page.fill("#id_rationale", "Made for this test: customs give $1.5 billion.")
    browser.screenshot("reviewer-verdict-form")
    page.locator("input[name=_continue]").first.click()
    expect(page.locator("ul.messagelist")).to_contain_text("was changed successfully")
    claim = Claim.objects.get(pk=new_id)
    assert (claim.status, claim.reviewed_by) == (Status.DISPUTED, reviewer)

    # The history reads in labels.
    browser.goto(f"/admin/claims/claim/{new_id}/history/")
    history = page.inner_text("#change-history")
    assert "In review" in history
    assert "Disputed" in history
    assert "in_review" not in history
    assert_fits(browser, "history")
    browser.screenshot("reviewer-history")
    browser.assert_no_console_errors()
