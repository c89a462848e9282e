"""Roles, status moves, the four-eyes rule, history, restore and no lost edits."""

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from claims.models import Claim, ClaimLink, Evidence
from claims.ratings import VERDICTS, Status
from claims.services.claims import claim_restore_deleted, claim_save, claim_set_status
from claims.workflow import TRANSITIONS, allowed_moves
from sources.models import Document
from tests.admin_forms import admin_form_data
from tests.factories import (
    ClaimFactory,
    ClaimLinkFactory,
    DocumentFactory,
    EvidenceFactory,
    FigureClaimFactory,
    UserFactory,
    user_in_group,
)

pytestmark = pytest.mark.django_db

RATIONALE = "Customs statistics (evidence 1) show a different figure."


@pytest.fixture
def editor():
    return user_in_group("Editors", username="ed")


@pytest.fixture
def reviewer():
    return user_in_group("Reviewers", username="rev")


@pytest.fixture
def users(editor, reviewer, superuser):
    return {
        "anonymous": None,
        "editor": editor,
        "reviewer": reviewer,
        "superuser": superuser,
    }


# Every allowed move, and who may make it.
# Sorted: TRANSITIONS holds sets, whose order differs between processes (and
# pytest-xdist workers must collect the same tests in the same order).
MOVES = sorted((old, new) for old, targets in TRANSITIONS.items() for new in targets)
MAY = {
    "anonymous": lambda old, new: False,
    "editor": lambda old, new: old not in VERDICTS and new not in VERDICTS,
    "reviewer": lambda old, new: True,
    "superuser": lambda old, new: True,
}


def test_the_graph_is_unverified_review_verdict_and_reopen():
    assert allowed_moves(Status.UNVERIFIED) == [Status.IN_REVIEW]
    assert allowed_moves(Status.IN_REVIEW) == [
        Status.UNVERIFIED,
        *[status for status in Status if status in VERDICTS],
    ]
    for verdict in VERDICTS:
        assert allowed_moves(verdict) == [Status.IN_REVIEW]


@pytest.mark.parametrize("role", ["anonymous", "editor", "reviewer", "superuser"])
@pytest.mark.parametrize(("old", "new"), MOVES, ids=lambda s: str(s))
def test_api_permission_matrix_for_every_move(users, role, old, new):
    claim = ClaimFactory(status=old, rationale=RATIONALE if old in VERDICTS else "")
    client = APIClient()
    if users[role] is not None:
        client.force_login(users[role])

    response = client.patch(
        f"/api/v1/claims/{claim.pk}/",
        {"status": new, "rationale": RATIONALE} if new in VERDICTS else {"status": new},
        format="json",
    )

    claim.refresh_from_db()
    if MAY[role](old, new):
        assert response.status_code == 200, response.json()
        assert claim.status == new
    else:
        assert response.status_code == (401 if role == "anonymous" else 403)
        assert claim.status == old


@pytest.mark.parametrize("role", ["editor", "reviewer", "superuser"])
@pytest.mark.parametrize(("old", "new"), MOVES, ids=lambda s: str(s))
def test_admin_permission_matrix_for_every_move(client, users, role, old, new):
    claim = ClaimFactory(status=old, rationale=RATIONALE if old in VERDICTS else "")
    client.force_login(users[role])

    response = client.post(
        reverse("admin:claims_claim_changelist"),
        {
            "action": f"set_status_{new.value}",
            "_selected_action": [claim.pk],
            "apply": "1",
            "rationale": RATIONALE,
        },
        follow=True,
    )

    claim.refresh_from_db()
    assert response.status_code == 200
    if MAY[role](old, new):
        assert claim.status == new
    else:
        assert claim.status == old


def test_editor_does_not_even_see_verdict_actions(client, editor):
    client.force_login(editor)
    ClaimFactory()
    page = client.get(reverse("admin:claims_claim_changelist")).content.decode()
    assert "set_status_in_review" in page
    assert "set_status_false" not in page


def test_disallowed_move_names_the_moves_that_are_allowed():
    claim = ClaimFactory(status=Status.UNVERIFIED)
    with pytest.raises(ValidationError) as refusal:
        claim_set_status(claim=claim, status=Status.FALSE, rationale=RATIONALE)
    assert refusal.value.message_dict["status"] == [
        "Cannot move a claim from 'Unverified' to 'False'. "
        "Allowed from 'Unverified': 'In review'."
    ]


def test_api_disallowed_move_is_a_400_naming_status(reviewer):
    claim = ClaimFactory(status=Status.UNVERIFIED)
    client = APIClient()
    client.force_login(reviewer)
    response = client.patch(
        f"/api/v1/claims/{claim.pk}/",
        {"status": "verified", "rationale": RATIONALE},
        format="json",
    )
    assert response.status_code == 400
    assert "Allowed from 'Unverified': 'In review'" in response.json()["status"][0]


@pytest.mark.parametrize("rationale", ["", "   "])
def test_a_verdict_needs_a_rationale(reviewer, rationale):
    claim = ClaimFactory(status=Status.IN_REVIEW)
    with pytest.raises(ValidationError) as refusal:
        claim_set_status(
            claim=claim, status=Status.FALSE, by=reviewer, rationale=rationale
        )
    assert "rationale" in refusal.value.message_dict
    claim.refresh_from_db()
    assert claim.status == Status.IN_REVIEW


def test_verdict_records_reviewer_and_time_never_typed(reviewer):
    claim = ClaimFactory(status=Status.IN_REVIEW)
    claim_set_status(
        claim=claim, status=Status.MISLEADING, by=reviewer, rationale=RATIONALE
    )
    claim.refresh_from_db()
    assert claim.reviewed_by == reviewer
    assert claim.reviewed_at is not None


def test_four_eyes_reviewer_cannot_review_a_claim_they_created(reviewer):
    claim = claim_save(
        claim=ClaimFactory.build(document=DocumentFactory()), by=reviewer
    )
    claim_set_status(claim=claim, status=Status.IN_REVIEW, by=reviewer)
    with pytest.raises(PermissionDenied, match="Four-eyes"):
        claim_set_status(
            claim=claim, status=Status.FALSE, by=reviewer, rationale=RATIONALE
        )

    other = user_in_group("Reviewers", username="second-pair-of-eyes")
    claim.refresh_from_db()
    claim_set_status(claim=claim, status=Status.FALSE, by=other, rationale=RATIONALE)
    assert Claim.objects.get(pk=claim.pk).status == Status.FALSE


def test_four_eyes_rule_can_be_switched_off(reviewer, settings):
    settings.FACTCHECK_FOUR_EYES = False
    claim = claim_save(
        claim=ClaimFactory.build(document=DocumentFactory()), by=reviewer
    )
    claim_set_status(claim=claim, status=Status.IN_REVIEW, by=reviewer)
    claim_set_status(claim=claim, status=Status.FALSE, by=reviewer, rationale=RATIONALE)
    assert Claim.objects.get(pk=claim.pk).status == Status.FALSE


def test_new_claim_cannot_start_with_a_verdict(reviewer):
    claim = ClaimFactory.build(document=DocumentFactory(), status=Status.VERIFIED)
    claim.rationale = RATIONALE
    with pytest.raises(ValidationError) as refusal:
        claim_save(claim=claim, by=reviewer)
    assert "status" in refusal.value.message_dict


def test_bulk_action_reports_refused_claims_and_moves_the_rest(client, reviewer):
    ready = ClaimFactory(status=Status.IN_REVIEW)
    not_in_review = ClaimFactory(status=Status.UNVERIFIED)
    client.force_login(reviewer)
    # No rationale through a bulk verdict: both refused, nothing half-done.
    response = client.post(
        reverse("admin:claims_claim_changelist"),
        {
            "action": "set_status_in_review",
            "_selected_action": [ready.pk, not_in_review.pk],
        },
        follow=True,
    )
    messages = [str(message) for message in response.context["messages"]]
    assert "1 claim(s) moved to In review." in messages
    assert "1 claim(s) already In review." in messages
    assert Claim.objects.get(pk=not_in_review.pk).status == Status.IN_REVIEW

    # A bulk verdict first asks for the rationale and changes nothing.
    action = {
        "action": "set_status_false",
        "_selected_action": [ready.pk, not_in_review.pk],
    }
    confirm = client.post(reverse("admin:claims_claim_changelist"), action)
    assert confirm.status_code == 200
    assert 'name="rationale"' in confirm.content.decode()
    assert set(Claim.objects.values_list("status", flat=True)) == {Status.IN_REVIEW}

    # An empty rationale refuses both, nothing half-done.
    response = client.post(
        reverse("admin:claims_claim_changelist"),
        {**action, "apply": "1", "rationale": "  "},
        follow=True,
    )
    messages = [str(message) for message in response.context["messages"]]
    assert (
        sum("Not moved" in message and "rationale" in message for message in messages)
        == 2
    )
    assert set(Claim.objects.values_list("status", flat=True)) == {Status.IN_REVIEW}

    response = client.post(
        reverse("admin:claims_claim_changelist"),
        {**action, "apply": "1", "rationale": RATIONALE},
        follow=True,
    )
    assert set(Claim.objects.values_list("status", flat=True)) == {Status.FALSE}
    assert set(Claim.objects.values_list("rationale", flat=True)) == {RATIONALE}


def test_review_queue_lists_claims_in_review_oldest_first_with_status_counts(
    admin_client,
):
    first = ClaimFactory(status=Status.IN_REVIEW)
    second = ClaimFactory(status=Status.IN_REVIEW)
    ClaimFactory(status=Status.UNVERIFIED)
    Claim.objects.filter(pk=second.pk).update(updated_at="2020-01-01T00:00:00Z")

    response = admin_client.get(
        reverse("admin:claims_claim_changelist"), {"queue": "review"}
    )

    assert list(response.context["cl"].result_list) == [second, first]
    page = response.content.decode()
    assert "In review (2)" in page
    assert "Unverified (1)" in page


# History -----------------------------------------------------------------------


def test_history_records_create_change_delete_with_user_and_field_diff(
    reviewer, editor
):
    claim = claim_save(
        claim=ClaimFactory.build(document=DocumentFactory(), text="First."), by=editor
    )
    claim.text = "Second."
    claim_save(claim=claim, by=editor, change_reason="typo")
    claim_set_status(claim=claim, status=Status.IN_REVIEW, by=reviewer)
    claim._history_user = reviewer
    pk = claim.pk
    claim.delete()

    records = list(Claim.history.filter(id=pk).order_by("history_date"))
    assert [record.history_type for record in records] == ["+", "~", "~", "-"]
    assert [record.history_user for record in records[:3]] == [editor, editor, reviewer]
    assert records[1].history_change_reason == "typo"
    delta = records[1].diff_against(records[0])
    assert ("text", "First.", "Second.") in [
        (c.field, c.old, c.new) for c in delta.changes
    ]


@pytest.mark.parametrize(
    "make",
    [
        lambda: DocumentFactory(),
        lambda: EvidenceFactory(),
        lambda: ClaimLinkFactory(),
    ],
    ids=["document", "evidence", "link"],
)
def test_documents_evidence_and_links_keep_history_of_every_change(make):
    row = make()
    row.note = "changed" if hasattr(row, "note") else None
    if isinstance(row, Document):
        row.title = "Changed title"
    row.save()
    pk = row.pk
    row.delete()
    kinds = list(
        type(row)
        .history.filter(id=pk)
        .order_by("history_date")
        .values_list("history_type", flat=True)
    )
    assert kinds == ["+", "~", "-"]


def test_api_history_lists_versions_with_user_status_and_changes(editor, reviewer):
    claim = claim_save(
        claim=ClaimFactory.build(document=DocumentFactory(), text="First."), by=editor
    )
    claim.text = "Second."
    claim_save(claim=claim, by=editor, change_reason="sharper wording")
    claim_set_status(claim=claim, status=Status.IN_REVIEW, by=editor)
    claim_set_status(claim=claim, status=Status.FALSE, by=reviewer, rationale=RATIONALE)

    versions = APIClient().get(f"/api/v1/claims/{claim.pk}/history/").json()

    assert [v["version"] for v in versions] == [4, 3, 2, 1]
    # Anonymous readers see roles, not staff usernames.
    assert [v["user"] for v in versions] == ["Reviewer", "Editor", "Editor", "Editor"]
    assert [v["status"] for v in versions] == [
        "false",
        "in_review",
        "unverified",
        "unverified",
    ]
    assert versions[2]["change_reason"] == "sharper wording"
    assert versions[2]["changes"] == [
        {"field": "text", "old": "First.", "new": "Second."}
    ]
    assert versions[3]["type"] == "created"
    assert versions[3]["changes"] == []
    fields_changed = {change["field"] for change in versions[0]["changes"]}
    assert {"status", "rationale"} <= fields_changed


def test_api_history_never_shows_emails_or_password_hashes(editor):
    claim = claim_save(
        claim=ClaimFactory.build(document=DocumentFactory(), status=Status.IN_REVIEW),
        by=editor,
    )
    client = APIClient()
    client.force_login(editor)
    body = client.get(f"/api/v1/claims/{claim.pk}/history/").content.decode()
    assert editor.email not in body
    assert "md5$" not in body
    assert "password" not in body
    assert '"user":"ed"' in body.replace(" ", "")


def test_anonymous_clients_see_history_of_reviewed_claims_only(editor):
    unreviewed = ClaimFactory(status=Status.IN_REVIEW)
    reviewed = ClaimFactory(status=Status.DISPUTED)
    anonymous = APIClient()
    assert anonymous.get(f"/api/v1/claims/{unreviewed.pk}/history/").status_code == 401
    assert anonymous.get(f"/api/v1/claims/{reviewed.pk}/history/").status_code == 200
    signed_in = APIClient()
    signed_in.force_login(editor)
    assert signed_in.get(f"/api/v1/claims/{unreviewed.pk}/history/").status_code == 200


# Restore ---------------------------------------------------------------------


def test_admin_restores_an_earlier_version_and_the_restore_is_recorded(client, editor):
    claim = claim_save(
        claim=ClaimFactory.build(document=DocumentFactory(), text="Original wording."),
        by=editor,
    )
    claim.text = "Bad edit."
    claim_save(claim=claim, by=editor)
    original = Claim.history.filter(id=claim.pk).order_by("history_date").first()
    client.force_login(editor)
    url = reverse(
        "admin:claims_claim_simple_history", args=[claim.pk, original.history_id]
    )
    form = client.get(url).context["adminform"].form

    response = client.post(url, admin_form_data(form))

    assert response.status_code == 302, _errors(response)
    claim.refresh_from_db()
    assert claim.text == "Original wording."
    assert claim.version == 3
    latest = Claim.history.filter(id=claim.pk).latest("history_date")
    assert latest.history_type == "~"
    assert latest.history_user == editor


def test_deleted_claim_is_restored_with_its_evidence_and_links(reviewer):
    claim = FigureClaimFactory()
    EvidenceFactory(claim=claim)
    other = ClaimFactory()
    ClaimLinkFactory(from_claim=claim, to_claim=other)
    pk = claim.pk
    claim.delete()
    assert not Evidence.objects.exists()
    assert not ClaimLink.objects.exists()

    restored = claim_restore_deleted(claim_id=pk, by=reviewer)

    assert restored.pk == pk
    assert Claim.objects.get(pk=pk).text == claim.text
    assert Evidence.objects.filter(claim_id=pk).count() == 1
    assert ClaimLink.objects.filter(from_claim_id=pk, to_claim=other).count() == 1
    latest = Claim.history.filter(id=pk).latest("history_date")
    assert latest.history_change_reason == "Restored after deletion"


def test_deleted_claim_is_restored_from_the_admin_list(client, reviewer):
    claim = ClaimFactory(text="Deleted by mistake.")
    pk = claim.pk
    claim.delete()
    client.force_login(reviewer)
    listing = client.get(reverse("admin:claims_deletedclaim_changelist"))
    assert "Deleted by mistake." in listing.content.decode()
    record_id = Claim.history.get(id=pk, history_type="-").history_id

    client.post(
        reverse("admin:claims_deletedclaim_changelist"),
        {"action": "restore", "_selected_action": [record_id]},
    )

    assert Claim.objects.filter(pk=pk, text="Deleted by mistake.").exists()


def test_editors_cannot_see_or_restore_deleted_claims(client, editor):
    client.force_login(editor)
    response = client.get(reverse("admin:claims_deletedclaim_changelist"))
    assert response.status_code == 403


# No lost edits -------------------------------------------------------------------


def _errors(response) -> str:
    if response.context and "adminform" in response.context:
        return str(response.context["adminform"].form.errors)
    return response.content.decode()[:500]


def test_second_admin_save_from_the_same_version_is_refused_with_a_link(client, editor):
    claim = ClaimFactory(text="Original.")
    other_editor = user_in_group("Editors", username="ed2")
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    client.force_login(editor)
    first_form = admin_form_data(client.get(url).context["adminform"].form)
    second_client = type(client)()
    second_client.force_login(other_editor)
    second_form = admin_form_data(second_client.get(url).context["adminform"].form)

    first = client.post(url, {**first_form, "text": "First editor's text."})
    assert first.status_code == 302, _errors(first)

    second = second_client.post(url, {**second_form, "text": "Second editor's text."})

    assert second.status_code == 200
    page = second.content.decode()
    assert "Someone else saved this claim after you opened it" in page
    assert re.search(rf'href="{re.escape(url)}"', page)
    claim.refresh_from_db()
    assert claim.text == "First editor's text."
    assert claim.version == 2


def test_api_if_match_and_admin_version_are_the_same_version(editor):
    claim = ClaimFactory()
    client = APIClient()
    client.force_login(editor)
    before = client.get(f"/api/v1/claims/{claim.pk}/")
    assert before.json()["version"] == 1
    claim.text = "Changed in the admin."
    claim_save(claim=claim, by=editor, expected_version=1)
    stale = client.patch(
        f"/api/v1/claims/{claim.pk}/",
        {"text": "API edit"},
        HTTP_IF_MATCH=before["ETag"],
    )
    assert stale.status_code == 412
    assert client.get(f"/api/v1/claims/{claim.pk}/").json()["version"] == 2


def test_stale_version_is_refused_by_the_service():
    claim = ClaimFactory()
    claim.text = "One."
    claim_save(claim=claim, expected_version=1)
    claim.text = "Two."
    with pytest.raises(ValidationError) as refusal:
        claim_save(claim=claim, expected_version=1)
    assert "version" in refusal.value.message_dict


def test_admin_claim_page_shows_the_quote_in_context_and_other_figures(admin_client):
    document = DocumentFactory(
        text="Relations improved. According to unofficial figures, trade stood close "
        "to 5.3 billion dollars last year. Banks were wary. Nothing else."
    )
    claim = FigureClaimFactory(
        document=document, quote="trade stood close to 5.3 billion dollars"
    )
    other = FigureClaimFactory(
        metric=claim.metric, value=2000000000, comparator="exact"
    )

    page = admin_client.get(reverse("admin:claims_claim_change", args=[claim.pk]))

    html = page.content.decode()
    assert "<mark>trade stood close to 5.3 billion dollars</mark>" in html
    assert "Relations improved." in html
    assert "Banks were wary." in html
    assert "Nothing else." not in html.split("<mark>")[1].split("</div>")[0]
    assert "$2 billion" in html
    assert f"#{other.pk}" in html


def test_user_without_any_group_is_refused_everywhere():
    nobody = UserFactory()
    claim = ClaimFactory()
    client = APIClient()
    client.force_login(nobody)
    assert client.patch(f"/api/v1/claims/{claim.pk}/", {"text": "x"}).status_code == 403


# The rationale draft a reopening keeps (claims.workflow) ---------------------------


def _plan(**overrides):
    from claims.workflow import plan_claim_save

    arguments = {
        "old_status": Status.DISPUTED,
        "new_status": Status.DISPUTED,
        "old_rationale": RATIONALE,
        "new_rationale": RATIONALE,
        "judged_changes": ["quote"],
        "by": None,
        "created_by_id": None,
        "content_editor_ids": lambda: [],
    }
    return plan_claim_save(**{**arguments, **overrides})


def test_reopening_withdraws_the_rationale_and_keeps_it_as_a_draft():
    plan = _plan()
    assert (plan.status, plan.rationale, plan.reopened) == (Status.IN_REVIEW, "", True)
    assert plan.rationale_draft == RATIONALE


def test_the_draft_sent_back_without_a_verdict_is_not_a_rationale():
    plan = _plan(
        old_status=Status.IN_REVIEW,
        new_status=Status.IN_REVIEW,
        old_rationale="",
        new_rationale=RATIONALE,
        judged_changes=[],
        old_rationale_draft=RATIONALE,
    )
    assert (plan.rationale, plan.rationale_draft) == ("", RATIONALE)
    # Another text without a verdict is refused, as before.
    with pytest.raises(ValidationError) as refusal:
        _plan(
            old_status=Status.IN_REVIEW,
            new_status=Status.IN_REVIEW,
            old_rationale="",
            new_rationale="Made for this test: another text.",
            judged_changes=[],
            old_rationale_draft=RATIONALE,
        )
    assert "rationale" in refusal.value.message_dict


def test_setting_the_verdict_publishes_the_confirmed_draft_and_clears_it(reviewer):
    plan = _plan(
        old_status=Status.IN_REVIEW,
        new_status=Status.FALSE,
        old_rationale="",
        new_rationale=RATIONALE,
        judged_changes=[],
        by=reviewer,
        old_rationale_draft=RATIONALE,
    )
    assert (plan.status, plan.rationale, plan.verdict_act) == (
        Status.FALSE,
        RATIONALE,
        True,
    )
    assert plan.rationale_draft == ""
