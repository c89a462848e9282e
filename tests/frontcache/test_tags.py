"""Every cacheable anonymous answer names what it shows in its xkey header (the
names of the versions its ETag is made of); a signed-in answer never does."""

import pytest
from rest_framework.test import APIClient

from claims.ratings import Status
from factcheck.caching import SURROGATE_KEY_HEADER
from tests.factories import FigureClaimFactory, UserFactory

pytestmark = pytest.mark.django_db

# Made for these tests.
RATIONALE = "Customs statistics show another figure (made for this test)."


@pytest.fixture
def claim():
    return FigureClaimFactory(status=Status.FALSE, rationale=RATIONALE)


def answers(claim) -> dict[str, tuple[str, str]]:
    """Each cached read of `claim`, its metric and the lists: (path, tags)."""
    metric = claim.metric
    return {
        "claim page": (f"/claims/{claim.pk}/", f"claim:{claim.pk}"),
        "claim API": (f"/api/v1/claims/{claim.pk}/", f"claim:{claim.pk}"),
        "claim ClaimReview": (
            f"/api/v1/claims/{claim.pk}/claimreview/",
            f"claim:{claim.pk}",
        ),
        "metric page": (f"/metrics/{metric.slug}/", f"metric:{metric.pk}"),
        "metric figures": (
            f"/api/v1/metrics/{metric.slug}/figures/",
            f"metric:{metric.pk}",
        ),
        "claims list": ("/api/v1/claims/", "all-claims"),
        "ClaimReview feed": ("/api/v1/claimreview/", "all-claims"),
        "home page": ("/", "all-claims"),
    }


@pytest.mark.parametrize(
    "name",
    [
        "claim page",
        "claim API",
        "claim ClaimReview",
        "metric page",
        "metric figures",
        "claims list",
        "ClaimReview feed",
        "home page",
    ],
)
def test_an_anonymous_answer_names_the_resources_it_shows(client, claim, name):
    path, tags = answers(claim)[name]
    first = client.get(path)
    assert first.status_code == 200
    assert first[SURROGATE_KEY_HEADER] == tags
    assert "public" in first["Cache-Control"]
    # Answered again from the kept answer, before the framework: the same tags.
    again = client.get(path)
    assert again["X-Cache"] == "hit"
    assert again[SURROGATE_KEY_HEADER] == tags


@pytest.mark.parametrize("name", ["claim page", "metric page", "home page"])
def test_a_signed_in_page_carries_no_tags(client, claim, name):
    path, _ = answers(claim)[name]
    client.get(path)  # an anonymous read first: its kept answer must not leak
    client.force_login(UserFactory(is_staff=True))
    answer = client.get(path)
    assert answer.status_code == 200
    assert "private" in answer["Cache-Control"]
    assert not answer.has_header(SURROGATE_KEY_HEADER)


@pytest.mark.parametrize("name", ["claim API", "metric figures", "claims list"])
def test_an_api_answer_to_a_token_carries_no_tags(claim, name):
    path, _ = answers(claim)[name]
    user = UserFactory()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_of(user)}")
    answer = client.get(path)
    assert answer.status_code == 200
    assert "private" in answer["Cache-Control"]
    assert not answer.has_header(SURROGATE_KEY_HEADER)


def token_of(user) -> str:
    from rest_framework.authtoken.models import Token

    return Token.objects.create(user=user).key


def test_the_tags_are_the_resources_of_the_etag(client, claim):
    """One rule: the tags are the names of the versions the answer is kept under
    (the ETag's version part has one value per resource, the epoch first)."""
    answer = client.get(f"/claims/{claim.pk}/")
    versions = answer["ETag"].strip('"').rsplit(".", 1)[0].split("-")
    assert len(versions) == 1 + len(answer[SURROGATE_KEY_HEADER].split())
