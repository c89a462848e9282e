"""Factories for the tests' own rows; fixtures load only where they are tested."""

import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from claims.models import Claim, ClaimLink, Comparator, Evidence, Metric
from sources.models import DatePrecision, Document, Person, PersonAlias, Publisher


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


class PublisherFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Publisher

    name = factory.Sequence(lambda n: f"Publisher {n}")
    url = factory.Sequence(lambda n: f"https://publisher{n}.example.org")
    kind = Publisher.Kind.NEWS_OUTLET
    country = "US"


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"Person {n}")


class PersonAliasFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PersonAlias

    person = factory.SubFactory(PersonFactory)
    name = factory.Sequence(lambda n: f"Alias {n}")


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Document

    title = factory.Sequence(lambda n: f"Document {n}")
    url = factory.Sequence(lambda n: f"https://news.example.org/articles/{n}")
    publisher = factory.SubFactory(PublisherFactory)
    type = Document.Type.NEWS_ARTICLE
    published_on = datetime.date(2013, 4, 23)
    published_precision = DatePrecision.DAY


class MetricFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Metric

    name = factory.Sequence(lambda n: f"Trade volume {n}")
    slug = factory.Sequence(lambda n: f"trade-volume-{n}")
    unit = "USD"


class ClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Claim

    text = factory.Sequence(lambda n: f"Trade stood at some figure, claim {n}.")
    quote = factory.Sequence(lambda n: f"trade stood at some figure {n}")
    document = factory.SubFactory(DocumentFactory)
    claimed_on = datetime.date(2013, 4, 23)


class FigureClaimFactory(ClaimFactory):
    metric = factory.SubFactory(MetricFactory)
    value = Decimal("5300000000")
    unit = "USD"
    comparator = Comparator.APPROXIMATELY
    period_start = datetime.date(2012, 3, 20)
    period_end = datetime.date(2013, 3, 20)
    period_label = "last year"


class EvidenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Evidence

    claim = factory.SubFactory(ClaimFactory)
    url = "https://stats.example.org/trade"
    stance = Evidence.Stance.CONTEXT


class ClaimLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClaimLink

    from_claim = factory.SubFactory(ClaimFactory)
    to_claim = factory.SubFactory(ClaimFactory)
    relation = ClaimLink.Relation.CONTRADICTS


def user_in_group(group_name: str, **fields):
    """Return a staff user in the Editors or Reviewers group made by the migration."""
    from django.contrib.auth.models import Group

    user = UserFactory(is_staff=True, **fields)
    user.groups.add(Group.objects.get(name=group_name))
    return user


class CandidateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "claims.Candidate"

    document = factory.SubFactory(DocumentFactory)
    quote = "trade stood close to 5.3 billion dollars"
    quote_start = factory.Sequence(lambda n: n * 100)
    quote_end = factory.LazyAttribute(lambda c: c.quote_start + len(c.quote))
    value = Decimal("5300000000")
    unit = "USD"
    comparator = Comparator.APPROXIMATELY
    score = 0.8
