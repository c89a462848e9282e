"""Bound a claim's text, quote and notes (docs/limits.md).

Longer rows are not cut: a claim's text and quote are what its verdict judges, and
a rationale is published with it, so cutting them would change what was reviewed
with no reviewer. Before altering anything, the migration refuses to run while any
claim is longer than the new limits, listing them: shorten those first (in the
admin or with PATCH /api/v1/claims/{id}/, while the code before this change still
runs), then migrate. History rows keep what they recorded.

The limits are validators: altering them changes no column (no SQL), so the
triggers SQLite would lose with a rebuilt table stay.
"""

import django.core.validators
from django.db import migrations, models
from django.db.models.functions import Length

# The limits as this migration set them (claims.models.claims may change later).
LIMITS = {"text": 2_000, "quote": 5_000, "rationale": 10_000, "editor_note": 10_000}
# Rows named in the refusal; the count covers them all.
LISTED = 50


def refuse_longer_rows(apps, schema_editor):
    """Raise, naming the claims longer than the limits, if there are any."""
    Claim = apps.get_model("claims", "Claim")
    found = []
    for field, limit in LIMITS.items():
        rows = (
            Claim.objects.annotate(length=Length(field))
            .filter(length__gt=limit)
            .order_by("pk")
            .values_list("pk", "length")
        )
        found += [
            f"claim {pk}: {field} has {length} characters (at most {limit})"
            for pk, length in rows
        ]
    if found:
        listed = "\n  ".join(found[:LISTED])
        more = f"\n  ... and {len(found) - LISTED} more" if len(found) > LISTED else ""
        raise RuntimeError(
            f"{len(found)} claim fields are longer than the new limits; nothing was "
            f"changed. Shorten them and run migrate again (docs/limits.md):\n  "
            f"{listed}{more}"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0019_claim_corrected_at"),
    ]

    operations = [
        migrations.RunPython(refuse_longer_rows, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="claim",
            name="editor_note",
            field=models.TextField(
                blank=True,
                help_text="Editors' working notes (what is known, what to check); never part of a verdict.",
                validators=[django.core.validators.MaxLengthValidator(10000)],
            ),
        ),
        migrations.AlterField(
            model_name="claim",
            name="quote",
            field=models.TextField(
                help_text="The words exactly as they appear in the document.",
                validators=[django.core.validators.MaxLengthValidator(5000)],
            ),
        ),
        migrations.AlterField(
            model_name="claim",
            name="rationale",
            field=models.TextField(
                blank=True,
                help_text="The reviewer's explanation of the verdict, published with it. Only a claim with a verdict has one; it is written (or confirmed) when the verdict is set and cleared when the claim is reopened.",
                validators=[django.core.validators.MaxLengthValidator(10000)],
            ),
        ),
        migrations.AlterField(
            model_name="claim",
            name="text",
            field=models.TextField(
                help_text="The claim restated as one plain sentence.",
                validators=[django.core.validators.MaxLengthValidator(2000)],
            ),
        ),
        migrations.AlterField(
            model_name="historicalclaim",
            name="editor_note",
            field=models.TextField(
                blank=True,
                help_text="Editors' working notes (what is known, what to check); never part of a verdict.",
                validators=[django.core.validators.MaxLengthValidator(10000)],
            ),
        ),
        migrations.AlterField(
            model_name="historicalclaim",
            name="quote",
            field=models.TextField(
                help_text="The words exactly as they appear in the document.",
                validators=[django.core.validators.MaxLengthValidator(5000)],
            ),
        ),
        migrations.AlterField(
            model_name="historicalclaim",
            name="rationale",
            field=models.TextField(
                blank=True,
                help_text="The reviewer's explanation of the verdict, published with it. Only a claim with a verdict has one; it is written (or confirmed) when the verdict is set and cleared when the claim is reopened.",
                validators=[django.core.validators.MaxLengthValidator(10000)],
            ),
        ),
        migrations.AlterField(
            model_name="historicalclaim",
            name="text",
            field=models.TextField(
                help_text="The claim restated as one plain sentence.",
                validators=[django.core.validators.MaxLengthValidator(2000)],
            ),
        ),
    ]
