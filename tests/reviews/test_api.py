"""The reviews API: imports as jobs, the list and its filters, the validator."""

import io

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from rest_framework.test import APIClient

from reviews.models import ExternalReview
from reviews.services import import_reviews
from tests.factories import UserFactory, user_in_group

from . import samples

pytestmark = pytest.mark.django_db

IMPORTS = "/api/v1/reviews/imports/"
REVIEWS = "/api/v1/reviews/"
VALIDATE = "/api/v1/reviews/validate/"


@pytest.fixture
def importer_api():
    user = UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="add_externalreview"))
    api = APIClient()
    api.force_login(user)
    return api


def upload(content: bytes, name: str = "feed.json") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, "application/octet-stream")


def test_an_upload_is_imported_by_a_job_listing_rejected_items(
    importer_api, django_capture_on_commit_callbacks
):
    bad = samples.claim_review(2)
    del bad["url"]
    feed = samples.datafeed(samples.claim_review(1), bad)
    with django_capture_on_commit_callbacks(execute=True):
        response = importer_api.post(
            IMPORTS, {"file": upload(feed)}, format="multipart"
        )
    assert response.status_code == 202, response.content
    job = importer_api.get(response["Location"]).json()
    assert job["state"] == "succeeded", job
    assert job["kind"] == "reviews.import_upload"
    assert job["result"]["created"] == 1
    assert job["result"]["rejected"] == [
        {"position": "dataFeedElement[1].item[0]", "reason": "url is missing"}
    ]
    assert ExternalReview.objects.count() == 1


def test_a_file_of_unknown_shape_is_a_400_naming_the_problem(importer_api):
    response = importer_api.post(
        IMPORTS, {"file": upload(b'{"rows": [1]}')}, format="multipart"
    )
    assert response.status_code == 400
    assert "not a known shape" in response.json()["file"][0]
    broken = importer_api.post(
        IMPORTS, {"file": upload(b'{"claimReviews": [{')}, format="multipart"
    )
    assert broken.status_code == 400
    assert "Not valid JSON" in broken.json()["file"][0]
    assert ExternalReview.objects.count() == 0


def test_an_anonymous_import_is_refused():
    response = APIClient().post(IMPORTS, {"file": upload(b"{}")}, format="multipart")
    assert response.status_code in (401, 403)


def _import(*reviews):
    import_reviews(handle=io.BytesIO(samples.datafeed(*reviews)))


def test_the_list_filters_by_publisher_language_rating_date_and_words():
    _import(
        samples.claim_review(1, rating="Falso", inLanguage="es"),
        samples.claim_review(2, rating="Mostly true", datePublished="2023-01-01"),
        samples.claim_review(
            3, claim="Made-up claim about wheat", site="other.example.com"
        ),
    )
    api = APIClient()

    def urls(**params):
        response = api.get(REVIEWS, params)
        assert response.status_code == 200, response.content
        return sorted(r["url"].rsplit("/", 1)[-1] for r in response.json()["results"])

    other = ExternalReview.objects.get(url__contains="other").publisher_id
    assert urls(publisher=other) == ["3"]
    assert urls(language="ES") == ["1"]
    assert urls(rating="falso") == ["1"]
    assert urls(status="verified") == ["2"]
    assert urls(published_after="2022-01-01") == ["2"]
    assert urls(q="wheat") == ["3"]
    assert api.get(REVIEWS, {"published_after": "yesterday"}).status_code == 400
    assert api.get(REVIEWS, {"publisher": "x"}).status_code == 400


def test_a_review_result_says_what_it_was_rated_as_published_and_mapped():
    _import(samples.claim_review(1, rating="Неправда"))
    review = APIClient().get(REVIEWS).json()["results"][0]
    assert review["textual_rating"] == "Неправда"
    assert review["status"] == "false"
    assert review["publisher"]["site"] == "checker.example.org"
    assert review["figure"]
    detail = APIClient().get(f"{REVIEWS}{review['id']}/").json()
    assert detail["original"]["reviewRating"]["alternateName"] == "Неправда"


@pytest.mark.parametrize("page_size", [2, 20])
def test_the_list_reads_a_fixed_number_of_queries(
    django_assert_max_num_queries, page_size
):
    _import(*(samples.claim_review(n, site=f"c{n}.example.org") for n in range(25)))
    with django_assert_max_num_queries(2):
        response = APIClient().get(REVIEWS, {"page_size": page_size})
    assert len(response.json()["results"]) == page_size


def test_unknown_ratings_are_listed_unmapped_for_an_editor():
    _import(
        samples.claim_review(
            1,
            rating="Zombie claim",
            **{"reviewRating": {"@type": "Rating", "alternateName": "Zombie claim"}},
        )
    )
    review = ExternalReview.objects.get()
    assert review.status == ""
    assert review.status_source == ""
    listed = APIClient().get(f"{REVIEWS}unmapped-ratings/").json()
    assert listed == [
        {
            "publisher": review.publisher_id,
            "publisher_name": "Example Checker",
            "rating": "Zombie claim",
            "reviews": 1,
        }
    ]


def test_the_validator_answers_every_problem_by_rule():
    review = samples.claim_review(1, url="https://elsewhere.example.com/x")
    review["reviewRating"] = {
        "@type": "Rating",
        "alternateName": "False",
        "ratingValue": 9,
        "bestRating": 5,
        "worstRating": 1,
    }
    response = APIClient().post(VALIDATE, review, format="json")
    assert response.status_code == 200
    result = response.json()
    rules = {problem["rule"] for problem in result["problems"]}
    assert {"url.site", "reviewRating.range"} <= rules
    assert result["valid"] is False


def test_the_validator_reads_a_page_and_refuses_what_is_no_document():
    page = samples.html_page(samples.claim_review(1))
    response = APIClient().post(
        VALIDATE, {"file": upload(page, "page.html")}, format="multipart"
    )
    assert response.status_code == 200
    assert response.json()["valid"] is True, response.json()
    bad = APIClient().post(VALIDATE, b"plain words", content_type="text/plain")
    assert bad.status_code == 400
    assert "Neither JSON-LD" in bad.json()["file"][0]


def test_an_editor_may_import_reviews(django_capture_on_commit_callbacks):
    api = APIClient()
    api.force_login(user_in_group("Editors"))
    feed = samples.datafeed(samples.claim_review(1))
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(IMPORTS, {"file": upload(feed)}, format="multipart")
    assert response.status_code == 202, response.content
    assert ExternalReview.objects.count() == 1


# 1,000: refused by the declared length, unread; 100,000: the body is let through
# and the file is stopped as it is read.
@pytest.mark.parametrize("margin", [1000, 100_000])
def test_an_oversized_upload_is_a_413_naming_the_limit_and_the_command(
    importer_api, settings, margin
):
    settings.INGEST_MAX_BYTES = 1000
    settings.MULTIPART_FIELDS_MAX_BYTES = margin
    feed = samples.datafeed(*(samples.claim_review(n) for n in range(20)))
    assert 2000 < len(feed) < 100_000
    response = importer_api.post(IMPORTS, {"file": upload(feed)}, format="multipart")
    assert response.status_code == 413
    detail = response.json()["detail"]
    assert "INGEST_MAX_BYTES (1000 bytes)" in detail or (
        "larger than 1000 bytes (INGEST_MAX_BYTES)" in detail
    ), detail
    assert "manage.py import_reviews FILE" in detail
    assert ExternalReview.objects.count() == 0


def test_the_command_the_413_names_imports_a_file_over_the_upload_limit(
    settings, tmp_path
):
    settings.INGEST_MAX_BYTES = 1000
    path = tmp_path / "feed.json"
    path.write_bytes(samples.datafeed(*(samples.claim_review(n) for n in range(20))))
    assert path.stat().st_size > 2000
    call_command("import_reviews", str(path), stdout=io.StringIO())
    assert ExternalReview.objects.count() == 20
