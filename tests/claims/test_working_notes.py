"""Editors' working notes and rationale drafts are staff-only (issue 27).

Anonymous readers, and signed-in users who may neither edit claims nor read them in
the admin, never read a claim's `editor_note` or `rationale_draft`: not in the API
(list, detail, CSV, history, browsable API), ClaimReview, the public pages, the
Atom feed, the events feed or a webhook's body. Editors and reviewers (who may edit
them) still do. The cache side (a staff body never served to the public, ETags by
audience) is in tests/factcheck/test_caching.py.
"""

import csv
import io
import json

import pytest
from django.test import Client

from claims.models import Claim
from claims.ratings import Status
from claims.services.claims import claim_update
from claims.workflow import STAFF_ONLY_FIELDS, audience_of, staff_audience
from events.models import Event
from events.services import sequence_events
from factcheck.caching import PUBLIC_AUDIENCE
from tests.factories import FigureClaimFactory, UserFactory, user_in_group
from webhooks.services import payload

pytestmark = pytest.mark.django_db

CLAIMS = "/api/v1/claims/"
# Made up for these tests: no editor wrote these; any page containing them leaks.
NOTE = "MADE-UP-NOTE-4471: call the ministry back before publishing"
RATIONALE = "Customs statistics show a different figure (made up for this test)."
REASON = "MADE-UP-REASON-4471 (a note-only edit)"


@pytest.fixture
def reviewer():
    return user_in_group("Reviewers", username="rev")


@pytest.fixture
def editor():
    return user_in_group("Editors", username="ed")


@pytest.fixture
def published(reviewer):
    """A claim whose verdict was published through the API, with a working note."""
    claim = FigureClaimFactory(status=Status.IN_REVIEW, editor_note=NOTE)
    client = signed_in(reviewer)
    response = client.patch(
        f"{CLAIMS}{claim.pk}/",
        {"status": "false", "rationale": RATIONALE},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    sequence_events()
    return Claim.objects.get(pk=claim.pk)


def signed_in(user) -> Client:
    """A client signed in with a session, as a browser (or the admin) is."""
    client = Client()
    client.force_login(user)
    return client


def public_reads(claim: Claim) -> dict[str, str]:
    """Every public read showing `claim`, by name: the URL."""
    return {
        "detail": f"{CLAIMS}{claim.pk}/",
        "list": CLAIMS,
        "list, conflicts expanded": f"{CLAIMS}?expand=conflicts",
        "list, searched": f"{CLAIMS}?q=trade",
        "csv": f"{CLAIMS}?format=csv",
        "browsable API": f"{CLAIMS}{claim.pk}/?format=api",
        "claimreview": f"{CLAIMS}{claim.pk}/claimreview/",
        "claimreview feed": "/api/v1/claimreview/",
        "history": f"{CLAIMS}{claim.pk}/history/",
        "figures": f"/api/v1/metrics/{claim.metric.slug}/figures/",
        "claim page": f"/claims/{claim.pk}/",
        "metric page": f"/metrics/{claim.metric.slug}/",
        "home page": "/",
        "atom feed": "/feeds/verdicts.atom",
        "events feed": "/api/v1/events/",
    }


def csv_header(response) -> list[str]:
    text = b"".join(response.streaming_content).decode()
    return next(csv.reader(io.StringIO(text)))


def text_of(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


@pytest.mark.parametrize("reader", ["anonymous", "signed in without a role"])
def test_no_public_read_shows_a_working_note(published, reader):
    client = Client() if reader == "anonymous" else signed_in(UserFactory())
    for name, url in public_reads(published).items():
        # Twice: the second answer may come from a cache.
        for _ in range(2):
            response = client.get(url)
            assert response.status_code == 200, (name, response.status_code)
            text = text_of(response)
            assert NOTE not in text, name
            assert "editor_note" not in text, name
            assert "rationale_draft" not in text, name


def test_the_public_csv_has_no_staff_column_and_the_staffs_has_the_note(
    published, reviewer
):
    public = Client().get(CLAIMS, {"format": "csv"})
    assert STAFF_ONLY_FIELDS.isdisjoint(csv_header(public))
    staff = signed_in(reviewer).get(CLAIMS, {"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(text_of(staff))))
    assert [row["editor_note"] for row in rows] == [NOTE]


def test_editors_and_reviewers_read_the_note(published, editor, reviewer):
    for user in (editor, reviewer):
        client = signed_in(user)
        detail = client.get(f"{CLAIMS}{published.pk}/")
        assert detail.json()["editor_note"] == NOTE
        listed = client.get(CLAIMS).json()["results"]
        assert [claim["editor_note"] for claim in listed] == [NOTE]
        expanded = client.get(CLAIMS, {"expand": "conflicts"}).json()["results"]
        assert [claim["editor_note"] for claim in expanded] == [NOTE]
        assert (
            NOTE in client.get(f"{CLAIMS}{published.pk}/?format=api").content.decode()
        )


def test_a_token_signed_editor_reads_the_note(published, editor):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=editor)
    detail = Client().get(
        f"{CLAIMS}{published.pk}/", HTTP_AUTHORIZATION=f"Token {token.key}"
    )
    assert detail.json()["editor_note"] == NOTE


def test_a_write_answers_the_editor_with_the_note(published, editor):
    response = signed_in(editor).patch(
        f"{CLAIMS}{published.pk}/",
        {"editor_note": "A second note (made up for this test)."},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["editor_note"] == "A second note (made up for this test)."


def test_events_and_webhook_bodies_never_carry_the_note(published, editor):
    claim_update(claim=published, values={"editor_note": NOTE + " again"}, by=editor)
    claim_update(
        claim=Claim.objects.get(pk=published.pk), values={"text": "New."}, by=editor
    )
    sequence_events()
    stored = list(Event.objects.order_by("id"))
    assert {event.type for event in stored} >= {
        "claim.verdict.published",
        "claim.verdict.withdrawn",
    }
    for event in stored:
        body = payload(event).decode()
        assert NOTE not in body, event.type
        assert "editor_note" not in body, event.type
    feed = Client().get("/api/v1/events/", {"claim": published.pk})
    assert len(feed.json()["results"]) == len(stored)
    assert NOTE not in feed.content.decode()
    assert NOTE not in json.dumps([event.body for event in stored])


def test_the_public_history_leaves_out_note_only_versions(published, editor):
    claim_update(
        claim=published,
        values={"editor_note": NOTE + " (revised)"},
        by=editor,
        change_reason=REASON,
    )
    url = f"{CLAIMS}{published.pk}/history/"
    public = Client().get(url)
    assert public.status_code == 200
    assert NOTE not in public.content.decode()
    assert REASON not in public.content.decode()
    staff = signed_in(editor).get(url).json()
    assert staff[0]["change_reason"] == REASON
    assert staff[0]["changes"] == [
        {"field": "editor_note", "old": NOTE, "new": NOTE + " (revised)"}
    ]
    # The public's versions are the staff's but the note-only one.
    assert [v["history_id"] for v in public.json()] == [
        v["history_id"] for v in staff[1:]
    ]


def test_a_reopened_claims_history_never_names_its_draft(published, editor):
    claim_update(claim=published, values={"text": "Reworded."}, by=editor)
    reopened = Claim.objects.get(pk=published.pk)
    assert reopened.rationale_draft == RATIONALE
    url = f"{CLAIMS}{published.pk}/history/"
    # Without a verdict the history is for signed-in users: one without a role.
    plain = signed_in(UserFactory()).get(url)
    assert plain.status_code == 200
    fields = {change["field"] for change in plain.json()[0]["changes"]}
    # The withdrawn rationale was published: its removal is shown, not the draft.
    assert {"rationale", "status", "text"} <= fields
    assert "rationale_draft" not in plain.content.decode()


def test_the_audience_is_staff_for_who_may_edit_or_view_claims(editor, reviewer):
    from django.contrib.auth.models import AnonymousUser, Permission

    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_claim"))
    staff_without_claims = UserFactory(is_staff=True)
    assert [
        audience_of(user)
        for user in (
            AnonymousUser(),
            UserFactory(),
            staff_without_claims,
            editor,
            reviewer,
            viewer,
            UserFactory(is_superuser=True),
        )
    ] == ["public", "public", "public", "staff", "staff", "staff", "staff"]
    assert not staff_audience(None)
    assert not staff_audience(UserFactory(is_superuser=True, is_active=False))
    # The public audience is the one the anonymous answers are kept for.
    assert audience_of(AnonymousUser()) == PUBLIC_AUDIENCE


def test_a_claimreview_is_one_body_for_every_audience(published, editor):
    url = f"{CLAIMS}{published.pk}/claimreview/"
    public = Client().get(url)
    staff = signed_in(editor).get(url)
    assert staff["ETag"] == public["ETag"]
    assert staff.content == public.content
    assert staff["X-Cache"] == "hit"
