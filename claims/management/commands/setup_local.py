"""Prepare a local database for `make run`: demo data once, and an admin account."""

import os
import secrets

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

from sources.models import Document


class Command(BaseCommand):
    help = (
        "Load the seed fixtures if the database holds no documents yet, and make "
        "sure a "
        "superuser exists (DJANGO_SUPERUSER_USERNAME / DJANGO_SUPERUSER_PASSWORD, or "
        "'admin' with a generated password that is printed once)."
    )

    def handle(self, *args, **options):
        if Document.objects.exists():
            self.stdout.write("Data already present: fixtures not reloaded.")
        else:
            call_command("loaddata", "seed", verbosity=1, stdout=self.stdout)
        self._ensure_superuser()

    def _ensure_superuser(self):
        user_model = get_user_model()
        username = os.environ.get("DJANGO_SUPERUSER_USERNAME") or "admin"
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD") or ""
        user = user_model.objects.filter(username=username).first()
        if user is not None:
            if password:
                user.set_password(password)
                user.save(update_fields=["password"])
                self.stdout.write(
                    f"Admin account '{username}': password set from environment."
                )
            else:
                self.stdout.write(
                    f"Admin account '{username}' exists; password unchanged."
                )
            return
        generated = not password
        password = password or secrets.token_urlsafe(12)
        user_model.objects.create_superuser(
            username=username, email="", password=password
        )
        if generated:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Created admin account '{username}' with password: {password}\n"
                    "(shown once; set DJANGO_SUPERUSER_PASSWORD to choose your own)"
                )
            )
        else:
            self.stdout.write(
                f"Created admin account '{username}' from the environment."
            )
