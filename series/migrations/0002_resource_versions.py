# The series tables bump the versions of the resources their rows show up in
# (claims migration 0021) instead of the epoch: a comparison shows on its claim's
# page; a series link and an observation on the pages of the metrics they measure
# (the chart's official lines) and of those metrics' claims (the official record
# panel says whether a series is loaded).

import importlib

from django.db import migrations

claims_versions = importlib.import_module("claims.migrations.0024_resource_versions")
Versioned = claims_versions.Versioned

LINKED_METRICS = (
    "SELECT l.metric_id FROM series_metricserieslink l "
    "JOIN series_series s ON s.dataset_id = l.dataset_id AND s.reporter = l.reporter "
    "WHERE s.id IN (SELECT r.series_id FROM {rows} AS r)"
)
TABLES = {
    "series_comparison": Versioned(
        columns=("claim_id",), claims="SELECT r.claim_id AS id FROM {rows} AS r"
    ),
    "series_metricserieslink": Versioned(
        columns=("metric_id",),
        claims=claims_versions.claims_of_metrics(
            "SELECT r.metric_id FROM {rows} AS r"
        ),
        metrics="SELECT r.metric_id AS metric_id FROM {rows} AS r",
    ),
    "series_observation": Versioned(
        columns=("series_id",),
        claims=claims_versions.claims_of_metrics(LINKED_METRICS),
        metrics=f"SELECT linked.metric_id AS metric_id FROM ({LINKED_METRICS}) linked",
    ),
}


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor not in {"postgresql", "sqlite"}:
        return
    for name, table in TABLES.items():
        for statement in claims_versions.drop_global_triggers(name, vendor):
            schema_editor.execute(statement)
        for statement in claims_versions.trigger_sql(name, table, vendor):
            schema_editor.execute(statement)


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor not in {"postgresql", "sqlite"}:
        return
    for name in TABLES:
        for statement in claims_versions.drop_sql(name, vendor):
            schema_editor.execute(statement)
        for statement in claims_versions.global_triggers(name, vendor):
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0024_resource_versions"),
        ("series", "0001_official_series"),
    ]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
