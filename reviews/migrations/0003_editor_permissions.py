"""Let Editors and Reviewers import external reviews and keep the crosswalk."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODELS = ["externalreview", "reviewpublisher", "ratingmapping", "reviewimport"]
ACTIONS = ["add", "change", "view"]


def grant(apps, schema_editor):
    # Permissions are normally made after all migrations; make them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        content_type__app_label="reviews",
        codename__in=[f"{action}_{model}" for model in MODELS for action in ACTIONS],
    )
    for group in Group.objects.filter(name__in=["Editors", "Reviewers"]):
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="reviews")
    for group in Group.objects.filter(name__in=["Editors", "Reviewers"]):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0002_default_rating_crosswalk"),
        ("claims", "0006_editor_and_reviewer_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
