"""One write path for editing a claim: the admin form and the API call claim_update.

The same edit made through either gives the same stored claim, or the same refusal
naming the same field: the figure read from what was typed, the claim date, and the
reopening rules (an edit to what a verdict judges reopens the claim).
"""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from claims.models import Claim
from claims.ratings import Status
from claims.services.claims import claim_update, claim_update_plan
from tests.admin_forms import admin_form_data
from tests.factories import DocumentFactory, FigureClaimFactory, user_in_group

pytestmark = pytest.mark.django_db

# Made up for these tests: a rationale as a reviewer would write one.
RATIONALE = "Customs statistics (evidence 1) show a different figure."
COMPARED = (
    "text",
    "status",
    "rationale",
    "claimed_on",
    "value",
    "value_upper",
    "unit",
    "comparator",
    "period_start",
    "period_end",
    "period_label",
    "period_resolution",
    "version",
)


@pytest.fixture
def editor():
    return user_in_group("Editors", username="ed")


@pytest.fixture
def reviewer():
    return user_in_group("Reviewers", username="rev")


def verdict_claim(*, claimed_on: datetime.date) -> Claim:
    """A verified figure whose document was published on 2013-04-23."""
    return FigureClaimFactory(
        text="Trade stood at some figure.",
        quote="trade stood at some figure",
        document=DocumentFactory(published_on=datetime.date(2013, 4, 23)),
        claimed_on=claimed_on,
        status=Status.VERIFIED,
        rationale=RATIONALE,
    )


def edit_through_api(user, claim: Claim, changes: dict) -> tuple:
    client = APIClient()
    client.force_login(user)
    etag = client.get(f"/api/v1/claims/{claim.pk}/")["ETag"]
    response = client.patch(
        f"/api/v1/claims/{claim.pk}/", changes, format="json", HTTP_IF_MATCH=etag
    )
    if response.status_code == 200:
        return ("saved",)
    assert response.status_code == 400, response.content
    return ("refused", sorted(response.json()))


def edit_through_admin(client, user, claim: Claim, changes: dict) -> tuple:
    client.force_login(user)
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    form = client.get(url).context["adminform"].form
    posted = {name: "" if value is None else value for name, value in changes.items()}
    response = client.post(url, admin_form_data(form, **posted))
    if response.status_code == 302:
        return ("saved",)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    return ("refused", sorted(errors))


def stored(claim: Claim) -> dict:
    claim.refresh_from_db()
    return {name: getattr(claim, name) for name in COMPARED}


EDITS = {
    # An editor rewords the claim: what the verdict judged changed, so it reopens.
    "editor rewords": ("editor", datetime.date(2013, 4, 23), {"text": "Reworded."}),
    # Clearing a date equal to the document's changes nothing: the verdict holds.
    "editor clears the document's date": (
        "editor",
        datetime.date(2013, 4, 23),
        {"claimed_on": None},
    ),
    # Clearing a date that differs from the document's moves it: the claim reopens.
    "editor clears another date": (
        "editor",
        datetime.date(2013, 5, 1),
        {"claimed_on": None},
    ),
    # The date moves, so the verdict is withdrawn: a revised rationale is refused.
    "reviewer revises the rationale and clears another date": (
        "reviewer",
        datetime.date(2013, 5, 1),
        {"claimed_on": None, "rationale": RATIONALE + " Revised."},
    ),
    "reviewer revises the rationale only": (
        "reviewer",
        datetime.date(2013, 4, 23),
        {"rationale": RATIONALE + " Revised."},
    ),
    # An amount and a label typed as text, read the same way by both.
    "editor types the amount and a new label": (
        "editor",
        datetime.date(2013, 4, 23),
        {
            "amount_text": "hardly passed 3 billion dollars",
            "period_label": "Iranian calendar year 1390",
            "period_start": None,
            "period_end": None,
        },
    ),
    "editor types an amount beside a value": (
        "editor",
        datetime.date(2013, 4, 23),
        {"amount_text": "$2 billion", "value": "2000000000"},
    ),
}


@pytest.mark.parametrize("edit", list(EDITS))
def test_the_admin_and_the_api_store_the_same_result_for_the_same_edit(
    client, editor, reviewer, edit
):
    role, claimed_on, changes = EDITS[edit]
    user = {"editor": editor, "reviewer": reviewer}[role]
    through_api, through_admin = (
        verdict_claim(claimed_on=claimed_on),
        verdict_claim(claimed_on=claimed_on),
    )

    api_outcome = edit_through_api(user, through_api, changes)
    admin_outcome = edit_through_admin(client, user, through_admin, changes)

    assert api_outcome == admin_outcome
    assert stored(through_api) == stored(through_admin)


def test_clearing_a_date_that_moves_it_reopens_the_claim_in_both():
    claim = verdict_claim(claimed_on=datetime.date(2013, 5, 1))
    claim_update(claim=claim, values={"claimed_on": None})
    assert stored(claim)["status"] == Status.IN_REVIEW
    assert stored(claim)["claimed_on"] == datetime.date(2013, 4, 23)


def test_the_plan_refuses_what_the_save_would_and_changes_nothing(reviewer):
    claim = verdict_claim(claimed_on=datetime.date(2013, 5, 1))
    with pytest.raises(Exception) as refusal:  # noqa: PT011 - the type is checked below
        claim_update_plan(
            claim=claim,
            values={"claimed_on": None, "rationale": RATIONALE + " Revised."},
            by=reviewer,
        )
    assert refusal.value.message_dict.keys() == {"rationale"}
    assert claim.claimed_on == datetime.date(2013, 5, 1)
    assert claim.rationale == RATIONALE


def test_the_plan_returns_the_figure_read_from_the_amount_typed():
    claim = verdict_claim(claimed_on=datetime.date(2013, 4, 23))
    plan = claim_update_plan(
        claim=claim, values={}, amount_text="more than 12,000 cars"
    )
    assert (plan.written["value"], plan.written["unit"]) == (Decimal(12000), "cars")
    assert plan.save.reopened
    assert claim.unit == "USD"  # not changed by the plan
