"""Prepare a local database for `make run`: demo data once, and the local accounts."""

import os
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand

from claims.services.conflicts import detect_all_conflicts
from claims.workflow import EDITORS_GROUP, REVIEWERS_GROUP
from sources.models import Document

# username, the environment variable with its password, group (None: superuser)
ACCOUNTS = [
    ("DJANGO_SUPERUSER_USERNAME", "admin", "DJANGO_SUPERUSER_PASSWORD", None),
    (None, "editor", "DJANGO_EDITOR_PASSWORD", EDITORS_GROUP),
    (None, "reviewer", "DJANGO_REVIEWER_PASSWORD", REVIEWERS_GROUP),
]


class Command(BaseCommand):
    help = (
        "Load the seed fixtures if the database holds no documents yet, and make "
        "sure the local accounts exist: a superuser (DJANGO_SUPERUSER_USERNAME / "
        "DJANGO_SUPERUSER_PASSWORD, or 'admin'), 'editor' (group Editors) and "
        "'reviewer' (group Reviewers). Generated passwords are printed once."
    )

    def handle(self, *args, **options):
        if Document.objects.exists():
            self.stdout.write("Data already present: fixtures not reloaded.")
        else:
            call_command(
                "loaddata",
                *settings.SETUP_LOCAL_FIXTURES,
                verbosity=1,
                stdout=self.stdout,
            )
            for command in settings.SETUP_LOCAL_COMMANDS:
                call_command(command, stdout=self.stdout)
            summary = detect_all_conflicts()
            self.stdout.write(
                f"Conflict detection: {summary.created} links created, "
                f"{summary.flagged} claims flagged for an editor."
            )
        for username_variable, default_username, password_variable, group in ACCOUNTS:
            username = os.environ.get(username_variable or "", "") or default_username
            self._ensure_account(username, os.environ.get(password_variable, ""), group)

    def _ensure_account(self, username: str, password: str, group_name: str | None):
        user_model = get_user_model()
        user = user_model.objects.filter(username=username).first()
        if user is not None:
            if password:
                user.set_password(password)
                user.save(update_fields=["password"])
                self.stdout.write(
                    f"Account '{username}': password set from environment."
                )
            else:
                self.stdout.write(f"Account '{username}' exists; password unchanged.")
            return
        generated = not password
        password = password or secrets.token_urlsafe(12)
        if group_name is None:
            user_model.objects.create_superuser(
                username=username, email="", password=password
            )
        else:
            user = user_model.objects.create_user(
                username=username, email="", password=password, is_staff=True
            )
            user.groups.add(Group.objects.get(name=group_name))
        role = group_name or "superuser"
        if generated:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Created account '{username}' ({role}) with password: {password}"
                )
            )
        else:
            self.stdout.write(
                f"Created account '{username}' ({role}) from environment."
            )
