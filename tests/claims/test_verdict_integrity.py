"""A published verdict never changes without a reviewer (issue 12, integrity)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from rest_framework.test import APIClient

from claims.models import Candidate, Claim, Metric
from claims.ratings import Status
from claims.selectors.claims import judged_content_editors
from claims.services.candidates import reject_candidates
from claims.services.claims import claim_save, claim_set_status
from sources.models import Person, PersonAlias, Publisher
from tests.admin_forms import admin_form_data
from tests.factories import (
    CandidateFactory,
    ClaimFactory,
    ClaimLinkFactory,
    DocumentFactory,
    FigureClaimFactory,
    MetricFactory,
    PersonFactory,
    PublisherFactory,
    user_in_group,
)

pytestmark = pytest.mark.django_db

RATIONALE = "Customs statistics (evidence 1) show a different figure."


@pytest.fixture
def editor():
    return user_in_group("Editors", username="ed", first_name="Ed", last_name="Itor")


@pytest.fixture
def reviewer():
    return user_in_group("Reviewers", username="rev")


@pytest.fixture
def second_reviewer():
    return user_in_group("Reviewers", username="rev2")


def api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def published_claim(**fields) -> Claim:
    """Return a disputed claim with a verdict, as a fixture claim is (no creator)."""
    return FigureClaimFactory(
        status=Status.DISPUTED,
        rationale=RATIONALE,
        speaker=PersonFactory(),
        **fields,
    )


JUDGED_EDITS = {
    "text": "Trade stood at a quite different figure.",
    "quote": "trade stood at some figure",  # each factory quote ends in a number
    "value": "6300000000",
    "unit": "EUR",
    "comparator": "exact",
    "period_start": "2012-01-01",
    "period_end": "2012-12-31",
    "period_label": "in 2012",
    "speaker_role": "Ambassador",
    "claimed_on": "2013-04-20",
}


# Judged content reopens a verdict ----------------------------------------------------


@pytest.mark.parametrize(("field", "value"), JUDGED_EDITS.items())
def test_editor_changing_what_a_verdict_judges_reopens_it(editor, field, value):
    claim = published_claim()
    response = api(editor).patch(
        f"/api/v1/claims/{claim.pk}/", {field: value}, format="json"
    )
    assert response.status_code == 200, response.json()
    claim.refresh_from_db()
    assert claim.status == Status.IN_REVIEW
    assert claim.rationale == ""
    assert response.json()["status"] == "in_review"
    # The withdrawn verdict's rationale stays in the history.
    assert claim.history.filter(rationale=RATIONALE).exists()
    assert claim.history.first().history_change_reason.startswith("Reopened")


@pytest.mark.parametrize("relation", ["document", "speaker", "metric"])
def test_changing_source_speaker_or_metric_reopens_the_verdict(editor, relation):
    claim = published_claim()
    new = {
        "document": lambda: DocumentFactory(text="").pk,
        "speaker": lambda: PersonFactory().pk,
        "metric": lambda: MetricFactory().slug,
    }[relation]()
    response = api(editor).patch(
        f"/api/v1/claims/{claim.pk}/", {relation: new}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert Claim.objects.get(pk=claim.pk).status == Status.IN_REVIEW


def test_reopened_claim_publishes_no_claimreview_until_a_new_verdict(
    client, editor, reviewer
):
    claim = published_claim()
    assert client.get(f"/api/v1/claims/{claim.pk}/claimreview/").status_code == 200
    api(editor).patch(
        f"/api/v1/claims/{claim.pk}/", {"text": "Edited words."}, format="json"
    )

    assert client.get(f"/api/v1/claims/{claim.pk}/claimreview/").status_code == 404
    page = client.get(f"/claims/{claim.pk}/").content.decode()
    assert "application/ld+json" not in page
    assert "Edited words." in page
    feed = client.get("/api/v1/claimreview/").json()["results"]
    assert claim.pk not in [int(item["url"].split("/")[-2]) for item in feed]

    api(reviewer).patch(
        f"/api/v1/claims/{claim.pk}/",
        {"status": "false", "rationale": "Checked the edited words."},
        format="json",
    )
    review = client.get(f"/api/v1/claims/{claim.pk}/claimreview/").json()
    assert review["claimReviewed"] == "Edited words."
    assert review["reviewRating"]["ratingExplanation"] == "Checked the edited words."


def test_changes_outside_the_judged_content_keep_the_verdict(editor):
    claim = published_claim()
    response = api(editor).patch(
        f"/api/v1/claims/{claim.pk}/",
        {"editor_note": "Ask the customs office for 1391.", "change_reason": "note"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    claim.refresh_from_db()
    assert (claim.status, claim.rationale) == (Status.DISPUTED, RATIONALE)


def test_resending_the_same_values_is_no_change(editor):
    claim = published_claim()
    same = {"text": claim.text, "value": "5300000000.000000", "unit": "USD"}
    response = api(editor).patch(f"/api/v1/claims/{claim.pk}/", same, format="json")
    assert response.status_code == 200
    assert Claim.objects.get(pk=claim.pk).status == Status.DISPUTED


def test_editor_reopening_explicitly_with_an_edit_is_the_same_as_the_edit(editor):
    claim = published_claim()
    response = api(editor).patch(
        f"/api/v1/claims/{claim.pk}/",
        {"text": "Edited.", "status": "in_review"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert Claim.objects.get(pk=claim.pk).status == Status.IN_REVIEW


def test_editor_still_may_not_reopen_a_verdict_without_an_edit(editor):
    claim = published_claim()
    response = api(editor).patch(
        f"/api/v1/claims/{claim.pk}/", {"status": "in_review"}, format="json"
    )
    assert response.status_code == 403
    assert Claim.objects.get(pk=claim.pk).status == Status.DISPUTED


def test_an_edit_cannot_jump_from_one_verdict_to_another(reviewer):
    claim = published_claim()
    response = api(reviewer).patch(
        f"/api/v1/claims/{claim.pk}/",
        {"text": "Edited.", "status": "verified", "rationale": RATIONALE},
        format="json",
    )
    assert response.status_code == 400
    assert "status" in response.json()
    assert Claim.objects.get(pk=claim.pk).status == Status.DISPUTED


def test_admin_edit_of_a_judged_field_reopens_the_verdict_and_says_so(client, editor):
    claim = published_claim()
    client.force_login(editor)
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    form = client.get(url).context["adminform"].form
    response = client.post(
        url, admin_form_data(form, text="Edited in the admin."), follow=True
    )
    assert response.status_code == 200
    claim.refresh_from_db()
    assert (claim.text, claim.status) == ("Edited in the admin.", Status.IN_REVIEW)
    assert claim.rationale == ""
    messages = [str(message) for message in response.context["messages"]]
    assert any("reopened for review" in message for message in messages)


# The rationale belongs to the verdict ----------------------------------------------


def test_a_rationale_without_a_verdict_is_refused_and_notes_go_elsewhere(editor):
    claim = ClaimFactory(status=Status.UNVERIFIED)
    response = api(editor).patch(
        f"/api/v1/claims/{claim.pk}/",
        {"rationale": "Looks right to me."},
        format="json",
    )
    assert response.status_code == 400
    assert "rationale" in response.json()
    response = api(editor).patch(
        f"/api/v1/claims/{claim.pk}/",
        {"editor_note": "Looks right to me."},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["editor_note"] == "Looks right to me."


def test_an_editors_note_is_not_a_verdicts_rationale(reviewer):
    claim = ClaimFactory(status=Status.IN_REVIEW, editor_note="Needs a source.")
    response = api(reviewer).patch(
        f"/api/v1/claims/{claim.pk}/", {"status": "verified"}, format="json"
    )
    assert response.status_code == 400
    assert "rationale" in response.json()
    assert Claim.objects.get(pk=claim.pk).status == Status.IN_REVIEW


def test_reopening_clears_the_rationale_so_the_next_verdict_writes_its_own(
    reviewer, second_reviewer
):
    claim = published_claim()
    claim_set_status(claim=claim, status=Status.IN_REVIEW, by=reviewer)
    claim.refresh_from_db()
    assert claim.rationale == ""
    with pytest.raises(ValidationError) as refusal:
        claim_set_status(claim=claim, status=Status.VERIFIED, by=second_reviewer)
    assert "rationale" in refusal.value.message_dict
    claim_set_status(
        claim=claim, status=Status.VERIFIED, by=second_reviewer, rationale=RATIONALE
    )
    assert Claim.objects.get(pk=claim.pk).rationale == RATIONALE


def test_editor_cannot_change_a_published_rationale(editor):
    claim = published_claim()
    response = api(editor).patch(
        f"/api/v1/claims/{claim.pk}/",
        {"rationale": "A softer explanation."},
        format="json",
    )
    assert response.status_code == 403
    assert Claim.objects.get(pk=claim.pk).rationale == RATIONALE


def test_editor_sees_the_rationale_read_only_in_the_admin(client, editor, reviewer):
    claim = published_claim()
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    client.force_login(editor)
    assert "rationale" not in client.get(url).context["adminform"].form.fields
    client.force_login(reviewer)
    assert "rationale" in client.get(url).context["adminform"].form.fields


def test_revising_a_rationale_is_dated_in_the_claimreview(client, second_reviewer):
    published = datetime.datetime(2020, 1, 2, tzinfo=datetime.UTC)
    claim = published_claim(reviewed_at=published, first_reviewed_at=published)
    first = client.get(f"/api/v1/claims/{claim.pk}/claimreview/").json()
    claim.refresh_from_db()
    claim.rationale = "A fuller explanation with a second source."
    claim_save(claim=claim, by=second_reviewer)

    review = client.get(f"/api/v1/claims/{claim.pk}/claimreview/").json()
    assert review["datePublished"] == first["datePublished"] == "2020-01-02"
    modified = datetime.datetime.fromisoformat(review["dateModified"])
    assert modified > datetime.datetime.fromisoformat(first["dateModified"])
    assert modified.date() >= datetime.date.fromisoformat(review["datePublished"])
    assert review["reviewRating"]["ratingExplanation"].startswith("A fuller")


def test_a_new_verdict_after_reopening_keeps_the_first_publication_date(
    reviewer, second_reviewer, editor
):
    claim = FigureClaimFactory(status=Status.IN_REVIEW)
    claim_set_status(claim=claim, status=Status.FALSE, by=reviewer, rationale="One.")
    claim.refresh_from_db()
    first_published = claim.first_reviewed_at
    claim.text = "Edited after publication."
    claim_save(claim=claim, by=editor)
    claim.refresh_from_db()
    claim_set_status(
        claim=claim, status=Status.MISLEADING, by=second_reviewer, rationale="Two."
    )
    claim.refresh_from_db()
    assert claim.first_reviewed_at == first_published
    assert claim.reviewed_at > first_published


# Four-eyes reads the history ---------------------------------------------------------


def test_reviewer_who_rewrote_a_claim_without_creator_cannot_judge_it(
    reviewer, second_reviewer
):
    claim = FigureClaimFactory(status=Status.UNVERIFIED)  # loaded: no creator
    assert claim.created_by is None
    client = api(reviewer)
    client.patch(
        f"/api/v1/claims/{claim.pk}/",
        {"text": "Rewritten by the reviewer.", "status": "in_review"},
        format="json",
    )
    response = client.patch(
        f"/api/v1/claims/{claim.pk}/",
        {"status": "verified", "rationale": RATIONALE},
        format="json",
    )
    assert response.status_code == 403
    assert "Four-eyes" in response.json()["detail"]
    assert Claim.objects.get(pk=claim.pk).status == Status.IN_REVIEW

    response = api(second_reviewer).patch(
        f"/api/v1/claims/{claim.pk}/",
        {"status": "verified", "rationale": RATIONALE},
        format="json",
    )
    assert response.status_code == 200, response.json()


def test_reviewer_who_reopened_by_editing_cannot_set_the_next_verdict(
    reviewer, second_reviewer
):
    claim = published_claim()
    claim.value = Decimal("4000000000")
    claim_save(claim=claim, by=reviewer)
    claim.refresh_from_db()
    assert claim.status == Status.IN_REVIEW
    with pytest.raises(PermissionDenied):
        claim_set_status(
            claim=claim, status=Status.FALSE, by=reviewer, rationale=RATIONALE
        )
    claim_set_status(
        claim=claim, status=Status.FALSE, by=second_reviewer, rationale=RATIONALE
    )


def test_editing_and_judging_in_one_request_is_refused(reviewer):
    claim = FigureClaimFactory(status=Status.IN_REVIEW)
    response = api(reviewer).patch(
        f"/api/v1/claims/{claim.pk}/",
        {"text": "Changed.", "status": "false", "rationale": RATIONALE},
        format="json",
    )
    assert response.status_code == 403
    assert Claim.objects.get(pk=claim.pk).text != "Changed."


def test_a_reviewer_who_only_moved_a_claim_to_review_may_still_judge_it(reviewer):
    claim = FigureClaimFactory(status=Status.UNVERIFIED, editor_note="Check this.")
    claim_set_status(claim=claim, status=Status.IN_REVIEW, by=reviewer)
    claim.refresh_from_db()
    claim.editor_note = "Checked the customs tables."
    claim_save(claim=claim, by=reviewer)
    claim_set_status(claim=claim, status=Status.FALSE, by=reviewer, rationale=RATIONALE)
    assert Claim.objects.get(pk=claim.pk).status == Status.FALSE


def test_edits_before_the_last_verdict_do_not_bind_the_next_one(
    editor, reviewer, second_reviewer
):
    claim = FigureClaimFactory(status=Status.IN_REVIEW)
    claim.text = "Reviewer's wording."
    claim_save(claim=claim, by=reviewer)
    claim_set_status(
        claim=claim, status=Status.FALSE, by=second_reviewer, rationale=RATIONALE
    )
    assert judged_content_editors(claim_id=claim.pk) == set()
    claim.refresh_from_db()
    claim.quote = "trade stood at some figure"
    claim_save(claim=claim, by=editor)  # reopens
    assert judged_content_editors(claim_id=claim.pk) == {editor.pk}
    claim.refresh_from_db()
    claim_set_status(claim=claim, status=Status.FALSE, by=reviewer, rationale="Again.")


def test_admin_form_refuses_the_verdict_of_a_reviewer_who_rewrote_the_claim(
    client, reviewer
):
    claim = FigureClaimFactory(status=Status.IN_REVIEW)
    claim.text = "Rewritten by the reviewer."
    claim_save(claim=claim, by=reviewer)
    client.force_login(reviewer)
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    form = client.get(url).context["adminform"].form
    response = client.post(
        url, admin_form_data(form, status="false", rationale=RATIONALE)
    )
    assert response.status_code == 200  # the form again, with the refusal
    assert "Four-eyes" in str(response.context["adminform"].form.errors["status"])
    assert Claim.objects.get(pk=claim.pk).status == Status.IN_REVIEW


# Documents, links, people ---------------------------------------------------------


def test_a_documents_stored_text_cannot_be_overwritten_in_place(editor):
    document = DocumentFactory(text="The original words, 5.3 billion dollars.")
    response = api(editor).patch(
        f"/api/v1/documents/{document.pk}/",
        {"text": "Other words entirely."},
        format="json",
    )
    assert response.status_code == 400
    assert "new version" in response.json()["text"][0]
    document.refresh_from_db()
    assert document.text == "The original words, 5.3 billion dollars."
    unchanged = api(editor).patch(
        f"/api/v1/documents/{document.pk}/",
        {"text": document.text, "title": "A better title"},
        format="json",
    )
    assert unchanged.status_code == 200


def test_the_admin_shows_a_stored_text_read_only(admin_client):
    document = DocumentFactory(text="The original words.")
    url = reverse("admin:sources_document_change", args=[document.pk])
    assert "text" not in admin_client.get(url).context["adminform"].form.fields
    add = admin_client.get(reverse("admin:sources_document_add"))
    assert "text" in add.context["adminform"].form.fields


def test_detected_cannot_be_flipped_in_the_link_admin(admin_client):
    link = ClaimLinkFactory(detected=True)
    url = reverse("admin:claims_claimlink_change", args=[link.pk])
    form = admin_client.get(url).context["adminform"].form
    assert "detected" not in form.fields
    data = admin_form_data(form, note="Checked.", detected="")
    admin_client.post(url, data)
    link.refresh_from_db()
    assert link.note == "Checked."
    assert link.detected is True


def test_deleting_an_author_is_refused_with_409(editor, reviewer):
    author = PersonFactory()
    document = DocumentFactory()
    document.authors.add(author)
    client = api(user_in_group("Reviewers", username="deleter", is_superuser=True))
    response = client.delete(f"/api/v1/people/{author.pk}/")
    assert response.status_code == 409
    assert "document" in response.json()["detail"]
    assert list(document.authors.all()) == [author]
    unrelated = PersonFactory()
    assert client.delete(f"/api/v1/people/{unrelated.pk}/").status_code == 204


def test_the_admin_refuses_to_delete_an_author(admin_client):
    author = PersonFactory(name="An Author")
    document = DocumentFactory(title="Their article")
    document.authors.add(author)
    url = reverse("admin:sources_person_delete", args=[author.pk])
    page = admin_client.get(url)
    assert "Their article" in page.content.decode()
    admin_client.post(url, {"post": "yes"})
    assert Person.objects.filter(pk=author.pk).exists()
    bulk = admin_client.post(
        reverse("admin:sources_person_changelist"),
        {"action": "delete_selected", "_selected_action": [author.pk], "post": "yes"},
    )
    assert bulk.status_code == 200
    assert Person.objects.filter(pk=author.pk).exists()


@pytest.mark.parametrize(
    ("path", "model", "body"),
    [
        ("/api/v1/people/", Person, {"name": "Renamed"}),
        ("/api/v1/publishers/", Publisher, {"name": "Renamed outlet"}),
        ("/api/v1/metrics/", Metric, {"description": "What it measures."}),
    ],
)
def test_people_publishers_and_metrics_keep_their_history(editor, path, model, body):
    row = {
        Person: PersonFactory,
        Publisher: PublisherFactory,
        Metric: MetricFactory,
    }[model]()
    key = row.slug if model is Metric else row.pk
    response = api(editor).patch(f"{path}{key}/", body, format="json")
    assert response.status_code == 200, response.json()
    latest = model.history.filter(id=row.pk).order_by("-history_date").first()
    assert latest.history_user == editor
    assert latest.history_type == "~"


def test_aliases_and_candidate_decisions_keep_their_history(editor):
    person = PersonFactory()
    api(editor).patch(
        f"/api/v1/people/{person.pk}/", {"aliases": ["Another Name"]}, format="json"
    )
    assert PersonAlias.history.filter(name="Another Name").exists()
    candidate = CandidateFactory()
    reject_candidates(candidates=[candidate], by=editor)
    record = Candidate.history.filter(id=candidate.pk).order_by("-history_date")[0]
    assert record.state == Candidate.State.REJECTED
    assert record.history_user == editor


# The public history ----------------------------------------------------------------


def test_public_history_names_roles_not_usernames(editor, reviewer, settings):
    claim = claim_save(claim=ClaimFactory.build(document=DocumentFactory()), by=editor)
    claim_set_status(claim=claim, status=Status.IN_REVIEW, by=editor)
    claim_set_status(claim=claim, status=Status.FALSE, by=reviewer, rationale="Why.")
    url = f"/api/v1/claims/{claim.pk}/history/"

    users = [version["user"] for version in APIClient().get(url).json()]
    assert users == ["Reviewer", "Editor", "Editor"]

    settings.FACTCHECK_PUBLIC_HISTORY_NAMES = "name"
    users = [version["user"] for version in APIClient().get(url).json()]
    assert users == ["Reviewer", "Ed Itor", "Ed Itor"]  # no full name: the role

    users = [version["user"] for version in api(editor).get(url).json()]
    assert users == ["rev", "ed", "ed"]


def test_public_history_of_a_system_change_names_no_one():
    claim = published_claim()
    claim.editor_note = "Imported note."
    claim_save(claim=claim)
    users = {
        v["user"] for v in APIClient().get(f"/api/v1/claims/{claim.pk}/history/").json()
    }
    assert users == {None}


def test_superusers_are_named_administrators_in_public(superuser):
    claim = claim_save(
        claim=ClaimFactory.build(document=DocumentFactory()), by=superuser
    )
    claim_set_status(claim=claim, status=Status.IN_REVIEW, by=superuser)
    claim_set_status(claim=claim, status=Status.FALSE, by=superuser, rationale="Why.")
    users = {
        v["user"] for v in APIClient().get(f"/api/v1/claims/{claim.pk}/history/").json()
    }
    assert users == {"Administrator"}


# Stored rows keep the rule ---------------------------------------------------------


def test_the_database_refuses_a_rationale_without_a_verdict():
    claim = ClaimFactory(status=Status.UNVERIFIED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(rationale="Sneaked in.")


# Serialized rollback: the flush after it leaves the migrations' rows (groups,
# content types) to be restored for the transactional tests that follow.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_moves_working_notes_out_of_the_rationale():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate([("claims", "0011_document_claimed_index")])
    old_apps = executor.loader.project_state(
        [("claims", "0011_document_claimed_index")]
    ).apps
    OldClaim = old_apps.get_model("claims", "Claim")
    document = old_apps.get_model("sources", "Document").objects.create(title="T")
    note = OldClaim.objects.create(
        text="a", quote="a", document=document, status="unverified", rationale="Note."
    )
    verdict = OldClaim.objects.create(
        text="b", quote="b", document=document, status="false", rationale="Why."
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    note, verdict = (Claim.objects.get(pk=pk) for pk in (note.pk, verdict.pk))
    assert (note.rationale, note.editor_note) == ("", "Note.")
    assert (verdict.rationale, verdict.editor_note) == ("Why.", "")
