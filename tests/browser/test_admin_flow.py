"""End to end in Chromium: an editor adds a claim, a reviewer sets its verdict.

Covers the admin (log-in, the autocomplete widgets, the amount read from text,
the workflow's status moves, the four-eyes rule satisfied by two users, history)
and the public pages (the metric chart, the ClaimReview JSON-LD), with no console
errors and no Content Security Policy violations on any page.
"""

import datetime
import json
import re

import pytest

from claims.models import Claim, Comparator
from claims.ratings import Status
from tests.factories import DocumentFactory, MetricFactory, user_in_group

expect = pytest.importorskip(
    "playwright.sync_api",
    reason="the playwright package is not installed (pip install playwright)",
).expect

# A live server needs committed rows, so the test runs outside a transaction. The
# serialized rollback restores what migrations made (the Editors and Reviewers
# groups) when an earlier transactional test has flushed it, and leaves the
# database as the other serialized tests expect (flushing re-creates content types
# with other ids, which their restore then trips over).
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

QUOTE = (
    "the volume of trade between Tehran and Moscow stood close to 5.3 billion "
    "dollars last year"
)


def pick_autocomplete(page, field: str, search: str, choice: str):
    """Choose `choice` in the admin's select2 autocomplete widget of `field`."""
    page.click(f".field-{field} .select2-selection")
    page.fill(".select2-container--open .select2-search__field", search)
    page.click(f".select2-results__option:has-text({json.dumps(choice)})")


def message_texts(page) -> str:
    return page.inner_text("ul.messagelist")


def test_editor_adds_a_claim_and_a_reviewer_sets_its_verdict(browser):
    editor = user_in_group("Editors", username="ed-editor")
    reviewer = user_in_group("Reviewers", username="rita-reviewer")
    metric = MetricFactory(
        name="Iran-Russia trade volume", slug="iran-russia-trade-e2e", unit="USD"
    )
    document = DocumentFactory(
        title="Sanaei on Iran-Russia trade",
        published_on=datetime.date(2013, 4, 23),
    )
    page = browser.page

    # The editor adds a claim with a figure typed as the text has it.
    browser.login(editor.username)
    browser.goto("/admin/claims/claim/add/")
    page.fill("#id_text", "Iran-Russia trade stood close to $5.3 billion in 1391.")
    page.fill("#id_quote", QUOTE)
    pick_autocomplete(page, "document", "Sanaei", document.title)
    pick_autocomplete(page, "metric", "Iran-Russia", metric.name)
    assert page.input_value("#id_document") == str(document.pk)
    assert page.input_value("#id_metric") == str(metric.pk)
    page.fill("#id_amount_text", "close to 5.3 billion dollars")
    page.fill("#id_period_label", "Iranian calendar year 1391")
    browser.screenshot("editor-add-form")
    page.click("input[name=_continue]")
    page.wait_for_url(re.compile(r"/admin/claims/claim/\d+/change/$"))

    messages = message_texts(page)
    assert "“close to 5.3 billion dollars” was read as $5.3 billion" in messages
    assert "value 5300000000" in messages
    assert "unit USD" in messages
    claim_id = int(re.search(r"/claim/(\d+)/change/", page.url).group(1))
    browser.screenshot("editor-saved-amount-read")
    claim = Claim.objects.get(pk=claim_id)
    assert (claim.value, claim.unit, claim.comparator) == (
        5_300_000_000,
        "USD",
        Comparator.APPROXIMATELY,
    )
    assert (claim.period_start, claim.period_end) == (
        datetime.date(2012, 3, 20),
        datetime.date(2013, 3, 20),
    )
    assert claim.status == Status.UNVERIFIED
    assert claim.created_by == editor

    # The editor sends it to review: from unverified that is the only move offered.
    options = page.locator("#id_status option")
    assert options.evaluate_all("options => options.map(o => o.value)") == [
        Status.UNVERIFIED.value,
        Status.IN_REVIEW.value,
    ]
    page.select_option("#id_status", Status.IN_REVIEW.value)
    page.click("input[name=_continue]")
    expect(page.locator("ul.messagelist")).to_contain_text("was changed successfully")
    assert page.input_value("#id_status") == Status.IN_REVIEW.value
    browser.screenshot("editor-in-review")
    browser.assert_no_console_errors()
    browser.logout()

    # Another user, a reviewer, sets the verdict (four-eyes rule satisfied).
    browser.login(reviewer.username)
    browser.goto(f"/admin/claims/claim/{claim_id}/change/")
    page.select_option("#id_status", Status.DISPUTED.value)
    page.fill("#id_rationale", "Customs data give $1.5 billion for 2012.")
    browser.screenshot("reviewer-verdict-form")
    page.click("input[name=_continue]")
    expect(page.locator("ul.messagelist")).to_contain_text("was changed successfully")
    assert not page.locator(".errornote").count()
    claim.refresh_from_db()
    assert claim.status == Status.DISPUTED
    assert claim.reviewed_by == reviewer
    assert claim.reviewed_at is not None

    # Its history lists every version, by whom.
    browser.goto(f"/admin/claims/claim/{claim_id}/history/")
    rows = page.locator("#change-history tbody tr")
    assert rows.count() >= 3
    history = page.inner_text("#change-history")
    assert editor.username in history
    assert reviewer.username in history
    browser.screenshot("reviewer-history")
    browser.assert_no_console_errors()

    # The public metric page charts it; the claim page carries its ClaimReview.
    browser.goto(f"/metrics/{metric.slug}/")
    assert page.locator(f'.chart svg .claim-mark[data-claim-id="{claim_id}"]').count()
    browser.screenshot("public-metric-chart")

    browser.goto(f"/claims/{claim_id}/")
    markup = page.locator('script[type="application/ld+json"]')
    assert markup.count() == 1
    review = json.loads(markup.text_content())
    assert review["@type"] == "ClaimReview"
    assert review["reviewRating"]["alternateName"] == "Disputed"
    assert review["claimReviewed"] == claim.text
    browser.screenshot("public-claim-page")
    browser.assert_no_console_errors()
