"""Concurrent clients against a live server: no lost update, no 5xx, no broken links.

Real HTTP clients (urllib, one thread each) talk to pytest-django's multi-threaded
live server over loopback; each request runs in its own server thread with its own
database connection, so the row locks, If-Match checks and on-commit conflict
detection meet as they would in production. PostgreSQL only: SQLite serializes
every writer, so there is nothing to find there.
"""

import json
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connections

from claims.models import Claim, ClaimLink, Metric
from claims.services.conflicts import detect_metric_conflicts
from tests.factories import DocumentFactory, FigureClaimFactory, MetricFactory
from tests.reliability.conftest import postgres_only

pytestmark = [
    pytest.mark.postgres,
    postgres_only,
    # Committed rows for the server's threads; the rollback restores the groups
    # the migrations made, for the transactional tests that follow.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WRITERS = 8
TIMEOUT = 60  # seconds for one request: a deadlock fails the test, never hangs it


@pytest.fixture
def server(on_postgres, live_server, unthrottled) -> str:
    return live_server.url


def call(method: str, url: str, token: str, body=None, headers=None):
    """Send one request; return (status, headers, parsed JSON body or None)."""
    request = urllib.request.Request(
        url,
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={
            "Authorization": f"Token {token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
            **(headers or {}),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            status, answer_headers, raw = response.status, response.headers, b""
            raw = response.read()
    except urllib.error.HTTPError as error:
        status, answer_headers, raw = error.code, error.headers, error.read()
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw.decode("utf-8", "replace")[:500]
    return status, answer_headers, parsed


def run_together(*jobs):
    """Run each job in a thread of its own, all at once; return their results."""
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        futures = [pool.submit(job) for job in jobs]
        return [future.result(timeout=TIMEOUT * 5) for future in futures]


def in_thread(job):
    """Wrap a job that uses the ORM so its thread's connection is closed after it."""

    def wrapped():
        try:
            return job()
        finally:
            connections.close_all()

    return wrapped


def test_concurrent_if_match_writers_lose_no_update(server, editor_token):
    claim = FigureClaimFactory(editor_note="initial")
    url = f"{server}/api/v1/claims/{claim.pk}/"
    rounds = 3
    read_all, written_all = threading.Barrier(WRITERS), threading.Barrier(WRITERS)

    def writer(number: int):
        answers = []
        for round_number in range(rounds):
            status, headers, _ = call("GET", url, editor_token)
            assert status == 200
            read_all.wait(TIMEOUT)  # every writer holds the same ETag
            answers.append(
                call(
                    "PATCH",
                    url,
                    editor_token,
                    {"editor_note": f"writer {number}, round {round_number}"},
                    {"If-Match": headers["ETag"]},
                )
            )
            written_all.wait(TIMEOUT)  # the next round reads after every write
        return answers

    answers = [
        answer
        for answers in run_together(*(lambda n=n: writer(n) for n in range(WRITERS)))
        for answer in answers
    ]

    statuses = sorted(status for status, _, _ in answers)
    assert set(statuses) <= {200, 412}, statuses
    won = [body for status, _, body in answers if status == 200]
    assert len(won) == rounds, statuses  # one winner per round, the rest refused
    last = max(won, key=lambda body: body["version"])
    claim.refresh_from_db()
    assert claim.editor_note == last["editor_note"]
    assert claim.version == last["version"] == 1 + rounds
    assert sorted(body["version"] for body in won) == list(range(2, 2 + rounds))
    history = Claim.history.filter(id=claim.pk)
    assert history.count() == 1 + len(won)
    assert sorted(history.values_list("editor_note", flat=True)) == sorted(
        ["initial", *(body["editor_note"] for body in won)]
    )


def test_concurrent_creates_each_get_their_own_row(server, editor_token):
    document, metric = DocumentFactory(), MetricFactory(kind=Metric.Kind.ANNUAL)
    per_writer = 3
    start = threading.Barrier(WRITERS)

    def writer(number: int):
        start.wait(TIMEOUT)
        return [
            call(
                "POST",
                f"{server}/api/v1/claims/",
                editor_token,
                {
                    "text": f"Trade was {number}.{index} billion dollars.",
                    "quote": f"trade was {number}.{index} billion",
                    "document": document.pk,
                    "metric": metric.slug,
                    "value": str(Decimal(1_000_000_000) * (number + 1) + index),
                    "unit": "USD",
                    "period_start": "2012-03-20",
                    "period_end": "2013-03-20",
                },
            )
            for index in range(per_writer)
        ]

    answers = [
        answer
        for answers in run_together(*(lambda n=n: writer(n) for n in range(WRITERS)))
        for answer in answers
    ]

    assert [status for status, _, _ in answers] == [201] * WRITERS * per_writer, [
        body for status, _, body in answers if status != 201
    ]
    ids = [body["id"] for _, _, body in answers]
    assert len(set(ids)) == len(ids)
    assert set(Claim.objects.values_list("id", flat=True)) == set(ids)
    for _, _, body in answers:
        stored = Claim.objects.get(pk=body["id"])
        assert (stored.text, stored.version) == (body["text"], 1)
    assert_links_consistent(metric)


def assert_links_consistent(metric: Metric) -> None:
    """Assert every link joins two existing claims, one contradicts link per pair."""
    links = list(ClaimLink.objects.values_list("from_claim", "to_claim", "relation"))
    existing = set(Claim.objects.values_list("id", flat=True))
    dangling = [link for link in links if not {link[0], link[1]} <= existing]
    assert dangling == []
    pairs = [
        frozenset((first, second))
        for first, second, relation in links
        if relation == ClaimLink.Relation.CONTRADICTS
    ]
    assert len(pairs) == len(set(pairs)), "two contradicts links for one pair"
    # Quiet now: detection is idempotent, nothing left half-done to repair.
    detect_metric_conflicts(metric.pk)
    summary = detect_metric_conflicts(metric.pk)
    assert (summary.created, summary.removed) == (0, 0)


def conflict_world(count: int = 6):
    """Return an annual metric with claims over the same year, some disagreeing."""
    metric = MetricFactory(kind=Metric.Kind.ANNUAL)
    document = DocumentFactory()
    claims = [
        FigureClaimFactory(
            metric=metric,
            document=document,
            value=Decimal(1_000_000_000) * (1 + index % 3),
            comparator="exact",
        )
        for index in range(count)
    ]
    detect_metric_conflicts(metric.pk)
    return metric, claims


def test_detection_status_changes_and_edits_at_once_keep_links_consistent(
    server, editor_token
):
    metric, claims = conflict_world()
    rounds = 6

    def detector():
        return [detect_metric_conflicts(metric.pk) for _ in range(rounds)]

    def value_editor(offset: int):
        answers = []
        for round_number in range(rounds):
            claim = claims[(offset + round_number) % len(claims)]
            value = Decimal(1_000_000_000) * (1 + (offset + round_number) % 4)
            answers.append(
                call(
                    "PATCH",
                    f"{server}/api/v1/claims/{claim.pk}/",
                    editor_token,
                    {"value": str(value)},
                )
            )
        return answers

    def status_editor():
        answers = []
        for round_number in range(rounds):
            for claim in claims[:3]:
                status = "in_review" if round_number % 2 == 0 else "unverified"
                answers.append(
                    call(
                        "PATCH",
                        f"{server}/api/v1/claims/{claim.pk}/",
                        editor_token,
                        {"status": status},
                    )
                )
        return answers

    results = run_together(
        in_thread(detector),
        in_thread(detector),
        lambda: value_editor(0),
        lambda: value_editor(2),
        lambda: value_editor(4),
        status_editor,
    )

    answers = [answer for result in results[2:] for answer in result]
    assert [status for status, _, _ in answers] == [200] * len(answers), [
        (status, body) for status, _, body in answers if status != 200
    ]
    assert_links_consistent(metric)


def test_deleting_claims_while_detection_runs_leaves_no_dangling_link(
    server, editor_token, reviewer_token
):
    metric, claims = conflict_world(count=8)
    doomed, kept = claims[:4], claims[4:]

    def detector():
        return [detect_metric_conflicts(metric.pk) for _ in range(6)]

    def deleter():
        return [
            call("DELETE", f"{server}/api/v1/claims/{claim.pk}/", reviewer_token)
            for claim in doomed
        ]

    def value_editor():
        return [
            call(
                "PATCH",
                f"{server}/api/v1/claims/{claim.pk}/",
                editor_token,
                {"value": str(Decimal(7_000_000_000) + index)},
            )
            for index, claim in enumerate(kept * 2)
        ]

    _, _, deletes, edits = run_together(
        in_thread(detector), in_thread(detector), deleter, value_editor
    )

    assert [status for status, _, _ in deletes] == [204] * len(doomed), deletes
    assert [status for status, _, _ in edits] == [200] * len(edits), edits
    assert not Claim.objects.filter(pk__in=[claim.pk for claim in doomed]).exists()
    assert_links_consistent(metric)
