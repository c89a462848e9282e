"""The write path shared by simple resources: validate in the model, then store."""

from collections.abc import Iterable
from typing import TYPE_CHECKING, TypeAlias

from django.core.exceptions import PermissionDenied
from django.db import models, transaction

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

# Who makes a change: a request's user (perhaps anonymous), or None for the system.
Actor: TypeAlias = "User | AnonymousUser | None"


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


def acting_user(by: Actor) -> "User | None":
    """Return `by` when it is a signed-in user; None for the system or anonymous."""
    if by is not None and by.is_authenticated:
        return by
    return None


class ChangeRefused(PermissionDenied):
    """A change `by` may not make; `fields` names what it would have changed."""

    def __init__(self, message: str, *, fields: Iterable[str]) -> None:
        super().__init__(message)
        self.fields = tuple(fields)
