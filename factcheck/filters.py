"""Filters the apps' FilterSets share."""

import django_filters
from django import forms
from drf_spectacular.utils import extend_schema_field

# The largest id a 64-bit primary key holds; SQLite raised OverflowError past it.
LARGEST_ID = 2**63 - 1


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": LARGEST_ID})
class IdFilter(django_filters.Filter):
    """A row's id: a whole number from 1 to 2**63 - 1; anything else is a 400.

    django-filter's NumberFilter reads a decimal, so "1e30" or 23 digits reached the
    database as an id.
    """

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", LARGEST_ID)
        super().__init__(*args, **kwargs)
