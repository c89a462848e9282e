import pytest
from django.db import connection

from claims.models import Claim
from sources.models import Publisher
from tests.factories import DocumentFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="PostgreSQL-only behaviour; run with DATABASE_URL=postgres://...",
    ),
]


def test_a_bulk_create_beyond_65535_parameters_is_split_to_fit():
    document = DocumentFactory()
    claims = [
        Claim(text=f"Claim {n}", quote=f"quote {n}", document=document)
        for n in range(3000)
    ]
    fields = len([f for f in Claim._meta.concrete_fields if not f.primary_key])
    assert fields * len(claims) > 65_535  # one statement could not carry them

    Claim.objects.bulk_create(claims)

    assert Claim.objects.filter(document=document).count() == 3000


def test_a_statement_run_often_is_prepared_on_the_server():
    for _ in range(6):
        list(Publisher.objects.filter(name="Associated Press"))

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ['%FROM "sources_publisher"%'],
        )
        (prepared,) = cursor.fetchone()
    assert prepared == 1
