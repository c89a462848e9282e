"""How lists are paged: cursors for claims, limit/offset elsewhere, both bounded."""

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

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound as error:
            raise exceptions.ValidationError(
                {
                    self.cursor_query_param: [
                        "Invalid cursor: use a next or previous link."
                    ]
                }
            ) from error
