"""Write the whole database to one JSON file that import_all (or loaddata) reads.

The file is a Django fixture: a JSON list of {"model", "pk", "fields"} objects, one
per line. Every row keeps its primary key, so claim ids (and /claims/<id>/ links)
survive a restore. Only references to content types and permissions are written as
natural keys: those rows are not exported, `migrate` makes them, with ids of its own.

Left out: content types and permissions (made by migrate), sessions and the login
rate limit's records (short-lived), API tokens unless --with-tokens (credentials),
and claims.search_vector, which a PostgreSQL trigger recomputes on import.

Deterministic: models in dependency order, rows by primary key, many-to-many lists
and keys sorted, datetimes with their microseconds; two exports of the same data
are byte-identical, on SQLite and PostgreSQL alike.
"""

import json
import os
import tempfile
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.management.base import BaseCommand, CommandError
from django.db import models

# Made by migrate; referred to by natural key.
BY_NATURAL_KEY = (ContentType, Permission)
NOT_EXPORTED_APPS = {"contenttypes", "sessions", "axes"}
# The versions are not data: left out, they keep growing across a
# restore with import_all, so no cached representation is read for restored rows.
NOT_EXPORTED_MODELS = {
    "auth.permission",
    "authtoken.token",
    "claims.representationversion",
    "claims.resourceversion",
}
NOT_EXPORTED_FIELDS = {"claims.claim": {"search_vector"}}
CHUNK = 2000


def backed_up_models(*, with_tokens: bool = False) -> list[type[models.Model]]:
    """Return the models a backup holds, in an order that loads them cleanly."""
    app_list = []
    for app_config in apps.get_app_configs():
        if app_config.label in NOT_EXPORTED_APPS:
            continue
        chosen = [
            model
            for model in app_config.get_models()
            if model._meta.managed
            and not model._meta.proxy
            and (
                model._meta.label_lower not in NOT_EXPORTED_MODELS
                or (with_tokens and model._meta.label_lower == "authtoken.token")
            )
        ]
        if chosen:
            app_list.append((app_config, chosen))
    return serializers.sort_dependencies(app_list, allow_cycles=True)


class BackupEncoder(json.JSONEncoder):
    """JSON for field values, keeping every digit (DjangoJSONEncoder cuts to ms)."""

    def default(self, value):
        if isinstance(value, datetime | date | time):
            return value.isoformat()
        if isinstance(value, Decimal):
            return str(value)
        return super().default(value)


def natural_keys() -> dict[type[models.Model], dict]:
    """Return {model: {pk: natural key}} for the rows referred to by natural key."""
    return {
        model: {row.pk: list(row.natural_key()) for row in model.objects.all()}
        for model in BY_NATURAL_KEY
    }


def serialized_rows(model: type[models.Model], keys: dict) -> list[dict]:
    """Return the rows of `model` as fixture objects, in primary key order."""
    skipped = NOT_EXPORTED_FIELDS.get(model._meta.label_lower, set())
    fields = [
        field.name
        for field in [*model._meta.local_fields, *model._meta.local_many_to_many]
        if field.name not in skipped and not field.primary_key
    ]
    relations = {
        field.name: field.related_model
        for field in [*model._meta.local_fields, *model._meta.local_many_to_many]
        if field.is_relation and field.related_model in BY_NATURAL_KEY
    }
    many = [field.name for field in model._meta.local_many_to_many]
    queryset = model._base_manager.order_by("pk")
    rows = []
    for row in serializers.serialize(
        "python", queryset.iterator(chunk_size=CHUNK), fields=fields
    ):
        for name, related in relations.items():
            value = row["fields"][name]
            if isinstance(value, list):
                row["fields"][name] = [keys[related][pk] for pk in value]
            elif value is not None:
                row["fields"][name] = keys[related][value]
        for name in many:
            row["fields"][name] = sorted(row["fields"][name], key=json.dumps)
        rows.append(row)
    return rows


def write_backup(path: Path, *, with_tokens: bool = False) -> int:
    """Write the backup to `path` (replacing it whole); return the number of rows."""
    keys = natural_keys()
    count = 0
    directory = path.parent if str(path.parent) else Path(".")
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as output:
            output.write("[")
            for model in backed_up_models(with_tokens=with_tokens):
                for row in serialized_rows(model, keys):
                    output.write(",\n" if count else "\n")
                    output.write(
                        json.dumps(
                            row, cls=BackupEncoder, ensure_ascii=False, sort_keys=True
                        )
                    )
                    count += 1
            output.write("\n]\n")
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
    return count


class Command(BaseCommand):
    help = (
        "Write the whole database (sources, claims with their history, users and "
        "groups) to FILE as JSON, for import_all. Deterministic: the same data "
        "gives the same bytes."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Where to write the backup (.json).")
        parser.add_argument(
            "--with-tokens",
            action="store_true",
            help="Include the users' API tokens (credentials: keep the file safe).",
        )

    def handle(self, *args, file, with_tokens, **options):
        path = Path(file)
        if path.suffix != ".json":
            raise CommandError(f"{file}: name the backup file *.json.")
        if not path.parent.is_dir():
            raise CommandError(f"{path.parent}: no such directory.")
        count = write_backup(path, with_tokens=with_tokens)
        self.stdout.write(f"Wrote {count} rows to {path}.")
