"""Versions per resource, and reads through the shared cache keyed by them."""

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.test import override_settings
from rest_framework.test import APIClient

from claims.models import Claim, ClaimLink, Evidence, Metric, ResourceVersion
from claims.ratings import Status
from claims.selectors.versions import CLAIMS as CLAIMS_LISTS
from claims.selectors.versions import claim_stamp, resource_versions
from claims.services.claims import claim_save
from factcheck.caching import EPOCH
from sources.models import Document, Person, PersonAlias, Publisher
from tests.factories import (
    ClaimFactory,
    ClaimLinkFactory,
    EvidenceFactory,
    FigureClaimFactory,
    PersonAliasFactory,
    PersonFactory,
    PublisherFactory,
)

pytestmark = pytest.mark.django_db

CLAIMS = "/api/v1/claims/"
# Tables no cached representation shows.
# Extraction's proposals, the counter itself and uploads waiting for their import
# job: no public representation shows them.
UNSHOWN_TABLES = {
    "claims_candidate",
    "claims_representationversion",
    "claims_resourceversion",
    "claims_claimimport",
    # No representation shows a person's aliases.
    "sources_personalias",
    # The series app: the claim page shows comparisons, observations and links.
    "series_dataset",
    "series_series",
    "series_vintage",
    "series_seriesimport",
}


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def editor_api(superuser):
    client = APIClient()
    client.force_login(superuser)
    return client


def triggered_tables() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT event_object_table FROM information_schema.triggers "
                "WHERE trigger_name LIKE '%%_resources_update'"
            )
        else:
            cursor.execute(
                "SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' "
                "AND name LIKE '%_resources_update'"
            )
        return {table for (table,) in cursor.fetchall()}


def test_every_shown_table_of_claims_and_sources_has_a_version_trigger():
    tables = {
        model._meta.db_table
        for app in ("claims", "sources", "series")
        for model in apps.get_app_config(app).get_models(include_auto_created=True)
        if not model._meta.db_table.split("_", 1)[1].startswith("historical")
    }
    assert triggered_tables() == tables - UNSHOWN_TABLES


def one(model):
    return model.objects.filter(pk=model.objects.order_by("pk")[0].pk)


def all_versions() -> int:
    """Return the sum of every resource's version: it grows with any bump."""
    return sum(ResourceVersion.objects.values_list("value", flat=True))


def bumps(write) -> bool:
    before = all_versions()
    write()
    return all_versions() > before


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(lambda: ClaimFactory(), id="claim insert"),
        pytest.param(
            lambda: Claim.objects.update(text="Bulk."), id="claim bulk update"
        ),
        pytest.param(lambda: Claim.objects.all().delete(), id="claim delete"),
        pytest.param(
            lambda: one(Metric).update(name="Renamed"), id="metric bulk update"
        ),
        pytest.param(
            lambda: one(Document).update(title="Renamed"), id="document update"
        ),
        pytest.param(
            lambda: Document.objects.first().authors.add(PersonFactory()),
            id="document authors",
        ),
        pytest.param(lambda: one(Person).update(name="Renamed"), id="person"),
        pytest.param(lambda: one(Publisher).update(name="Renamed"), id="publisher"),
        pytest.param(lambda: Evidence.objects.update(note="New"), id="evidence"),
        pytest.param(lambda: ClaimLink.objects.update(note="New"), id="link"),
    ],
)
def test_every_write_to_a_shown_table_bumps_the_version(write):
    FigureClaimFactory(speaker=PersonFactory())
    EvidenceFactory()
    ClaimLinkFactory()
    PersonAliasFactory()
    PublisherFactory()
    assert bumps(write)


def test_a_read_does_not_bump_the_version():
    claim = ClaimFactory()
    assert not bumps(lambda: list(Claim.objects.filter(pk=claim.pk)))
    assert not bumps(lambda: APIClient().get(f"{CLAIMS}{claim.pk}/"))


def test_a_persons_alias_is_shown_nowhere_and_bumps_nothing():
    FigureClaimFactory(speaker=PersonFactory())
    PersonAliasFactory()
    assert not bumps(lambda: one(PersonAlias).update(name="Renamed"))


def test_claim_stamp_is_the_claims_version_and_its_resources():
    claim = ClaimFactory()
    resource = f"claim:{claim.pk}"
    assert claim_stamp(claim.pk) == (claim.version, resource_versions([resource]))
    assert set(resource_versions([resource])) == {resource, EPOCH}
    assert claim_stamp(claim.pk + 1000) is None


def versions_of(*resources: str) -> dict[str, int]:
    return resource_versions(resources)


def resources(claim: Claim) -> tuple[str, str]:
    return f"claim:{claim.pk}", f"metric:{claim.metric_id}"


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(
            lambda a: Claim.objects.filter(pk=a.pk).update(text="Bulk."), id="update"
        ),
        pytest.param(lambda a: EvidenceFactory(claim=a), id="evidence"),
        pytest.param(
            lambda a: Document.objects.filter(pk=a.document_id).update(title="New"),
            id="its document",
        ),
        pytest.param(
            lambda a: Person.objects.filter(pk=a.speaker_id).update(name="New"),
            id="its speaker",
        ),
    ],
)
def test_a_write_bumps_what_it_shows_in_and_leaves_other_claims_and_metrics(write):
    # Made for this test: A and B on one metric, C on another; B's speaker and
    # document are not A's.
    a = FigureClaimFactory(speaker=PersonFactory())
    b = FigureClaimFactory(metric=a.metric, speaker=PersonFactory())
    c = FigureClaimFactory(speaker=PersonFactory())
    watched = (*resources(a), *resources(b), *resources(c), CLAIMS_LISTS)
    before = versions_of(*watched)
    write(a)
    after = versions_of(*watched)
    changed = {name for name in watched if after[name] != before[name]}
    assert changed == {*resources(a), CLAIMS_LISTS}


def test_a_metric_write_bumps_its_claims_and_no_other_metric():
    a = FigureClaimFactory()
    b = FigureClaimFactory(metric=a.metric)
    c = FigureClaimFactory()
    watched = (*resources(a), *resources(b), *resources(c))
    before = versions_of(*watched)
    Metric.objects.filter(pk=a.metric_id).update(name="Renamed, made for this test")
    after = versions_of(*watched)
    changed = {name for name in watched if after[name] != before[name]}
    assert changed == {*resources(a), *resources(b)}


def test_a_link_bumps_both_claims_and_their_metrics():
    a, b, c = FigureClaimFactory(), FigureClaimFactory(), FigureClaimFactory()
    watched = (*resources(a), *resources(b), *resources(c))
    before = versions_of(*watched)
    ClaimLinkFactory(from_claim=a, to_claim=b)
    after = versions_of(*watched)
    changed = {name for name in watched if after[name] != before[name]}
    assert changed == {*resources(a), *resources(b)}
    # A then shows B among its conflicts: B's change is A's too, not C's.
    Claim.objects.filter(pk=b.pk).update(text="Rewritten, made for this test.")
    final = versions_of(*watched)
    assert final[f"claim:{a.pk}"] > after[f"claim:{a.pk}"]
    assert final[f"claim:{c.pk}"] == after[f"claim:{c.pk}"]


def test_moving_a_claim_to_another_metric_bumps_both_metrics():
    a, b = FigureClaimFactory(), FigureClaimFactory()
    old, new = f"metric:{a.metric_id}", f"metric:{b.metric_id}"
    before = versions_of(old, new)
    Claim.objects.filter(pk=a.pk).update(metric=b.metric)
    after = versions_of(old, new)
    assert after[old] > before[old]
    assert after[new] > before[new]


def test_raw_sql_bumps_the_claims_it_touches():
    a, b = FigureClaimFactory(), FigureClaimFactory()
    before = versions_of(f"claim:{a.pk}", f"claim:{b.pk}")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE claims_claim SET editor_note = %s WHERE id = %s",
            ["Raw SQL, made for this test.", a.pk],
        )
    after = versions_of(f"claim:{a.pk}", f"claim:{b.pk}")
    assert after[f"claim:{a.pk}"] > before[f"claim:{a.pk}"]
    assert after[f"claim:{b.pk}"] == before[f"claim:{b.pk}"]


def test_truncate_bumps_the_epoch(on_postgres):
    FigureClaimFactory()
    before = versions_of()[EPOCH]
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE claims_claimlink")
    assert versions_of()[EPOCH] > before


# Reads through the cache --------------------------------------------------


URLS = [
    "detail",
    "list",
    "figures",
    "claimreview",
    "feed",
]


def url_of(name: str, claim: Claim) -> str:
    return {
        "detail": f"{CLAIMS}{claim.pk}/",
        "list": CLAIMS,
        "figures": f"/api/v1/metrics/{claim.metric.slug}/figures/",
        "claimreview": f"{CLAIMS}{claim.pk}/claimreview/",
        "feed": "/api/v1/claimreview/",
    }[name]


@pytest.fixture
def reviewed_claim():
    return FigureClaimFactory(
        status=Status.FALSE, rationale="Customs data say otherwise."
    )


@pytest.mark.parametrize("name", URLS)
def test_a_second_read_is_one_query_and_a_304_too(
    api, reviewed_claim, name, django_assert_num_queries
):
    url = url_of(name, reviewed_claim)
    first = api.get(url)
    assert first.status_code == 200
    with django_assert_num_queries(1):
        again = api.get(url)
    assert again.content == first.content
    assert again["ETag"] == first["ETag"]
    with django_assert_num_queries(1):
        not_modified = api.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert not_modified.status_code == 304
    assert not_modified["ETag"] == first["ETag"]


def shown_text(api, name: str, claim: Claim) -> str:
    return api.get(url_of(name, claim)).content.decode()


@pytest.mark.parametrize("name", URLS)
def test_a_bulk_update_is_seen_on_the_next_read_through_the_cache(
    api, reviewed_claim, name
):
    assert "Renamed by a bulk update" not in shown_text(api, name, reviewed_claim)
    etag = api.get(url_of(name, reviewed_claim))["ETag"]
    # QuerySet.update sends no signal and saves no model: only the trigger sees it.
    Document.objects.filter(pk=reviewed_claim.document_id).update(
        title="Renamed by a bulk update"
    )
    response = api.get(url_of(name, reviewed_claim), HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert "Renamed by a bulk update" in response.content.decode()


def test_an_api_patch_is_seen_on_the_next_read_through_the_cache(
    api, editor_api, reviewed_claim
):
    detail = f"{CLAIMS}{reviewed_claim.pk}/"
    assert editor_api.get(detail).json()["editor_note"] == ""
    assert editor_api.get(CLAIMS).json()["results"][0]["editor_note"] == ""
    public_etag = api.get(detail)["ETag"]
    patched = editor_api.patch(detail, {"editor_note": "Checked with customs."})
    assert patched.status_code == 200
    assert editor_api.get(detail).json()["editor_note"] == "Checked with customs."
    assert editor_api.get(CLAIMS).json()["results"][0]["editor_note"] == (
        "Checked with customs."
    )
    # The public's answer is read again (a new version), without the note.
    anonymous = api.get(detail, HTTP_IF_NONE_MATCH=public_etag)
    assert anonymous.status_code == 200
    assert "editor_note" not in anonymous.json()
    # The ETag the PATCH answered with is the one a read then gives.
    again = editor_api.get(detail, HTTP_IF_NONE_MATCH=patched["ETag"])
    assert again.status_code == 304


def test_a_service_write_is_seen_on_the_next_read_through_the_cache(
    api, superuser, reviewed_claim
):
    detail = f"{CLAIMS}{reviewed_claim.pk}/"
    assert api.get(detail).json()["text"] != "Rewritten in the admin."
    assert api.get(f"{detail}claimreview/").status_code == 200
    reviewed_claim.text = "Rewritten in the admin."
    claim_save(claim=reviewed_claim, by=superuser)
    assert api.get(detail).json()["text"] == "Rewritten in the admin."
    assert api.get(CLAIMS).json()["results"][0]["text"] == "Rewritten in the admin."
    # Changing what was judged reopens the claim: its review is withdrawn at once.
    assert api.get(detail).json()["status"] != Status.FALSE
    assert api.get(f"{detail}claimreview/").status_code == 404


def test_a_new_conflict_link_is_seen_on_the_next_read_through_the_cache(api):
    claim, other = FigureClaimFactory(), FigureClaimFactory()
    assert api.get(f"{CLAIMS}{claim.pk}/").json()["conflicts"] == []
    ClaimLinkFactory(from_claim=claim, to_claim=other)
    conflicts = api.get(f"{CLAIMS}{claim.pk}/").json()["conflicts"]
    assert [conflict["claim"] for conflict in conflicts] == [other.pk]


def test_reads_inside_a_transaction_are_not_cached(api, django_assert_num_queries):
    claim = ClaimFactory()
    url = f"{CLAIMS}{claim.pk}/"
    with transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(text="Never committed.")
        assert api.get(url).json()["text"] == "Never committed."
        transaction.set_rollback(True)
    # Rolled back, the version is what it was: the body must be read again.
    with django_assert_num_queries(3):
        assert api.get(url).json()["text"] == claim.text


def test_an_unknown_claim_is_a_404_in_one_query(api, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert api.get(f"{CLAIMS}999999/").status_code == 404
    assert api.get(f"{CLAIMS}abc/").status_code == 404
    assert api.get(f"{CLAIMS}{2**64}/").status_code == 404


def test_a_bad_filter_is_still_a_400_naming_it(api):
    ClaimFactory()
    for _ in range(2):
        response = api.get(CLAIMS, {"claimed_after": "not a date"})
        assert response.status_code == 400
        assert "claimed_after" in response.json()


def test_anonymous_reads_are_public_and_signed_in_ones_private(
    api, editor_api, reviewed_claim
):
    with override_settings(CACHE_MAX_AGE=45, CACHE_STALE_WHILE_REVALIDATE=90):
        anonymous = api.get(f"{CLAIMS}{reviewed_claim.pk}/")
        signed_in = editor_api.get(f"{CLAIMS}{reviewed_claim.pk}/")
    assert set(anonymous["Cache-Control"].split(", ")) == {
        "public",
        "max-age=45",
        "stale-while-revalidate=90",
    }
    assert "private" in signed_in["Cache-Control"]
    assert "public" not in signed_in["Cache-Control"]
    for response in (anonymous, signed_in):
        vary = {name.strip().lower() for name in response["Vary"].split(",")}
        assert {"accept", "authorization", "cookie"} <= vary


def test_if_match_holds_while_the_claims_own_version_does(editor_api):
    claim, other = ClaimFactory(), ClaimFactory()
    etag = editor_api.get(f"{CLAIMS}{claim.pk}/")["ETag"]
    # Another claim's write changes neither this claim's version nor its ETag.
    other.text = "Another claim changed."
    claim_save(claim=other)
    assert editor_api.get(f"{CLAIMS}{claim.pk}/")["ETag"] == etag
    # A bulk write to this claim changes its ETag, not its own version.
    Claim.objects.filter(pk=claim.pk).update(editor_note="Bulk, made for this test.")
    changed = editor_api.get(f"{CLAIMS}{claim.pk}/")["ETag"]
    assert changed != etag
    assert changed.split(".")[:2] == etag.split(".")[:2]
    first = editor_api.patch(
        f"{CLAIMS}{claim.pk}/", {"text": "First."}, HTTP_IF_MATCH=etag
    )
    assert first.status_code == 200
    second = editor_api.patch(
        f"{CLAIMS}{claim.pk}/", {"text": "Second."}, HTTP_IF_MATCH=etag
    )
    assert second.status_code == 412
    other_claims_etag = editor_api.get(f"{CLAIMS}{other.pk}/")["ETag"]
    refused = editor_api.patch(
        f"{CLAIMS}{claim.pk}/", {"text": "Third."}, HTTP_IF_MATCH=other_claims_etag
    )
    assert refused.status_code == 412


def test_pagination_links_follow_the_host_asked_by(api):
    ClaimFactory.create_batch(3)
    for host in ("testserver", "localhost", "testserver"):
        page = api.get(CLAIMS, {"page_size": 1}, HTTP_HOST=host).json()
        assert page["next"].startswith(f"http://{host}/")


def test_the_version_is_not_in_a_backup_so_a_restore_never_sets_it_back():
    from claims.models import RepresentationVersion
    from factcheck.management.commands.export_all import backed_up_models

    assert RepresentationVersion not in backed_up_models(with_tokens=True)
    assert ResourceVersion not in backed_up_models(with_tokens=True)
    assert Claim in backed_up_models()
