"""Every change that matters records its event, in the change's transaction (#25).

Each event type from the service that makes it, its body (the claim's public API
representation, never an editor's note), and the re-check flag it sets on a claim
with a published verdict: the queue, confirm, revise, and the corrections log.
"""

import datetime
import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from rest_framework.test import APIClient

from claims.models import Claim
from claims.ratings import Status
from claims.services.candidates import accept_candidate
from claims.services.claims import claim_set_status, claim_update
from claims.services.conflicts import detect_metric_conflicts
from claims.services.events import (
    STAFF_ONLY_FIELDS,
    flag_recheck,
    public_claim_bodies,
    recheck_confirm,
)
from claims.services.evidence import evidence_delete, evidence_save
from claims.services.imports import import_claims
from events.models import Event
from events.services import sequence_events
from tests.admin_forms import admin_form_data
from tests.factories import (
    CandidateFactory,
    ClaimFactory,
    DocumentFactory,
    EvidenceFactory,
    FigureClaimFactory,
    MetricFactory,
    PersonFactory,
    user_in_group,
)

pytestmark = pytest.mark.django_db

# Made for these tests: rationales, notes and reasons are not from the seeds.
RATIONALE = (
    "Customs statistics (evidence 1) show a different figure (made for this test)."
)
SECRET_NOTE = "STAFF ONLY: call the ministry back (made for this test)"


@pytest.fixture
def editor():
    return user_in_group("Editors", username="ed")


@pytest.fixture
def reviewer():
    return user_in_group("Reviewers", username="rev")


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def published(**fields) -> Claim:
    """A claim with a published verdict and an editor's note (no creator)."""
    return FigureClaimFactory(
        status=Status.DISPUTED,
        rationale=RATIONALE,
        editor_note=SECRET_NOTE,
        speaker=PersonFactory(),
        reviewed_at=datetime.datetime(2026, 1, 5, tzinfo=datetime.UTC),
        **fields,
    )


def events(type_: str | None = None, claim: Claim | None = None) -> list[Event]:
    found = Event.objects.order_by("id")
    if type_ is not None:
        found = found.filter(type=type_)
    if claim is not None:
        found = found.filter(claim_id=claim.pk)
    return list(found)


def test_publishing_a_verdict_records_it_with_the_public_claim_as_body(reviewer):
    claim = FigureClaimFactory(status=Status.IN_REVIEW, editor_note=SECRET_NOTE)
    etag = api(reviewer).get(f"/api/v1/claims/{claim.pk}/")["ETag"]
    response = api(reviewer).patch(
        f"/api/v1/claims/{claim.pk}/",
        {"status": "false", "rationale": RATIONALE},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 200, response.json()
    (event,) = events("claim.verdict.published")
    shown = response.json()
    assert event.claim_id == claim.pk
    assert event.object_url == f"/api/v1/claims/{claim.pk}/"
    assert event.object_version == shown["version"]
    assert event.reason == "Verdict published: False."
    # The body is what the API answered, without the staff-only fields.
    expected = {k: v for k, v in shown.items() if k not in STAFF_ONLY_FIELDS}
    assert event.body["claim"] == expected
    assert "editor_note" not in event.body["claim"]


def test_revising_the_rationale_records_a_revision_with_its_reason(reviewer):
    claim = published()
    claim_update(
        claim=claim,
        values={"rationale": "A better rationale (made for this test)."},
        by=reviewer,
        change_reason="The customs figure was revised (made for this test).",
    )
    (event,) = events("claim.verdict.revised")
    assert event.reason == "The customs figure was revised (made for this test)."
    assert (
        event.body["claim"]["rationale"] == "A better rationale (made for this test)."
    )
    assert event.object_version == Claim.objects.get(pk=claim.pk).version


def test_reopening_a_verdict_records_a_withdrawal(editor):
    claim = published()
    claim_update(
        claim=claim, values={"text": "Edited words (made for this test)."}, by=editor
    )
    (event,) = events("claim.verdict.withdrawn")
    assert event.reason == "Reopened: what the verdict judged was changed."
    assert event.body["claim"]["status"] == "in_review"


def test_moving_a_verdict_back_to_review_records_a_withdrawal(reviewer):
    claim = published()
    claim_set_status(claim=claim, status=Status.IN_REVIEW, by=reviewer)
    (event,) = events("claim.verdict.withdrawn")
    assert event.reason == "Verdict withdrawn: the claim went back to review."


def test_an_edit_that_changes_no_verdict_records_nothing(editor):
    claim = FigureClaimFactory(status=Status.UNVERIFIED)
    claim_update(claim=claim, values={"editor_note": "More to check."}, by=editor)
    claim_set_status(claim=claim, status=Status.IN_REVIEW, by=editor)
    assert events() == []


def test_a_refused_save_records_no_event(editor):
    claim = FigureClaimFactory(status=Status.IN_REVIEW)
    with pytest.raises(PermissionDenied):
        claim_set_status(claim=claim, status=Status.FALSE, by=editor, rationale="x")
    assert events() == []


def test_an_accepted_candidate_records_a_created_claim(editor):
    text = "Trade stood close to 5.3 billion dollars (made for this test)."
    candidate = CandidateFactory(
        document=DocumentFactory(text=text),
        quote="Trade stood close to 5.3 billion dollars",
        quote_start=0,
        quote_end=40,
        sentence=text,
    )
    claim = accept_candidate(candidate=candidate, by=editor)
    (event,) = events("claim.created")
    assert event.claim_id == claim.pk
    assert event.body["claim"]["id"] == claim.pk
    assert f"candidate {candidate.pk}" in event.reason


def import_rows(document, *, bad: bool = False) -> list[dict[str, str]]:
    """Rows as the CSV export writes them (made for this test)."""
    rows = [
        {
            "document_id": str(document.pk),
            "text": f"Trade stood at {n} billion (made for this test).",
            "quote": f"trade stood at {n} billion",
            "value": f"{n}000000000",
            "unit": "USD",
        }
        for n in (5, 6)
    ]
    if bad:
        rows.append({"document_id": str(document.pk), "text": "", "quote": ""})
    return rows


def test_an_import_records_one_created_event_per_claim_in_bulk():
    document = DocumentFactory()
    report = import_claims(import_rows(document), detect=False)
    assert report.created == 2, report
    created = events("claim.created")
    ids = sorted(Claim.objects.filter(document=document).values_list("pk", flat=True))
    assert sorted(event.claim_id for event in created) == ids
    assert {event.body["claim"]["text"][:14] for event in created} == {"Trade stood at"}
    assert all(event.reason == "Created by an import." for event in created)


def test_a_failed_import_records_no_event():
    document = DocumentFactory()
    report = import_claims(import_rows(document, bad=True), detect=False)
    assert report.errors
    assert events() == []


def test_evidence_added_to_a_verdict_is_an_event_and_flags_a_recheck():
    claim = published()
    evidence = EvidenceFactory.build(claim=claim, url="https://stats.example.org/x")
    with transaction.atomic():
        evidence_save(evidence=evidence)
    (event,) = events("claim.evidence.added")
    assert event.body["evidence"]["url"] == "https://stats.example.org/x"
    assert event.body["claim"]["id"] == claim.pk
    claim.refresh_from_db()
    assert claim.status == Status.DISPUTED  # the verdict stays published
    assert claim.recheck_since is not None
    assert "Evidence added (context): https://stats.example.org/x" in (
        claim.recheck_reason
    )


def test_evidence_removed_from_a_verdict_is_an_event():
    claim = published()
    evidence = EvidenceFactory(claim=claim)
    evidence_id = evidence.pk
    evidence_delete(evidence=evidence)
    (event,) = events("claim.evidence.removed")
    assert event.body["evidence"]["id"] == evidence_id
    assert event.body["evidence"]["claim"] == claim.pk
    assert Claim.objects.get(pk=claim.pk).recheck_since is not None


def test_evidence_on_a_claim_without_a_verdict_is_no_event():
    claim = FigureClaimFactory(status=Status.IN_REVIEW)
    evidence_save(evidence=EvidenceFactory.build(claim=claim))
    assert events() == []
    assert Claim.objects.get(pk=claim.pk).recheck_since is None


def test_evidence_through_the_api_is_an_event(superuser):
    claim = published()
    response = api(superuser).post(
        "/api/v1/evidence/",
        {"claim": claim.pk, "url": "https://stats.example.org/y", "stance": "refutes"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    api(superuser).delete(f"/api/v1/evidence/{response.json()['id']}/")
    assert [event.type for event in events(claim=claim)] == [
        "claim.evidence.added",
        "claim.evidence.removed",
    ]


def test_a_conflict_found_and_resolved_is_an_event_for_the_verdict_claim():
    metric = MetricFactory()
    claim = published(metric=metric)
    other = FigureClaimFactory(
        metric=metric, value=Decimal("9900000000"), comparator="exact"
    )
    detect_metric_conflicts(metric.pk)
    (found,) = events("claim.conflict.detected")
    assert found.claim_id == claim.pk  # the other has no verdict: no event of its own
    assert found.body["conflict"]["claim"] == other.pk
    assert Claim.objects.get(pk=claim.pk).recheck_since is not None

    Claim.objects.filter(pk=other.pk).update(value=claim.value)
    detect_metric_conflicts(metric.pk)
    (resolved,) = events("claim.conflict.resolved")
    assert resolved.claim_id == claim.pk
    assert resolved.reason.startswith(f"No longer conflicts with claim {other.pk}")


def test_editor_notes_never_appear_in_any_event_body(reviewer, editor):
    metric = MetricFactory()
    claim = published(metric=metric)
    FigureClaimFactory(metric=metric, value=Decimal("9900000000"), comparator="exact")
    detect_metric_conflicts(metric.pk)
    evidence_save(evidence=EvidenceFactory.build(claim=claim))
    recheck_confirm(claim=claim, by=reviewer, note="Checked (made for this test).")
    claim_update(
        claim=Claim.objects.get(pk=claim.pk),
        values={"rationale": "Revised (made for this test)."},
        by=reviewer,
    )
    claim_update(
        claim=Claim.objects.get(pk=claim.pk), values={"text": "New."}, by=editor
    )
    stored = Event.objects.all()
    assert {event.type for event in stored} >= {
        "claim.conflict.detected",
        "claim.evidence.added",
        "claim.verdict.confirmed",
        "claim.verdict.revised",
        "claim.verdict.withdrawn",
    }
    for event in stored:
        text = json.dumps(event.body)
        assert SECRET_NOTE not in text, event.type
        assert "editor_note" not in text, event.type


def test_public_bodies_are_read_in_two_queries_for_any_number_of_claims(
    django_assert_num_queries,
):
    claims = [published() for _ in range(5)]
    with django_assert_num_queries(2):
        bodies = public_claim_bodies([claim.pk for claim in claims])
    assert sorted(bodies) == sorted(claim.pk for claim in claims)


# Re-check, not silence ----------------------------------------------------------


def test_a_flag_keeps_its_first_time_and_adds_each_new_reason():
    claim = published()
    with transaction.atomic():
        flag_recheck({claim.pk: "First reason (made for this test)."})
    first = Claim.objects.get(pk=claim.pk).recheck_since
    with transaction.atomic():
        flag_recheck({claim.pk: "Second reason (made for this test)."})
    claim.refresh_from_db()
    assert claim.recheck_since == first
    assert claim.recheck_reason.splitlines() == [
        "First reason (made for this test).",
        "Second reason (made for this test).",
    ]


def test_only_claims_with_a_verdict_are_flagged():
    unverified = FigureClaimFactory(status=Status.UNVERIFIED)
    with transaction.atomic():
        assert flag_recheck({unverified.pk: "x"}) == []
    assert Claim.objects.get(pk=unverified.pk).recheck_since is None


def test_a_reviewer_confirms_with_a_note_and_the_flag_clears(reviewer):
    claim = published()
    with transaction.atomic():
        flag_recheck({claim.pk: "Evidence added (made for this test)."})
    version = Claim.objects.get(pk=claim.pk).version
    recheck_confirm(claim=claim, by=reviewer, note="Still holds (made for this test).")
    claim.refresh_from_db()
    assert (claim.recheck_since, claim.recheck_reason) == (None, None)
    assert (claim.status, claim.version) == (Status.DISPUTED, version)
    (event,) = events("claim.verdict.confirmed")
    assert event.reason == "Still holds (made for this test)."
    assert event.body["flagged_because"] == ["Evidence added (made for this test)."]


def test_confirming_needs_a_reviewer_a_note_and_a_flag(editor, reviewer):
    claim = published()
    with pytest.raises(ValidationError, match="not flagged"):
        recheck_confirm(claim=claim, by=reviewer, note="x")
    with transaction.atomic():
        flag_recheck({claim.pk: "why"})
    with pytest.raises(PermissionDenied):
        recheck_confirm(claim=claim, by=editor, note="x")
    with pytest.raises(ValidationError) as refusal:
        recheck_confirm(claim=claim, by=reviewer, note="  ")
    assert "note" in refusal.value.message_dict
    assert Claim.objects.get(pk=claim.pk).recheck_since is not None


def test_revising_the_verdict_answers_the_flag(reviewer):
    claim = published()
    with transaction.atomic():
        flag_recheck({claim.pk: "why"})
    claim_update(
        claim=Claim.objects.get(pk=claim.pk),
        values={"rationale": "Revised after re-check (made for this test)."},
        by=reviewer,
    )
    claim.refresh_from_db()
    assert claim.recheck_since is None
    assert claim.status == Status.DISPUTED


def test_an_unrelated_save_keeps_a_flag_set_since_the_claim_was_read(superuser):
    claim = published()
    stale = Claim.objects.get(pk=claim.pk)  # read before the flag
    with transaction.atomic():
        flag_recheck({claim.pk: "why"})
    claim_update(claim=stale, values={"editor_note": "n"}, by=superuser)
    assert Claim.objects.get(pk=claim.pk).recheck_since is not None


def test_the_api_lists_flagged_claims_oldest_flag_first_and_confirms(reviewer):
    first, second, _unflagged = published(), published(), published()
    with transaction.atomic():
        flag_recheck({second.pk: "older flag"})
    with transaction.atomic():
        flag_recheck({first.pk: "newer flag"})
    listed = api().get("/api/v1/claims/?needs_recheck=true&page_size=1")
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()["results"]] == [second.pk]
    following = api().get(listed.json()["next"]).json()["results"]
    assert [row["id"] for row in following] == [first.pk]
    assert api().get("/api/v1/claims/?needs_recheck=maybe").status_code == 400

    response = api(reviewer).post(
        f"/api/v1/claims/{second.pk}/confirm/",
        {"note": "Re-checked (made for this test)."},
        format="json",
    )
    assert response.status_code == 200, response.json()
    listed = api().get("/api/v1/claims/?needs_recheck=true").json()["results"]
    assert [row["id"] for row in listed] == [first.pk]


def test_confirming_over_the_api_refuses_bad_input(reviewer, editor):
    claim = published()
    url = f"/api/v1/claims/{claim.pk}/confirm/"
    assert api().post(url, {"note": "x"}, format="json").status_code in {401, 403}
    missing = api(reviewer).post(url, {}, format="json")
    assert missing.status_code == 400
    assert "note" in missing.json()
    not_flagged = api(reviewer).post(url, {"note": "x"}, format="json")
    assert not_flagged.status_code == 400
    with transaction.atomic():
        flag_recheck({claim.pk: "why"})
    assert api(editor).post(url, {"note": "x"}, format="json").status_code == 403
    assert (
        api(reviewer)
        .post("/api/v1/claims/999999/confirm/", {"note": "x"}, format="json")
        .status_code
        == 404
    )


def test_the_admin_recheck_queue_lists_flagged_claims_oldest_first(admin_client):
    first, second = published(), published()
    ClaimFactory()  # made for this test: not flagged, not listed
    with transaction.atomic():
        flag_recheck({second.pk: "older flag"})
    with transaction.atomic():
        flag_recheck({first.pk: "newer flag"})
    response = admin_client.get("/admin/claims/claim/?queue=recheck")
    assert response.status_code == 200
    listed = [claim.pk for claim in response.context["cl"].result_list]
    assert listed == [second.pk, first.pk]


def test_the_admin_action_confirms_with_the_note_asked_for(admin_client):
    claim = published()
    with transaction.atomic():
        flag_recheck({claim.pk: "why"})
    asked = admin_client.post(
        "/admin/claims/claim/",
        {"action": "confirm_recheck", "_selected_action": [claim.pk]},
    )
    assert asked.status_code == 200
    assert b'name="note"' in asked.content
    admin_client.post(
        "/admin/claims/claim/",
        {
            "action": "confirm_recheck",
            "_selected_action": [claim.pk],
            "apply": "1",
            "note": "Confirmed from the admin (made for this test).",
        },
    )
    assert Claim.objects.get(pk=claim.pk).recheck_since is None
    (event,) = events("claim.verdict.confirmed")
    assert event.reason == "Confirmed from the admin (made for this test)."


# The corrections log --------------------------------------------------------------


def test_the_claim_page_shows_what_changed_and_why_with_earlier_verdicts(
    client, reviewer
):
    claim = FigureClaimFactory(status=Status.IN_REVIEW)
    claim_set_status(claim=claim, status=Status.FALSE, by=reviewer, rationale=RATIONALE)
    assert (
        "Corrections and updates"
        not in client.get(f"/claims/{claim.pk}/").content.decode()
    )
    claim_update(
        claim=Claim.objects.get(pk=claim.pk),
        values={"rationale": "A corrected rationale (made for this test)."},
        by=reviewer,
        change_reason="The first rationale cited the wrong year (made for this test).",
    )
    page = client.get(f"/claims/{claim.pk}/").content.decode()
    assert "Corrections and updates" in page
    assert "Updated on" in page
    assert (
        "Verdict revised (False). Why: The first rationale cited the wrong year" in page
    )
    # The earlier verdict stays readable, after the newer entry.
    assert page.index("A corrected rationale") < page.index(RATIONALE[:30])


def test_revising_sets_the_claimreview_date_modified(client, reviewer):
    claim = FigureClaimFactory(status=Status.IN_REVIEW)
    claim_set_status(claim=claim, status=Status.FALSE, by=reviewer, rationale=RATIONALE)
    before = client.get(f"/api/v1/claims/{claim.pk}/claimreview/").json()
    Claim.objects.filter(pk=claim.pk).update(
        reviewed_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
        first_reviewed_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
    )
    claim_update(
        claim=Claim.objects.get(pk=claim.pk),
        values={"rationale": "Revised (made for this test)."},
        by=reviewer,
    )
    after = client.get(f"/api/v1/claims/{claim.pk}/claimreview/").json()
    assert after["datePublished"] == "2026-01-01"
    assert after["dateModified"] > "2026-01-02"
    assert before["reviewRating"]["ratingExplanation"] == RATIONALE


def test_evidence_added_in_the_admin_goes_through_the_service(admin_client):
    claim = published()
    response = admin_client.post(
        "/admin/claims/evidence/add/",
        {"claim": claim.pk, "url": "https://stats.example.org/z", "stance": "supports"},
    )
    assert response.status_code == 302
    (event,) = events("claim.evidence.added")
    assert event.body["evidence"]["url"] == "https://stats.example.org/z"


def test_evidence_added_in_the_claim_pages_inline_goes_through_the_service(
    admin_client,
):
    claim = published()
    page = admin_client.get(f"/admin/claims/claim/{claim.pk}/change/")
    data = admin_form_data(
        page.context["adminform"].form,
        **{
            "evidence-TOTAL_FORMS": "1",
            "evidence-0-stance": "refutes",
            "evidence-0-url": "https://stats.example.org/inline",
            "evidence-0-claim": str(claim.pk),
        },
    )
    response = admin_client.post(f"/admin/claims/claim/{claim.pk}/change/", data)
    assert response.status_code == 302, response.context["errors"]
    (event,) = events("claim.evidence.added")
    assert event.body["evidence"]["url"] == "https://stats.example.org/inline"


def test_a_claims_events_come_in_the_order_its_changes_happened(reviewer, editor):
    claim = FigureClaimFactory(status=Status.IN_REVIEW)
    claim_set_status(claim=claim, status=Status.FALSE, by=reviewer, rationale=RATIONALE)
    evidence_save(evidence=EvidenceFactory.build(claim=claim))
    claim_update(
        claim=Claim.objects.get(pk=claim.pk),
        values={"rationale": "Revised (made for this test)."},
        by=reviewer,
    )
    claim_update(
        claim=Claim.objects.get(pk=claim.pk), values={"text": "New."}, by=editor
    )
    sequence_events()
    feed = api().get(f"/api/v1/events/?claim={claim.pk}").json()["results"]
    assert [item["type"] for item in feed] == [
        "claim.verdict.published",
        "claim.evidence.added",
        "claim.verdict.revised",
        "claim.verdict.withdrawn",
    ]
    versions = [item["object_version"] for item in feed]
    assert versions == sorted(versions)


def test_the_recheck_queue_costs_the_same_queries_at_any_size(
    admin_client, django_assert_max_num_queries
):
    url = "/admin/claims/claim/?queue=recheck"

    def flagged(count: int) -> None:
        claims = [published() for _ in range(count)]
        with transaction.atomic():
            flag_recheck({claim.pk: "made for this test" for claim in claims})

    flagged(2)
    admin_client.get(url)  # warm the session and content-type caches
    with django_assert_max_num_queries(12) as few:
        admin_client.get(url)
    flagged(55)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = admin_client.get(url)
    assert len(response.context["cl"].result_list) == 50


@pytest.mark.parametrize("size", [5, 50])
def test_the_api_recheck_list_costs_the_same_queries_at_any_size(
    size, django_assert_max_num_queries
):
    claims = [published() for _ in range(size)]
    with transaction.atomic():
        flag_recheck({claim.pk: "made for this test" for claim in claims})
    with django_assert_max_num_queries(4):
        page = api().get(f"/api/v1/claims/?needs_recheck=true&page_size={size}")
    assert len(page.json()["results"]) == size
