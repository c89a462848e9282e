"""The purge of the front caches: which tags each event sends, to whom, when.

The PURGEs go to a recorder on 127.0.0.1 (tests/frontcache/recorder.py): nothing
leaves the machine. Jobs run inline after the commit (the tests' JOBS_MODE).
"""

import datetime
import logging

import pytest
from django.db import transaction
from django.utils import timezone

from claims.models import Claim
from claims.ratings import Status
from claims.services.claims import claim_update
from claims.services.evidence import evidence_save
from events.models import Event
from events.types import EVENT_TYPES
from frontcache import services
from frontcache.services import PurgeFailed, event_tags, purge_tags
from tests.factories import (
    EvidenceFactory,
    FigureClaimFactory,
    PersonFactory,
    user_in_group,
)
from tests.frontcache.recorder import PurgeRecorder

pytestmark = pytest.mark.django_db

# Made for these tests.
RATIONALE = "Customs statistics show another figure (made for this test)."


@pytest.fixture
def recorder():
    recorder = PurgeRecorder()
    yield recorder
    recorder.close()


@pytest.fixture
def purging(settings, recorder):
    settings.FACTCHECK_FRONT_CACHE_PURGE_URLS = [recorder.url]
    return recorder


@pytest.fixture
def reviewer():
    return user_in_group("Reviewers", username="rev")


def published(**fields) -> Claim:
    return FigureClaimFactory(
        status=Status.DISPUTED,
        rationale=RATIONALE,
        speaker=PersonFactory(),
        reviewed_at=datetime.datetime(2026, 1, 5, tzinfo=datetime.UTC),
        **fields,
    )


def event(type_: str, claim_id: int | None = 12, body: dict | None = None) -> Event:
    """An unsaved event with a body of the public shape (made up for these tests)."""
    if body is None:
        body = {
            "claim": {
                "id": claim_id,
                "metric": {"id": 3, "slug": "trade", "name": "Trade"},
                "conflicts": [{"claim": 40, "figure": "5 USD"}],
                "status": "false",
            }
        }
    return Event(type=type_, claim_id=claim_id, object_url="/x/", body=body)


@pytest.mark.parametrize("type_", sorted(set(EVENT_TYPES) - {"claim.created"}))
def test_a_claims_event_purges_the_claim_its_metric_linked_claims_and_lists(type_):
    tags = {"claim:12", "metric:3", "claim:40", "all-claims"}
    assert event_tags(event(type_)) == tags


def test_a_created_claim_purges_its_metric_and_the_lists_only():
    """Nothing kept shows a claim that did not exist (as the triggers bump)."""
    assert event_tags(event("claim.created")) == {"metric:3", "claim:40", "all-claims"}


def test_a_conflict_event_purges_the_other_claim_too():
    body = {
        "claim": {"id": 12, "metric": None, "conflicts": []},
        "conflict": {"claim": 77, "reason": "made up"},
    }
    tags = event_tags(event("claim.conflict.resolved", body=body))
    assert tags == {"claim:12", "claim:77", "all-claims"}


def test_an_event_about_no_claim_purges_nothing():
    assert event_tags(event("claim.created", claim_id=None, body={})) == set()


def test_the_purge_is_off_by_default(
    settings, recorder, reviewer, django_capture_on_commit_callbacks
):
    assert settings.FACTCHECK_FRONT_CACHE_PURGE_URLS == []
    claim = published()
    with django_capture_on_commit_callbacks(execute=True):
        claim_update(claim=claim, values={"rationale": "New (made up)."}, by=reviewer)
    assert Event.objects.filter(type="claim.verdict.revised").exists()
    assert recorder.requests == []


def test_a_revised_verdict_sends_one_purge_of_its_tags(
    purging, reviewer, django_capture_on_commit_callbacks
):
    claim = published()
    with django_capture_on_commit_callbacks(execute=True):
        claim_update(claim=claim, values={"rationale": "New (made up)."}, by=reviewer)
    assert purging.tags() == [
        {f"claim:{claim.pk}", f"metric:{claim.metric_id}", "all-claims"}
    ]
    method, path, headers = purging.requests[0]
    assert (method, path) == ("PURGE", "/")
    assert headers["user-agent"].startswith("factcheck-frontcache/")


def test_evidence_added_to_a_verdict_purges_the_claim(
    purging, django_capture_on_commit_callbacks
):
    claim = published()
    with django_capture_on_commit_callbacks(execute=True):
        evidence_save(evidence=EvidenceFactory.build(claim=claim))
    assert purging.tags() == [
        {f"claim:{claim.pk}", f"metric:{claim.metric_id}", "all-claims"}
    ]


def test_a_write_recording_no_event_sends_no_purge(
    purging, django_capture_on_commit_callbacks
):
    """Covered by max-age instead (docs/frontcache.md)."""
    claim = FigureClaimFactory()
    with django_capture_on_commit_callbacks(execute=True):
        claim_update(claim=claim, values={"editor_note": "made up"}, by=None)
    assert not Event.objects.exists()
    assert purging.requests == []


def test_the_purge_is_deferred_in_the_events_transaction_and_dies_with_it(
    purging, reviewer, django_capture_on_commit_callbacks
):
    claim = published()

    def write_that_fails_after_its_event():
        with transaction.atomic():
            claim_update(claim=claim, values={"rationale": "made up"}, by=reviewer)
            raise RuntimeError("the write fails after its event")

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
    ):
        write_that_fails_after_its_event()
    assert Event.objects.count() == 0
    assert purging.requests == []


def test_every_front_cache_is_purged_in_requests_of_bounded_size(settings, monkeypatch):
    recorders = [PurgeRecorder(), PurgeRecorder()]
    try:
        settings.FACTCHECK_FRONT_CACHE_PURGE_URLS = [r.url for r in recorders]
        monkeypatch.setattr(services, "TAGS_PER_REQUEST", 2)
        tags = ["all-claims", "claim:1", "claim:2", "metric:1", "metric:2"]
        assert purge_tags(tags) == 6
        for recorder in recorders:
            assert recorder.tags() == [
                {"all-claims", "claim:1"},
                {"claim:2", "metric:1"},
                {"metric:2"},
            ]
    finally:
        for recorder in recorders:
            recorder.close()


def test_a_failed_purge_is_raised_for_a_retry_after_the_others_and_logged(
    settings, caplog
):
    failing, working = PurgeRecorder(mode="fail"), PurgeRecorder()
    try:
        settings.FACTCHECK_FRONT_CACHE_PURGE_URLS = [failing.url, working.url]
        with caplog.at_level(logging.WARNING), pytest.raises(PurgeFailed) as raised:
            purge_tags(["claim:1"])
        assert "answered 503" in str(raised.value)
        assert working.tags() == [{"claim:1"}]
        assert "purge of 1 tags" in caplog.text
    finally:
        failing.close()
        working.close()


def test_an_unreachable_front_cache_never_breaks_the_write(
    settings, reviewer, caplog, django_capture_on_commit_callbacks
):
    recorder = PurgeRecorder()
    url = recorder.url
    recorder.close()  # nothing listens there now
    settings.FACTCHECK_FRONT_CACHE_PURGE_URLS = [url]
    claim = published()
    with (
        caplog.at_level(logging.WARNING),
        django_capture_on_commit_callbacks(execute=True),
    ):
        claim_update(claim=claim, values={"rationale": "New (made up)."}, by=reviewer)
    assert Claim.objects.get(pk=claim.pk).rationale == "New (made up)."
    assert "Front cache purge" in caplog.text


def test_on_the_queue_the_tags_are_purged_again_a_little_later(
    settings, purging, monkeypatch
):
    """A fetch begun before the commit may store the old answer after the purge."""
    deferred = []
    monkeypatch.setattr(
        services, "defer", lambda task, **kwargs: deferred.append((task, kwargs))
    )
    settings.JOBS_MODE = "queue"
    before = timezone.now()
    assert services.purge(["claim:1"], again=True) == 1
    ((task, kwargs),) = deferred
    assert task == services.PURGE_TASK
    assert kwargs["tags"] == ["claim:1"]
    assert kwargs["again"] is False  # once more, not forever
    delay = (kwargs["schedule_at"] - before).total_seconds()
    assert services.REPURGE_AFTER_SECONDS <= delay < services.REPURGE_AFTER_SECONDS + 5
    assert services.purge(["claim:1"], again=False) == 1
    assert len(deferred) == 1
    assert purging.tags() == [{"claim:1"}, {"claim:1"}]


def test_without_a_clock_the_tags_are_purged_once(settings, purging, monkeypatch):
    deferred = []
    monkeypatch.setattr(
        services, "defer", lambda task, **kwargs: deferred.append((task, kwargs))
    )
    settings.JOBS_MODE = "thread"
    services.purge(["claim:1"], again=True)
    assert deferred == []
