"""Claim matching against the labelled set, through the selector on a database (#17).

    .venv/bin/python bench/matching.py                      # PostgreSQL, seed only
    .venv/bin/python bench/matching.py --claims 50000       # + 50,000 synthetic claims
    .venv/bin/python bench/matching.py --database-url sqlite:////tmp/matching.sqlite3

Loads fixtures/seed.json and bench/data/matching_synthetic.jsonl into the database
(beside --claims synthetic claims from bench/make_data.py on PostgreSQL: COPY, then the
reference claims on top with new ids), runs every query of bench/data/matching.jsonl
through claims.selectors.matching.match_text (retrieval and re-ranking, as the API
does) and prints, per language: precision and recall of `same`, the near-miss queries
answered `same` (must be 0), MRR of the first `same`, the confusion between relations
on the labelled claims, and the latency per query (p50, p95). Claims other than the
labelled ones count as irrelevant (bench/matching_data.py, "Scoring").

The default database is factcheck_matching_bench on the local server; it is emptied
and refilled on every run (only a database whose name starts with factcheck_matching
is accepted, so no other database is ever emptied).
"""

import argparse
import os
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/factcheck_matching_bench"

from bench import matching_data  # noqa: E402
from bench.matching_eval import (  # noqa: E402
    Outcome,
    evaluate,
    print_report,
    print_summary,
)


def load_reference_claims() -> dict[int, object]:
    """Store the seed and the synthetic claims with new ids; return {new id: key}.

    The key is the fixture pk (int) or the synthetic id ("s001"), as the labels use.
    """
    import json

    from claims.models import Claim, Metric
    from sources.models import Document, Person, Publisher

    objects = json.loads(matching_data.FIXTURES_PATH.read_text(encoding="utf-8"))
    publishers, people, documents, metrics = {}, {}, {}, {}
    for obj in objects:
        fields, pk = obj["fields"], obj["pk"]
        if obj["model"] == "sources.publisher":
            publishers[pk], _ = Publisher.objects.get_or_create(
                name=fields["name"], defaults=_plain(Publisher, fields)
            )
        elif obj["model"] == "sources.person":
            people[pk] = Person.objects.create(**_plain(Person, fields))
        elif obj["model"] == "claims.metric":
            metrics[pk], _ = Metric.objects.get_or_create(
                slug=fields["slug"], defaults=_plain(Metric, fields)
            )
    for obj in objects:
        if obj["model"] == "sources.document":
            fields = _plain(Document, obj["fields"])
            fields["publisher"] = publishers.get(obj["fields"].get("publisher"))
            documents[obj["pk"]] = Document.objects.create(**fields)
    keys: dict[int, object] = {}
    for obj in objects:
        if obj["model"] != "claims.claim":
            continue
        fields = _plain(Claim, obj["fields"])
        fields["document"] = documents[obj["fields"]["document"]]
        fields["speaker"] = people.get(obj["fields"].get("speaker"))
        fields["metric"] = metrics.get(obj["fields"].get("metric"))
        keys[Claim.objects.create(**fields).pk] = obj["pk"]
    synthetic_metrics, synthetic = matching_data.load_synthetic()
    by_slug = {}
    for row in synthetic_metrics:
        by_slug[row["slug"]], _ = Metric.objects.get_or_create(
            slug=row["slug"],
            defaults={k: row[k] for k in ("name", "unit", "kind", "description")},
        )
    document = Document.objects.create(
        title="Synthetic claims for the matching benchmark",
        url="https://bench.example.org/matching",
        type=Document.Type.REPORT,
    )
    for row in synthetic:
        claim = Claim.objects.create(
            text=row["text"],
            quote=row.get("quote") or row["text"],
            document=document,
            metric=by_slug.get(row.get("metric") or ""),
            value=Decimal(str(row["value"])) if row.get("value") is not None else None,
            value_upper=Decimal(str(row["value_upper"]))
            if row.get("value_upper") is not None
            else None,
            unit=row.get("unit") or "",
            comparator=row.get("comparator") or "exact",
            period_start=_day(row.get("period_start")),
            period_end=_day(row.get("period_end")),
            period_label=row.get("period_label") or "",
            claimed_on=_day(row.get("claimed_on")),
        )
        keys[claim.pk] = row["id"]
    return keys


def _day(text):
    return date.fromisoformat(text) if text else None


def _plain(model, fields: dict) -> dict:
    """Return the fixture fields that are plain columns of `model` (no relations)."""
    plain = {}
    for name, value in fields.items():
        field = model._meta.get_field(name)
        if field.is_relation or field.many_to_many:
            continue
        plain[name] = value
    return plain


def run_queries(keys: dict[int, object], *, limit: int = 10, only: int = 0):
    """Run the labelled queries through the selector; return the outcomes."""
    from claims.selectors.matching import match_text

    outcomes = []
    queries = matching_data.load_queries()
    if only:
        queries = queries[:only]
    for query in queries:
        claimed_on = _day(query.get("claimed_on"))
        started = time.perf_counter()
        matches = match_text(
            text=query["query"],
            limit=limit,
            language=query["language"],
            claimed_on=claimed_on,
        )
        seconds = time.perf_counter() - started
        answers = [
            (keys.get(m.claim.pk, f"other:{m.claim.pk}"), m.relation, m.score)
            for m in matches
        ]
        outcomes.append(Outcome(query, answers, seconds))
    return outcomes


def report(outcomes, *, verbose: bool = False) -> dict:
    """Print the figures per language and overall; return the reports by language."""
    reports = {}
    for language in ("en", "ru", "fa"):
        chosen = [o for o in outcomes if o.query["language"] == language]
        if chosen:
            reports[language] = evaluate(chosen)
            print_report(f"{language}", reports[language], verbose)
    reports["all"] = evaluate(outcomes)
    print_report("all languages", reports["all"], verbose)
    print_summary(outcomes)
    return reports


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument(
        "--claims", type=int, default=0, help="synthetic claims (PostgreSQL)"
    )
    parser.add_argument("--seed", type=int, default=2013)
    parser.add_argument("--limit", type=int, default=10)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    url = args.database_url
    name = url.rsplit("/", 1)[-1]
    postgres = url.startswith(("postgres://", "postgresql://"))
    if postgres and not name.startswith("factcheck_matching"):
        sys.exit("Use a database whose name starts with factcheck_matching.")
    if args.claims and not postgres:
        sys.exit("--claims needs PostgreSQL (bench/make_data.py writes with COPY).")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    if postgres:
        from bench import make_data

        make_data.ensure_database(url)
        make_data.migrate(url)
        tick = time.perf_counter()
        make_data.fill(
            url, claims=args.claims, seed=args.seed, reset=True, search_vector="trigger"
        )
        print(f"{args.claims:,} synthetic claims in {time.perf_counter() - tick:.1f} s")
    else:
        os.environ["DJANGO_SETTINGS_MODULE"] = "factcheck.settings.local"
        path = Path(url.removeprefix("sqlite:///"))
        path.unlink(missing_ok=True)
        import subprocess

        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--verbosity", "0"],
            cwd=ROOT,
            env={**os.environ},
            check=True,
        )
    import django

    django.setup()
    from django.db import connection

    keys = load_reference_claims()
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE claims_claim")
    print(
        f"{connection.vendor}: {len(keys)} labelled claims stored "
        f"(+{args.claims:,} synthetic); limit {args.limit}"
    )
    # One query first: compiled patterns and connections are not what is measured.
    run_queries(keys, limit=args.limit, only=1)
    outcomes = run_queries(keys, limit=args.limit)
    report(outcomes, verbose=args.verbose)
    return 0


if __name__ == "__main__":
    sys.exit(main())
