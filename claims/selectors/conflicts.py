"""Conflicts as pages show them: each claim's contradicts links, described."""

import functools
import json
from decimal import Decimal
from typing import Any

from django.db import connection
from psycopg import sql

from factcheck.db import read_database
from sources.models import Document

from ..figures.formatting import format_figure
from ..models import Claim, ClaimLink

_CONTRADICTS = ClaimLink.Relation.CONTRADICTS


def conflicts_of(claim_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Return each claim's `contradicts` links, both ways, in one query.

    Every id asked for is a key; each link is described from that claim's side:
    the other claim, its figure and period label, its document's title, the link's
    note as the reason and whether detection made it.
    """
    ids = set(claim_ids)
    result: dict[int, list[dict[str, Any]]] = {claim_id: [] for claim_id in claim_ids}
    if not ids:
        return result
    # Raw SQL is routed as the ORM's reads are (a replica inside a safe request).
    database = read_database(ClaimLink)
    with database.cursor() as cursor:
        cursor.execute(conflicts_sql(database.vendor), _conflicts_params(sorted(ids)))
        links = cursor.fetchall()
    for note, detected, *sides in links:
        width = len(sides) // 2
        for this, other in (
            (sides[:width], sides[width:]),
            (sides[width:], sides[:width]),
        ):
            if this[0] in ids:
                other_id, value, unit, comparator, upper, period_label, title = other
                result[this[0]].append(
                    {
                        "claim": other_id,
                        "figure": format_figure(
                            _decimal(value), unit, comparator, _decimal(upper)
                        ),
                        "period_label": period_label,
                        "document": title,
                        "reason": note,
                        "detected": bool(detected),
                    }
                )
    return result


# The query of every list page and detail, written out: the ORM took longer to build
# it than PostgreSQL to run it. One statement text for any number of ids (an array,
# or JSON on SQLite), so it is prepared once per connection.
_CONFLICTS_SQL = sql.SQL("""
SELECT link.note, link.detected,
       a.id, a.value, a.unit, a.comparator, a.value_upper, a.period_label, ad.title,
       b.id, b.value, b.unit, b.comparator, b.value_upper, b.period_label, bd.title
FROM {link} link
JOIN {claim} a ON a.id = link.from_claim_id
JOIN {document} ad ON ad.id = a.document_id
JOIN {claim} b ON b.id = link.to_claim_id
JOIN {document} bd ON bd.id = b.document_id
WHERE link.relation = %s
  AND (link.from_claim_id {members} OR link.to_claim_id {members})
ORDER BY link.id
""")
_MEMBERS = {
    "postgresql": sql.SQL("= ANY(%s)"),
    "sqlite": sql.SQL("IN (SELECT value FROM json_each(%s))"),
}


@functools.cache
def conflicts_sql(vendor: str) -> str:
    """Return the statement of conflicts_of for a database vendor."""
    return _CONFLICTS_SQL.format(
        link=sql.Identifier(ClaimLink._meta.db_table),
        claim=sql.Identifier(Claim._meta.db_table),
        document=sql.Identifier(Document._meta.db_table),
        members=_MEMBERS[vendor],
    ).as_string()


def _conflicts_params(ids: list[int]) -> list[str | list[int]]:
    members = ids if connection.vendor == "postgresql" else json.dumps(ids)
    return [_CONTRADICTS, members, members]


def _decimal(value: Decimal | float | None) -> Decimal | None:
    # SQLite hands back a decimal column as a float or an int.
    if value is None or isinstance(value, Decimal):
        return value
    return Decimal(str(value))


def conflict_references(
    claim_ids: list[int], limit: int
) -> tuple[dict[int, list[dict[str, Any]]], dict[int, int]]:
    """Return each claim's first `limit` conflicts in short, and how many it has.

    A short reference names the other claim, its figure and its period label; the
    database counts and cuts, so a claim with thousands of conflicts costs a page
    `limit` rows. Both dicts have every id asked for as a key.
    """
    references: dict[int, list[dict[str, Any]]] = {i: [] for i in claim_ids}
    counts: dict[int, int] = dict.fromkeys(claim_ids, 0)
    if not claim_ids:
        return references, counts
    members = _conflicts_params(sorted(set(claim_ids)))[1]
    database = read_database(ClaimLink)  # as the ORM reads
    with database.cursor() as cursor:
        cursor.execute(
            references_sql(database.vendor),
            [_CONTRADICTS, members, _CONTRADICTS, members, limit],
        )
        rows = cursor.fetchall()
    for this_id, total, other_id, value, unit, comparator, upper, label in rows:
        counts[this_id] = total
        references[this_id].append(
            {
                "claim": other_id,
                "figure": format_figure(
                    _decimal(value), unit, comparator, _decimal(upper)
                ),
                "period_label": label,
            }
        )
    return references, counts


# Both directions of a link, numbered per claim in link order; rows past the limit
# are counted, not sent.
_REFERENCES_SQL = sql.SQL("""
WITH sides AS (
    SELECT link.id AS link_id, link.from_claim_id AS this_id,
           link.to_claim_id AS other_id
    FROM {link} link
    WHERE link.relation = %s AND link.from_claim_id {members}
    UNION ALL
    SELECT link.id, link.to_claim_id, link.from_claim_id
    FROM {link} link
    WHERE link.relation = %s AND link.to_claim_id {members}
), ranked AS (
    SELECT this_id, other_id, link_id,
           ROW_NUMBER() OVER (PARTITION BY this_id ORDER BY link_id) AS position,
           COUNT(*) OVER (PARTITION BY this_id) AS total
    FROM sides
)
SELECT ranked.this_id, ranked.total, other.id, other.value, other.unit,
       other.comparator, other.value_upper, other.period_label
FROM ranked
JOIN {claim} other ON other.id = ranked.other_id
WHERE ranked.position <= %s
ORDER BY ranked.this_id, ranked.link_id
""")


@functools.cache
def references_sql(vendor: str) -> str:
    """Return the statement of conflict_references for a database vendor."""
    return _REFERENCES_SQL.format(
        link=sql.Identifier(ClaimLink._meta.db_table),
        claim=sql.Identifier(Claim._meta.db_table),
        members=_MEMBERS[vendor],
    ).as_string()
