"""What a published verdict shows changes only with a reviewer (issue 21).

A ClaimReview is built from the claim's speaker, its document (title, URL,
publisher, date) and the documents of claims linked to it as the same claim. An
edit of one of those on a claim with a verdict needs a reviewer and is recorded on
the claims as a correction; edits to what no published verdict shows stay free.
The names, titles and URLs below are made up for the tests.
"""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from rest_framework.test import APIClient

from claims.models import Claim, ClaimLink
from claims.ratings import Status
from sources.ingest import ingest_document
from sources.models import Document, Person, Publisher
from tests.factories import (
    ClaimFactory,
    ClaimLinkFactory,
    DocumentFactory,
    PersonFactory,
    PublisherFactory,
    user_in_group,
)

pytestmark = pytest.mark.django_db

RATIONALE = "Customs statistics (evidence 1) show a different figure."
PUBLISHED = datetime.datetime(2020, 1, 2, tzinfo=datetime.UTC)


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


def published_claim(**fields) -> Claim:
    """Return a disputed claim with a verdict published in 2020, spoken by someone."""
    fields.setdefault("speaker", PersonFactory(name="Made-up Speaker"))
    return ClaimFactory(
        status=Status.DISPUTED,
        rationale=RATIONALE,
        reviewed_at=PUBLISHED,
        first_reviewed_at=PUBLISHED,
        **fields,
    )


def claimreview(claim: Claim) -> dict:
    return api().get(f"/api/v1/claims/{claim.pk}/claimreview/").json()


def unchanged(claim: Claim) -> bool:
    stored = Claim.objects.get(pk=claim.pk)
    return (stored.status, stored.version) == (Status.DISPUTED, claim.version)


# API: an editor is refused, naming the fields and the claims ----------------------


def test_editor_renaming_a_published_claims_speaker_is_refused_with_403():
    claim = published_claim()
    other = published_claim(speaker=claim.speaker)
    response = api(user_in_group("Editors")).patch(
        f"/api/v1/people/{claim.speaker_id}/", {"name": "Someone Else"}, format="json"
    )
    assert response.status_code == 403, response.json()
    detail = response.json()["detail"]
    assert "name" in detail
    assert f"{claim.pk}, {other.pk}" in detail
    assert Person.objects.get(pk=claim.speaker_id).name == "Made-up Speaker"
    assert claimreview(claim)["itemReviewed"]["author"]["name"] == "Made-up Speaker"
    assert unchanged(claim)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "Another article"),
        ("url", "https://evil.example/other"),
        ("published_on", "2011-01-01"),
        ("published_precision", "year"),
    ],
)
def test_editor_changing_a_published_claims_document_is_refused(editor, field, value):
    claim = published_claim()
    before = Document.objects.get(pk=claim.document_id)
    response = api(editor).patch(
        f"/api/v1/documents/{claim.document_id}/", {field: value}, format="json"
    )
    assert response.status_code == 403, response.json()
    assert field in response.json()["detail"]
    assert str(claim.pk) in response.json()["detail"]
    after = Document.objects.get(pk=claim.document_id)
    assert getattr(after, field) == getattr(before, field)
    assert unchanged(claim)


def test_editor_moving_a_published_claims_document_to_another_publisher_is_refused(
    editor,
):
    claim = published_claim()
    response = api(editor).patch(
        f"/api/v1/documents/{claim.document_id}/",
        {"publisher": PublisherFactory().pk},
        format="json",
    )
    assert response.status_code == 403, response.json()
    assert "publisher" in response.json()["detail"]


def test_editor_renaming_the_publisher_a_published_verdict_names_is_refused(editor):
    claim = published_claim()
    publisher = claim.document.publisher
    response = api(editor).patch(
        f"/api/v1/publishers/{publisher.pk}/", {"name": "Renamed"}, format="json"
    )
    assert response.status_code == 403, response.json()
    assert str(claim.pk) in response.json()["detail"]
    assert Publisher.objects.get(pk=publisher.pk).name == publisher.name


def test_editor_cannot_add_an_appearance_to_a_published_claim(editor):
    claim = published_claim()
    elsewhere = ClaimFactory()
    response = api(editor).post(
        "/api/v1/links/",
        {"from_claim": elsewhere.pk, "to_claim": claim.pk, "relation": "same_claim"},
        format="json",
    )
    assert response.status_code == 403, response.json()
    assert str(claim.pk) in response.json()["detail"]
    assert not ClaimLink.objects.exists()
    assert len(claimreview(claim)["itemReviewed"]["appearance"]) == 1


def test_editor_cannot_remove_or_retarget_an_appearance_of_a_published_claim(editor):
    claim = published_claim()
    link = ClaimLinkFactory(
        from_claim=claim, to_claim=ClaimFactory(), relation="same_claim"
    )
    client = api(editor)
    assert client.delete(f"/api/v1/links/{link.pk}/").status_code == 403
    response = client.patch(
        f"/api/v1/links/{link.pk}/", {"relation": "corroborates"}, format="json"
    )
    assert response.status_code == 403, response.json()
    assert ClaimLink.objects.get(pk=link.pk).relation == "same_claim"


def test_a_published_claim_whose_other_appearance_changes_is_protected(editor):
    claim = published_claim()
    repeat = ClaimFactory()
    ClaimLinkFactory(from_claim=repeat, to_claim=claim, relation="same_claim")
    response = api(editor).patch(
        f"/api/v1/documents/{repeat.document_id}/",
        {"url": "https://evil.example/other"},
        format="json",
    )
    assert response.status_code == 403, response.json()
    assert str(claim.pk) in response.json()["detail"]


# A reviewer's edit is a recorded correction ----------------------------------------


def test_reviewer_renaming_a_speaker_corrects_the_published_claimreview(reviewer):
    claim = published_claim()
    first = api().get(f"/api/v1/claims/{claim.pk}/claimreview/")
    page = api().get(f"/claims/{claim.pk}/")
    response = api(reviewer).patch(
        f"/api/v1/people/{claim.speaker_id}/",
        {"name": "Corrected Speaker", "change_reason": "Misspelt name"},
        format="json",
    )
    assert response.status_code == 200, response.json()

    stored = Claim.objects.get(pk=claim.pk)
    assert stored.status == Status.DISPUTED  # not reopened
    assert stored.version == claim.version + 1
    again = api().get(f"/api/v1/claims/{claim.pk}/claimreview/")
    assert again["ETag"] != first["ETag"]
    review = again.json()
    assert review["itemReviewed"]["author"]["name"] == "Corrected Speaker"
    assert review["datePublished"] == "2020-01-02"
    modified = datetime.datetime.fromisoformat(review["dateModified"])
    assert modified > datetime.datetime.fromisoformat(first.json()["dateModified"])
    assert b"Corrected Speaker" in api().get(f"/claims/{claim.pk}/").content
    assert b"Made-up Speaker" in page.content

    record = Claim.history.filter(id=claim.pk).order_by("-history_id").first()
    assert record.history_user == reviewer
    assert record.version == stored.version
    assert "Misspelt name" in record.history_change_reason
    assert "name" in record.history_change_reason
    person = Person.history.filter(id=claim.speaker_id).order_by("-history_id")[0]
    assert (person.history_user, person.history_change_reason) == (
        reviewer,
        "Misspelt name",
    )


def test_reviewer_adding_an_appearance_corrects_both_published_claims(reviewer):
    claim, repeat = published_claim(), published_claim()
    response = api(reviewer).post(
        "/api/v1/links/",
        {"from_claim": repeat.pk, "to_claim": claim.pk, "relation": "same_claim"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert len(claimreview(claim)["itemReviewed"]["appearance"]) == 2
    for published in (claim, repeat):
        stored = Claim.objects.get(pk=published.pk)
        assert (stored.status, stored.version) == (Status.DISPUTED, 2)
        assert stored.corrected_at is not None


def test_reviewer_changing_a_document_moves_date_modified(reviewer):
    claim = published_claim()
    before = claimreview(claim)
    response = api(reviewer).patch(
        f"/api/v1/documents/{claim.document_id}/",
        {"url": "https://news.example.org/corrected"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    after = claimreview(claim)
    assert after["itemReviewed"]["appearance"][0]["url"].endswith("/corrected")
    assert after["dateModified"] > before["dateModified"]


# What no published verdict shows stays free -----------------------------------------


def test_unpublished_claims_speakers_and_documents_stay_freely_editable(editor):
    claim = ClaimFactory(status=Status.IN_REVIEW, speaker=PersonFactory())
    client = api(editor)
    assert (
        client.patch(
            f"/api/v1/people/{claim.speaker_id}/", {"name": "Renamed"}, format="json"
        ).status_code
        == 200
    )
    response = client.patch(
        f"/api/v1/documents/{claim.document_id}/",
        {"title": "Retitled", "url": "https://news.example.org/moved"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    response = client.post(
        "/api/v1/links/",
        {
            "from_claim": ClaimFactory().pk,
            "to_claim": claim.pk,
            "relation": "same_claim",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()


def test_fields_no_published_verdict_shows_stay_free(editor):
    claim = published_claim()
    client = api(editor)
    response = client.patch(
        f"/api/v1/people/{claim.speaker_id}/",
        {"description": "A made-up official", "aliases": ["M. Speaker"]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    response = client.patch(
        f"/api/v1/documents/{claim.document_id}/",
        {
            "type": "report",
            "language": "fa",
            "published_note": "date from the archive",
            "accessed_on": "2020-01-01",
            "authors": [PersonFactory().pk],
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    response = client.patch(
        f"/api/v1/publishers/{claim.document.publisher_id}/",
        {"url": "https://moved.example.org", "country": "IR"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    response = client.post(
        "/api/v1/links/",
        {
            "from_claim": ClaimFactory().pk,
            "to_claim": claim.pk,
            "relation": "contradicts",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    # Resending the values a published verdict shows is no change.
    response = client.patch(
        f"/api/v1/people/{claim.speaker_id}/",
        {"name": "Made-up Speaker"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert unchanged(claim)


# Services: every caller gets the same rule ----------------------------------------


def test_services_refuse_an_editor_and_let_the_system_correct(editor):
    from claims.services.corrections import claim_link_save
    from sources.services import person_save, source_save

    claim = published_claim()
    speaker = Person.objects.get(pk=claim.speaker_id)
    with pytest.raises(PermissionDenied):
        person_save(person=speaker, values={"name": "X"}, aliases=None, by=editor)
    document = Document.objects.get(pk=claim.document_id)
    with pytest.raises(PermissionDenied):
        source_save(instance=document, values={"title": "X"}, by=editor)
    link = ClaimLink(from_claim=ClaimFactory(), to_claim=claim, relation="same_claim")
    with pytest.raises(PermissionDenied):
        claim_link_save(link=link, by=editor)
    assert unchanged(claim)

    # The system (by None: a fixture, a management command) is bound by no
    # permission, but its change is recorded all the same.
    person_save(person=speaker, values={"name": "Y"}, aliases=None)
    assert Claim.objects.get(pk=claim.pk).version == claim.version + 1


def test_deleting_an_appearance_by_a_reviewer_is_a_correction(editor, reviewer):
    from claims.services.corrections import claim_link_delete

    claim = published_claim()
    link = ClaimLinkFactory(
        from_claim=ClaimFactory(), to_claim=claim, relation="same_claim"
    )
    with pytest.raises(PermissionDenied):
        claim_link_delete(link=link, by=editor)
    claim_link_delete(link=link, by=reviewer, reason="Not the same claim")
    assert not ClaimLink.objects.exists()
    stored = Claim.objects.get(pk=claim.pk)
    assert stored.version == claim.version + 1
    assert "Not the same claim" in stored.history.first().history_change_reason


def test_ingest_filling_a_published_claims_document_needs_a_reviewer(editor):
    document = DocumentFactory(url="", published_on=None)
    published_claim(document=document, claimed_on=datetime.date(2013, 4, 23))
    with pytest.raises(PermissionDenied):
        ingest_document(
            content="A made-up text.",
            url="https://news.example.org/filled",
            attach_to=document.pk,
            by=editor,
        )
    assert Document.objects.get(pk=document.pk).url == ""


# Admin: the same rule, shown on the form --------------------------------------------


def _admin_post(client, path, **changes):
    form = client.get(path).context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None:
            continue
        if isinstance(value, list):
            data[name] = [getattr(item, "pk", item) for item in value]
        else:
            data[name] = getattr(value, "pk", value)
    for prefix in ("aliases", "claims"):
        data[f"{prefix}-TOTAL_FORMS"] = "0"
        data[f"{prefix}-INITIAL_FORMS"] = "0"
    data.update(changes)
    return client.post(path, data)


def test_admin_refuses_an_editors_rename_of_a_published_speaker(client, editor):
    claim = published_claim()
    client.force_login(editor)
    url = reverse("admin:sources_person_change", args=[claim.speaker_id])
    response = _admin_post(client, url, name="Someone Else")
    assert response.status_code == 200  # the form again, with the error
    errors = response.context["adminform"].form.errors
    assert str(claim.pk) in str(errors["name"])
    assert Person.objects.get(pk=claim.speaker_id).name == "Made-up Speaker"


def test_admin_lets_a_reviewer_correct_a_published_document(client, reviewer):
    claim = published_claim()
    client.force_login(reviewer)
    url = reverse("admin:sources_document_change", args=[claim.document_id])
    response = _admin_post(client, url, url="https://news.example.org/corrected")
    assert response.status_code == 302
    assert Document.objects.get(pk=claim.document_id).url.endswith("/corrected")
    stored = Claim.objects.get(pk=claim.pk)
    assert (stored.status, stored.version) == (Status.DISPUTED, claim.version + 1)


def test_admin_refuses_an_editors_rename_of_a_published_publisher(client, editor):
    claim = published_claim()
    client.force_login(editor)
    publisher = claim.document.publisher
    url = reverse("admin:sources_publisher_change", args=[publisher.pk])
    response = _admin_post(client, url, name="Renamed")
    assert response.status_code == 200
    assert "name" in response.context["adminform"].form.errors
    assert Publisher.objects.get(pk=publisher.pk).name == publisher.name


def test_admin_link_pages_refuse_an_editors_appearance(client, editor):
    claim = published_claim()
    elsewhere = ClaimFactory()
    client.force_login(editor)
    response = client.post(
        reverse("admin:claims_claimlink_add"),
        {"from_claim": elsewhere.pk, "to_claim": claim.pk, "relation": "same_claim"},
    )
    assert response.status_code == 200
    assert str(claim.pk) in str(response.context["adminform"].form.errors)
    assert not ClaimLink.objects.exists()

    link = ClaimLinkFactory(from_claim=elsewhere, to_claim=claim, relation="same_claim")
    url = reverse("admin:claims_claimlink_delete", args=[link.pk])
    response = client.post(url, {"post": "yes"})
    assert response.status_code == 403
    assert ClaimLink.objects.filter(pk=link.pk).exists()


def test_admin_claim_page_inline_refuses_an_editors_appearance(client, editor):
    from tests.admin_forms import admin_form_data

    claim = published_claim()
    other = ClaimFactory()
    client.force_login(editor)
    url = reverse("admin:claims_claim_change", args=[other.pk])
    form = client.get(url).context["adminform"].form
    data = admin_form_data(form)
    data.update(
        {
            "links_from-TOTAL_FORMS": "1",
            "links_from-0-relation": "same_claim",
            "links_from-0-to_claim": str(claim.pk),
            "links_from-0-note": "",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 200
    assert not ClaimLink.objects.exists()
    assert str(claim.pk) in response.content.decode()


def test_admin_lets_a_reviewer_link_a_published_claim_as_a_correction(client, reviewer):
    claim = published_claim()
    client.force_login(reviewer)
    response = client.post(
        reverse("admin:claims_claimlink_add"),
        {
            "from_claim": ClaimFactory().pk,
            "to_claim": claim.pk,
            "relation": "same_claim",
        },
    )
    assert response.status_code == 302
    assert Claim.objects.get(pk=claim.pk).version == claim.version + 1


def test_admin_claim_page_inline_saves_a_reviewers_appearance_as_a_correction(
    client, reviewer
):
    from tests.admin_forms import admin_form_data

    claim = published_claim()
    other = ClaimFactory()
    client.force_login(reviewer)
    url = reverse("admin:claims_claim_change", args=[other.pk])
    data = admin_form_data(client.get(url).context["adminform"].form)
    data.update(
        {
            "links_from-TOTAL_FORMS": "1",
            "links_from-0-relation": "same_claim",
            "links_from-0-to_claim": str(claim.pk),
            "links_from-0-note": "",
        }
    )
    assert client.post(url, data).status_code == 302
    link = ClaimLink.objects.get()
    assert (link.from_claim_id, link.to_claim_id) == (other.pk, claim.pk)
    record = Claim.history.filter(id=claim.pk).order_by("-history_id").first()
    assert (record.version, record.history_user) == (claim.version + 1, reviewer)


def test_admin_claim_page_inline_cannot_remove_an_appearance_for_an_editor(
    client, editor
):
    from tests.admin_forms import admin_form_data

    claim = published_claim()
    other = ClaimFactory()
    link = ClaimLinkFactory(from_claim=other, to_claim=claim, relation="same_claim")
    client.force_login(editor)
    url = reverse("admin:claims_claim_change", args=[other.pk])
    data = admin_form_data(client.get(url).context["adminform"].form)
    data.update(
        {
            "links_from-TOTAL_FORMS": "1",
            "links_from-INITIAL_FORMS": "1",
            "links_from-0-id": str(link.pk),
            "links_from-0-from_claim": str(other.pk),
            "links_from-0-relation": "same_claim",
            "links_from-0-to_claim": str(claim.pk),
            "links_from-0-note": "",
            "links_from-0-DELETE": "on",
        }
    )
    assert client.post(url, data).status_code == 403
    assert ClaimLink.objects.filter(pk=link.pk).exists()
    assert unchanged(claim)


def test_a_correction_moves_date_modified_but_never_date_published(reviewer):
    # As a fixture claim is: a verdict with no recorded review time.
    claim = ClaimFactory(status=Status.DISPUTED, rationale=RATIONALE)
    Claim.objects.filter(pk=claim.pk).update(
        updated_at=datetime.datetime(2020, 1, 2, tzinfo=datetime.UTC)
    )
    before = claimreview(claim)
    response = api(reviewer).patch(
        f"/api/v1/documents/{claim.document_id}/", {"title": "Fixed"}, format="json"
    )
    assert response.status_code == 200, response.json()
    after = claimreview(claim)
    assert after["datePublished"] == before["datePublished"] == "2020-01-02"
    assert after["dateModified"] > before["dateModified"]


# A claim's own document is an appearance of the claims linked to it ---------------


def test_moving_a_linked_claim_to_another_document_needs_a_reviewer(editor, reviewer):
    claim = published_claim()
    repeat = ClaimFactory(status=Status.IN_REVIEW)
    ClaimLinkFactory(from_claim=repeat, to_claim=claim, relation="same_claim")
    elsewhere = DocumentFactory()
    response = api(editor).patch(
        f"/api/v1/claims/{repeat.pk}/", {"document": elsewhere.pk}, format="json"
    )
    assert response.status_code == 403, response.json()
    assert str(claim.pk) in response.json()["detail"]
    assert Claim.objects.get(pk=repeat.pk).document_id == repeat.document_id
    assert unchanged(claim)

    response = api(reviewer).patch(
        f"/api/v1/claims/{repeat.pk}/", {"document": elsewhere.pk}, format="json"
    )
    assert response.status_code == 200, response.json()
    urls = [work["url"] for work in claimreview(claim)["itemReviewed"]["appearance"]]
    assert elsewhere.url in urls
    assert Claim.objects.get(pk=claim.pk).version == claim.version + 1


def test_deleting_a_claim_that_is_an_appearance_needs_a_reviewer(editor, reviewer):
    claim = published_claim()
    repeat = ClaimFactory(status=Status.IN_REVIEW)
    ClaimLinkFactory(from_claim=claim, to_claim=repeat, relation="same_claim")
    assert api(editor).delete(f"/api/v1/claims/{repeat.pk}/").status_code == 403
    assert Claim.objects.filter(pk=repeat.pk).exists()
    assert api(reviewer).delete(f"/api/v1/claims/{repeat.pk}/").status_code == 204
    assert len(claimreview(claim)["itemReviewed"]["appearance"]) == 1
    assert Claim.objects.get(pk=claim.pk).version == claim.version + 1
