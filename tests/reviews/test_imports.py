"""Importing published reviews from each real shape, messy items included."""

import io
import json

import pytest
from django.core.management import call_command

from reviews.models import ExternalReview, ReviewImport, ReviewPublisher
from reviews.parsing.formats import FormatError
from reviews.services import import_reviews

from . import samples

pytestmark = pytest.mark.django_db


def run(content: bytes, format: str = "", filename: str = ""):
    return import_reviews(handle=io.BytesIO(content), format=format, filename=filename)


def test_a_datafeed_stores_each_review_with_its_figure_and_mapped_rating():
    report = run(samples.datafeed(samples.claim_review(1)))
    assert report.created == 1
    assert report.rejected == []
    review = ExternalReview.objects.get()
    assert review.feed == "datafeed"
    assert review.claim_reviewed == samples.TRADE_CLAIM
    assert review.publisher.site == "checker.example.org"
    assert review.publisher.name == "Example Checker"
    assert review.value == 5_000_000_000
    assert review.unit == "USD"
    assert review.period_start.year == 2014
    assert review.textual_rating == "False"
    assert review.status == "false"
    assert review.claimant_name == "A made-up official"
    assert review.appearances == ["https://news.example.net/a/1"]
    assert review.first_appearance == "https://news.example.net/a/1"
    assert review.original["claimReviewed"] == samples.TRADE_CLAIM
    assert review.history.count() == 1


def test_appearance_as_string_or_object_and_several_date_shapes_are_read():
    report = run(
        samples.datafeed(
            samples.claim_review(1, appearance="https://news.example.net/s"),
            samples.claim_review(
                2,
                appearance={"@type": "CreativeWork", "url": "https://n.example.net/o"},
                datePublished="04.03.2021",
            ),
            samples.claim_review(3, datePublished="2021-03-04T10:00:00+03:30"),
        )
    )
    assert report.created == 3, report.rejected
    by_url = {r.url[-1]: r for r in ExternalReview.objects.all()}
    assert by_url["1"].appearances == ["https://news.example.net/s"]
    assert by_url["2"].appearances == ["https://n.example.net/o"]
    assert str(by_url["2"].date_published) == "2021-03-04"
    assert str(by_url["3"].date_published) == "2021-03-04"


def test_bad_items_are_listed_with_their_position_and_the_rest_stored():
    no_url = samples.claim_review(2)
    del no_url["url"]
    report = run(
        samples.datafeed(
            samples.claim_review(1),
            no_url,
            samples.claim_review(3, datePublished="the day after"),
            samples.claim_review(4, claim=""),
            samples.claim_review(5),
        )
    )
    assert report.created == 2
    assert [r["position"] for r in report.rejected] == [
        "dataFeedElement[1].item[0]",
        "dataFeedElement[2].item[0]",
        "dataFeedElement[3].item[0]",
    ]
    assert "url is missing" in report.rejected[0]["reason"]
    assert "not a date" in report.rejected[1]["reason"]
    assert "claimReviewed is missing" in report.rejected[2]["reason"]


def test_a_missing_publisher_name_falls_back_to_its_site():
    review = samples.claim_review(1)
    review["author"] = {"@type": "Organization", "url": "https://checker.example.org"}
    run(samples.datafeed(review))
    assert ReviewPublisher.objects.get().name == "checker.example.org"


def test_reimporting_the_same_feed_changes_nothing():
    feed = samples.datafeed(samples.claim_review(1), samples.claim_review(2))
    run(feed)
    again = run(feed)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert ExternalReview.objects.count() == 2
    assert ExternalReview.history.count() == 2


def test_a_later_date_modified_updates_the_review_and_keeps_its_history():
    run(samples.datafeed(samples.claim_review(1, date_modified="2021-03-04T10:00Z")))
    later = samples.claim_review(
        1, rating="Mostly false", date_modified="2021-04-01T10:00:00Z"
    )
    report = run(samples.datafeed(later))
    assert report.updated == 1
    review = ExternalReview.objects.get()
    assert review.textual_rating == "Mostly false"
    assert review.status == "misleading"
    assert [h.textual_rating for h in review.history.order_by("history_date")] == [
        "False",
        "Mostly false",
    ]


def test_google_claims_search_pages_are_read_review_by_review():
    pages = [
        samples.google_page([samples.google_claim(1)], token="next"),
        samples.google_page(
            [samples.google_claim(2, publisher={"site": "b.example.com"})]
        ),
    ]
    report = run(json.dumps(pages).encode())
    assert report.created == 2, report.rejected
    reviews = {r.publisher.site: r for r in ExternalReview.objects.all()}
    assert reviews["checker.example.org"].language == "es"
    assert reviews["checker.example.org"].status == "false"  # "Falso"
    # No name given: the site stands for it.
    assert reviews["b.example.com"].publisher.name == "b.example.com"
    assert reviews["b.example.com"].problems is None  # not JSON-LD: not checked


def test_a_single_google_page_is_read():
    report = run(json.dumps(samples.google_page([samples.google_claim(1)])).encode())
    assert report.created == 1


def test_fact_check_insights_json_keeps_media_reviews():
    report = run(samples.insights([samples.claim_review(1)], [samples.media_review(1)]))
    assert report.created == 2, report.rejected
    media = ExternalReview.objects.get(kind="media")
    assert media.media_category == "TransformedContent"
    assert media.media_urls == [
        "https://video.example.net/v/1.mp4",
        "https://video.example.net/v/0.mp4",
    ]


def test_fact_check_insights_csv_with_dotted_headers():
    rows = [
        [
            samples.TRADE_CLAIM,
            "2021-03-04",
            "https://checker.example.org/c/1",
            "Example Checker",
            "https://checker.example.org",
            "A made-up official",
            "1",
            "Pants on Fire",
            "6",
            "1",
            "2021-03-01",
            "https://news.example.net/first",
            "https://news.example.net/a",
            "https://news.example.net/b",
        ],
        [
            "",
            "2021-03-04",
            "https://checker.example.org/c/2",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
    ]
    report = run(samples.insights_csv(rows))
    assert report.created == 1
    assert report.rejected == [
        {"position": "line 3", "reason": "claimReviewed is missing"}
    ]
    review = ExternalReview.objects.get()
    assert review.appearances == [
        "https://news.example.net/a",
        "https://news.example.net/b",
    ]
    assert review.first_appearance == "https://news.example.net/first"
    assert review.best_rating == 6
    assert review.status == "false"


def test_several_claim_reviews_on_a_saved_page_are_read_and_its_scripts_not_run():
    page = samples.html_page(
        samples.claim_review(1),
        {"@context": "https://schema.org", "@graph": [samples.claim_review(2)]},
    )
    report = run(page)
    assert report.created == 2, report.rejected
    assert ExternalReview.objects.filter(feed="html").count() == 2


def test_a_file_of_unknown_shape_is_refused_naming_the_problem():
    with pytest.raises(FormatError, match="known shape"):
        run(b'{"rows": []}')
    with pytest.raises(FormatError, match="Not valid JSON"):
        run(b'{"claims": [')
    with pytest.raises(FormatError):
        run(b"just some text")
    assert ExternalReview.objects.count() == 0


def test_the_command_imports_and_lists_rejections(tmp_path, capsys):
    path = tmp_path / "feed.json"
    bad = samples.claim_review(2)
    del bad["reviewRating"]["alternateName"]
    bad["url"] = "ftp://checker.example.org/x"
    path.write_bytes(samples.datafeed(samples.claim_review(1), bad))
    call_command("import_reviews", str(path))
    out = capsys.readouterr().out
    assert "created 1" in out
    assert "rejected 1" in out
    assert "dataFeedElement[1].item[0]: url is not an http(s) URL" in out


def test_an_upload_records_its_progress_and_a_second_run_goes_on_after_it():
    # Made up for this test: five reviews, the third broken, in batches of two.
    items = [samples.claim_review(n) for n in range(5)]
    del items[2]["url"]
    content = samples.datafeed(*items)
    upload = ReviewImport.objects.create(format="datafeed", content=content.decode())
    first = import_reviews(
        handle=io.BytesIO(content), format="datafeed", upload=upload, batch_size=2
    )
    upload.refresh_from_db()
    assert upload.progress == first.as_dict()
    assert (first.read, first.created, len(first.rejected)) == (5, 4, 1)

    # As if the worker had died after the first batch: its progress committed, the
    # rest not. The next run skips the items done and carries their counts on.
    ExternalReview.objects.exclude(url__in=[items[0]["url"], items[1]["url"]]).delete()
    upload.progress = {"read": 2, "created": 2, "updated": 0, "unchanged": 0}
    upload.save()
    reported = []
    again = import_reviews(
        handle=io.BytesIO(content),
        format="datafeed",
        upload=upload,
        batch_size=2,
        on_done=lambda report: reported.append(report.as_dict()),
    )
    assert again.as_dict() == first.as_dict() == reported[0]
    assert ExternalReview.objects.count() == 4
