"""Editors type amounts and periods as the text has them; what was read comes back."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from claims.models import Claim
from tests.admin_forms import admin_form_data
from tests.factories import DocumentFactory, FigureClaimFactory, MetricFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(superuser):
    client = APIClient()
    client.force_login(superuser)
    return client


def claim_body(**fields):
    document = DocumentFactory(published_on=datetime.date(2013, 4, 23))
    return {
        "text": "Trade figure.",
        "quote": "trade",
        "document": document.pk,
        "metric": MetricFactory(unit="USD").slug,
        **fields,
    }


@pytest.mark.parametrize(
    ("amount_text", "value", "unit", "comparator", "upper", "display"),
    [
        ("$1.5 billion", "1500000000", "USD", "exact", None, "$1.5 billion"),
        (
            "close to 5.3 billion dollars",
            "5300000000",
            "USD",
            "approximately",
            None,
            "$5.3 billion (approx.)",
        ),
        (
            "more than 12,000 cars",
            "12000",
            "cars",
            "more_than",
            None,
            "more than 12,000 cars",
        ),
        ("$13,000 to $16,000", "13000", "USD", "range", "16000", "$13,000 to $16,000"),
    ],
)
def test_api_reads_an_amount_typed_as_text_and_shows_it_back(
    api, amount_text, value, unit, comparator, upper, display
):
    response = api.post("/api/v1/claims/", claim_body(amount_text=amount_text))

    assert response.status_code == 201, response.json()
    figure = response.json()["figure"]
    assert Decimal(figure["value"]) == Decimal(value)
    assert figure["unit"] == unit
    assert figure["comparator"] == comparator
    assert (figure["value_upper"] and Decimal(figure["value_upper"])) == (
        upper and Decimal(upper)
    )
    assert figure["display"] == display


def test_unreadable_amount_is_a_400_naming_amount_text_and_stores_nothing(api):
    response = api.post("/api/v1/claims/", claim_body(amount_text="lots of money"))
    assert response.status_code == 400
    assert "amount_text" in response.json()
    assert Claim.objects.count() == 0


def test_amount_as_text_and_as_value_together_is_refused(api):
    body = claim_body(amount_text="$1.5 billion", value="2000", unit="USD")
    response = api.post("/api/v1/claims/", body)
    assert response.status_code == 400
    assert "not both" in response.json()["amount_text"][0]


def test_relative_period_label_is_resolved_against_the_claim_date_and_explained(api):
    body = claim_body(
        amount_text="close to 5.3 billion dollars",
        period_label="past Iranian calendar year",
        claimed_on="2013-04-23",
    )
    figure = api.post("/api/v1/claims/", body).json()["figure"]
    assert (figure["period_start"], figure["period_end"]) == (
        "2012-03-20",
        "2013-03-20",
    )
    assert "1391" in figure["period_resolution"]


def test_given_dates_are_kept_and_not_overwritten_by_the_label(api):
    body = claim_body(
        amount_text="$2 billion",
        period_label="last year",
        period_start="2012-03-20",
        period_end="2013-03-20",
    )
    figure = api.post("/api/v1/claims/", body).json()["figure"]
    assert (figure["period_start"], figure["period_end"]) == (
        "2012-03-20",
        "2013-03-20",
    )
    assert figure["period_resolution"] == ""


def test_unreadable_period_label_keeps_empty_dates_and_says_so(api):
    body = claim_body(amount_text="$3 billion", period_label="in recent years")
    response = api.post("/api/v1/claims/", body)
    assert response.status_code == 201
    figure = response.json()["figure"]
    assert figure["period_start"] is None
    assert figure["period_end"] is None
    assert "Enter the dates by hand" in figure["period_resolution"]
    assert figure["period_label"] == "in recent years"


def test_admin_amount_text_fills_the_figure_and_reports_what_was_read(admin_client):
    claim = FigureClaimFactory(period_label="", period_start=None, period_end=None)
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    form = admin_client.get(url).context["adminform"].form
    data = admin_form_data(
        form,
        amount_text="hardly passed 3 billion dollars",
        period_label="Iranian calendar year 1390",
    )

    response = admin_client.post(url, data, follow=True)

    claim.refresh_from_db()
    assert (claim.value, claim.unit, claim.comparator) == (
        Decimal("3000000000"),
        "USD",
        "approximately",
    )
    assert (claim.period_start, claim.period_end) == (
        datetime.date(2011, 3, 21),
        datetime.date(2012, 3, 19),
    )
    messages = [str(message) for message in response.context["messages"]]
    assert any("was read as $3 billion (approx.)" in message for message in messages)


def test_admin_unreadable_amount_is_a_form_error(admin_client):
    claim = FigureClaimFactory()
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    form = admin_client.get(url).context["adminform"].form
    response = admin_client.post(
        url, admin_form_data(form, amount_text="12 apples and 4 pears")
    )
    assert response.status_code == 200
    assert "amount_text" in response.context["adminform"].form.errors
    claim.refresh_from_db()
    assert claim.value == Decimal("5300000000")


# A value typed without its scale (claims.figures.written.magnitude_warning) -------

TRADE_WORDS = "Iran-Russia trade stood close to $5.3 billion in 1391."  # the seed's


@pytest.mark.parametrize(
    ("value", "unit", "warns"),
    [
        (Decimal("5.3"), "USD", True),  # the scale word left out
        (Decimal("5300000"), "USD", True),  # million for billion
        (Decimal("5300000000"), "USD", False),
        (Decimal("1500000000"), "USD", False),  # another figure, not a slip
        (Decimal("0.4"), "percent", False),  # the words state no percentage
    ],
)
def test_a_value_orders_of_magnitude_from_the_words_warns(value, unit, warns):
    from claims.figures.written import magnitude_warning

    warning = magnitude_warning(value=value, unit=unit, texts=[TRADE_WORDS])
    assert bool(warning) is warns
    if warns:
        assert "“close to $5.3 billion”" in warning


def test_words_with_no_amount_never_warn():
    from claims.figures.written import magnitude_warning

    words = "Made for this test: trade between the two countries grew."
    assert magnitude_warning(value=Decimal("5.3"), unit="USD", texts=[words]) == ""
