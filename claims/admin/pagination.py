"""A changelist paginator that never counts a whole large table.

The admin's Paginator counts the changelist's rows with COUNT(*) on every page:
a full scan at a million claims (seconds). This one takes the planner's estimate
for the unfiltered list on PostgreSQL, and counts a filtered or searched list only
up to COUNT_CAP rows (the page then says "10,000+").
"""

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

from ..selectors.estimates import estimated_rows

# A filtered list is counted up to this many rows, which is enough to page through.
COUNT_CAP = 10_000


class EstimatedCountPaginator(Paginator):
    """Paginator whose count is an estimate (unfiltered) or capped (filtered)."""

    # Set by count: how the number was found, for the page to say so.
    estimated = False
    capped = False

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not isinstance(queryset, QuerySet):
            return super().count
        query = queryset.query
        if not query.where:
            estimate = estimated_rows(queryset.model)
            if estimate is not None:
                self.estimated = True
                return estimate
            return super().count
        # COUNT over a LIMIT: at most COUNT_CAP + 1 matches are read, and only
        # their ids (not the annotations, such as a search's rank, per row).
        counted = queryset.order_by().values("pk")[: COUNT_CAP + 1].count()
        if counted > COUNT_CAP:
            self.capped = True
            return COUNT_CAP
        return counted

    @property
    def count_display(self) -> str:
        """Return the count as the page shows it: "about 1,000,000", "10,000+"."""
        count = f"{self.count:,}"
        if self.estimated:
            return f"about {count}"
        if self.capped:
            return f"{count}+"
        return count
