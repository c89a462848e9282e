"""Writes with rules for people, whose aliases are rows of their own."""

from django.db import transaction

from factcheck.services import record_save

from .models import Person, PersonAlias


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
