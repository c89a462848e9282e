# The representation version (claims.models.RepresentationVersion): triggers add 1
# to it in the transaction of every statement that writes a table the public
# representations are made of, so ETags and cache keys can be computed from it in
# one small query (claims.selectors.versions).

from django.db import migrations, models

# Every table a claim list, detail, figures, ClaimReview or public page shows.
TABLES = [
    "claims_claim",
    "claims_metric",
    "claims_evidence",
    "claims_claimlink",
    "sources_document",
    "sources_document_authors",
    "sources_person",
    "sources_personalias",
    "sources_publisher",
]
SHARES = 64

POSTGRESQL_FUNCTION = f"""
CREATE OR REPLACE FUNCTION claims_bump_representation_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO claims_representationversion (share, value)
    VALUES (mod(pg_backend_pid(), {SHARES}), 1)
    ON CONFLICT (share) DO UPDATE
    SET value = claims_representationversion.value + 1;
    RETURN NULL;
END
$$;
"""

# SQLite has row triggers only; its writers take turns anyway, so one share.
SQLITE_TRIGGER = """
CREATE TRIGGER IF NOT EXISTS {table}_representation_version_{event}
AFTER {event} ON {table}
BEGIN
    INSERT INTO claims_representationversion (share, value) VALUES (0, 1)
    ON CONFLICT (share) DO UPDATE SET value = value + 1;
END;
"""
SQLITE_EVENTS = ["insert", "update", "delete"]


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_FUNCTION)
        for table in TABLES:
            schema_editor.execute(
                f"DROP TRIGGER IF EXISTS {table}_representation_version ON {table}"
            )
            schema_editor.execute(
                f"CREATE TRIGGER {table}_representation_version "
                f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                "FOR EACH STATEMENT "
                "EXECUTE FUNCTION claims_bump_representation_version()"
            )
    elif vendor == "sqlite":
        for table in TABLES:
            for event in SQLITE_EVENTS:
                schema_editor.execute(SQLITE_TRIGGER.format(table=table, event=event))


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(
                f"DROP TRIGGER IF EXISTS {table}_representation_version ON {table}"
            )
        schema_editor.execute(
            "DROP FUNCTION IF EXISTS claims_bump_representation_version()"
        )
    elif vendor == "sqlite":
        for table in TABLES:
            for event in SQLITE_EVENTS:
                schema_editor.execute(
                    f"DROP TRIGGER IF EXISTS {table}_representation_version_{event}"
                )


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0014_incremental_conflict_detection"),
        ("sources", "0004_history_for_publishers_and_people"),
    ]

    operations = [
        migrations.CreateModel(
            name="RepresentationVersion",
            fields=[
                ("share", models.SmallIntegerField(primary_key=True, serialize=False)),
                ("value", models.BigIntegerField(default=0)),
            ],
            options={"db_table": "claims_representationversion"},
        ),
        migrations.RunPython(create_triggers, drop_triggers),
        # The home page's latest verdicts.
        migrations.AddIndex(
            model_name="claim",
            index=models.Index(fields=["reviewed_at"], name="claim_reviewed_at_idx"),
        ),
    ]
