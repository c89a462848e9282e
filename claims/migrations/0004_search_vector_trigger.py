"""On PostgreSQL, keep claims.search_vector current with a trigger and index it with GIN.

SQLite has no text search types; there the field stays empty and search falls back to
contains-matching (claims.search).
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION claims_claim_search_vector_update() RETURNS trigger AS $$
BEGIN
    NEW.search_vector :=
        setweight(to_tsvector('english', coalesce(NEW.text, '')), 'A')
        || setweight(to_tsvector('english', coalesce(NEW.quote, '')), 'B');
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS claims_claim_search_vector ON claims_claim;
CREATE TRIGGER claims_claim_search_vector
    BEFORE INSERT OR UPDATE ON claims_claim
    FOR EACH ROW EXECUTE FUNCTION claims_claim_search_vector_update();

UPDATE claims_claim SET search_vector =
    setweight(to_tsvector('english', coalesce(text, '')), 'A')
    || setweight(to_tsvector('english', coalesce(quote, '')), 'B');

CREATE INDEX IF NOT EXISTS claims_claim_search_vector_gin
    ON claims_claim USING gin (search_vector);
"""

BACKWARD = """
DROP INDEX IF EXISTS claims_claim_search_vector_gin;
DROP TRIGGER IF EXISTS claims_claim_search_vector ON claims_claim;
DROP FUNCTION IF EXISTS claims_claim_search_vector_update();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0003_search_vector"),
    ]

    operations = [migrations.RunPython(forward, backward)]
