"""Writes with rules for publishers, people (whose aliases are rows of their own) and
documents.

Every change to a stored publisher, person or document goes through source_save,
which first tells the other apps what it changes (sources.signals.source_changing):
claims refuses an editor's change to what a published verdict shows and records a
reviewer's on the claims. sources knows nothing of claims; the rule is claims'.
"""

import copy
from collections.abc import Iterable
from typing import TypeVar

from django.db import models, transaction
from django.db.models import ProtectedError, QuerySet

from factcheck.services import Actor, acting_user

from .models import Document, Person, PersonAlias, Publisher
from .signals import source_changing

Source = TypeVar("Source", Publisher, Person, Document)


def _stored(instance: models.Model, *, lock: bool) -> models.Model | None:
    if instance.pk is None:
        return None
    rows = type(instance)._default_manager.all()
    if lock:
        rows = rows.select_for_update()
    return rows.filter(pk=instance.pk).first()


def _changes(
    instance: models.Model, stored: models.Model | None, many: dict | None
) -> frozenset[str]:
    """Return the names of the editable fields whose value `instance` changes."""
    if stored is None:
        return frozenset()
    changed = {
        field.name
        for field in instance._meta.concrete_fields
        if field.editable
        and not field.primary_key
        and getattr(instance, field.attname) != getattr(stored, field.attname)
    }
    for name, related in (many or {}).items():
        wanted = {getattr(row, "pk", row) for row in related}
        current = set(getattr(stored, name).values_list("pk", flat=True))
        if wanted != current:
            changed.add(name)
    return frozenset(changed)


def source_change_check(
    *, instance: Source, values: dict, many: dict | None = None, by: Actor
) -> None:
    """Raise PermissionDenied when `by` may not make this change; store nothing.

    For forms, which show the refusal by the field before anything is saved.
    """
    candidate = copy.copy(instance)
    for name, value in values.items():
        setattr(candidate, name, value)
    changed = _changes(candidate, _stored(instance, lock=False), many)
    if changed:
        source_changing.send(
            sender=type(instance),
            instance=candidate,
            changed=changed,
            by=by,
            reason="",
            apply=False,
        )


@transaction.atomic
def source_save(
    *,
    instance: Source,
    values: dict,
    many: dict[str, list] | None = None,
    by: Actor = None,
    reason: str = "",
) -> Source:
    """Validate and store a publisher, person or document under the other apps' rules.

    The stored row is locked while it is compared; what the change alters is sent
    as sources.signals.source_changing before the save, and a receiver's refusal
    (PermissionDenied) stores nothing. `by` None is the system.
    """
    stored = _stored(instance, lock=True)
    for name, value in values.items():
        setattr(instance, name, value)
    instance.full_clean()
    changed = _changes(instance, stored, many)
    if changed:
        source_changing.send(
            sender=type(instance),
            instance=instance,
            changed=changed,
            by=by,
            reason=reason,
            apply=True,
        )
    # Read by django-simple-history on save; the stubs do not know them.
    user = acting_user(by)
    if user is not None:
        instance._history_user = user  # type: ignore[attr-defined]
    if reason:
        instance._change_reason = reason  # type: ignore[attr-defined]
    instance.save()
    for name, related in (many or {}).items():
        getattr(instance, name).set(related)
    return instance


@transaction.atomic
def person_save(
    *,
    person: Person,
    values: dict,
    aliases: list[str] | None,
    by: Actor = None,
    reason: str = "",
) -> Person:
    """Store a person and, when given, replace their aliases with `aliases`."""
    source_save(instance=person, values=values, by=by, reason=reason)
    if aliases is not None:
        wanted = {name.strip() for name in aliases if name.strip()}
        person.aliases.exclude(name__in=wanted).delete()
        existing = set(person.aliases.values_list("name", flat=True))
        for name in sorted(wanted - existing):
            alias = PersonAlias(person=person, name=name)
            alias.full_clean()
            alias.save()
    return person


def authored_documents(people: Iterable[Person]) -> QuerySet[Document]:
    """Return the documents any of `people` is an author of."""
    return Document.objects.filter(authors__in=list(people)).distinct().order_by("id")


@transaction.atomic
def person_delete(*, person: Person) -> None:
    """Delete a person no document names as an author (claims protect themselves)."""
    documents = list(authored_documents([person])[:20])
    if documents:
        raise ProtectedError(
            f"{person} is an author of {len(documents)} document(s).", set(documents)
        )
    person.delete()
