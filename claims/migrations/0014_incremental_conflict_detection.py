# Incremental conflict detection: which figures hold each detected link, the version
# detection last saw, and (PostgreSQL) GiST indexes that find a metric's figures by
# period in O(log n + k) (claims.services.conflicts.rows_near).
#
# Links detected before this migration have holds 0: run `manage.py detect_conflicts`
# once after it (README, "Upgrading"), which recomputes every metric.

from django.db import migrations, models

# The same expressions claims.services.conflicts writes, so the planner uses them.
INDEXES = [
    (
        "claim_figure_period_gist",
        "(metric_id, daterange(period_start, period_end, '[]'))",
        "value IS NOT NULL AND (period_start IS NOT NULL OR period_end IS NOT NULL)",
    ),
    (
        # In days from 2000-01-01: date arithmetic could leave the date range for
        # a period near year 1, and fail the insert of such a row.
        "claim_implied_period_gist",
        "(metric_id, int8range((period_start - DATE '2000-01-01') "
        "- (period_end - period_start) - 45, period_start - DATE '2000-01-01', '[]'))",
        "value IS NOT NULL AND change_percent IS NOT NULL "
        "AND period_start IS NOT NULL AND period_end IS NOT NULL",
    ),
]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    for name, expression, condition in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON claims_claim "
            f"USING gist {expression} WHERE {condition}"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _, _ in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ('claims', '0013_stated_figure_help_texts'),
    ]

    operations = [
        migrations.AddField(
            model_name='claim',
            name='conflicts_checked_version',
            field=models.PositiveIntegerField(blank=True, editable=False, help_text="The version conflict detection last saw: when it is not the claim's version, a check is pending.", null=True),
        ),
        migrations.AddField(
            model_name='claimlink',
            name='holds',
            field=models.PositiveSmallIntegerField(default=0, editable=False, help_text="Which figures hold a detected link (claims.figures.comparison bits); 0 for an editor's link."),
        ),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
