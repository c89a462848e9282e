import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from claims.models import Claim, ClaimLink, Comparator
from claims.ratings import RATINGS, VERDICTS, Status, rating_for
from sources.models import DatePrecision
from tests.factories import (
    ClaimFactory,
    ClaimLinkFactory,
    DocumentFactory,
    EvidenceFactory,
    FigureClaimFactory,
    MetricFactory,
)

pytestmark = pytest.mark.django_db


def errors_of(instance) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as error:
        instance.full_clean()
    return error.value.message_dict


def test_valid_figure_claim_passes_validation():
    claim = FigureClaimFactory()
    claim.full_clean()


def test_period_ending_before_it_starts_is_refused_naming_period_end():
    claim = FigureClaimFactory.build(
        document=DocumentFactory(),
        metric=MetricFactory(),
        period_start=datetime.date(2013, 1, 1),
        period_end=datetime.date(2012, 1, 1),
    )
    assert "period_end" in errors_of(claim)


def test_period_ending_before_it_starts_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        FigureClaimFactory(
            period_start=datetime.date(2013, 1, 1), period_end=datetime.date(2012, 1, 1)
        )


def test_range_needs_an_upper_value_above_its_value():
    claim = FigureClaimFactory.build(
        document=DocumentFactory(),
        metric=MetricFactory(),
        comparator=Comparator.RANGE,
        value=Decimal("16000"),
        value_upper=Decimal("13000"),
    )
    assert errors_of(claim)["value_upper"] == [
        "The upper value must be greater than the value."
    ]


def test_range_without_upper_value_is_refused():
    claim = FigureClaimFactory.build(
        document=DocumentFactory(), metric=MetricFactory(), comparator=Comparator.RANGE
    )
    assert "value_upper" in errors_of(claim)


def test_upper_value_without_range_is_refused():
    claim = FigureClaimFactory.build(
        document=DocumentFactory(), metric=MetricFactory(), value_upper=Decimal("6e9")
    )
    assert "value_upper" in errors_of(claim)


def test_inverted_range_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        FigureClaimFactory(
            comparator=Comparator.RANGE,
            value=Decimal("16000"),
            value_upper=Decimal("13000"),
        )


def test_value_without_unit_is_refused_naming_unit():
    claim = FigureClaimFactory.build(
        document=DocumentFactory(), metric=MetricFactory(), unit=""
    )
    assert errors_of(claim)["unit"] == ["A value needs a unit."]


def test_value_without_unit_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        FigureClaimFactory(unit="")


def test_comparator_without_value_is_refused():
    claim = ClaimFactory.build(
        document=DocumentFactory(), comparator=Comparator.MORE_THAN
    )
    assert "comparator" in errors_of(claim)


def test_quote_must_appear_in_the_stored_document_text():
    document = DocumentFactory(
        text="Trade stood close to 5.3 billion dollars last year."
    )
    claim = ClaimFactory.build(document=document, quote="trade stood at 9 billion")
    assert errors_of(claim)["quote"] == [
        "The quote does not appear in the document's text."
    ]

    claim.quote = "Trade stood close to 5.3 billion dollars"
    claim.full_clean()


def test_quote_is_not_checked_when_no_text_is_stored():
    claim = ClaimFactory.build(document=DocumentFactory(text=""), quote="anything")
    claim.full_clean()


def test_claim_date_in_the_future_is_refused():
    claim = ClaimFactory.build(
        document=DocumentFactory(),
        claimed_on=timezone.localdate() + datetime.timedelta(days=2),
    )
    assert "claimed_on" in errors_of(claim)


def test_claim_date_defaults_to_the_documents_with_its_precision():
    document = DocumentFactory(
        published_on=datetime.date(2014, 1, 1), published_precision=DatePrecision.YEAR
    )
    claim = ClaimFactory.build(document=document, claimed_on=None)
    claim.full_clean()
    assert claim.claimed_on == datetime.date(2014, 1, 1)
    assert claim.claimed_precision == DatePrecision.YEAR


def test_claim_needs_a_document():
    claim = ClaimFactory.build(document=None)
    assert "document" in errors_of(claim)


def test_figure_is_shown_in_words():
    claim = FigureClaimFactory.build(value=Decimal("5300000000"), unit="USD")
    assert claim.figure_display == "$5.3 billion (approx.)"
    claim.comparator, claim.value, claim.unit = "more_than", Decimal("12000"), "cars"
    assert claim.figure_display == "more than 12,000 cars"


def test_claims_queryset_reviewed_returns_only_verdicts():
    unverified = ClaimFactory(status=Status.UNVERIFIED)
    in_review = ClaimFactory(status=Status.IN_REVIEW)
    disputed = ClaimFactory(status=Status.DISPUTED)
    false = ClaimFactory(status=Status.FALSE)
    reviewed = set(Claim.objects.reviewed())
    assert reviewed == {disputed, false}
    assert unverified not in reviewed
    assert in_review not in reviewed


def test_every_status_has_one_rating_and_verdicts_are_publishable():
    assert set(RATINGS) == set(Status)
    assert rating_for("false").rating_value == 1
    assert rating_for("verified").rating_value == 5
    assert rating_for("verified").claimskg_label == "TRUE"
    assert rating_for("misleading").claimskg_label == "MIXTURE"
    assert Status.UNVERIFIED not in VERDICTS
    assert Status.IN_REVIEW not in VERDICTS
    for rating in RATINGS.values():
        assert rating.rating_value is None or 1 <= rating.rating_value <= 5


def test_evidence_needs_a_document_or_url():
    evidence = EvidenceFactory.build(claim=ClaimFactory(), url="", document=None)
    assert "url" in errors_of(evidence)


def test_evidence_needs_a_document_or_url_in_the_database_too():
    with pytest.raises(IntegrityError), transaction.atomic():
        EvidenceFactory(url="", document=None)


def test_claim_cannot_be_linked_to_itself():
    claim = ClaimFactory()
    link = ClaimLink(from_claim=claim, to_claim=claim, relation="contradicts")
    assert "to_claim" in errors_of(link)
    with pytest.raises(IntegrityError), transaction.atomic():
        link.save()


def test_symmetric_link_is_not_stored_twice_the_other_way_round():
    link = ClaimLinkFactory(relation=ClaimLink.Relation.CONTRADICTS)
    reverse = ClaimLink(
        from_claim=link.to_claim, to_claim=link.from_claim, relation="contradicts"
    )
    assert "to_claim" in errors_of(reverse)


def test_updates_link_may_point_both_ways():
    link = ClaimLinkFactory(relation=ClaimLink.Relation.UPDATES)
    reverse = ClaimLink(
        from_claim=link.to_claim, to_claim=link.from_claim, relation="updates"
    )
    reverse.full_clean()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("period_start", datetime.date(999, 12, 31)),
        ("period_end", datetime.date(3000, 1, 1)),
        ("period_end", datetime.date.max),
        ("claimed_on", datetime.date.min),
    ],
)
def test_a_claim_date_outside_1000_to_2999_is_refused_naming_the_field(field, value):
    claim = FigureClaimFactory.build(
        document=DocumentFactory(), metric=MetricFactory(), **{field: value}
    )

    assert errors_of(claim) == {
        field: ["Use a date between 1000-01-01 and 2999-12-31."]
    }


def test_a_claim_period_from_1000_to_2999_is_valid():
    claim = FigureClaimFactory.build(
        document=DocumentFactory(),
        metric=MetricFactory(),
        period_start=datetime.date(1000, 1, 1),
        period_end=datetime.date(2999, 12, 31),
        claimed_on=datetime.date(1000, 1, 1),
    )

    claim.full_clean()
