"""On PostgreSQL, index document titles for claim search (claims.search).

Search matches a claim by its document's title with
to_tsvector('english', COALESCE(title, '')); this GIN index holds the same
expression, so a search reads the index instead of computing the vector of every
title. SQLite has no text search; there search falls back to contains-matching.
"""

from django.db import migrations

FORWARD = """
CREATE INDEX IF NOT EXISTS document_title_search_gin ON sources_document
    USING gin (to_tsvector('english'::regconfig, COALESCE(title, ''::text)));
"""
BACKWARD = "DROP INDEX IF EXISTS document_title_search_gin;"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [
        ("sources", "0002_ingest_versions_anchors_candidates"),
    ]

    operations = [migrations.RunPython(forward, backward)]
