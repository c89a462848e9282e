"""Fill a PostgreSQL database with realistic synthetic claims, fast, through COPY.

    .venv/bin/python bench/make_data.py                   # 100,000 claims
    .venv/bin/python bench/make_data.py --claims 1000000 --seed 7 --reset

Without --database-url it uses the database `factcheck_bench` on the local server
(postgres://postgres@127.0.0.1:5432), creating it if missing; the database is always
migrated first (`manage.py migrate` in a subprocess). Writes ~300 publishers, 10,000
documents, 2,000 people, 500 metrics and --claims claims with figures, periods over
20 years and statuses in a realistic mix, with psycopg 3 COPY, then resets the id
sequences. Refuses to write into tables that already hold rows unless --reset, which
empties them first (TRUNCATE ... CASCADE: only for a benchmark database). History
tables are left empty. Prints rows/s per table and the totals.

The search_vector trigger fires on every COPYed claim (--search-vector trigger, the
default). --search-vector deferred disables it for the COPY and fills the column in
one UPDATE afterwards; on 100,000 claims that was slower (COPY 3.5 s + UPDATE 10.0 s,
against 7.8 s with the trigger), the UPDATE rewriting every row and the GIN index.
"""

import argparse
import datetime
import os
import random
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/factcheck_bench"

PUBLISHERS, DOCUMENTS, PEOPLE, METRICS = 300, 10_000, 2_000, 500
FIRST_YEAR, YEARS = 2005, 20
NOW = datetime.datetime(2026, 1, 15, 12, 0, tzinfo=datetime.UTC)

# (status, weight): most claims wait unverified, some are in review, few have verdicts.
STATUSES = [
    ("unverified", 78),
    ("in_review", 12),
    ("verified", 4),
    ("misleading", 2),
    ("false", 2),
    ("disputed", 1),
    ("unverifiable", 1),
]
VERDICTS = {"verified", "misleading", "false", "disputed", "unverifiable"}
COMPARATORS = [
    ("exact", 35),
    ("approximately", 40),
    ("more_than", 10),
    ("less_than", 5),
    ("range", 10),
]
# (unit, metric kind, typical magnitude)
UNITS = [
    ("USD", "annual", 10**9),
    ("EUR", "annual", 10**9),
    ("USD", "total", 10**10),
    ("percent", "level", 10),
    ("barrels", "annual", 10**6),
    ("people", "level", 10**6),
    ("cars", "annual", 10**5),
    ("tonnes", "annual", 10**7),
]
SUBJECTS = [
    "trade",
    "exports",
    "imports",
    "oil output",
    "gas exports",
    "unemployment",
    "inflation",
    "the budget deficit",
    "public debt",
    "investment",
    "car sales",
    "wheat harvest",
    "tourism revenue",
    "remittances",
    "military spending",
    "the population",
    "electricity output",
    "steel production",
    "rice imports",
    "foreign reserves",
    "the trade surplus",
    "grain exports",
    "arms sales",
]
PLACES = [
    "Iran",
    "Russia",
    "China",
    "India",
    "Turkey",
    "Brazil",
    "Germany",
    "France",
    "Japan",
    "Egypt",
    "Nigeria",
    "Mexico",
    "Indonesia",
    "Kazakhstan",
    "Iraq",
    "Saudi Arabia",
    "the European Union",
    "the United States",
    "Pakistan",
    "Spain",
]
VERBS = [
    "reached",
    "stood at",
    "rose to",
    "fell to",
    "climbed to",
    "dropped to",
    "exceeded",
    "was close to",
    "amounted to",
    "hit",
    "totalled",
    "grew to",
]
OPENERS = [
    "According to the minister,",
    "Officials said",
    "The ambassador told reporters",
    "In a speech on Tuesday, the president said",
    "The central bank reported that",
    "Figures released this week show that",
    "The spokesman insisted that",
    "Speaking at the forum, he said",
    "The report estimates that",
    "She told parliament that",
]
TAILS = [
    "last year",
    "in the first half of the year",
    "over the past decade",
    "compared with a year earlier",
    "despite sanctions",
    "in recent years",
    "according to official statistics",
    "up from the previous year",
    "a record high",
    "the lowest level in a decade",
]
SCALE_WORDS = {10**9: "billion", 10**6: "million", 10**3: "thousand"}
FIRST_NAMES = [
    "Mehdi",
    "Anna",
    "Sergei",
    "Maryam",
    "John",
    "Li",
    "Fatima",
    "Carlos",
    "Olga",
    "Ahmed",
    "Yuki",
    "Priya",
    "Hans",
    "Amina",
    "Pierre",
    "Elena",
    "Omar",
    "Sara",
]
LAST_NAMES = [
    "Sanaei",
    "Petrova",
    "Lavrov",
    "Rahimi",
    "Smith",
    "Wang",
    "Haddad",
    "Silva",
    "Ivanova",
    "Karimi",
    "Tanaka",
    "Sharma",
    "Muller",
    "Bello",
    "Dubois",
    "Novak",
]
ROLES = [
    "Minister of Trade",
    "Ambassador to Russia",
    "central bank governor",
    "spokesman of the foreign ministry",
    "member of parliament",
    "economist",
    "chief executive",
    "deputy oil minister",
    "president",
    "analyst",
]
MASTHEADS = ["Times", "News", "Daily", "Post", "Herald", "Tribune"]
PUBLISHER_KINDS = ["news_outlet"] * 6 + ["news_agency", "think_tank", "government"]
DOCUMENT_TYPES = ["news_article"] * 7 + ["report", "press_release", "blog_post"]


def ensure_database(url: str) -> None:
    """Create the database named in `url` when it does not exist."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    server = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as connection:
        found = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not found:
            connection.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def migrate(url: str) -> None:
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def spelled_figure(value: Decimal, unit: str) -> str:
    """Write a figure the way a speaker says it: '5.3 billion dollars'."""
    for scale, word in SCALE_WORDS.items():
        if value >= scale:
            number = f"{value / scale:.1f}".rstrip("0").rstrip(".")
            amount = f"{number} {word}"
            break
    else:
        amount = f"{value:,.1f}".rstrip("0").rstrip(".")
    names = {"USD": "dollars", "EUR": "euros", "percent": "percent"}
    return f"{amount} {names.get(unit, unit)}"


class Generator:
    def __init__(self, seed: int, claims: int):
        self.random = random.Random(seed)
        self.claims = claims

    def publishers(self):
        for pk in range(1, PUBLISHERS + 1):
            place = self.random.choice(PLACES)
            yield (
                pk,
                f"{place} {self.random.choice(MASTHEADS)} {pk}",
                f"https://publisher{pk}.example.org",
                self.random.choice(PUBLISHER_KINDS),
                self.random.choice(["US", "GB", "RU", "IR", "DE", "FR", "IN", "CN"]),
            )

    def documents(self):
        for pk in range(1, DOCUMENTS + 1):
            published = datetime.date(FIRST_YEAR, 1, 1) + datetime.timedelta(
                days=self.random.randrange(YEARS * 365)
            )
            title = (
                f"{self.random.choice(PLACES)} {self.random.choice(SUBJECTS)} "
                f"{self.random.choice(VERBS)} new level, {pk}"
            ).capitalize()
            yield (
                pk,
                title,
                f"https://news.example.org/{published.year}/articles/{pk}",
                self.random.choice(DOCUMENT_TYPES),
                "en",
                published,
                "day",
                "",
                published + datetime.timedelta(days=3),
                "",  # text: not stored, so the quote-in-text check does not apply
                "",
                NOW,
                NOW,
                self.random.randint(1, PUBLISHERS),
                True,
                None,
            )

    def people(self):
        for pk in range(1, PEOPLE + 1):
            name = f"{self.random.choice(FIRST_NAMES)} {self.random.choice(LAST_NAMES)}"
            wikidata = f"Q{100000 + pk}" if pk % 3 == 0 else ""
            yield (pk, f"{name} {pk}", self.random.choice(ROLES), wikidata)

    def metrics(self):
        self.metric_units = {}
        for pk in range(1, METRICS + 1):
            unit, kind, magnitude = UNITS[pk % len(UNITS)]
            subject = self.random.choice(SUBJECTS)
            place = self.random.choice(PLACES)
            name = f"{place} {subject} ({unit}, {kind}) {pk}"
            slug = f"{place}-{subject}-{unit}-{kind}-{pk}".lower().replace(" ", "-")
            self.metric_units[pk] = (unit, magnitude, kind)
            yield (pk, name, slug, unit, f"Synthetic metric {pk}.", kind)

    def claims_rows(self):
        rnd = self.random
        statuses, status_weights = zip(*STATUSES, strict=True)
        comparators, comparator_weights = zip(*COMPARATORS, strict=True)
        for pk in range(1, self.claims + 1):
            status = rnd.choices(statuses, status_weights)[0]
            has_figure = rnd.random() < 0.85
            metric_id = rnd.randint(1, METRICS) if has_figure else None
            value = value_upper = change = None
            unit = period_label = ""
            comparator = "exact"
            period_start = period_end = None
            year = FIRST_YEAR + rnd.randrange(YEARS)
            claimed_on = datetime.date(year, 1, 1) + datetime.timedelta(
                days=rnd.randrange(365)
            )
            subject, place = rnd.choice(SUBJECTS), rnd.choice(PLACES)
            verb = rnd.choice(VERBS)
            if has_figure:
                unit, magnitude, kind = self.metric_units[metric_id]
                value = Decimal(rnd.randint(10, 9999)) * magnitude / 100
                comparator = rnd.choices(comparators, comparator_weights)[0]
                if comparator == "range":
                    value_upper = value * Decimal(rnd.choice(["1.1", "1.25", "1.5"]))
                if rnd.random() < 0.1:
                    change = Decimal(rnd.randint(-60, 80))
                period_year = min(year, claimed_on.year) - rnd.choice([0, 1, 1, 2])
                period_start = datetime.date(period_year, 1, 1)
                period_end = datetime.date(period_year, 12, 31)
                if kind == "total" and rnd.random() < 0.5:
                    period_start = datetime.date(period_year - 4, 1, 1)
                period_label = rnd.choice(["last year", f"in {period_year}", "2012"])
                figure = spelled_figure(value, unit)
            else:
                figure = f"{rnd.randint(2, 40)} times more than before"
            quote = (
                f"{rnd.choice(OPENERS)} {subject} between {place} and "
                f"{rnd.choice(PLACES)} {verb} {figure} {rnd.choice(TAILS)}"
            )
            if rnd.random() < 0.4:
                quote += (
                    f", and that {rnd.choice(SUBJECTS)} would {rnd.choice(VERBS)} "
                    f"about {rnd.randint(2, 90)} percent more by {year + 2}"
                )
            text = f"{place.capitalize()}'s {subject} {verb} {figure} {period_label}."
            verdict = status in VERDICTS
            created = NOW - datetime.timedelta(minutes=rnd.randrange(525600))
            yield (
                pk,
                text,
                quote,
                rnd.choice(ROLES) if rnd.random() < 0.7 else "",
                claimed_on,
                "day",
                status,
                "Checked against official trade statistics." if verdict else "",
                value,
                value_upper,
                unit,
                comparator,
                period_start,
                period_end,
                period_label,
                created,
                created,
                rnd.randint(1, DOCUMENTS),
                rnd.randint(1, PEOPLE) if rnd.random() < 0.8 else None,
                metric_id,
                created if verdict else None,
                "approximately" if change is not None else "exact",
                change,
                "",
                1,
                "",
                "entered" if rnd.random() < 0.7 else "extracted",
                "",
                created if verdict else None,
            )


TABLES = [
    (
        "sources_publisher",
        "id, name, url, kind, country",
        "publishers",
    ),
    (
        "sources_document",
        "id, title, url, type, language, published_on, published_precision, "
        "published_note, accessed_on, text, text_sha256, created_at, updated_at, "
        "publisher_id, is_current, previous_version_id",
        "documents",
    ),
    ("sources_person", "id, name, description, wikidata_id", "people"),
    ("claims_metric", "id, name, slug, unit, description, kind", "metrics"),
    (
        "claims_claim",
        "id, text, quote, speaker_role, claimed_on, claimed_precision, status, "
        "rationale, value, value_upper, unit, comparator, period_start, period_end, "
        "period_label, created_at, updated_at, document_id, speaker_id, metric_id, "
        "reviewed_at, change_comparator, change_percent, comparison_flag, version, "
        "period_resolution, origin, editor_note, first_reviewed_at",
        "claims_rows",
    ),
]
TRIGGER = "claims_claim_search_vector"
SEARCH_VECTOR = (
    "setweight(to_tsvector('english', coalesce(text, '')), 'A') "
    "|| setweight(to_tsvector('english', coalesce(quote, '')), 'B')"
)


def copy_rows(connection, table: str, columns: str, rows) -> int:
    count = 0
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def fill(url: str, *, claims: int, seed: int, reset: bool, search_vector: str):
    generator = Generator(seed, claims)
    started = time.perf_counter()
    total_rows = 0
    with psycopg.connect(url) as connection:
        stored = connection.execute("SELECT count(*) FROM claims_claim").fetchone()[0]
        documents = connection.execute(
            "SELECT count(*) FROM sources_document"
        ).fetchone()[0]
        if stored or documents:
            if not reset:
                sys.exit(
                    f"{url} already holds {stored} claims and {documents} documents; "
                    "pass --reset to empty the tables first."
                )
            tables = ", ".join(table for table, _, _ in TABLES)
            connection.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        for table, columns, method in TABLES:
            deferred = table == "claims_claim" and search_vector == "deferred"
            if deferred:
                connection.execute(
                    f"ALTER TABLE claims_claim DISABLE TRIGGER {TRIGGER}"
                )
            tick = time.perf_counter()
            count = copy_rows(connection, table, columns, getattr(generator, method)())
            seconds = time.perf_counter() - tick
            print(
                f"{table:20} {count:>9,} rows {seconds:8.2f} s "
                f"{count / seconds:>10,.0f} rows/s"
            )
            if deferred:
                # Commit first: the deferred foreign-key checks of the COPY are
                # pending trigger events, and ALTER TABLE refuses to run with them.
                connection.commit()
                tick = time.perf_counter()
                connection.execute(
                    f"UPDATE claims_claim SET search_vector = {SEARCH_VECTOR}"
                )
                connection.execute(f"ALTER TABLE claims_claim ENABLE TRIGGER {TRIGGER}")
                update_seconds = time.perf_counter() - tick
                seconds += update_seconds
                print(
                    f"{'  search_vector':20} {count:>9,} rows {update_seconds:8.2f} s "
                    f"(one UPDATE; claims with it: {count / seconds:,.0f} rows/s)"
                )
            total_rows += count
            connection.commit()
        for table, _, _ in TABLES:
            connection.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"coalesce(max(id), 1), max(id) IS NOT NULL) FROM {table}"
            )
        connection.commit()
        tick = time.perf_counter()
        connection.execute("ANALYZE")
        analyze_seconds = time.perf_counter() - tick
    seconds = time.perf_counter() - started
    print(
        f"{'total':20} {total_rows:>9,} rows {seconds:8.2f} s "
        f"{total_rows / seconds:>10,.0f} rows/s (ANALYZE {analyze_seconds:.2f} s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--seed", type=int, default=2013)
    parser.add_argument("--reset", action="store_true", help="empty the tables first")
    parser.add_argument(
        "--search-vector", choices=["trigger", "deferred"], default="trigger"
    )
    options = parser.parse_args()
    ensure_database(options.database_url)
    tick = time.perf_counter()
    migrate(options.database_url)
    print(f"migrated in {time.perf_counter() - tick:.1f} s")
    fill(
        options.database_url,
        claims=options.claims,
        seed=options.seed,
        reset=options.reset,
        search_vector=options.search_vector,
    )


if __name__ == "__main__":
    main()
