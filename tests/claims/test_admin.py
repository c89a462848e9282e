import pytest
from django.contrib import admin
from django.urls import reverse

from claims.models import Claim
from claims.ratings import Status
from tests.admin_forms import admin_form_data
from tests.factories import (
    CandidateFactory,
    ClaimFactory,
    ClaimLinkFactory,
    EvidenceFactory,
    FigureClaimFactory,
    PersonAliasFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db


def every_registered_model():
    return sorted(
        (
            model
            for model in admin.site._registry
            if model._meta.app_label in {"claims", "sources"}
        ),
        key=lambda model: model._meta.label,
    )


@pytest.fixture
def one_of_each():
    link = ClaimLinkFactory(from_claim=FigureClaimFactory())
    EvidenceFactory(claim=link.from_claim)
    PersonAliasFactory(person=PersonFactory())
    ClaimFactory().delete()  # leaves a deleted claim to list
    CandidateFactory()
    return link


@pytest.mark.parametrize("model", every_registered_model(), ids=lambda m: m._meta.label)
def test_changelist_add_and_change_pages_render_for_every_model(
    admin_client, one_of_each, model
):
    opts = model._meta
    changelist = admin_client.get(
        reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    )
    assert changelist.status_code == 200

    add = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
    addable = admin.site._registry[model].has_add_permission(add.wsgi_request)
    assert add.status_code == (200 if addable else 403)

    instance = admin.site._registry[model].get_queryset(add.wsgi_request).first()
    assert instance is not None, f"no {opts.label} row to open"
    change = admin_client.get(
        reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[instance.pk])
    )
    assert change.status_code == 200


def test_claim_changelist_search_finds_a_claim_by_its_speakers_alias(admin_client):
    sanaei = PersonFactory(name="Mehdi Sanaei")
    PersonAliasFactory(person=sanaei, name="Mahdi Sanaei")
    wanted = ClaimFactory(speaker=sanaei, text="Trade fell to 1.5 billion dollars.")
    other = ClaimFactory(text="Exports resumed after five years.")

    response = admin_client.get(
        reverse("admin:claims_claim_changelist"), {"q": "Mahdi"}
    )

    shown = list(response.context["cl"].result_list)
    assert shown == [wanted]
    assert other not in shown


def test_claim_changelist_shows_the_figure_in_words(admin_client):
    FigureClaimFactory()
    response = admin_client.get(reverse("admin:claims_claim_changelist"))
    assert "$5.3 billion (approx.)" in response.content.decode()


def test_claim_changelist_query_count_does_not_grow_with_rows(
    admin_client, django_assert_max_num_queries
):
    FigureClaimFactory.create_batch(2, speaker=PersonFactory())
    url = reverse("admin:claims_claim_changelist")
    admin_client.get(url)  # warm the session and content-type caches

    with django_assert_max_num_queries(12) as few:
        admin_client.get(url)
    FigureClaimFactory.create_batch(60, speaker=PersonFactory())
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = admin_client.get(url)
    # A full page: ClaimAdmin.list_per_page.
    assert len(response.context["cl"].result_list) == 50


def test_status_action_moves_the_selected_claims(admin_client):
    first, second = ClaimFactory.create_batch(2)
    untouched = ClaimFactory()

    admin_client.post(
        reverse("admin:claims_claim_changelist"),
        {
            "action": "set_status_in_review",
            "_selected_action": [first.pk, second.pk],
        },
    )

    statuses = dict(Claim.objects.values_list("pk", "status"))
    assert statuses[first.pk] == statuses[second.pk] == Status.IN_REVIEW
    assert statuses[untouched.pk] == Status.UNVERIFIED


def test_invalid_claim_in_admin_form_is_an_error_on_the_page_not_a_500(admin_client):
    claim = FigureClaimFactory()
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    page = admin_client.get(url)
    form = page.context["adminform"].form
    response = admin_client.post(url, admin_form_data(form, unit=""))

    assert response.status_code == 200
    assert "A value needs a unit." in response.content.decode()
    claim.refresh_from_db()
    assert claim.unit == "USD"


def test_a_period_past_2999_in_the_admin_form_is_an_error_on_the_page(admin_client):
    claim = FigureClaimFactory()
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    form = admin_client.get(url).context["adminform"].form

    response = admin_client.post(url, admin_form_data(form, period_end="9999-12-31"))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "between 1000-01-01 and 2999-12-31" in errors["period_end"][0]
    claim.refresh_from_db()
    assert claim.period_end.year == 2013
