"""How lists are paged: cursors for claims, limit/offset elsewhere, both bounded."""

import datetime
import decimal
import math

from django.core.exceptions import FieldError
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from rest_framework import exceptions, pagination
from rest_framework.request import Request

# The most rows one page of any list holds, and the furthest a limit/offset list
# pages: an OFFSET costs the database every row it skips.
MAX_PAGE_SIZE = 200
MAX_OFFSET = 1_000_000
PAGE_SIZE_PARAMETER = "page_size"


def page_size_from(request: Request, parameter: str, largest: int) -> int | None:
    """Return the page size asked for by `parameter` (at most `largest`), or None.

    A value that is not a whole number from 1 is a 400 naming the parameter (DRF
    answered a default page for ?limit=null or ?limit=0).
    """
    raw = request.query_params.get(parameter, "")
    if raw == "":
        return None
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        raise exceptions.ValidationError(
            {
                parameter: [
                    f"Use a whole number from 1 (more than {largest} gives {largest})."
                ]
            }
        )
    return min(int(raw), largest)


def bounded(parameters: list[dict], bounds: dict[str, dict]) -> list[dict]:
    """Return DRF's schema parameters with `bounds` added to the named ones."""
    for parameter in parameters:
        parameter["schema"].update(bounds.get(parameter["name"], {}))
    return parameters


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """DRF's limit/offset pages, at most MAX_PAGE_SIZE rows from at most MAX_OFFSET.

    A larger limit gives MAX_PAGE_SIZE rows, as page_size does on the cursor lists;
    an offset that is not a whole number up to MAX_OFFSET is a 400 (DRF read a bad
    one as 0, silently the first page, and sent a huge one to the database).
    """

    max_limit = MAX_PAGE_SIZE

    def get_limit(self, request):
        limit = page_size_from(request, self.limit_query_param, MAX_PAGE_SIZE)
        return self.default_limit if limit is None else limit

    def get_schema_operation_parameters(self, view):
        return bounded(
            super().get_schema_operation_parameters(view),
            {
                self.limit_query_param: {"minimum": 1},
                self.offset_query_param: {"minimum": 0, "maximum": MAX_OFFSET},
            },
        )

    def get_offset(self, request):
        raw = request.query_params.get(self.offset_query_param, "")
        if raw == "":
            return 0
        if not (raw.isascii() and raw.isdigit()) or int(raw) > MAX_OFFSET:
            raise exceptions.ValidationError(
                {
                    self.offset_query_param: [
                        f"Use a whole number from 0 to {MAX_OFFSET}."
                    ]
                }
            )
        return int(raw)


class ClaimCursorPagination(pagination.CursorPagination):
    page_size = 50
    page_size_query_param = PAGE_SIZE_PARAMETER
    max_page_size = MAX_PAGE_SIZE
    ordering: str | list[str] | tuple[str, ...] = "-id"  # as DRF declares it

    def get_page_size(self, request):
        size = page_size_from(request, PAGE_SIZE_PARAMETER, self.max_page_size)
        return self.page_size if size is None else size

    def get_schema_operation_parameters(self, view):
        return bounded(
            super().get_schema_operation_parameters(view),
            {PAGE_SIZE_PARAMETER: {"minimum": 1}},
        )

    def paginate_queryset(self, queryset, request, view=None):
        # decode_cursor checks the position against the field the page is ordered
        # by, which only the queryset knows.
        self._queryset = queryset
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound as error:
            raise self._invalid() from error
        if cursor is not None and cursor.position is not None:
            queryset = getattr(self, "_queryset", None)
            if queryset is not None and not position_fits(
                cursor.position, queryset, self.ordering[0].lstrip("-")
            ):
                raise self._invalid()
        return cursor

    def _invalid(self) -> exceptions.ValidationError:
        return exceptions.ValidationError(
            {self.cursor_query_param: ["Invalid cursor: use a next or previous link."]}
        )


# Past these no position is one a page issued: ids are BigAutoFields, and the
# floats (search rank and RUM distance) are float4, as far as 3.4e38.
_INTEGER_RANGE = (-(2**63), 2**63 - 1)
_FLOAT_LIMIT = 3.4e38


def position_fits(position: str | int, queryset: models.QuerySet, name: str) -> bool:
    """Whether a cursor's position is a value of the field the list is ordered by.

    DRF filters by the position as it comes, so a crafted one ("abc" for an id,
    "NaN", a NUL, a date for an id) reached the database as a ValueError, a
    DataError or an OverflowError: a 500. Checked here, it is a 400.
    """
    position = str(position)
    if not position.isprintable():  # a NUL or another control character
        return False
    try:
        field = queryset.query.resolve_ref(name).output_field
        value = field.to_python(position)
    except (DjangoValidationError, FieldError, ValueError, TypeError, OverflowError):
        return False
    if value is None:
        return False
    if isinstance(value, bool):
        return True
    if isinstance(value, int):
        return _INTEGER_RANGE[0] <= value <= _INTEGER_RANGE[1]
    if isinstance(value, float):
        return math.isfinite(value) and abs(value) <= _FLOAT_LIMIT
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            return False
        digits = getattr(field, "max_digits", None) or 30
        places = getattr(field, "decimal_places", None) or 0
        return abs(value) < decimal.Decimal(10) ** (digits - places)
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            return False  # every page issues its datetimes with their offset
        try:
            # SQLite stores UTC: 9999-12-31T23:59-14:00 would overflow there.
            value.astimezone(datetime.UTC)
        except OverflowError:
            return False
        return True
    return True
