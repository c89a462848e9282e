"""Load a backup written by export_all into an empty, migrated database.

One transaction: the tables the backup replaces are emptied (on a freshly migrated
database that is only the groups the migrations made, which the backup brings back),
the rows are loaded with their primary keys, references are checked, and the
PostgreSQL sequences are moved past the highest id. Any failure leaves the database
as it was. PostgreSQL recomputes claims.search_vector with its trigger.
"""

from pathlib import Path

from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, transaction
from rest_framework.authtoken.models import Token

from .export_all import backed_up_models

# Rows a freshly migrated database already holds in the tables a backup replaces.
# An app's model whose migrations seed rows (the shipped rating crosswalk) says so
# with `seeded_by_migrations = True` (factcheck names no app).
MADE_BY_MIGRATIONS = {Group, Group.permissions.through}


def made_by_migrations(model) -> bool:
    return model in MADE_BY_MIGRATIONS or getattr(model, "seeded_by_migrations", False)


def replaced_models():
    """Return the models whose rows an import replaces: the backup's, tokens, sessions.

    Sessions and tokens go too: after a restore their user ids may name other users.
    """
    return [*backed_up_models(with_tokens=True), Session]


def replaced_tables() -> list[str]:
    tables = []
    for model in replaced_models():
        tables.append(model._meta.db_table)
        tables += [
            field.remote_field.through._meta.db_table
            for field in model._meta.local_many_to_many
            if field.remote_field.through._meta.auto_created
        ]
    return sorted(set(tables))


def rows_in_the_way() -> list[str]:
    """Return "72 claims"-style counts of the rows an import would delete."""
    counts = []
    for model in replaced_models():
        if made_by_migrations(model) or model is Token:
            continue
        count = model._base_manager.count()
        if count:
            name = model._meta.verbose_name if count == 1 else None
            counts.append(f"{count} {name or model._meta.verbose_name_plural}")
    return counts


class Command(BaseCommand):
    help = (
        "Load FILE, written by export_all, into an empty migrated database, in one "
        "transaction. Refuses if the database holds data, unless --force, which "
        "deletes everything the backup replaces first."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="A backup written by export_all (.json).")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Delete the claims, sources, users and history already there first.",
        )

    def handle(self, *args, file, force, **options):
        path = Path(file).resolve()
        if not path.is_file():
            raise CommandError(f"{file}: no such file.")
        if path.suffix != ".json":
            raise CommandError(f"{file}: not a backup written by export_all (*.json).")
        in_the_way = rows_in_the_way()
        if in_the_way and not force:
            raise CommandError(
                "This database is not empty: it holds "
                f"{', '.join(in_the_way)}. import_all restores into an empty, "
                "migrated database; run it on a new one, or pass --force to delete "
                "these rows first (in the same transaction as the import)."
            )
        with transaction.atomic():
            # Run the foreign key checks a caller's transaction may have pending:
            # PostgreSQL truncates no table that has some.
            connection.check_constraints()
            connection.ops.execute_sql_flush(
                connection.ops.sql_flush(no_style(), replaced_tables())
            )
            call_command(
                "loaddata",
                str(path),
                verbosity=options["verbosity"],
                stdout=self.stdout,
            )
        if in_the_way:
            self.stdout.write(f"Replaced {', '.join(in_the_way)}.")
