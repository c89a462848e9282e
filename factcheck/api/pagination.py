"""How lists are paged: cursors for claims, limit/offset elsewhere, both bounded."""

from rest_framework import exceptions, pagination

# The most rows one page of any list holds, and the furthest a limit/offset list
# pages: an OFFSET costs the database every row it skips.
MAX_PAGE_SIZE = 200
MAX_OFFSET = 1_000_000


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """DRF's limit/offset pages, at most MAX_PAGE_SIZE rows from at most MAX_OFFSET.

    A larger limit gives MAX_PAGE_SIZE rows, as page_size does on the cursor lists;
    an offset that is not a whole number up to MAX_OFFSET is a 400 (DRF read a bad
    one as 0, silently the first page, and sent a huge one to the database).
    """

    max_limit = MAX_PAGE_SIZE

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
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering: str | list[str] | tuple[str, ...] = "-id"  # as DRF declares it

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
