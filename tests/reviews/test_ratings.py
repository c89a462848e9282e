"""The ratings crosswalk: shipped defaults, per-publisher entries, numeric scales."""

import io
from decimal import Decimal

import pytest

from reviews.models import ExternalReview, RatingMapping
from reviews.parsing.ratings import map_rating, numeric_status
from reviews.services import import_reviews, rating_mapping_save

from . import samples


@pytest.mark.parametrize(
    ("label", "status"),
    [
        ("False", "false"),
        ("Mostly false", "misleading"),
        ("Pants on Fire!", "false"),
        ("Misleading", "misleading"),
        ("Half True", "misleading"),
        ("Falso", "false"),
        ("Faux", "false"),
        ("Falsch", "false"),
        ("Неправда", "false"),
        ("Ложь", "false"),
        ("نادرست", "false"),
        ("گمراه‌کننده", "misleading"),  # with a zero-width non-joiner
        ("گمراه کننده", "misleading"),  # with a space
        ("True", "verified"),
        ("Unproven", "unverifiable"),
    ],
)
def test_shipped_labels_map_to_our_statuses(label, status):
    assert map_rating(label) == (status, "crosswalk")


def test_an_unknown_label_stays_unmapped_unless_a_numeric_rating_says():
    assert map_rating("Zombie claim") == ("", "")
    assert map_rating(
        "Zombie claim", value=Decimal(1), best=Decimal(5), worst=Decimal(1)
    ) == ("false", "numeric")
    assert map_rating(
        "Zombie claim", value=Decimal(5), best=Decimal(5), worst=Decimal(1)
    ) == ("verified", "numeric")


def test_a_numeric_rating_outside_its_scale_is_not_used():
    assert numeric_status(Decimal(9), Decimal(5), Decimal(1)) is None
    assert numeric_status(Decimal(1), Decimal(1), Decimal(5)) is None
    assert numeric_status(Decimal(3), Decimal(5), Decimal(1)) == "misleading"


@pytest.mark.django_db
def test_the_defaults_ship_in_the_database():
    shared = RatingMapping.objects.filter(publisher__isnull=True)
    assert shared.get(label="pants on fire").status == "false"
    assert shared.get(label="неправда").status == "false"


@pytest.mark.django_db
def test_a_publisher_entry_maps_its_label_and_the_stored_reviews_again():
    review = {"@type": "Rating", "alternateName": "Zombie claim"}
    import_reviews(
        handle=io.BytesIO(
            samples.datafeed(samples.claim_review(1, reviewRating=review))
        )
    )
    stored = ExternalReview.objects.get()
    assert stored.status == ""
    rating_mapping_save(
        mapping=RatingMapping(
            publisher=stored.publisher, label="Zombie Claim", status="false"
        )
    )
    stored.refresh_from_db()
    assert (stored.status, stored.status_source) == ("false", "publisher")
    assert RatingMapping.objects.get(publisher=stored.publisher).label == "zombie claim"
    # A publisher's entry overrides the shared one for that publisher only.
    rating_mapping_save(
        mapping=RatingMapping(
            publisher=stored.publisher, label="False", status="misleading"
        )
    )
    assert map_rating("False") == ("false", "crosswalk")


@pytest.mark.django_db
def test_the_admin_adds_a_publisher_entry_through_the_service(admin_client):
    import_reviews(
        handle=io.BytesIO(
            samples.datafeed(
                samples.claim_review(
                    1, reviewRating={"@type": "Rating", "alternateName": "Zombie claim"}
                )
            )
        )
    )
    stored = ExternalReview.objects.get()
    response = admin_client.post(
        "/admin/reviews/ratingmapping/add/",
        {"publisher": stored.publisher_id, "label": "ZOMBIE CLAIM", "status": "false"},
    )
    assert response.status_code == 302, response.content[:2000]
    stored.refresh_from_db()
    assert stored.status == "false"
