"""Load the shared rating crosswalk that ships with the app (parsing.ratings)."""

from django.db import migrations


def load_defaults(apps, schema_editor):
    from reviews.parsing.ratings import DEFAULT_CROSSWALK, normalise_label

    RatingMapping = apps.get_model("reviews", "RatingMapping")
    known = set(
        RatingMapping.objects.filter(publisher__isnull=True).values_list(
            "label", flat=True
        )
    )
    RatingMapping.objects.bulk_create(
        RatingMapping(label=normalise_label(label), status=status)
        for label, status in sorted(DEFAULT_CROSSWALK.items())
        if normalise_label(label) not in known
    )


def unload_defaults(apps, schema_editor):
    from reviews.parsing.ratings import DEFAULT_CROSSWALK, normalise_label

    RatingMapping = apps.get_model("reviews", "RatingMapping")
    RatingMapping.objects.filter(
        publisher__isnull=True,
        label__in=[normalise_label(label) for label in DEFAULT_CROSSWALK],
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("reviews", "0001_external_reviews")]

    operations = [migrations.RunPython(load_defaults, unload_defaults)]
