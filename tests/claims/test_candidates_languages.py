"""A candidate carries its figure, change, period and language into its claim (#28).

The Russian and Persian texts here were made for these tests; their figures are
illustrative, not real statistics.
"""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from claims.models import Candidate, Claim, ClaimLink
from claims.selectors.matching import candidate_matches, match_text
from claims.services.candidates import (
    accept_candidate,
    claim_figure_of_candidate,
    extract_candidates,
)
from tests.factories import (
    CandidateFactory,
    ClaimFactory,
    DocumentFactory,
    MetricFactory,
    user_in_group,
)

pytestmark = pytest.mark.django_db

# Made for this test: a customs release in Russian, dated 1 June 2013.
RUSSIAN = (
    "По данным таможенной службы, товарооборот России и Ирана в 2012 году составил "
    "5,3 млрд долларов. Экспорт вырос на 36,4% и составил 3,3 млрд долларов. "
    "Импорт из Ирана за первое полугодие снизился на 6,5%."
)
RUSSIAN_PUBLISHED = datetime.date(2013, 6, 1)
# Made for this test: "Iran-Russia trade in 2012 reached about 5.3 billion dollars."
PERSIAN_QUERY = "حجم تجارت ایران و روسیه در سال ۲۰۱۲ به حدود ۵٫۳ میلیارد دلار رسید."


@pytest.fixture
def trade_metric():
    return MetricFactory(
        name="Iran-Russia bilateral trade volume",
        slug="iran-russia-trade-volume",
        unit="USD",
        kind="annual",
    )


@pytest.fixture
def russian_candidates():
    document = DocumentFactory(text=RUSSIAN, published_on=RUSSIAN_PUBLISHED)
    extract_candidates(document_id=document.pk)
    return {
        candidate.quote.split()[0]: candidate
        for candidate in Candidate.objects.filter(document=document)
    }


def test_a_russian_candidate_stores_its_period_language_and_figure(russian_candidates):
    trade = russian_candidates["По"]
    assert trade.quote.endswith("составил 5,3 млрд долларов.")
    assert (trade.value, trade.unit, trade.language) == (
        Decimal("5300000000"),
        "USD",
        "ru",
    )
    assert (trade.period_start, trade.period_end) == (
        datetime.date(2012, 1, 1),
        datetime.date(2012, 12, 31),
    )
    assert trade.change_percent is None


def test_a_change_is_stored_with_its_sign_beside_the_figure_it_led_to(
    russian_candidates,
):
    exports = russian_candidates["Экспорт"]
    assert (exports.value, exports.unit) == (Decimal("3300000000"), "USD")
    assert exports.change_percent == Decimal("36.4")
    imports = russian_candidates["Импорт"]
    assert (imports.value, imports.unit) == (Decimal("6.5"), "percent")
    assert imports.change_percent == Decimal("-6.5")
    # "за первое полугодие" read against the document's date (1 June 2013): the
    # latest first half that had ended, 2012's.
    assert (imports.period_start, imports.period_end) == (
        datetime.date(2012, 1, 1),
        datetime.date(2012, 6, 30),
    )
    assert imports.period_resolution == "read against 2013-06-01"


def test_accepting_copies_the_change_and_period_into_the_claim(russian_candidates):
    exports = russian_candidates["Экспорт"]

    claim = accept_candidate(
        candidate=exports, text="Russian exports to Iran rose 36.4% to $3.3 billion."
    )

    claim.refresh_from_db()
    assert claim.quote == exports.quote  # verbatim, in Russian
    assert claim.text == "Russian exports to Iran rose 36.4% to $3.3 billion."
    assert (claim.value, claim.unit, claim.change_percent) == (
        Decimal("3300000000"),
        "USD",
        Decimal("36.4"),
    )


def test_a_candidate_whose_figure_is_its_change_becomes_a_signed_percent_claim(
    russian_candidates,
):
    claim = accept_candidate(candidate=russian_candidates["Импорт"])

    claim.refresh_from_db()
    assert (claim.value, claim.unit, claim.change_percent) == (
        Decimal("-6.5"),
        "percent",
        None,
    )
    assert (claim.period_start, claim.period_end) == (
        datetime.date(2012, 1, 1),
        datetime.date(2012, 6, 30),
    )
    assert claim.period_resolution == "read against 2013-06-01"


def test_a_change_without_a_figure_becomes_a_claim_of_the_change():
    # Made for this test: "Wheat exports to Russia rose tenfold."
    document = DocumentFactory(text="صادرات گندم به روسیه ده برابر شد.")
    extract_candidates(document_id=document.pk)
    candidate = Candidate.objects.get(document=document)
    assert (candidate.value, candidate.change_percent, candidate.language) == (
        None,
        Decimal("900"),
        "fa",
    )

    claim = accept_candidate(candidate=candidate)

    assert (claim.value, claim.unit) == (Decimal("900"), "percent")


def test_a_period_label_given_on_accepting_replaces_the_one_read(russian_candidates):
    claim = accept_candidate(
        candidate=russian_candidates["По"], period_label="Iranian year 1391"
    )

    claim.refresh_from_db()
    assert (claim.period_label, claim.period_start, claim.period_end) == (
        "Iranian year 1391",
        datetime.date(2012, 3, 20),
        datetime.date(2013, 3, 20),
    )


def test_a_figure_of_its_own_keeps_the_change_beside_it():
    candidate = CandidateFactory.build(
        value=Decimal("42"), unit="percent", change_percent=Decimal("-6.5")
    )
    figure = claim_figure_of_candidate(candidate)
    # 42% is not the 6.5% drop: the share is the figure, the drop led to it.
    assert (figure["value"], figure["unit"], figure["change_percent"]) == (
        Decimal("42"),
        "percent",
        Decimal("-6.5"),
    )


def test_a_russian_candidate_accepted_conflicts_with_an_english_claim_and_a_persian_query_finds_it(  # noqa: E501
    russian_candidates, trade_metric, django_capture_on_commit_callbacks
):
    english = ClaimFactory(
        text="Iran-Russia trade fell to $1.5 billion in 2012 (made for this test).",
        metric=trade_metric,
        value=Decimal("1500000000"),
        unit="USD",
        period_start=datetime.date(2012, 1, 1),
        period_end=datetime.date(2012, 12, 31),
        period_label="2012",
    )
    candidate = russian_candidates["По"]
    editor = user_in_group("Editors")

    with django_capture_on_commit_callbacks(execute=True):
        claim = accept_candidate(
            candidate=candidate,
            by=editor,
            metric=trade_metric,
            text="Iran-Russia trade was $5.3 billion in 2012, Russian customs said.",
        )

    claim.refresh_from_db()
    assert claim.quote == candidate.quote
    assert (claim.period_start, claim.period_end) == (
        datetime.date(2012, 1, 1),
        datetime.date(2012, 12, 31),
    )
    # Conflict detection ran after the commit, on the claim's metric.
    link = ClaimLink.objects.get(
        relation=ClaimLink.Relation.CONTRADICTS,
        from_claim__in=[claim, english],
        to_claim__in=[claim, english],
    )
    assert link.detected
    claim.refresh_from_db()
    assert claim.conflicts_checked_version == claim.version

    found = match_text(text=PERSIAN_QUERY)
    relations = {match.claim.pk: match.relation for match in found}
    assert relations[claim.pk] == "same"
    assert relations[english.pk] == "conflicting"


def test_a_candidates_best_match_reads_its_stored_period(
    russian_candidates, trade_metric
):
    english = ClaimFactory(
        text="Iran-Russia trade stood at $5.3 billion in 2012 (made for this test).",
        metric=trade_metric,
        value=Decimal("5300000000"),
        unit="USD",
        period_start=datetime.date(2012, 1, 1),
        period_end=datetime.date(2012, 12, 31),
    )
    candidate = russian_candidates["По"]
    candidate.suggested_metric = trade_metric

    matches = candidate_matches(candidate)

    assert matches[0].claim == english
    assert matches[0].relation == "same"
    # Another year on the stored candidate: the same figure no longer says the same.
    candidate.period_start = datetime.date(2009, 1, 1)
    candidate.period_end = datetime.date(2009, 12, 31)
    assert candidate_matches(candidate)[0].relation != "same"


def test_the_api_and_the_admin_show_the_period_change_and_language(
    russian_candidates, admin_client
):
    exports = russian_candidates["Экспорт"]
    api = APIClient()
    api.force_login(user_in_group("Editors"))

    body = api.get(f"/api/v1/candidates/{exports.pk}/").json()

    assert body["language"] == "ru"
    assert body["change_percent"] == "36.4000"
    assert body["change_comparator"] == "exact"
    imports = russian_candidates["Импорт"]
    body = api.get(f"/api/v1/candidates/{imports.pk}/").json()
    assert (body["period_start"], body["period_end"]) == ("2012-01-01", "2012-06-30")
    assert body["period_resolution"] == "read against 2013-06-01"

    page = admin_client.get(
        reverse("admin:claims_candidate_change", args=[imports.pk])
    ).content.decode()
    assert 'name="change_percent" value="-6.5000"' in page
    assert 'name="period_start" value="2012-01-01"' in page
    listing = admin_client.get(reverse("admin:claims_candidate_changelist"))
    assert "2012-01-01 – 2012-06-30" in listing.content.decode()


def test_an_editor_correcting_the_period_in_the_admin_is_refused_when_it_ends_first(
    russian_candidates, admin_client
):
    trade = russian_candidates["По"]
    url = reverse("admin:claims_candidate_change", args=[trade.pk])
    form = {
        "quote": trade.quote,
        "value": "5300000000",
        "unit": "USD",
        "comparator": "exact",
        "change_comparator": "exact",
        "period_start": "2012-12-31",
        "period_end": "2012-01-01",
        "period_label": "2012",
    }

    response = admin_client.post(url, form)

    assert response.status_code == 200
    assert "The period must not end before it starts." in response.content.decode()
    trade.refresh_from_db()
    assert trade.period_start == datetime.date(2012, 1, 1)


def test_a_stored_claim_from_a_persian_candidate_keeps_the_persian_quote():
    # Made for this test: "Trade reached 1.7 billion dollars in the Iranian year 1391."
    text = "حجم تجارت در سال ۱۳۹۱ به ۱/۷ میلیارد دلار رسید."
    document = DocumentFactory(text=text)
    extract_candidates(document_id=document.pk)
    candidate = Candidate.objects.get(document=document)

    claim = accept_candidate(candidate=candidate, text="Trade was $1.7bn in 1391.")

    stored = Claim.objects.get(pk=claim.pk)
    assert stored.quote == text
    assert (stored.value, stored.period_start, stored.period_end) == (
        Decimal("1700000000"),
        datetime.date(2012, 3, 20),
        datetime.date(2013, 3, 20),
    )
    assert candidate.language == "fa"
