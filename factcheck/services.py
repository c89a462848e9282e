"""The write path shared by simple resources: validate in the model, then store."""

from typing import Any

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


def acting_user(by: Any) -> Any:
    """Return `by` when it is a signed-in user; None for the system or anonymous."""
    if by is not None and getattr(by, "is_authenticated", False):
        return by
    return None
