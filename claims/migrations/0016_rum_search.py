"""Ranked search from a RUM index: opt-in (SEARCH_RUM_INDEX), where the server has rum.

RUM (https://github.com/postgrespro/rum; Debian's postgresql-15-rum) keeps each
match's positions in the index, so `ORDER BY search_vector <=> query` reads the
matches in order of relevance from the index instead of ranking them from the
table. It is opt-in: the index makes each insert about 8 times slower (5,000
inserts 4.97 s against 0.59 s with GIN alone) and still reads every match's entry
for a word in nearly every claim (BENCHMARKS.md). Unless settings.SEARCH_RUM_INDEX
is on and the extension is available this migration does nothing, and search ranks
with ts_rank, bounded for common words (claims.selectors.search checks for the
index at run time); to turn it on later set SEARCH_RUM_INDEX=true and run it again
(migrate claims 0015, then migrate).
"""

from django.conf import settings
from django.db import migrations

INDEX = "claims_claim_search_vector_rum"


def rum_available(schema_editor) -> bool:
    if schema_editor.connection.vendor != "postgresql":
        return False
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'rum'")
        return cursor.fetchone() is not None


def create_rum_index(apps, schema_editor):
    if not settings.SEARCH_RUM_INDEX or not rum_available(schema_editor):
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS rum")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON claims_claim "
        "USING rum (search_vector rum_tsvector_ops)"
    )


def drop_rum_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # The extension stays: other databases' objects may use it, and dropping it
    # needs more rights than creating an index.
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0015_representation_versions"),
    ]

    operations = [migrations.RunPython(create_rum_index, drop_rum_index)]
