"""Time `loaddata` of a claims fixture against `import_claims` of the same claims.

    .venv/bin/python bench/import_vs_loaddata.py              # throwaway SQLite file
    .venv/bin/python bench/import_vs_loaddata.py --postgres   # throwaway PostgreSQL db
    .venv/bin/python bench/import_vs_loaddata.py --claims 5000

Migrates a throwaway database (a temporary SQLite file, or with --postgres a database
created on --server and dropped afterwards), stores 200 documents, 100 people and 20
metrics, generates --claims claims (seeded), writes them as a loaddata fixture (JSON)
and as a CSV with the export's columns, then in one run times `loaddata` of the fixture,
empties the claims table, and times `import_claims --no-detect` of the CSV. loaddata
saves row by row without validation or history; import_claims validates every row
with full_clean and writes history rows. Prints rows/s of each and the ratio.
"""

import argparse
import csv
import datetime
import io
import json
import os
import random
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DOCUMENTS, PEOPLE, METRICS = 200, 100, 20
CREATED = "2024-01-01T00:00:00Z"


def claim_fields(rnd: random.Random, n: int) -> dict:
    """Return one claim's fields as the fixture and the CSV both write them."""
    value = Decimal(rnd.randint(10, 99999)) * 10**6
    comparator = rnd.choice(["exact", "approximately", "more_than", "range"])
    year = rnd.randint(2005, 2024)
    return {
        "text": f"Trade between the two countries reached {value} dollars ({n}).",
        "quote": f"trade reached {value / 10**9} billion dollars in {year}, {n}",
        "document": rnd.randint(1, DOCUMENTS),
        "speaker": rnd.randint(1, PEOPLE) if rnd.random() < 0.8 else None,
        "speaker_role": "Minister of Trade",
        "claimed_on": f"{year}-06-{rnd.randint(1, 28):02d}",
        "claimed_precision": "day",
        "status": rnd.choice(["unverified"] * 6 + ["in_review"]),
        "rationale": "",
        "metric": rnd.randint(1, METRICS),
        "value": str(value),
        "value_upper": str(value * 2) if comparator == "range" else None,
        "unit": "USD",
        "comparator": comparator,
        "period_start": f"{year - 1}-01-01",
        "period_end": f"{year - 1}-12-31",
        "period_label": "last year",
    }


def write_files(folder: Path, count: int, seed: int) -> tuple[Path, Path]:
    from claims.services.exports import CSV_COLUMNS

    rnd = random.Random(seed)
    fixture, rows = [], []
    for n in range(1, count + 1):
        fields = claim_fields(rnd, n)
        fixture.append(
            {
                "model": "claims.claim",
                "pk": n,
                "fields": {
                    **fields,
                    "version": 1,
                    "created_at": CREATED,
                    "updated_at": CREATED,
                },
            }
        )
        row = dict.fromkeys(CSV_COLUMNS, "")
        row.update({k: "" if v is None else v for k, v in fields.items()})
        row["document_id"] = row.pop("document")
        row["speaker_id"] = row.pop("speaker")
        row["metric__slug"] = f"metric-{row.pop('metric')}"
        rows.append(row)
    fixture_path = folder / "claims.json"
    fixture_path.write_text(json.dumps(fixture))
    csv_path = folder / "claims.csv"
    with csv_path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return fixture_path, csv_path


def store_references() -> None:
    from claims.models import Metric
    from sources.models import Document, Person, Publisher

    publisher = Publisher.objects.create(name="Bench Times")
    Document.objects.bulk_create(
        Document(
            title=f"Document {n}",
            url=f"https://news.example.org/{n}",
            publisher=publisher,
            published_on=datetime.date(2024, 12, 31),
        )
        for n in range(1, DOCUMENTS + 1)
    )
    Person.objects.bulk_create(Person(name=f"Person {n}") for n in range(1, PEOPLE + 1))
    Metric.objects.bulk_create(
        Metric(name=f"Metric {n}", slug=f"metric-{n}", unit="USD", kind="level")
        for n in range(1, METRICS + 1)
    )


def run(count: int, seed: int, folder: Path) -> None:
    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    from claims.models import Claim

    call_command("migrate", verbosity=0)
    store_references()
    fixture_path, csv_path = write_files(folder, count, seed)
    print(f"database: {connection.vendor}, claims: {count:,}")

    tick = time.perf_counter()
    call_command("loaddata", str(fixture_path), verbosity=0)
    loaddata_seconds = time.perf_counter() - tick
    assert Claim.objects.count() == count
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM claims_claim")

    out = io.StringIO()
    tick = time.perf_counter()
    call_command("import_claims", str(csv_path), "--no-detect", stdout=out)
    import_seconds = time.perf_counter() - tick
    assert Claim.objects.count() == count, out.getvalue()
    assert Claim.history.count() == count

    loaddata_rate = count / loaddata_seconds
    import_rate = count / import_seconds
    print(f"loaddata      {loaddata_seconds:7.2f} s {loaddata_rate:>9,.0f} rows/s")
    print(f"import_claims {import_seconds:7.2f} s {import_rate:>9,.0f} rows/s")
    print(f"ratio         {import_rate / loaddata_rate:7.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=2013)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument(
        "--server",
        default="postgres://postgres@127.0.0.1:5432",
        help="PostgreSQL server for --postgres",
    )
    options = parser.parse_args()
    os.environ["DJANGO_SETTINGS_MODULE"] = "factcheck.settings.test"
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        if not options.postgres:
            os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
            run(options.claims, options.seed, folder)
            return
        import psycopg

        name = f"factcheck_import_bench_{os.getpid()}"
        server = urlsplit(options.server)
        admin_url = urlunsplit(server._replace(path="/postgres"))
        os.environ["DATABASE_URL"] = urlunsplit(server._replace(path=f"/{name}"))
        os.environ["DATABASE_CONN_MAX_AGE"] = "0"
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            run(options.claims, options.seed, folder)
        finally:
            from django.db import connections

            connections.close_all()
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


if __name__ == "__main__":
    main()
