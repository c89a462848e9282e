"""Queries per list page, and whether an index serves each way of listing claims.

The rows are built once for the module inside a transaction that is rolled back at
its end (pytest-django leaves higher-scoped transactions alone): 250 claims that every
counted list matches, so that each page size fills its page, and 2,750 (450 on SQLite)
scattered over many values, so that the values the plan tests filter on match only a
few rows.
"""

import datetime
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from claims.models import Claim, ClaimLink, Comparator, Metric
from claims.ratings import Status
from claims.selectors.search import clear_estimates, rum_search_ready
from sources.models import Document, Person, Publisher

pytestmark = pytest.mark.django_db

CLAIMS = "/api/v1/claims/"
UNTHROTTLED = {"anon": "1000000/minute", "user": "1000000/minute"}
PAGE_SIZES = (10, 50, 200)
COUNTED = 250
# Thousands for the planner on PostgreSQL; SQLite runs only the query counts, which
# need a few hundred (bulk_create still costs about a millisecond a claim).
SCATTERED = 2750 if connection.vendor == "postgresql" else 450
FIRST_DAY = datetime.date(2000, 1, 1)
SPAN_DAYS = 7300  # the scattered periods start over twenty years
WORDS = [
    "Exports",
    "Imports",
    "Output",
    "Production",
    "Sales",
    "Revenue",
    "Spending",
    "Debt",
    "Reserves",
    "Tariffs",
]


def _scattered_claim(n: int, documents, speakers, metrics) -> Claim:
    start = FIRST_DAY + datetime.timedelta(days=n * 37 % SPAN_DAYS)
    figure = n % 50 != 0
    return Claim(
        text=f"{WORDS[n % 10]} reached {n} units"
        + (" of caviar." if n % 600 == 7 else "."),
        quote=f"reached {n} units",
        document=documents[4 + n % (len(documents) - 4)],
        speaker=speakers[4 + n % (len(speakers) - 4)] if n % 5 else None,
        claimed_on=start + datetime.timedelta(days=400),
        status=Status.FALSE
        if n % 350 == 0
        else Status.VERIFIED
        if n % 7 == 1
        else Status.UNVERIFIED,
        metric=metrics[1 + n % (len(metrics) - 1)] if figure else None,
        value=Decimal(n * 1000) if figure else None,
        unit=("barrels" if n % 300 == 1 else "USD" if n % 2 else "EUR")
        if figure
        else "",
        period_start=start if figure else None,
        period_end=start + datetime.timedelta(days=364) if figure else None,
    )


def _catalogue() -> SimpleNamespace:
    """Create the module's rows with bulk_create (factories would take seconds).

    Publishers, documents, speakers and metrics are many, as in real data, so that
    the planner expects few claims for any one of them.
    """
    publishers = Publisher.objects.bulk_create(
        Publisher(name=f"Publisher {n}", url=f"https://p{n}.example.org")
        for n in range(300)
    )
    documents = Document.objects.bulk_create(
        Document(
            title=f"Caspian trade report {n}" if n < 4 else f"Bulletin number {n}",
            url=f"https://news.example.org/{n}",
            publisher=publishers[0] if n < 4 else publishers[1 + n % 299],
            published_on=datetime.date(2013, 4, 23),
        )
        for n in range(600)
    )
    speakers = Person.objects.bulk_create(
        Person(name=f"Speaker {n}") for n in range(300)
    )
    metrics = Metric.objects.bulk_create(
        Metric(name=f"Metric {n}", slug=f"metric-{n}", unit="USD") for n in range(300)
    )
    counted = [
        Claim(
            text=f"Caspian trade stood at {n} billion dollars.",
            quote=f"trade stood at {n} billion",
            document=documents[n % 4],
            speaker=speakers[n % 4],
            claimed_on=datetime.date(2013, 4, 1 + n % 28),
            status=Status.DISPUTED,
            metric=metrics[0],
            value=Decimal(5_300_000_000 + n),
            unit="USD",
            comparator=Comparator.APPROXIMATELY,
            period_start=datetime.date(2012, 3, 20),
            period_end=datetime.date(2013, 3, 20),
            period_label="last year",
        )
        for n in range(COUNTED)
    ]
    scattered = [
        _scattered_claim(n, documents, speakers, metrics) for n in range(SCATTERED)
    ]
    claims = Claim.objects.bulk_create(counted + scattered, batch_size=1000)
    # Each counted claim contradicts two neighbours, so its metric has more than 200
    # conflicts; one scattered claim in ten contradicts one, so every page shows some.
    pairs = [(n, n + step) for n in range(0, COUNTED - 2, 2) for step in (1, 2)]
    pairs += [(n, n + 1) for n in range(COUNTED, COUNTED + SCATTERED - 1, 20)]
    ClaimLink.objects.bulk_create(
        ClaimLink(
            from_claim=claims[low],
            to_claim=claims[high],
            relation=ClaimLink.Relation.CONTRADICTS,
            detected=low % 4 == 0,
        )
        for low, high in pairs
    )
    return SimpleNamespace(
        publisher=publishers[0],
        metric=metrics[0],
        some_publisher=publishers[7],
        some_document=documents[9],
        some_speaker=speakers[11],
        some_metric=metrics[5],
    )


@pytest.fixture(scope="module")
def catalogue(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        catalogue = _catalogue()
        # Run the deferred foreign-key checks now, once: left pending, each test's
        # teardown would run them all again (and roll them back to its savepoint).
        connection.check_constraints()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        yield catalogue
        transaction.set_rollback(True)


@pytest.fixture
def api(monkeypatch):
    # Far above what a test sends: a 429 is not what these tests are about.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", UNTHROTTLED)
    cache.clear()
    yield APIClient()
    cache.clear()


def _page(api, url: str, params: dict) -> tuple[dict, list[str]]:
    """Return the page's JSON and the SQL of every query it took (the match
    estimate of a ranked search, kept per process, is asked again each time)."""
    clear_estimates()
    with CaptureQueriesContext(connection) as queries:
        response = api.get(url, params)
    assert response.status_code == 200, response.content
    return response.json(), [query["sql"] for query in queries.captured_queries]


# Queries per page ------------------------------------------------------------
#
# The representation version (claims.selectors.versions), one query for the page,
# one for its claims' conflicts, whatever the page size.

COUNTED_CLAIM_LISTS: dict[str, Callable[[SimpleNamespace], dict]] = {
    "first-page": lambda c: {},
    "status-metric-period": lambda c: {
        "status": "disputed,false",
        "metric": c.metric.slug,
        "period_overlaps_start": "2012-06-01",
        "period_overlaps_end": "2012-12-31",
    },
    "publisher-claimed-range": lambda c: {
        "publisher": c.publisher.pk,
        "claimed_after": "2013-04-01",
        "claimed_before": "2013-04-30",
    },
    "value-range-unit": lambda c: {
        "value_min": "5300000000",
        "value_max": "5300001000",
        "unit": "USD",
    },
    "search": lambda c: {"q": "caspian"},
    "has-conflicts": lambda c: {"has_conflicts": "true"},
    **{
        f"ordering={ordering}": lambda c, ordering=ordering: {"ordering": ordering}
        for ordering in ("claimed_on", "-period_start", "updated_at", "-value", "id")
    },
    "search-ordering=-rank": lambda c: {"q": "caspian", "ordering": "-rank"},
}


def _expected_queries(params: dict) -> int:
    """The version, the page and its conflicts; a search on PostgreSQL first reads
    its terms (stop words and estimated matches, claims.selectors.search.search_terms,
    which the ranking window reuses); on the RUM path it also asks whether speakers
    or titles match.

    Asks once per process whether the RUM index exists, so no page counts that."""
    if not params.get("q") or connection.vendor != "postgresql":
        return 3
    return 5 if rum_search_ready() else 4


@pytest.mark.parametrize("name", COUNTED_CLAIM_LISTS)
def test_a_claim_list_page_takes_three_queries_at_any_page_size(api, catalogue, name):
    params = COUNTED_CLAIM_LISTS[name](catalogue)
    expected = _expected_queries(params)  # asks once whether the RUM index exists
    counts = {}
    for size in PAGE_SIZES:
        page, queries = _page(api, CLAIMS, params | {"page_size": size})
        assert len(page["results"]) == size
        counts[size] = len(queries)
    assert counts == dict.fromkeys(PAGE_SIZES, expected), queries
    assert any(claim["conflicts"] for claim in page["results"])


@pytest.mark.parametrize("params", [{}, {"q": "reached"}], ids=["plain", "search"])
def test_a_later_claim_page_takes_three_queries_at_any_page_size(
    api, catalogue, params
):
    expected = _expected_queries(params)
    counts = {}
    for size in PAGE_SIZES:
        first = api.get(CLAIMS, params | {"page_size": size}).json()
        second, queries = _page(api, first["next"], {})
        assert len(second["results"]) == size
        assert not {c["id"] for c in first["results"]} & {
            c["id"] for c in second["results"]
        }
        counts[size] = len(queries)
    assert counts == dict.fromkeys(PAGE_SIZES, expected), queries


def test_a_metric_figures_page_takes_three_queries_at_any_page_size(api, catalogue):
    # The metric's id and version (one query), the page, the page's conflicts.
    url = f"/api/v1/metrics/{catalogue.metric.slug}/figures/"
    counts = {}
    for size in PAGE_SIZES:
        page, queries = _page(api, url, {"page_size": size})
        assert len(page["results"]) == size
        counts[size] = len(queries)
    assert counts == dict.fromkeys(PAGE_SIZES, 3), queries
    assert any(figure["conflicts"] for figure in page["results"])


@pytest.mark.parametrize("params", [{}, {"metric": "metric-0"}], ids=["all", "metric"])
def test_a_conflicts_page_takes_one_query_at_any_page_size(api, catalogue, params):
    counts = {}
    for size in PAGE_SIZES:
        page, queries = _page(api, "/api/v1/conflicts/", params | {"page_size": size})
        assert len(page["results"]) == size
        counts[size] = len(queries)
    assert counts == dict.fromkeys(PAGE_SIZES, 1), queries


# Index use (PostgreSQL) -------------------------------------------------------
#
# EXPLAIN the claims query that the API really sent, with enable_seqscan off so that
# the planner takes any index that can serve the query, few rows or not. "No Seq Scan
# on claims_claim" alone proves little: with sequential scans off PostgreSQL reads the
# whole table through any index instead (the foreign-key index on document_id, say,
# with the search as a row-by-row Filter). So the test also asserts that no scan
# reads claims_claim whole -- each has an index condition, except a walk along the
# index that gives the page's order (no Sort), which the LIMIT stops -- and that each
# filtered column leads an index whose condition names it.


@dataclass(frozen=True)
class ListMode:
    params: Callable[[SimpleNamespace], dict]
    pages: int = 1  # follow `next` this many times before the page explained
    ordered: bool = False  # an index gives the page's order: no Sort node
    # Columns that must lead an index with a condition on them; "a|b": either.
    served: tuple[str, ...] = ()
    path: Callable[[SimpleNamespace], str] = lambda c: CLAIMS


DEEP = 6  # past the claims without a figure, whose sort keys all tie


def _orderings() -> Iterator[tuple[str, ListMode]]:
    for field in ("id", "claimed_on", "period_start", "updated_at", "value"):
        for ordering in (field, f"-{field}"):

            def params(catalogue, ordering=ordering):
                return {"ordering": ordering}

            yield f"ordering={ordering}", ListMode(params, ordered=True)
            # Further on, the cursor's position bounds the walk.
            yield (
                f"ordering={ordering}-deep-page",
                ListMode(params, pages=DEEP, ordered=True, served=(field,)),
            )


LIST_MODES: dict[str, ListMode] = {
    "first-page": ListMode(lambda c: {}, ordered=True),
    "deep-page": ListMode(lambda c: {}, pages=DEEP, ordered=True, served=("id",)),
    **dict(_orderings()),
    "ordering=-rank": ListMode(lambda c: {"ordering": "-rank"}, ordered=True),
    "status": ListMode(lambda c: {"status": "false"}, served=("status",)),
    "metric-id": ListMode(
        lambda c: {"metric": c.some_metric.pk}, served=("metric_id",)
    ),
    "metric-slug": ListMode(
        lambda c: {"metric": c.some_metric.slug}, served=("metric_id",)
    ),
    "period-overlaps-start": ListMode(
        lambda c: {"period_overlaps_start": "2020-11-20"}, served=("period_end",)
    ),
    "period-overlaps-end": ListMode(
        lambda c: {"period_overlaps_end": "2000-01-20"}, served=("period_start",)
    ),
    "claimed-range": ListMode(
        lambda c: {"claimed_after": "2010-05-01", "claimed_before": "2010-05-20"},
        served=("claimed_on",),
    ),
    "publisher": ListMode(
        lambda c: {"publisher": c.some_publisher.pk}, served=("document_id",)
    ),
    "speaker": ListMode(
        lambda c: {"speaker": c.some_speaker.pk}, served=("speaker_id",)
    ),
    "document": ListMode(
        lambda c: {"document": c.some_document.pk}, served=("document_id",)
    ),
    "value-range": ListMode(
        lambda c: {"value_min": "1000000", "value_max": "1010000"}, served=("value",)
    ),
    "unit": ListMode(lambda c: {"unit": "barrels"}, served=("unit",)),
    "updated-since": ListMode(
        lambda c: {"updated_since": "2999-01-01T00:00:00Z"}, served=("updated_at",)
    ),
    # Bounded by the links table only: the claims are walked in page order and
    # checked against (or merged with) the links until the page is full.
    "has-conflicts": ListMode(lambda c: {"has_conflicts": "true"}, ordered=True),
    "status-metric-period": ListMode(
        lambda c: {
            "status": "false,verified",
            "metric": c.some_metric.slug,
            "period_overlaps_start": "2005-01-01",
            "period_overlaps_end": "2015-12-31",
        },
        served=("status|metric_id|period_start|period_end",),
    ),
    "publisher-claimed-range": ListMode(
        lambda c: {
            "publisher": c.some_publisher.pk,
            "claimed_after": "2005-01-01",
            "claimed_before": "2015-12-31",
        },
        served=("document_id|claimed_on",),
    ),
    "value-range-unit": ListMode(
        lambda c: {"value_min": "1000000", "value_max": "2000000", "unit": "barrels"},
        served=("value|unit",),
    ),
    **{
        # Each of the three ways to match must be an index condition.
        f"search-{kind}": ListMode(
            lambda c, word=word: {"q": word},
            served=("search_vector", "speaker_id", "document_id"),
        )
        for kind, word in (
            ("common-word", "exports"),
            ("rare-word", "caviar"),
            ("no-match", "zanzibar"),
        )
    },
    "metric-figures": ListMode(
        lambda c: {},
        served=("metric_id",),
        path=lambda c: f"/api/v1/metrics/{c.some_metric.slug}/figures/",
    ),
}


def _claims_query(api, url: str, params: dict, pages: int) -> str:
    """Return the SQL of the claims query behind the API's page, `pages` deep."""
    for _ in range(pages - 1):
        url, params = api.get(url, params).json()["next"], {}
        assert url, "too few claims for a page this deep"
    _, queries = _page(api, url, params)
    page_queries = [
        sql for sql in queries if re.match(r'SELECT .*? FROM "claims_claim"\s', sql)
    ]
    assert len(page_queries) == 1, queries
    return page_queries[0]


def _explain(sql: str) -> tuple[dict, str]:
    """Return the plan of `sql`, as JSON and as text, with sequential scans off."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
        plan = cursor.fetchone()[0][0]["Plan"]
        cursor.execute(f"EXPLAIN {sql}")
        text = "\n".join(row[0] for row in cursor.fetchall())
        transaction.set_rollback(True)  # undoes SET LOCAL
    return plan, text


def _nodes(plan: dict) -> Iterator[dict]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _claim_indexes() -> dict[str, str]:
    """Return the leading key of each index on claims_claim, by index name."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT index.relname, pg_get_indexdef(pg_index.indexrelid, 1, true) "
            "FROM pg_index JOIN pg_class index ON index.oid = pg_index.indexrelid "
            "WHERE pg_index.indrelid = 'claims_claim'::regclass"
        )
        return dict(cursor.fetchall())


def _names(text: str, column: str) -> bool:
    return re.search(rf"(?<![\w.]){column}(?!\w)", text) is not None


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL-only behaviour; run with DATABASE_URL=postgres://...",
)
@pytest.mark.parametrize("name", LIST_MODES)
def test_an_index_serves_the_claims_query(api, catalogue, name):
    mode = LIST_MODES[name]
    params = mode.params(catalogue) | {"page_size": 20}
    sql = _claims_query(api, mode.path(catalogue), params, mode.pages)
    plan, text = _explain(sql)
    indexes = _claim_indexes()
    nodes = list(_nodes(plan))
    scans = [
        node
        for node in nodes
        if node.get("Relation Name") == "claims_claim"
        or node.get("Index Name") in indexes
    ]
    # A Sort of claims rows; the has-conflicts page sorts the links' ids (a merge
    # join with the claims walked in page order), which is not one.
    sorted_ = any(
        node["Node Type"] == "Sort"
        and any(n.get("Relation Name") == "claims_claim" for n in _nodes(node))
        for node in nodes
    )

    assert not re.search(r"Seq Scan on claims_claim\b", text), text
    if mode.ordered:
        assert not sorted_, f"no index gives the order:\n{sql}\n{text}"
    whole = [
        f"{scan['Node Type']} using {scan.get('Index Name')}"
        for scan in scans
        if scan["Node Type"] in {"Seq Scan", "Index Scan", "Index Only Scan"}
        and "Index Cond" not in scan
        and not mode.ordered
    ]
    assert not whole, f"claims_claim read whole by {whole}:\n{sql}\n{text}"
    conditions = [
        (indexes[scan["Index Name"]], scan["Index Cond"])
        for scan in scans
        if "Index Cond" in scan
    ]
    served = mode.served
    if name.startswith("search-") and rum_search_ready():
        # No speaker or title has these words: the RUM path asks for text alone.
        served = ("search_vector",)
    for columns in served:
        assert any(
            _names(key, column) and _names(condition, column)
            for column in columns.split("|")
            for key, condition in conditions
        ), f"no index condition on {columns}:\n{sql}\n{text}"


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL-only behaviour; run with DATABASE_URL=postgres://...",
)
@pytest.mark.parametrize("word", ["Exports", "caviar", "xylophonic"])
def test_search_reads_document_titles_through_their_index(api, catalogue, word):
    if rum_search_ready():
        # The RUM path finds the matching titles first, in a query of their own.
        _, queries = _page(api, CLAIMS, {"q": word, "page_size": 20})
        (sql,) = [sql for sql in queries if sql.startswith("SELECT cardinality(")]
    else:
        sql = _claims_query(api, CLAIMS, {"q": word, "page_size": 20}, 1)

    _, text = _explain(sql)

    assert "document_title_search_gin" in text, text
    assert not re.search(r"Seq Scan on sources_document\b", text), text
