"""The newsroom profile's schedule, summary and decision (bench/newsroom.py).

The samples below are made up for the tests; no server is started.
"""

import argparse
import itertools
import random
from collections import Counter

import pytest

from bench import newsroom
from bench.newsroom import Sample


def test_rates_step_up_from_the_start_to_the_maximum():
    assert newsroom.rate_steps(200, 100, 500) == [200, 300, 400, 500]
    assert newsroom.rate_steps(200, 150, 500) == [200, 350, 500]
    with pytest.raises(ValueError, match="maximum >= start"):
        newsroom.rate_steps(300, 100, 200)


def test_uniform_arrivals_are_evenly_spaced_at_the_rate():
    times = newsroom.arrival_times(200, 2, random.Random(1), poisson=False)
    assert len(times) == 400
    assert times[0] == 0
    assert times[1] == pytest.approx(0.005)
    assert times[-1] < 2


def test_poisson_arrivals_keep_the_rate_within_the_step():
    times = newsroom.arrival_times(300, 60, random.Random(27))
    assert times == sorted(times)
    assert times[0] > 0
    assert times[-1] < 60
    # 18,000 expected; a Poisson count's standard deviation is 134.
    assert abs(len(times) - 18_000) < 600
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    # Exponential gaps: as many under the mean gap's log(2) as over it.
    median_gap = sorted(gaps)[len(gaps) // 2]
    assert median_gap == pytest.approx(0.6931 / 300, rel=0.05)
    # The same seed draws the same schedule.
    assert newsroom.arrival_times(300, 60, random.Random(27)) == times


def test_percentile_is_the_nearest_rank():
    values = [float(n) for n in range(1, 101)]
    assert newsroom.percentile(values, 0.50) == 50
    assert newsroom.percentile(values, 0.95) == 95
    assert newsroom.percentile([7.0], 0.95) == 7
    assert newsroom.percentile([1.0, 2.0, 3.0], 0.95) == 3


def samples(cls, kind, latencies, step=0, outcome="200", ok=True):
    return [Sample(cls, kind, step, latency, outcome, ok) for latency in latencies]


def test_the_summary_gives_each_class_and_kind_its_percentiles_and_errors():
    made_up = (
        samples("reader", "claim_page", [0.010] * 90)
        + samples("reader", "list", [0.500] * 10)
        + samples("editor", "match", [0.100] * 19)
        + samples("editor", "edit", [0.050], outcome="412", ok=False)
    )
    summary = newsroom.summarize(made_up)
    reader, reader_kinds = summary["reader"]
    assert (reader.count, reader.p50, reader.p95, reader.max) == (100, 0.01, 0.5, 0.5)
    assert reader_kinds["list"].p50 == 0.5
    assert reader_kinds["claim_page"].p95 == 0.01
    editor, _ = summary["editor"]
    assert editor.errors == Counter({"edit 412": 1})
    assert newsroom.failures(summary) == [
        "reader: p95 500 ms >= 300 ms",
        "editor: 1 errors",
        "partner: no requests",
    ]


def test_a_step_passes_only_when_every_class_is_under_the_target_without_errors():
    made_up = (
        samples("reader", "claim_api", [0.020] * 100)
        + samples("editor", "search", [0.250] * 20)
        + samples("partner", "events", [0.030] * 10)
    )
    assert newsroom.failures(newsroom.summarize(made_up)) == []
    slow = made_up + samples("partner", "events", [0.300])
    # 11 partner samples: the nearest-rank p95 is the slowest, exactly the target.
    assert newsroom.failures(newsroom.summarize(slow)) == [
        "partner: p95 300 ms >= 300 ms"
    ]
    unanswered = made_up + samples(
        "reader", "list", [10.0], outcome="no answer", ok=False
    )
    assert newsroom.failures(newsroom.summarize(unanswered)) == ["reader: 1 errors"]


def test_the_rate_held_is_the_last_before_the_first_miss():
    assert newsroom.highest_passing_rate([(200, []), (300, []), (400, ["x"])]) == 300
    # A pass above a miss is noise, not a rate that holds.
    assert newsroom.highest_passing_rate([(200, []), (300, ["x"]), (400, [])]) == 200
    assert newsroom.highest_passing_rate([(200, ["x"]), (300, [])]) is None
    assert newsroom.highest_passing_rate([(200, []), (300, [])]) == 300
    assert newsroom.highest_passing_rate([]) is None


def test_the_readers_mix_follows_its_weights_over_the_hot_set():
    chosen = newsroom.reader_paths(random.Random(3), 10_000, [11, 12], ["gdp"])
    kinds = Counter(kind for kind, _, _ in chosen)
    for kind, weight in newsroom.READER_MIX:
        assert kinds[kind] / 10_000 == pytest.approx(weight / 100, abs=0.02)
    paths = {path for _, path, _ in chosen}
    assert paths == {
        "/claims/11/",
        "/claims/12/",
        "/api/v1/claims/11/",
        "/api/v1/claims/12/",
        "/metrics/gdp/",
        "/api/v1/claims/",
    }
    accepts = {kind: accept for kind, _, accept in chosen}
    assert accepts["claim_api"] == accepts["list"] == "application/json"
    assert accepts["claim_page"].startswith("text/html")


@pytest.mark.django_db
def test_the_setup_makes_editor_and_reviewer_pairs_and_picks_claims():
    from django.contrib.auth.models import User
    from django.contrib.sessions.models import Session

    from claims.ratings import Status
    from tests.factories import ClaimFactory, FigureClaimFactory

    hot = FigureClaimFactory.create_batch(4, status=Status.VERIFIED)
    ClaimFactory.create_batch(6)
    arguments = argparse.Namespace(
        seed=1, editors=2, claims_per_editor=3, hot_claims=4, hot_metrics=2
    )

    data = newsroom.setup_newsroom(arguments)

    assert sorted(data["hot_claims"]) == sorted(claim.pk for claim in hot)
    assert len(data["hot_metrics"]) == 2
    assert data["claims"] == 10
    editor = User.objects.get(username="newsroom-editor-1")
    reviewer = User.objects.get(username="newsroom-reviewer-1")
    assert editor.is_staff
    assert not editor.has_usable_password()
    assert editor.has_perm("claims.change_claim")
    assert not editor.has_perm("claims.set_verdict")
    assert reviewer.has_perm("claims.set_verdict")
    pair = data["pairs"][1]
    assert pair["editor_token"] != pair["reviewer_token"]
    session = Session.objects.get(session_key=pair["session"]).get_decoded()
    assert session["_auth_user_id"] == str(editor.pk)
    worked = [pk for pair in data["pairs"] for pk in pair["claims"]]
    assert len(worked) == len(set(worked)) == 6
    assert not set(worked) & set(data["hot_claims"])
    # Run again: the same users, no error.
    newsroom.setup_newsroom(arguments)
    assert User.objects.filter(username__startswith="newsroom-").count() == 4


@pytest.mark.django_db
def test_the_setup_refuses_a_hot_set_larger_than_the_verdicts():
    from tests.factories import ClaimFactory

    ClaimFactory.create_batch(3)
    arguments = argparse.Namespace(
        seed=1, editors=1, claims_per_editor=1, hot_claims=5, hot_metrics=1
    )
    with pytest.raises(SystemExit, match="only 0 claims with a verdict"):
        newsroom.setup_newsroom(arguments)


def test_the_front_vcl_gets_gunicorn_as_its_backend():
    # A made-up VCL in the shape of docker/varnish/default.vcl's backend.
    vcl = 'vcl 4.1;\nbackend default {\n    .host = "web";\n    .port = "8000";\n}\n'
    rewritten = newsroom.vcl_for(vcl, 43210)
    assert '.host = "127.0.0.1";' in rewritten
    assert '.port = "43210";' in rewritten
    assert '"web"' not in rewritten
    with pytest.raises(SystemExit, match="one backend"):
        newsroom.vcl_for(vcl + vcl.split("\n", 1)[1], 43210)
