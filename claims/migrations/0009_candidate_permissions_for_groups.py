"""Editors and Reviewers judge candidate claims: add their permissions to both groups."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CANDIDATE_PERMISSIONS = ["add_candidate", "change_candidate", "view_candidate"]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("claims")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        content_type__app_label="claims", codename__in=CANDIDATE_PERMISSIONS
    )
    for group in Group.objects.filter(name__in=["Editors", "Reviewers"]):
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        content_type__app_label="claims", codename__in=CANDIDATE_PERMISSIONS
    )
    for group in Group.objects.filter(name__in=["Editors", "Reviewers"]):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0008_ingest_versions_anchors_candidates"),
        ("claims", "0006_editor_and_reviewer_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
