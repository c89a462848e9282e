"""Filter backends and filters the apps' lists share."""

from collections.abc import Callable

import django_filters
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, filters


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, skipped when a request asks for no filter at all.

    Building a FilterSet deep-copies every filter; the plain first page of a list,
    the most requested page, needs none of them.
    """

    unfiltered_params = frozenset({"cursor", "page_size", "ordering", "format"})

    def filter_queryset(self, request, queryset, view):
        if set(request.query_params) <= self.unfiltered_params:
            return queryset
        return super().filter_queryset(request, queryset, view)


def validate_search_text(
    text: str, split: Callable[[str], list[str]] = str.split
) -> None:
    """Refuse a search of over SEARCH_MAX_LENGTH characters or SEARCH_MAX_WORDS words.

    `split` cuts the text into the words the search will look for.
    """
    if len(text) > settings.SEARCH_MAX_LENGTH:
        raise DjangoValidationError(
            f"A search may have at most {settings.SEARCH_MAX_LENGTH} characters; "
            f"this one has {len(text)}.",
            code="max_length",
        )
    words = len(split(text))
    if words > settings.SEARCH_MAX_WORDS:
        raise DjangoValidationError(
            f"A search may have at most {settings.SEARCH_MAX_WORDS} words; "
            f"this one has {words}.",
            code="max_words",
        )


class SearchFilter(filters.SearchFilter):
    """DRF's ?search=, capped, whose refusals (a null character) name the parameter.

    DRF joins a multi-valued field (a person's aliases) once for all the words, so
    the rows do not multiply per word; each word adds a condition, hence the cap.
    """

    def get_search_terms(self, request):
        try:
            validate_search_text(
                request.query_params.get(self.search_param, ""),
                # The stubs take its argument for a list; DRF passes the text.
                filters.search_smart_split,  # type: ignore[arg-type]
            )
            return super().get_search_terms(request)
        except DjangoValidationError as error:
            messages = {self.search_param: error.messages}
            raise exceptions.ValidationError(messages) from error
        except exceptions.ValidationError as error:
            detail = {self.search_param: error.detail}
            raise exceptions.ValidationError(detail) from error


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
