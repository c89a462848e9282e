import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from sources.models import DatePrecision, Document, Person, text_sha256
from tests.factories import DocumentFactory, PersonAliasFactory, PersonFactory

pytestmark = pytest.mark.django_db


def test_person_is_found_by_any_alias_whatever_the_case():
    sanaei = PersonFactory(name="Mehdi Sanaei")
    PersonAliasFactory(person=sanaei, name="Mahdi Sanaei")
    PersonAliasFactory(person=sanaei, name="Mehdi SANAEI")
    PersonFactory(name="Someone Else")

    assert list(Person.objects.named("mahdi sanaei")) == [sanaei]
    assert list(Person.objects.named("Mehdi SANAEI")) == [sanaei]
    assert list(Person.objects.named("Mehdi Sanaei")) == [sanaei]


@pytest.mark.parametrize("wikidata_id", ["42", "q42", "Q", "Q0", "Q42x", "P31"])
def test_malformed_wikidata_id_is_refused_naming_the_field(wikidata_id):
    person = PersonFactory.build(wikidata_id=wikidata_id)
    with pytest.raises(ValidationError) as error:
        person.full_clean()
    assert "wikidata_id" in error.value.message_dict


def test_malformed_wikidata_id_is_refused_by_the_database_too():
    with pytest.raises(IntegrityError), transaction.atomic():
        PersonFactory(wikidata_id="42")


def test_wellformed_wikidata_id_is_accepted():
    person = PersonFactory.build(wikidata_id="Q7747")
    person.full_clean()


def test_document_url_is_unique_when_given_but_many_may_have_none():
    DocumentFactory(url="https://example.org/a")
    DocumentFactory(url="")
    DocumentFactory(url="")
    with pytest.raises(IntegrityError), transaction.atomic():
        DocumentFactory(url="https://example.org/a")
    assert Document.objects.filter(url="").count() == 2


def test_duplicate_document_url_is_a_validation_error_naming_url():
    DocumentFactory(url="https://example.org/a")
    duplicate = DocumentFactory.build(url="https://example.org/a", publisher=None)
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert error.value.message_dict == {
        "url": ["A current document with this URL exists."]
    }


def test_publication_date_in_the_future_is_refused():
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    document = DocumentFactory.build(published_on=tomorrow, publisher=None)
    with pytest.raises(ValidationError) as error:
        document.full_clean()
    assert "published_on" in error.value.message_dict


def test_stored_text_gets_its_sha256_and_loses_it_when_cleared():
    document = DocumentFactory(text="Trade hardly passed 3 billion dollars.")
    assert document.text_sha256 == text_sha256("Trade hardly passed 3 billion dollars.")
    assert len(document.text_sha256) == 64

    document.text = ""
    document.save()
    document.refresh_from_db()
    assert document.text_sha256 == ""


@pytest.mark.parametrize(
    ("precision", "expected"),
    [
        (DatePrecision.DAY, "2013-04-23"),
        (DatePrecision.MONTH, "2013-04"),
        (DatePrecision.YEAR, "2013"),
    ],
)
def test_published_date_is_shown_only_as_far_as_it_is_known(precision, expected):
    document = DocumentFactory.build(
        published_on=datetime.date(2013, 4, 23), published_precision=precision
    )
    assert document.published_display == expected


def test_quote_matching_tolerates_whitespace_and_typographic_quotes():
    document = DocumentFactory.build(
        text="Iran\u2019s  Ambassador said\n“trade will grow”."
    )
    assert document.contains_quote('Iran\'s Ambassador said "trade will grow"')
    assert not document.contains_quote("Iran's Ambassador said trade will shrink")


@pytest.mark.parametrize("field", ["published_on", "accessed_on"])
@pytest.mark.parametrize("value", [datetime.date.min, datetime.date(999, 12, 31)])
def test_a_document_date_before_1000_is_refused_naming_the_field(field, value):
    document = DocumentFactory.build(publisher=None, **{field: value})

    with pytest.raises(ValidationError) as error:
        document.full_clean()

    assert error.value.message_dict == {
        field: ["Use a date between 1000-01-01 and 2999-12-31."]
    }


def test_a_document_date_from_1000_on_is_valid():
    document = DocumentFactory.build(
        publisher=None,
        published_on=datetime.date(1000, 1, 1),
        accessed_on=datetime.date(1000, 1, 1),
    )

    document.full_clean()
