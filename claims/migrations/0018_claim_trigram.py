"""On PostgreSQL, index claim texts by trigrams (pg_trgm) for claim matching (#17).

claims.selectors.matching asks `query <% text` (word similarity) with a bounded LIMIT;
the GIN trigram index answers it without reading every claim. SQLite has no pg_trgm:
there matching retrieves by word overlap on a bounded set (see the selector).
CREATE EXTENSION needs a role that may create it (a superuser, or pg_trgm trusted, as
it is from PostgreSQL 13 for a database owner).
"""

from django.db import migrations

FORWARD = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX IF NOT EXISTS claims_claim_text_trgm
    ON claims_claim USING gin (text gin_trgm_ops);
"""
# The extension stays: other objects may use it, and it costs nothing unused.
# (Django's TrigramExtension is not used: its backwards step queries pg_extension on
# SQLite too.)
BACKWARD = "DROP INDEX IF EXISTS claims_claim_text_trgm;"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("claims", "0017_claim_import")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
