"""Store many new rows with PostgreSQL's COPY (psycopg 3's cursor.copy()).

COPY FROM STDIN streams the rows in one statement: no statement per 250 rows to
parse, plan and execute as bulk_create has, and no parameter limit. Row triggers
fire as for INSERT (the search vector's, any other), and constraints are checked.
The rows are given their ids first, from the table's own sequence, so that the
caller can point history rows and jobs at them.
"""

from collections.abc import Iterable, Sequence

from django.db import connection
from django.db.models import Model
from psycopg import sql


def reserve_ids(model: type[Model], count: int) -> list[int]:
    """Take `count` ids from the sequence of the model's primary key, in order."""
    if count == 0:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s))"
            " FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def copy_objects(
    model: type[Model], objects: Sequence[Model], *, skip: Iterable[str] = ()
) -> None:
    """Insert unsaved `objects` of `model` with COPY, as bulk_create would.

    Every concrete field is written but those in `skip` (by attname): a field left
    out takes its column default or what a trigger gives it. Fields with pre_save
    work (auto_now) get it, as on save.
    """
    skipped = set(skip)
    fields = [f for f in model._meta.concrete_fields if f.attname not in skipped]
    statement = sql.SQL("COPY {table} ({columns}) FROM STDIN").format(
        table=sql.Identifier(model._meta.db_table),
        columns=sql.SQL(", ").join(sql.Identifier(f.column) for f in fields),
    )
    with connection.cursor() as cursor:
        # Django's wrapper has no copy(): the psycopg cursor under it does.
        with cursor.cursor.copy(statement) as copy:
            for obj in objects:
                copy.write_row(
                    [
                        field.get_db_prep_save(
                            field.pre_save(obj, add=True), connection=connection
                        )
                        for field in fields
                    ]
                )
