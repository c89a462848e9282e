"""WholeNumberField: a count or id is a JSON whole number, or a 400 naming it."""

import pytest
from rest_framework import serializers

from factcheck.api.fields import WholeNumberField


class Limit(serializers.Serializer):
    limit = WholeNumberField(min_value=1, max_value=50)


@pytest.mark.parametrize("value", [1, 50, "7"])
def test_whole_numbers_and_their_digits_are_read(value):
    given = Limit(data={"limit": value})
    assert given.is_valid(), given.errors
    assert given.validated_data["limit"] == int(value)


@pytest.mark.parametrize("value", [1.0, "1.0", True, 1.9, "1e3", 1e400, None, [1]])
def test_fractions_exponents_booleans_and_others_are_refused_naming_the_field(value):
    given = Limit(data={"limit": value})
    assert not given.is_valid()
    assert list(given.errors) == ["limit"]


def test_the_bounds_still_hold():
    assert not Limit(data={"limit": 51}).is_valid()
    assert not Limit(data={"limit": 0}).is_valid()
