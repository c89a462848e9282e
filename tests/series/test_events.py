"""An official comparison changing its assessment of a verdict's figure is an event."""

from datetime import date

import pytest

from claims.models import Claim
from claims.ratings import Status
from events.models import Event
from tests.factories import MetricFactory
from tests.series.test_comparisons import annual, claim, compared, link, load

pytestmark = pytest.mark.django_db


def official_events(row) -> list[Event]:
    return list(
        Event.objects.filter(type="claim.official.changed", claim_id=row.pk).order_by(
            "id"
        )
    )


def test_a_changed_assessment_of_a_verdict_is_an_event_and_a_recheck():
    metric = MetricFactory(unit="USD")
    link(metric)
    # Figures made for this test (not from the seeds).
    load(annual("RUS", "IRN", "X", 2012, 1200), annual("RUS", "IRN", "M", 2012, 300))
    row = claim(
        metric,
        "1500",
        date(2012, 1, 1),
        date(2012, 12, 31),
        status=Status.FALSE,
        rationale="made for this test",
    )
    (first,) = compared(row)
    assert first.assessment == "consistent"
    (appeared,) = official_events(row)
    assert appeared.body["previous_assessment"] is None
    assert appeared.body["comparison"]["assessment"] == "consistent"

    compared(row)  # the same assessment again: no event
    assert len(official_events(row)) == 1

    load(annual("RUS", "IRN", "X", 2012, 3000), annual("RUS", "IRN", "M", 2012, 300))
    (revised,) = compared(row)
    assert revised.assessment != "consistent"
    changed = official_events(row)[-1]
    assert changed.body["previous_assessment"] == "consistent"
    assert changed.body["comparison"]["assessment"] == revised.assessment
    assert changed.body["claim"]["id"] == row.pk
    assert "from consistent within the wording to" in changed.reason
    flagged = Claim.objects.get(pk=row.pk)
    assert flagged.recheck_since is not None
    assert flagged.status == Status.FALSE


def test_comparisons_of_claims_without_a_verdict_are_no_events():
    metric = MetricFactory(unit="USD")
    link(metric)
    load(annual("RUS", "IRN", "X", 2012, 1200), annual("RUS", "IRN", "M", 2012, 300))
    row = claim(metric, "1500", date(2012, 1, 1), date(2012, 12, 31))
    compared(row)
    assert official_events(row) == []
