"""Backup and restore: export_all, then import_all, gives back the same database.

"The same" is checked the strict way: the export of the restored database has the
same sha256 as the backup it was restored from. The data holds what a real database
does: the seed, edits and a deletion with their history, users, groups with their
permissions, an admin log entry, Persian text, and history pointing at a publisher
that has since been deleted.
"""

import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Max
from rest_framework.authtoken.models import Token

from claims.models import Claim
from claims.ratings import Status
from claims.services.claims import claim_delete, claim_save, claim_set_status
from sources.models import Document, Publisher
from tests.factories import (
    CandidateFactory,
    ClaimFactory,
    DocumentFactory,
    PublisherFactory,
    user_in_group,
)

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).absolute().parents[2]
MOVE_DATABASE = "factcheck_backup_test"
EDITOR_PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's


def populate() -> None:
    """Fill an empty migrated database with one of everything a backup must keep."""
    call_command("loaddata", "seed", verbosity=0)
    editor = user_in_group("Editors", username="backup-editor", first_name="مهدی")
    reviewer = user_in_group("Reviewers", username="backup-reviewer")
    Token.objects.create(user=editor)
    claim = Claim.objects.order_by("pk").first()
    claim.editor_note = "Checked against the customs figures for ۱۳۹۱."
    claim_save(claim=claim, by=editor, change_reason="Checked")
    claim_set_status(claim=claim, status=Status.IN_REVIEW, by=editor)
    claim_delete(claim=ClaimFactory(text="A claim made in error."), by=reviewer)
    # History keeps pointing at a publisher that no longer exists.
    gone, kept = PublisherFactory(name="Defunct outlet"), PublisherFactory()
    document = DocumentFactory(publisher=gone, title="گزارش تجارت")
    document.publisher = kept
    document.save()
    gone.delete()
    CandidateFactory(document=document)
    LogEntry.objects.create(
        user=reviewer,
        content_type=ContentType.objects.get_for_model(Claim),
        object_id=str(claim.pk),
        object_repr=str(claim)[:200],
        action_flag=CHANGE,
        change_message=json.dumps([{"changed": {"fields": ["Rationale"]}}]),
    )


@pytest.fixture
def world(db):
    populate()
    yield
    # A flush or restore gives the content types new ids; the rollback brings the
    # old ones back, but Django caches them per process.
    ContentType.objects.clear_cache()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def export(path: Path, *options: str) -> Path:
    call_command("export_all", str(path), *options, stdout=io.StringIO())
    return path


def restore(path: Path, *options: str) -> None:
    call_command("import_all", str(path), *options, stdout=io.StringIO())


def test_two_exports_of_the_same_data_are_byte_identical(world, tmp_path):
    first, second = export(tmp_path / "a.json"), export(tmp_path / "b.json")
    assert first.read_bytes() == second.read_bytes()
    rows = json.loads(first.read_text(encoding="utf-8"))
    models = {row["model"] for row in rows}
    assert {"claims.claim", "claims.historicalclaim", "auth.user", "auth.group"} <= (
        models
    )
    assert not models & {"contenttypes.contenttype", "auth.permission"}
    assert "authtoken.token" not in models
    claims = [row for row in rows if row["model"] == "claims.claim"]
    assert claims
    assert all("search_vector" not in row["fields"] for row in claims)


def test_export_flush_import_export_gives_the_same_bytes(world, tmp_path):
    backup = export(tmp_path / "backup.json")
    counts = {
        model: model._base_manager.count()
        for model in (Claim, Claim.history.model, Document, Publisher, User, Group)
    }
    # PostgreSQL truncates no table with foreign key checks still pending in the
    # test's transaction: run them first.
    connection.check_constraints()
    call_command("flush", interactive=False, verbosity=0)
    assert not Group.objects.exists()  # flush empties what migrations made, too

    restore(backup)

    assert sha256(export(tmp_path / "again.json")) == sha256(backup)
    assert {model: model._base_manager.count() for model in counts} == counts
    editor = User.objects.get(username="backup-editor")
    assert editor.check_password(EDITOR_PASSWORD)
    assert editor.first_name == "مهدی"
    assert editor.has_perm("claims.change_claim")
    assert not editor.has_perm("claims.set_verdict")
    claim = Claim.objects.order_by("pk").first()
    assert claim.history.first().history_user == editor
    assert Claim.history.filter(history_type="-").count() == 1
    # The sequences moved past the restored ids (the claim's and its history's).
    highest = Claim.objects.aggregate(Max("pk"))["pk__max"]
    assert ClaimFactory(document=Document.objects.first()).pk > highest
    if connection.vendor == "postgresql":
        assert not Claim.objects.filter(search_vector__isnull=True).exists()


def test_tokens_are_left_out_unless_asked_for(world, tmp_path):
    key = Token.objects.get().key
    without, with_tokens = (
        export(tmp_path / "a.json"),
        export(tmp_path / "b.json", "--with-tokens"),
    )
    restore(without, "--force")
    assert not Token.objects.exists()  # clients sign in again
    restore(with_tokens, "--force")
    assert Token.objects.get().key == key


def test_import_refuses_a_database_that_holds_data(world, tmp_path):
    backup = export(tmp_path / "backup.json")
    with pytest.raises(CommandError) as refusal:
        restore(backup)
    message = str(refusal.value)
    assert "claims" in message
    assert "documents" in message
    assert "--force" in message
    Claim.objects.order_by("pk").first().delete()
    restore(backup, "--force")
    assert sha256(export(tmp_path / "again.json")) == sha256(backup)


def test_a_failing_import_changes_nothing(world, tmp_path):
    backup = export(tmp_path / "backup.json")
    broken = tmp_path / "broken.json"
    rows = json.loads(backup.read_text(encoding="utf-8"))
    claim = next(row for row in rows if row["model"] == "claims.claim")
    claim["fields"]["document"] = 999_999  # no such document
    broken.write_text(json.dumps(rows), encoding="utf-8")
    with pytest.raises(Exception):  # noqa: B017, PT011 - the database's error, whichever
        restore(broken, "--force")
    assert sha256(export(tmp_path / "after.json")) == sha256(backup)


def test_import_names_a_missing_or_foreign_file(db, tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        restore(tmp_path / "missing.json")
    with pytest.raises(CommandError, match="json"):
        call_command("export_all", str(tmp_path / "backup.tar"))


# SQLite to PostgreSQL --------------------------------------------------------


def manage(database_url: str, *arguments: str) -> str:
    """Run manage.py against another database in a process of its own."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_"))
    }
    environment |= {
        "DJANGO_SETTINGS_MODULE": "factcheck.settings.test",
        "DATABASE_URL": database_url,
    }
    result = subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture
def empty_postgres_database(on_postgres):
    """Create an empty PostgreSQL database beside the test database; drop it after."""
    config = settings.DATABASES["default"]
    server = {
        "host": config["HOST"] or "127.0.0.1",
        "port": config["PORT"] or 5432,
        "user": config["USER"],
        "password": config["PASSWORD"] or None,
    }

    def run(statement: str) -> None:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            admin.execute(statement)

    run(f"DROP DATABASE IF EXISTS {MOVE_DATABASE} WITH (FORCE)")
    run(f"CREATE DATABASE {MOVE_DATABASE} ENCODING 'UTF8' TEMPLATE template0")
    password = f":{server['password']}" if server["password"] else ""
    yield (
        f"postgres://{server['user']}{password}@{server['host']}:{server['port']}"
        f"/{MOVE_DATABASE}"
    )
    run(f"DROP DATABASE IF EXISTS {MOVE_DATABASE} WITH (FORCE)")


def test_a_sqlite_database_moves_to_postgresql_unchanged(
    tmp_path, empty_postgres_database
):
    sqlite = f"sqlite:///{tmp_path / 'source.sqlite3'}"
    manage(sqlite, "migrate", "--no-input", "-v", "0")
    manage(
        sqlite,
        "shell",
        "--no-imports",
        "-c",
        "from tests.reliability.test_backup import populate; populate()",
    )
    backup = tmp_path / "from-sqlite.json"
    manage(sqlite, "export_all", str(backup))

    postgres = empty_postgres_database
    manage(postgres, "migrate", "--no-input", "-v", "0")
    manage(postgres, "import_all", str(backup))
    moved = tmp_path / "from-postgres.json"
    manage(postgres, "export_all", str(moved))

    assert sha256(moved) == sha256(backup)
    checked = manage(
        postgres,
        "shell",
        "--no-imports",
        "-c",
        "from django.db.models import Max; from claims.models import Claim; "
        "from sources.models import Document; "
        "from tests.factories import ClaimFactory; "
        "highest = Claim.objects.aggregate(Max('pk'))['pk__max']; "
        "new = ClaimFactory(document=Document.objects.first()); "
        "print(Claim.objects.filter(search_vector__isnull=True).count(), "
        "new.pk > highest)",
    )
    assert checked.split() == ["0", "True"]
