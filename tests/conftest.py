import pytest
from django.db import connection

from tests.factories import UserFactory


@pytest.fixture
def on_postgres():
    """Skip the test, with the reason shown, unless the database is PostgreSQL."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL-only behaviour; run with DATABASE_URL=postgres://...")


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client
