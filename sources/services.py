"""Writes with rules for people, whose aliases are rows of their own."""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import ProtectedError, QuerySet

from factcheck.services import record_save

from .models import Document, Person, PersonAlias


@transaction.atomic
def person_save(*, person: Person, values: dict, aliases: list[str] | None) -> Person:
    """Store a person and, when given, replace their aliases with `aliases`."""
    record_save(instance=person, values=values)
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
