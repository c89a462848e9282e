"""Versions per resource: what ETags and cache keys of public reads hang on.

A representation shows resources: a claim ("claim:<id>": its detail, public page
and ClaimReview), a metric ("metric:<id>": its figures and page) or the lists and
feeds any claim can appear in ("all-claims"). Triggers (claims migration 0021, series
0002) add 1 to the versions of the resources a statement's rows show up in, in its
transaction; every representation also depends on the epoch (EPOCH, bumped by a
TRUNCATE). A version is the sum of its shares. Read the versions before the rows
they stand for: a reader then never holds rows older than its versions, so a
representation cached under versions can never be staler than they are. Read them
from the database the rows come from (the router's choice: a replica for a safe
request, the primary otherwise): a primary's newer version over a lagging
replica's rows would file stale rows under a new key.
"""

import functools
from collections.abc import Collection, Mapping

from psycopg import sql

from factcheck.caching import EPOCH
from factcheck.db import read_database

from ..models import Claim, Metric, RepresentationVersion, ResourceVersion

# The list of claims and the feeds any claim can appear in. Named to sort before
# every other resource: the triggers bump it first (migration 0021).
CLAIMS = "all-claims"

# Composed with psycopg.sql (_statement): {version}, {epoch}, {claim} and {metric}
# are the tables, {names} the placeholders of the resources asked for.
_VERSIONS_SQL = (
    "SELECT version.resource, SUM(version.value) FROM {version} version "
    "WHERE version.resource IN ({names}) GROUP BY version.resource "
    "UNION ALL SELECT %s, (SELECT COALESCE(SUM(epoch.value), 0) FROM {epoch} epoch)"
)
_EPOCH_SQL = "SELECT %s, (SELECT COALESCE(SUM(epoch.value), 0) FROM {epoch} epoch)"

# A claim's own version (its If-Match part) and its resource's, in one statement.
_CLAIM_STAMP_SQL = (
    "SELECT claim.version, "
    "(SELECT COALESCE(SUM(version.value), 0) FROM {version} version "
    "WHERE version.resource = %s), "
    "(SELECT COALESCE(SUM(epoch.value), 0) FROM {epoch} epoch) "
    "FROM {claim} claim WHERE claim.id = %s"
)

# A metric's id and its resource's version, by slug, in one statement.
_METRIC_STAMP_SQL = (
    "SELECT metric.id, "
    "(SELECT COALESCE(SUM(version.value), 0) FROM {version} version "
    "WHERE version.resource = 'metric:' || metric.id), "
    "(SELECT COALESCE(SUM(epoch.value), 0) FROM {epoch} epoch) "
    "FROM {metric} metric WHERE metric.slug = %s"
)


@functools.cache
def _statement(template: str, names: int = 0) -> str:
    return (
        sql.SQL(template)
        .format(
            version=sql.Identifier(ResourceVersion._meta.db_table),
            epoch=sql.Identifier(RepresentationVersion._meta.db_table),
            claim=sql.Identifier(Claim._meta.db_table),
            metric=sql.Identifier(Metric._meta.db_table),
            names=sql.SQL(", ").join([sql.Placeholder()] * names),
        )
        .as_string()
    )


def claim_resource(claim_id: int) -> str:
    return f"claim:{claim_id}"


def metric_resource(metric_id: int) -> str:
    return f"metric:{metric_id}"


def resource_versions(resources: Collection[str]) -> dict[str, int]:
    """Return the versions of `resources` and the epoch, in one query."""
    names = sorted(set(resources) - {EPOCH})
    versions = dict.fromkeys(names, 0)
    with read_database(Claim).cursor() as cursor:
        if names:
            cursor.execute(_statement(_VERSIONS_SQL, len(names)), [*names, EPOCH])
        else:  # IN () is not SQL
            cursor.execute(_statement(_EPOCH_SQL), [EPOCH])
        for resource, value in cursor.fetchall():
            versions[resource] = int(value)
    return versions


def list_versions(known: Mapping[str, int] | None = None) -> dict[str, int]:
    """Return the versions the lists and feeds of claims are built at.

    `known`: versions this request has read already (factcheck.caching
    versions_read); used when they are the lists' own, saving the query.
    """
    if known is not None and set(known) == {CLAIMS, EPOCH}:
        return dict(known)
    return resource_versions([CLAIMS])


def claim_stamp(claim_id: int) -> tuple[int, dict[str, int]] | None:
    """Return the claim's own version and the versions its answers are built at.

    None: no such claim.
    """
    resource = claim_resource(claim_id)
    with read_database(Claim).cursor() as cursor:
        cursor.execute(_statement(_CLAIM_STAMP_SQL), [resource, claim_id])
        row = cursor.fetchone()
    if row is None:
        return None
    return int(row[0]), {resource: int(row[1]), EPOCH: int(row[2])}


def metric_stamp(slug: str) -> tuple[int, dict[str, int]] | None:
    """Return the metric's id and the versions its answers are built at.

    None: no such metric.
    """
    with read_database(Claim).cursor() as cursor:
        cursor.execute(_statement(_METRIC_STAMP_SQL), [slug])
        row = cursor.fetchone()
    if row is None:
        return None
    metric_id = int(row[0])
    return metric_id, {metric_resource(metric_id): int(row[1]), EPOCH: int(row[2])}
