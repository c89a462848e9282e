# Versions per resource (claims.models.ResourceVersion): instead of one global
# counter, triggers add 1 to the versions of the resources a statement's rows show up
# in ("claim:<id>", "metric:<id>", "all-claims"), so a write to one claim leaves the
# cached answers of other claims and unrelated metrics valid. The triggers read the
# rows a statement wrote (PostgreSQL: statement triggers over transition tables;
# SQLite: row triggers over NEW and OLD), so bulk updates, COPY and raw SQL bump
# what they touch. TRUNCATE, which has no rows to read, bumps the epoch (the old
# representation version, which every cached answer also depends on).
#
# trigger_sql() is also used by series migration 0002 for the series tables.

from dataclasses import dataclass

from django.db import migrations, models

SHARES = 64
OPERATIONS = ("insert", "update", "delete")


@dataclass(frozen=True)
class Versioned:
    """A table whose writes bump versions: which claims and metrics its rows show in.

    `claims` and `metrics` turn a row source (a table expression with `columns`)
    into SELECTs of claim ids (AS id) and metric ids (AS metric_id); the claims'
    own metrics, the claims linked to them and their metrics follow (shown_in).
    `inserts_show` is False where a new row cannot be in a kept answer yet (a new
    claim has no page kept, a new document no claims).
    """

    columns: tuple[str, ...]
    claims: str = ""
    metrics: str = ""
    inserts_show: bool = True


def claims_of_documents(documents: str) -> str:
    """Return the claims a document shows in: its own and those it is evidence for."""
    return (
        f"SELECT c.id AS id FROM claims_claim c WHERE c.document_id IN ({documents}) "
        f"UNION SELECT e.claim_id FROM claims_evidence e "
        f"WHERE e.document_id IN ({documents})"
    )


def claims_of_metrics(metrics: str) -> str:
    return f"SELECT c.id AS id FROM claims_claim c WHERE c.metric_id IN ({metrics})"


def claims_of_people(people: str) -> str:
    documents = (
        "SELECT a.document_id FROM sources_document_authors a "
        f"WHERE a.person_id IN ({people})"
    )
    return (
        f"SELECT c.id AS id FROM claims_claim c WHERE c.speaker_id IN ({people}) "
        f"UNION {claims_of_documents(documents)}"
    )


TABLES = {
    "claims_claim": Versioned(
        columns=("id", "metric_id"),
        claims="SELECT r.id AS id FROM {rows} AS r",
        metrics="SELECT r.metric_id AS metric_id FROM {rows} AS r",
        inserts_show=False,
    ),
    "claims_evidence": Versioned(
        columns=("claim_id",), claims="SELECT r.claim_id AS id FROM {rows} AS r"
    ),
    "claims_claimlink": Versioned(
        columns=("from_claim_id", "to_claim_id"),
        claims="SELECT r.from_claim_id AS id FROM {rows} AS r "
        "UNION SELECT r.to_claim_id FROM {rows} AS r",
    ),
    "claims_metric": Versioned(
        columns=("id",),
        claims=claims_of_metrics("SELECT r.id FROM {rows} AS r"),
        metrics="SELECT r.id AS metric_id FROM {rows} AS r",
        inserts_show=False,
    ),
    "sources_document": Versioned(
        columns=("id",),
        claims=claims_of_documents("SELECT r.id FROM {rows} AS r"),
        inserts_show=False,
    ),
    "sources_document_authors": Versioned(
        columns=("document_id",),
        claims=claims_of_documents("SELECT r.document_id FROM {rows} AS r"),
    ),
    "sources_person": Versioned(
        columns=("id",),
        claims=claims_of_people("SELECT r.id FROM {rows} AS r"),
        inserts_show=False,
    ),
    "sources_publisher": Versioned(
        columns=("id",),
        claims=claims_of_documents(
            "SELECT d.id FROM sources_document d "
            "WHERE d.publisher_id IN (SELECT r.id FROM {rows} AS r)"
        ),
        inserts_show=False,
    ),
}
# sources_personalias was versioned by 0015; no representation shows an alias.
UNVERSIONED = ["sources_personalias"]
EMPTY_CLAIMS = "SELECT c.id AS id FROM claims_claim c WHERE 1 = 0"
EMPTY_METRICS = "SELECT c.metric_id AS metric_id FROM claims_claim c WHERE 1 = 0"


def resources_shown(claims: str, metrics: str) -> str:
    """Return a SELECT of the resources (AS resource) the claims and metrics show in.

    A claim shows in its own answers, its metric's, the lists ("all-claims"), and the
    answers of the claims linked to it (their conflicts name it), and theirs'
    metrics'.
    """
    changed = f"SELECT changed.id FROM ({claims}) AS changed"
    shown = (
        f"{changed} "
        f"UNION SELECT l.to_claim_id FROM claims_claimlink l "
        f"WHERE l.from_claim_id IN ({changed}) "
        f"UNION SELECT l.from_claim_id FROM claims_claimlink l "
        f"WHERE l.to_claim_id IN ({changed})"
    )
    return (
        "SELECT 'all-claims' AS resource "
        f"UNION SELECT 'claim:' || shown.id FROM ({shown}) AS shown "
        "UNION SELECT 'metric:' || c.metric_id FROM claims_claim c "
        f"WHERE c.metric_id IS NOT NULL AND c.id IN ({shown}) "
        f"UNION SELECT 'metric:' || m.metric_id FROM ({metrics}) AS m "
        "WHERE m.metric_id IS NOT NULL"
    )


def bump_statement(table: Versioned, operation: str, rows: str, vendor: str) -> str:
    """Return the INSERT that bumps what `operation`'s rows of `table` show in.

    On PostgreSQL the rows are bumped in one order, "all-claims" first: every bump
    includes it, so two transactions bumping the same share (their backends' pids
    alike modulo SHARES) queue on that row at their first bump, holding no other
    version row, and never deadlock over version rows.
    """
    shows = operation != "insert" or table.inserts_show
    claims = table.claims.format(rows=rows) if table.claims and shows else ""
    metrics = table.metrics.format(rows=rows) if table.metrics else ""
    resources = resources_shown(claims or EMPTY_CLAIMS, metrics or EMPTY_METRICS)
    if vendor == "postgresql":
        return (
            "INSERT INTO claims_resourceversion (resource, share, value) "
            f"SELECT bumped.resource, mod(pg_backend_pid(), {SHARES}), 1 "
            f'FROM ({resources}) AS bumped ORDER BY bumped.resource COLLATE "C" '

            "ON CONFLICT (resource, share) "
            "DO UPDATE SET value = claims_resourceversion.value + 1"
        )
    # SQLite: "WHERE true" tells its parser the ON CONFLICT is the upsert's.
    return (
        "INSERT INTO claims_resourceversion (resource, share, value) "
        f"SELECT bumped.resource, 0, 1 FROM ({resources}) AS bumped WHERE true "
        "ON CONFLICT (resource, share) DO UPDATE SET value = value + 1"
    )


def _sqlite_rows(table: Versioned, *records: str) -> str:
    selects = [
        "SELECT " + ", ".join(f"{record}.{c} AS {c}" for c in table.columns)
        for record in records
    ]
    return "(" + " UNION ALL ".join(selects) + ")"


def _postgresql_rows(table: Versioned, *transition_tables: str) -> str:
    if len(transition_tables) == 1:
        return transition_tables[0]
    columns = ", ".join(table.columns)
    selects = [f"SELECT {columns} FROM {name}" for name in transition_tables]
    return "(" + " UNION ALL ".join(selects) + ")"


def trigger_sql(name: str, table: Versioned, vendor: str) -> list[str]:
    """Return the statements creating the version triggers of table `name`."""
    if vendor == "sqlite":
        records = {"insert": ("NEW",), "update": ("OLD", "NEW"), "delete": ("OLD",)}
        return [
            f"CREATE TRIGGER IF NOT EXISTS {name}_resources_{operation} "
            f"AFTER {operation.upper()} ON {name} BEGIN "
            + bump_statement(
                table, operation, _sqlite_rows(table, *records[operation]), vendor
            )
            + "; END"
            for operation in OPERATIONS
        ]
    transition = {
        "insert": ("new_rows",),
        "update": ("old_rows", "new_rows"),
        "delete": ("old_rows",),
    }
    branches = {
        operation: bump_statement(
            table, operation, _postgresql_rows(table, *transition[operation]), vendor
        )
        for operation in OPERATIONS
    }
    statements = [
        f"CREATE OR REPLACE FUNCTION {name}_resources() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP = 'INSERT' THEN {branches['insert']}; "
        f"ELSIF TG_OP = 'UPDATE' THEN {branches['update']}; "
        f"ELSE {branches['delete']}; END IF; "
        "RETURN NULL; END $$"
    ]
    referencing = {
        "insert": "NEW TABLE AS new_rows",
        "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "delete": "OLD TABLE AS old_rows",
    }
    for operation in OPERATIONS:
        statements.append(
            f"CREATE TRIGGER {name}_resources_{operation} "
            f"AFTER {operation.upper()} ON {name} "
            f"REFERENCING {referencing[operation]} FOR EACH STATEMENT "
            f"EXECUTE FUNCTION {name}_resources()"
        )
    # TRUNCATE has no rows to read: it bumps the epoch (migration 0015's function).
    statements.append(
        f"CREATE TRIGGER {name}_representation_epoch AFTER TRUNCATE ON {name} "
        "FOR EACH STATEMENT EXECUTE FUNCTION claims_bump_representation_version()"
    )
    return statements


def drop_sql(name: str, vendor: str) -> list[str]:
    """Return the statements dropping what trigger_sql() created for table `name`."""
    if vendor == "sqlite":
        return [
            f"DROP TRIGGER IF EXISTS {name}_resources_{operation}"
            for operation in OPERATIONS
        ]
    return [
        *(
            f"DROP TRIGGER IF EXISTS {name}_resources_{operation} ON {name}"
            for operation in OPERATIONS
        ),
        f"DROP TRIGGER IF EXISTS {name}_representation_epoch ON {name}",
        f"DROP FUNCTION IF EXISTS {name}_resources()",
    ]


def drop_global_triggers(name: str, vendor: str) -> list[str]:
    """Return the statements dropping migration 0015's triggers of table `name`."""
    if vendor == "sqlite":
        return [
            f"DROP TRIGGER IF EXISTS {name}_representation_version_{operation}"
            for operation in OPERATIONS
        ]
    return [f"DROP TRIGGER IF EXISTS {name}_representation_version ON {name}"]


def global_triggers(name: str, vendor: str) -> list[str]:
    """Return migration 0015's triggers of table `name` (to migrate back)."""
    if vendor == "sqlite":
        return [
            f"CREATE TRIGGER IF NOT EXISTS {name}_representation_version_{operation} "
            f"AFTER {operation.upper()} ON {name} BEGIN "
            "INSERT INTO claims_representationversion (share, value) VALUES (0, 1) "
            "ON CONFLICT (share) DO UPDATE SET value = value + 1; END"
            for operation in OPERATIONS
        ]
    return [
        f"CREATE TRIGGER {name}_representation_version "
        f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {name} "
        "FOR EACH STATEMENT EXECUTE FUNCTION claims_bump_representation_version()"
    ]


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor not in {"postgresql", "sqlite"}:
        return
    for name in [*TABLES, *UNVERSIONED]:
        for statement in drop_global_triggers(name, vendor):
            schema_editor.execute(statement)
    for name, table in TABLES.items():
        for statement in trigger_sql(name, table, vendor):
            schema_editor.execute(statement)


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor not in {"postgresql", "sqlite"}:
        return
    for name in TABLES:
        for statement in drop_sql(name, vendor):
            schema_editor.execute(statement)
    for name in [*TABLES, *UNVERSIONED]:
        for statement in global_triggers(name, vendor):
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0023_recheck"),
        # After every table it puts triggers on has its last column: SQLite rebuilds
        # a table to add a column with a default, and a rebuilt table has no triggers.
        ("sources", "0005_document_text_language"),
    ]

    operations = [
        migrations.CreateModel(
            name="ResourceVersion",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "resource",
                        "share",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("resource", models.CharField(max_length=64)),
                ("share", models.SmallIntegerField()),
                ("value", models.BigIntegerField(default=0)),
            ],
            options={"db_table": "claims_resourceversion"},
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
