"""On PostgreSQL, index claimReviewed by trigrams for the matcher's word scan.

The matcher asks `UPPER(claim_reviewed) LIKE UPPER('%word%')` (Django's icontains);
a GIN trigram index on that expression answers it without reading every review.
pg_trgm is created by claims' migration 0018. SQLite has no pg_trgm: nothing there.
"""

from django.db import migrations

FORWARD = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX IF NOT EXISTS reviews_claim_reviewed_trgm
    ON reviews_externalreview USING gin ((UPPER(claim_reviewed)) gin_trgm_ops);
"""
BACKWARD = "DROP INDEX IF EXISTS reviews_claim_reviewed_trgm;"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0003_editor_permissions"),
        ("claims", "0018_claim_trigram"),
    ]

    operations = [migrations.RunPython(forward, backward)]
