import pytest
from django.core.cache import caches
from django.db import connection

from factcheck.db import replicas
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def reads_from_the_primary(request, monkeypatch):
    """Read from "default" in every test but those marked `replicas`.

    With DATABASE_REPLICA_URLS set, each replica is a test mirror of "default": no
    database of its own, but a connection of its own, which would neither see a
    TestCase's uncommitted rows nor be allowed to a test asking for "default" only.
    So the suite runs as without replicas; the drills (tests/replicas) use them.
    """
    if request.node.get_closest_marker("replicas") is None:
        monkeypatch.setattr(replicas, "replica_aliases", list)


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


@pytest.fixture(autouse=True)
def _empty_caches():
    """Start every test with empty caches.

    Cached representations are keyed by the representation version, which a test's
    rolled back transaction (or a flush) sets back: the next test could meet an
    entry of the same version and other rows.
    """
    for cache in caches.all(initialized_only=True):
        cache.clear()
