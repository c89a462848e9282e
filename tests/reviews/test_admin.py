"""The admin of external reviews: changelists read a fixed number of queries."""

import io

import pytest

from reviews.services import import_reviews

from . import samples

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("reviews", [3, 30])
@pytest.mark.parametrize(
    "url",
    [
        "/admin/reviews/externalreview/",
        "/admin/reviews/externalreview/?mapped=no",
        "/admin/reviews/ratingmapping/",
        "/admin/reviews/reviewpublisher/",
    ],
)
def test_changelists_read_a_fixed_number_of_queries(
    admin_client, django_assert_max_num_queries, reviews, url
):
    feed = samples.datafeed(
        *(samples.claim_review(n, site=f"c{n}.example.org") for n in range(reviews))
    )
    import_reviews(handle=io.BytesIO(feed))
    with django_assert_max_num_queries(12):
        response = admin_client.get(url)
    assert response.status_code == 200
