from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from claims.models import Candidate, Claim
from claims.services.candidates import extract_candidates
from tests.factories import CandidateFactory, DocumentFactory, MetricFactory

pytestmark = pytest.mark.django_db

TEXT = (
    "Exports rose to $2 billion in 2013, the ministry said. "
    "Imports fell 15 percent over the same period. "
    "The port is the country's largest. "
    "Officials were pleased."
)
CHANGELIST = reverse("admin:claims_candidate_changelist")


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def document():
    document = DocumentFactory(text=TEXT)
    extract_candidates(document_id=document.pk)
    return document


def test_changelist_shows_document_quote_figure_metric_score_and_state(
    admin_client, document
):
    metric = MetricFactory(name="Port exports", unit="USD")
    Candidate.objects.filter(unit="USD").update(suggested_metric=metric)

    response = admin_client.get(CHANGELIST)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Exports rose to $2 billion in 2013" in page
    assert "$2 billion" in page
    assert "15%" in page
    assert "Port exports" in page
    assert document.title in page
    assert "Proposed" in page


def test_changelist_filters_by_state_and_document(admin_client, document):
    other = DocumentFactory(text="Sales doubled to 40,000 cars in 2020, the firm said.")
    extract_candidates(document_id=other.pk)
    Candidate.objects.filter(unit="percent").update(state="rejected")

    by_state = admin_client.get(CHANGELIST, {"state__exact": "rejected"})
    by_document = admin_client.get(CHANGELIST, {"document__id__exact": other.pk})

    assert [c.unit for c in by_state.context["cl"].result_list] == ["percent"]
    assert [c.document for c in by_document.context["cl"].result_list] == [other]


def test_changelist_query_count_does_not_grow_with_rows(
    admin_client, django_assert_max_num_queries
):
    metric = MetricFactory()
    CandidateFactory.create_batch(2, suggested_metric=metric)
    admin_client.get(CHANGELIST)  # warm the session and content-type caches

    with django_assert_max_num_queries(12) as few:
        admin_client.get(CHANGELIST)
    CandidateFactory.create_batch(60, suggested_metric=metric)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = admin_client.get(CHANGELIST)
    assert len(response.context["cl"].result_list) == 62


def test_accept_action_makes_claims_and_reports_a_failing_candidate(
    admin_client, document, superuser
):
    broken = Candidate.objects.get(unit="percent")
    broken.unit = ""  # a value without a unit: the claim's rules refuse it
    broken.save()
    selected = list(Candidate.objects.values_list("pk", flat=True))

    response = admin_client.post(
        CHANGELIST,
        {"action": "accept_selected", "_selected_action": selected},
        follow=True,
    )

    claims = Claim.objects.order_by("quote_start")
    assert [claim.origin for claim in claims] == ["extracted", "extracted"]
    assert {claim.created_by for claim in claims} == {superuser}
    assert claims[0].value == Decimal("2000000000")
    assert claims[1].quote == "The port is the country's largest."
    broken.refresh_from_db()
    assert broken.state == "proposed"
    shown = messages_of(response)
    assert any("2 candidate(s) accepted as claims" in m for m in shown)
    assert any(f"Not accepted #{broken.pk}: A value needs a unit." in m for m in shown)
    accepted = Candidate.objects.filter(state="accepted")
    assert {c.claim for c in accepted} == set(claims)


def test_reject_action_rejects_and_reextraction_does_not_propose_them_again(
    admin_client, document, superuser
):
    selected = list(Candidate.objects.values_list("pk", flat=True))

    response = admin_client.post(
        CHANGELIST,
        {"action": "reject_selected", "_selected_action": selected},
        follow=True,
    )

    assert "3 candidate(s) rejected." in messages_of(response)
    rejected = Candidate.objects.filter(state="rejected")
    assert rejected.count() == 3
    assert {c.decided_by for c in rejected} == {superuser}
    report = extract_candidates(document_id=document.pk)
    assert (report.created, report.skipped_rejected) == (0, 3)
    assert Candidate.objects.count() == 3


def change_page(candidate):
    return reverse("admin:claims_candidate_change", args=[candidate.pk])


def form_data(candidate, **changes) -> dict:
    data = {
        "quote": candidate.quote,
        "value": candidate.value if candidate.value is not None else "",
        "value_upper": "",
        "unit": candidate.unit,
        "comparator": candidate.comparator,
        "change_percent": (
            candidate.change_percent if candidate.change_percent is not None else ""
        ),
        "change_comparator": candidate.change_comparator,
        "period_start": candidate.period_start or "",
        "period_end": candidate.period_end or "",
        "period_label": candidate.period_label,
        "suggested_metric": "",
        "claim_text": "",
    }
    data.update(changes)
    return data


def test_an_editor_corrects_a_candidate_and_accepts_it_from_the_change_page(
    admin_client, document
):
    candidate = Candidate.objects.get(unit="percent")
    metric = MetricFactory(unit="percent")

    response = admin_client.post(
        change_page(candidate),
        form_data(
            candidate,
            quote="Imports fell 15 percent",
            value="-15",
            suggested_metric=metric.pk,
            claim_text="Imports fell by 15% over the period.",
            accept_on_save="on",
        ),
        follow=True,
    )

    candidate.refresh_from_db()
    claim = Claim.objects.get()
    assert response.status_code == 200
    assert candidate.quote == "Imports fell 15 percent"
    assert TEXT[candidate.quote_start : candidate.quote_end] == candidate.quote
    assert candidate.state == "accepted"
    assert (claim.quote, claim.value, claim.metric) == (
        "Imports fell 15 percent",
        Decimal("-15"),
        metric,
    )
    assert claim.text == "Imports fell by 15% over the period."
    assert claim.origin == "extracted"
    assert any(f"accepted as claim #{claim.pk}" in m for m in messages_of(response))


def test_a_quote_edited_to_words_not_in_the_document_is_a_form_error(
    admin_client, document
):
    candidate = Candidate.objects.get(unit="percent")

    response = admin_client.post(
        change_page(candidate), form_data(candidate, quote="Imports fell 20 percent")
    )

    assert response.status_code == 200
    assert "does not appear in the document" in response.content.decode()
    candidate.refresh_from_db()
    assert candidate.quote.startswith("Imports fell 15 percent")


def test_saving_without_accepting_keeps_the_candidate_proposed(admin_client, document):
    candidate = Candidate.objects.get(unit="USD")

    admin_client.post(change_page(candidate), form_data(candidate, value="2100000000"))

    candidate.refresh_from_db()
    assert (candidate.value, candidate.state) == (Decimal("2100000000"), "proposed")
    assert not Claim.objects.exists()


def test_an_accepted_candidate_is_read_only_and_links_its_claim(admin_client, document):
    admin_client.post(
        CHANGELIST,
        {
            "action": "accept_selected",
            "_selected_action": [Candidate.objects.get(unit="USD").pk],
        },
    )
    candidate = Candidate.objects.get(unit="USD")

    response = admin_client.get(change_page(candidate))

    page = response.content.decode()
    assert 'name="quote"' not in page
    assert 'name="accept_on_save"' not in page
    assert reverse("admin:claims_claim_change", args=[candidate.claim_id]) in page
