import datetime
from decimal import Decimal

import pytest
from django.db.models import F
from django.utils import timezone

from claims.api.representations import (
    ClaimRowSerializer,
    ClaimSerializer,
    MetricFigureRowSerializer,
    MetricFigureSerializer,
    claim_rows,
)
from claims.models import Claim, Comparator
from claims.ratings import Status
from claims.selectors.conflicts import conflicts_of
from tests.factories import (
    ClaimFactory,
    ClaimLinkFactory,
    DocumentFactory,
    FigureClaimFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def varied_claims():
    """Claims covering every optional part of the representation."""
    plain = ClaimFactory(speaker=None, claimed_on=None)
    undated = ClaimFactory(
        document=DocumentFactory(publisher=None, published_on=None, url=""),
        speaker=PersonFactory(name="Hassan Rouhani"),
        speaker_role="President of Iran",
    )
    approximate = FigureClaimFactory(
        speaker=PersonFactory(),
        status=Status.IN_REVIEW,
    )
    ranged = FigureClaimFactory(
        value=Decimal("1.5"),
        value_upper=Decimal("2.25"),
        comparator=Comparator.RANGE,
        unit="percent",
        change_percent=Decimal("-40"),
        change_comparator=Comparator.APPROXIMATELY,
        period_start=None,
        period_end=None,
        period_label="",
    )
    reviewed = FigureClaimFactory(
        metric=approximate.metric,
        value=Decimal("2000000000"),
        comparator=Comparator.EXACT,
        status=Status.FALSE,
        rationale="Customs data show more.",
        reviewed_at=timezone.now(),
    )
    ClaimLinkFactory(from_claim=approximate, to_claim=reviewed, note="Too far apart")
    ClaimLinkFactory(from_claim=ranged, to_claim=approximate, detected=True)
    return [plain, undated, approximate, ranged, reviewed]


@pytest.mark.parametrize("staff", [False, True])
@pytest.mark.parametrize("time_zone", ["UTC", "Asia/Tehran"])
def test_rows_are_written_exactly_as_the_claim_serializer_writes_claims(
    varied_claims, settings, time_zone, staff
):
    settings.TIME_ZONE = time_zone
    varied_claims[0].editor_note = "A working note (made up for this test)."
    varied_claims[0].save()
    ids = [claim.pk for claim in varied_claims]
    conflicts = conflicts_of(ids)
    rows = list(claim_rows(Claim.objects.filter(pk__in=ids).order_by("id")))
    instances = Claim.objects.with_relations().filter(pk__in=ids).order_by("id")
    context = {"conflicts": conflicts, "staff": staff}

    fast = ClaimRowSerializer(rows, many=True, context=context).data
    stock = ClaimSerializer(instances, many=True, context=context).data

    assert [dict(claim) for claim in stock] == fast
    assert {len(claim["conflicts"]) for claim in fast} == {0, 1, 2}
    # Staff read the working notes; the public's claims have no such field.
    if staff:
        assert fast[0]["editor_note"] == "A working note (made up for this test)."
    else:
        assert not any("editor_note" in claim for claim in fast)


def test_rows_carry_the_querysets_annotations_for_the_paginator():
    claim = ClaimFactory(claimed_on=datetime.date(2013, 4, 23))
    queryset = Claim.objects.annotate(sort_key=F("id"))

    (row,) = claim_rows(queryset)

    assert row["sort_key"] == claim.pk


def test_figure_rows_are_written_exactly_as_the_metric_figure_serializer_writes():
    claims = [
        FigureClaimFactory(),
        FigureClaimFactory(comparator=Comparator.MORE_THAN, speaker=PersonFactory()),
        FigureClaimFactory(comparator=Comparator.LESS_THAN, value=Decimal("7.5")),
        FigureClaimFactory(
            comparator=Comparator.RANGE,
            value=Decimal("1"),
            value_upper=Decimal("2"),
            document=DocumentFactory(publisher=None, published_on=None),
        ),
        FigureClaimFactory(comparator=Comparator.EXACT, value=Decimal("-3")),
        FigureClaimFactory(value=Decimal("-1.234567")),  # bounds of 7 places
    ]
    ClaimLinkFactory(from_claim=claims[0], to_claim=claims[1])
    ids = [claim.pk for claim in claims]
    conflicts = conflicts_of(ids)
    rows = list(claim_rows(Claim.objects.filter(pk__in=ids).order_by("id")))
    instances = Claim.objects.with_relations().filter(pk__in=ids).order_by("id")

    fast = MetricFigureRowSerializer(
        rows, many=True, context={"conflicts": conflicts}
    ).data
    stock = MetricFigureSerializer(
        instances, many=True, context={"conflicts": conflicts}
    ).data

    assert [dict(figure) for figure in stock] == fast
    assert [figure["high"] for figure in fast].count(None) == 1
    assert (fast[-1]["low"], fast[-1]["high"]) == ("-1.358024", "-1.111110")
