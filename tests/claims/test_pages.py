"""The reader's pages: home, search results, a claim, a metric (claims.pages)."""

import re

import pytest
from django.core.management import call_command
from django.utils import timezone

from claims.models import Claim
from claims.ratings import Status
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db


def test_the_home_page_lists_the_fixtures_verdicts_which_have_no_review_date(client):
    # The seed's disputed claims were loaded with their verdicts, not reviewed
    # here: they have no reviewed_at, and a fresh `make run` showed none of them.
    call_command("loaddata", "seed", verbosity=0)
    disputed = set(
        Claim.objects.filter(status=Status.DISPUTED).values_list("pk", flat=True)
    )
    assert len(disputed) == 6
    page = client.get("/").content.decode()
    assert "No verdicts yet" not in page
    listed = {int(pk) for pk in re.findall(r'href="/claims/(\d+)/"', page)}
    assert disputed <= listed


def test_the_home_page_lists_dated_verdicts_before_undated_ones(client):
    undated = ClaimFactory(status=Status.DISPUTED)  # made for this test
    dated = ClaimFactory(status=Status.FALSE, reviewed_at=timezone.now())
    ClaimFactory(status=Status.UNVERIFIED)
    page = client.get("/").content.decode()
    listed = [int(pk) for pk in re.findall(r'href="/claims/(\d+)/"', page)]
    assert listed[:2] == [dated.pk, undated.pk]
