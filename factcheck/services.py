"""The write path shared by simple resources: validate in the model, then store."""

from django.db import models, transaction


@transaction.atomic
def record_save(
    *,
    instance: models.Model,
    values: dict,
    many: dict[str, list] | None = None,
) -> models.Model:
    """Set `values` on `instance`, validate it with full_clean(), save, then set m2m."""
    for name, value in values.items():
        setattr(instance, name, value)
    instance.full_clean()
    instance.save()
    for name, related in (many or {}).items():
        getattr(instance, name).set(related)
    return instance
