"""The front cache drill on PostgreSQL: varnishd in front of the app, live.

The app is pytest-django's live server (this process, the test database), varnishd
(bench/frontcache.Varnish, the VCL of docker/varnish/default.vcl) listens on
127.0.0.1 in front of it, and the purge goes to it from the job the revision
defers (run after the commit: the tests' JOBS_MODE is inline). Shows that an
anonymous page is kept and served by Varnish, that a signed-in request never is,
and that a revised verdict is served at once after the purge.
"""

import http.client
from urllib.parse import urlsplit

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from bench.frontcache import Varnish, varnishd_path
from claims.models import Claim
from claims.ratings import Status
from claims.services.claims import claim_update
from tests.factories import FigureClaimFactory, UserFactory, user_in_group

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        varnishd_path() is None,
        reason="varnishd is not installed (apt-get install varnish varnish-modules)",
    ),
]

# Made for this test.
RATIONALE = "Customs statistics show another figure (made for this test)."
REVISED = "The revised rationale: the ministry corrected its release (made up)."


@pytest.fixture
def front(on_postgres, live_server, settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    with Varnish(urlsplit(live_server.url).port) as varnish:
        settings.FACTCHECK_FRONT_CACHE_PURGE_URLS = [varnish.url]
        yield varnish


def get(varnish, path, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", varnish.port, timeout=30)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read().decode()
    finally:
        connection.close()


def published() -> Claim:
    return FigureClaimFactory(status=Status.FALSE, rationale=RATIONALE)


def test_an_anonymous_page_is_served_by_varnish_the_second_time(front):
    claim = published()
    path = f"/claims/{claim.pk}/"
    status, first, body = get(front, path)
    assert status == 200
    assert RATIONALE in body
    assert first["X-Front-Cache"] == "miss"
    assert len(first["X-Varnish"].split()) == 1
    _, second, again = get(front, path)
    assert second["X-Front-Cache"] == "hit"
    # Two ids: this request's and that of the request that stored the object.
    assert len(second["X-Varnish"].split()) == 2
    assert "Age" in second
    assert again == body
    assert "xkey" not in second


def test_a_signed_in_request_is_never_served_from_varnish(front):
    claim = published()
    path = f"/claims/{claim.pk}/"
    get(front, path)
    get(front, path)  # kept for anonymous readers
    client = Client()
    client.force_login(UserFactory(is_staff=True))
    session = client.cookies["sessionid"].value
    token = Token.objects.create(user=UserFactory()).key
    for headers, read in (
        ({"Cookie": f"sessionid={session}"}, path),
        ({"Authorization": f"Token {token}"}, f"/api/v1/claims/{claim.pk}/"),
    ):
        for _ in range(2):
            status, answer, _ = get(front, read, headers)
            assert status == 200
            assert answer["X-Front-Cache"] == "miss"
            assert len(answer["X-Varnish"].split()) == 1
            assert answer["Cache-Control"].startswith("private")


def test_a_revised_verdict_is_served_right_after_the_purge(front):
    claim, other = published(), published()
    reviewer = user_in_group("Reviewers", username="rev")
    pages = [f"/claims/{claim.pk}/", f"/api/v1/claims/{claim.pk}/"]
    unrelated = f"/claims/{other.pk}/"
    for path in [*pages, unrelated]:
        get(front, path)
        _, kept, body = get(front, path)
        assert kept["X-Front-Cache"] == "hit"
        assert RATIONALE in body
    claim_update(claim=claim, values={"rationale": REVISED}, by=reviewer)
    for path in pages:
        _, answer, body = get(front, path)
        assert answer["X-Front-Cache"] == "miss"
        assert REVISED in body
    _, answer, _ = get(front, unrelated)
    assert answer["X-Front-Cache"] == "hit"  # another claim's page was not purged
