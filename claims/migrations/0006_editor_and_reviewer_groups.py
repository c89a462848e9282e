"""Create the Editors and Reviewers groups with their permissions (see claims.workflow)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITABLE = {
    "claims": ["claim", "metric", "evidence", "claimlink"],
    "sources": ["document", "person", "personalias", "publisher"],
}
# Editors may remove what hangs off a claim; deleting claims and documents is a
# reviewer's decision (both keep their history and can be restored).
EDITOR_DELETES = {"claims": ["evidence", "claimlink"], "sources": ["personalias"]}
REVIEWER_DELETES = {"claims": ["claim", "metric"], "sources": ["document", "person", "publisher"]}


def codenames(actions, models_by_app):
    return [
        (app, f"{action}_{model}")
        for app, models in models_by_app.items()
        for model in models
        for action in actions
    ]


def create_groups(apps, schema_editor):
    # Permissions are normally made after all migrations; make them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def permissions(pairs):
        found = []
        for app, codename in pairs:
            found.append(
                Permission.objects.get(content_type__app_label=app, codename=codename)
            )
        return found

    editor_permissions = permissions(
        codenames(["add", "change", "view"], EDITABLE)
        + codenames(["delete"], EDITOR_DELETES)
    )
    reviewer_permissions = editor_permissions + permissions(
        codenames(["delete"], REVIEWER_DELETES) + [("claims", "set_verdict")]
    )
    editors, _ = Group.objects.get_or_create(name="Editors")
    editors.permissions.set(editor_permissions)
    reviewers, _ = Group.objects.get_or_create(name="Reviewers")
    reviewers.permissions.set(reviewer_permissions)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(
        name__in=["Editors", "Reviewers"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0005_workflow_version_and_figure_comparison"),
        ("sources", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
