import datetime

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F, FloatField, Q, Value
from rest_framework import filters as drf_filters
from rest_framework.exceptions import ValidationError

from factcheck.api.filters import LARGEST_ID, IdFilter, validate_search_text

from ..models import LARGEST_FIGURE, Claim, ClaimLink, Evidence
from ..ratings import Status
from ..selectors.claims import CLAIM_SORT_KEYS
from ..selectors.search import (
    DISTANCE,
    bound_ranking_within,
    rank_ordering,
    ranking_window,
    search_claims,
    validate_claim_search,
)

# Where a request keeps its ranking window (ClaimOrderingFilter.ranked_within).
RANKED_WITHIN = "_search_ranked_within"


class StatusInFilter(django_filters.BaseInFilter, django_filters.ChoiceFilter):
    """Several statuses, comma separated: ?status=disputed,false"""


class StrictBooleanFilter(django_filters.TypedChoiceFilter):
    """true or false, and nothing else: any other value is a 400, not ignored."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", [("true", "true"), ("false", "false")])
        kwargs.setdefault("coerce", lambda value: value == "true")
        super().__init__(*args, **kwargs)


def validate_figure_size(value) -> None:
    """Refuse a figure of 10^21 or more in size: no stored figure is that large."""
    if value is not None and abs(value) >= LARGEST_FIGURE:
        raise DjangoValidationError(
            "A figure must be smaller than 10^21 (a thousand billion billion)."
        )


def validate_metric_reference(value: str) -> None:
    """Refuse a metric id (ASCII digits) outside 1 to 2**63 - 1; a slug is anything."""
    if value.isascii() and value.isdigit() and not 1 <= int(value) <= LARGEST_ID:
        raise DjangoValidationError(
            f"A metric id is a whole number from 1 to {LARGEST_ID}."
        )


def metric_lookup(value: str, path: str = "metric") -> Q:
    """Return the condition "the metric at `path` has this id or this slug".

    An empty `path` filters Metric itself. Only ASCII digits make an id.
    """
    id_key, slug_key = (f"{path}_id", f"{path}__slug") if path else ("pk", "slug")
    if value.isascii() and value.isdigit():
        return Q(**{id_key: int(value)})
    return Q(**{slug_key: value})


class ClaimFilter(django_filters.FilterSet):
    status = StatusInFilter(
        field_name="status",
        lookup_expr="in",
        choices=Status.choices,
        help_text="One or more statuses, comma separated.",
    )
    document = IdFilter(field_name="document_id", lookup_expr="exact")
    publisher = IdFilter(field_name="document__publisher_id", lookup_expr="exact")
    speaker = IdFilter(field_name="speaker_id", lookup_expr="exact")
    metric = django_filters.CharFilter(
        field_name="metric",
        method="filter_metric",
        validators=[validate_metric_reference],
        help_text="Metric id or slug.",
    )
    claimed_after = django_filters.DateFilter(
        field_name="claimed_on", lookup_expr="gte"
    )
    claimed_before = django_filters.DateFilter(
        field_name="claimed_on", lookup_expr="lte"
    )
    period_overlaps_start = django_filters.DateFilter(
        field_name="period_end",
        lookup_expr="gte",
        help_text="Claims whose period ends on or after this date.",
    )
    period_overlaps_end = django_filters.DateFilter(
        field_name="period_start",
        lookup_expr="lte",
        help_text="Claims whose period starts on or before this date.",
    )
    value_min = django_filters.NumberFilter(
        field_name="value", lookup_expr="gte", validators=[validate_figure_size]
    )
    value_max = django_filters.NumberFilter(
        field_name="value", lookup_expr="lte", validators=[validate_figure_size]
    )
    unit = django_filters.CharFilter(field_name="unit", lookup_expr="exact")
    updated_since = django_filters.IsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        method="filter_updated_since",
        help_text="Claims changed at or after this time (ISO 8601), for syncing.",
    )
    needs_recheck = StrictBooleanFilter(
        field_name="recheck_since",
        lookup_expr="isnull",
        exclude=True,
        help_text="Claims whose published verdict is flagged for re-check (true), "
        "the oldest flag first unless `ordering` is given; or not flagged (false).",
    )
    has_conflicts = StrictBooleanFilter(
        field_name="links_from",
        method="filter_has_conflicts",
        help_text="Claims with (true) or without (false) a 'contradicts' link.",
    )
    q = django_filters.CharFilter(
        field_name="search_vector",
        method="filter_search",
        validators=[validate_search_text],
        help_text="Full-text search over claim text, quote, speaker names and aliases, "
        "and document title. At most 32 words and 500 characters; at least one word "
        "of 2 or more letters or digits, and on PostgreSQL not only stop words "
        "('the', 'of'): otherwise a 400 naming q. Speaker names and aliases are "
        "matched by words of 3 or more letters or digits. Ordered by "
        "relevance (the default with `q`), a search whose words are in very many "
        "claims (PostgreSQL statistics: over 4 x SEARCH_RANK_WINDOW, default "
        "5,000) ranks only its newest SEARCH_RANK_WINDOW matches, and the response "
        "carries the header `Search-Ranked-Within: <window>`; without that header "
        "every match was ranked. Narrow the search (more words, filters) to rank "
        "older matches.",
    )

    class Meta:
        model = Claim
        fields: list[str] = []

    def filter_metric(self, queryset, name, value):
        return queryset.filter(metric_lookup(value))

    def filter_has_conflicts(self, queryset, name, value):
        contradicts = ClaimLink.objects.filter(
            relation=ClaimLink.Relation.CONTRADICTS
        ).order_by()
        # `id IN (from ids UNION to ids)`: the planner can start from the links
        # (their indexes) and fetch the claims by id; as EXISTS ... OR EXISTS it
        # could only check each claim of the other filters' rows against them.
        conflicted = Q(
            pk__in=contradicts.values("from_claim_id").union(
                contradicts.values("to_claim_id")
            )
        )
        return queryset.filter(conflicted if value else ~conflicted)

    def filter_updated_since(self, queryset, name, value):
        try:
            value.astimezone(datetime.UTC)  # 9999-12-31T23:59-14:00 is year 10000
        except OverflowError as error:
            raise ValidationError(
                {"updated_since": ["Out of range once converted to UTC."]}
            ) from error
        return queryset.filter(**{f"{name}__gte": value})

    def filter_search(self, queryset, name, value):
        try:
            validate_claim_search(value)
        except DjangoValidationError as error:
            raise ValidationError({"q": error.messages}) from error
        return search_claims(queryset, value)


class EvidenceFilter(django_filters.FilterSet):
    claim = IdFilter(field_name="claim_id", lookup_expr="exact")
    stance = django_filters.ChoiceFilter(
        field_name="stance", lookup_expr="exact", choices=Evidence.Stance.choices
    )

    class Meta:
        model = Evidence
        fields: list[str] = []


class ClaimLinkFilter(django_filters.FilterSet):
    claim = IdFilter(method="filter_claim", help_text="Links from or to this claim.")
    relation = django_filters.ChoiceFilter(
        field_name="relation", lookup_expr="exact", choices=ClaimLink.Relation.choices
    )

    class Meta:
        model = ClaimLink
        fields: list[str] = []

    def filter_claim(self, queryset, name, value):
        return queryset.filter(Q(from_claim_id=value) | Q(to_claim_id=value))


class ConflictFilter(django_filters.FilterSet):
    metric = django_filters.CharFilter(
        field_name="from_claim__metric",
        method="filter_metric",
        validators=[validate_metric_reference],
        help_text="Metric id or slug.",
    )
    detected = StrictBooleanFilter(
        field_name="detected",
        lookup_expr="exact",
        help_text="Found by detection (true) or linked by editors (false).",
    )

    class Meta:
        model = ClaimLink
        fields: list[str] = []

    def filter_metric(self, queryset, name, value):
        return queryset.filter(metric_lookup(value, "from_claim__metric"))


class ClaimOrderingFilter(drf_filters.OrderingFilter):
    """Order by claimed date, period start, updated, value, id or search rank.

    id breaks ties; with `q` and no ordering, the best-ranked matches come first.
    """

    def get_ordering(self, request, queryset, view):
        if request.query_params.get("needs_recheck") == "true" and not (
            request.query_params.get(self.ordering_param)
        ):
            # The re-check queue: the oldest flag first.
            return ["sort_recheck", "id"]
        default = ["-rank"] if request.query_params.get("q", "").strip() else ["-id"]
        ordering = super().get_ordering(request, queryset, view) or default
        if ordering[0] == "-rank" and DISTANCE in queryset.query.annotations:
            # Relevance from the RUM index, in its own order (rank_ordering).
            return rank_ordering(queryset)
        ordering = [self._sort_name(term) for term in ordering]
        if ordering[-1].lstrip("-") != "id":
            ordering.append("-id" if ordering[0].startswith("-") else "id")
        return ordering

    @staticmethod
    def _sort_name(term: str) -> str:
        name = term.lstrip("-")
        return term.replace(name, f"sort_{name}") if name in CLAIM_SORT_KEYS else term

    def filter_queryset(self, request, queryset, view):
        # Only the sort keys this ordering uses: each is computed for every row.
        used = {term.lstrip("-") for term in self.get_ordering(request, queryset, view)}
        queryset = queryset.annotate(
            **{
                f"sort_{name}": key
                for name, key in CLAIM_SORT_KEYS.items()
                if f"sort_{name}" in used
            }
        )
        if "sort_recheck" in used:
            # In the rows (claim_rows keeps annotations): the cursor reads it there.
            queryset = queryset.annotate(sort_recheck=F("recheck_since"))
        if "rank" in used and "rank" not in queryset.query.annotations:
            queryset = queryset.annotate(rank=Value(0.0, output_field=FloatField()))
        renderer = getattr(request, "accepted_renderer", None)
        exported = getattr(renderer, "format", None) == "csv"  # every match
        if not exported:
            # A common word: only its newest matches are ranked (the view says so
            # in the header Search-Ranked-Within).
            window = self.ranked_within(request, queryset, view)
            queryset, _ = bound_ranking_within(queryset, window)
        return super().filter_queryset(request, queryset, view)

    def ranked_within(self, request, queryset, view) -> int | None:
        """The window a search ordered by relevance is ranked within (None: every
        match is ranked); worked out once a request, for the list and its header."""
        if not hasattr(request, RANKED_WITHIN):
            window = (
                ranking_window(request.query_params["q"])
                if self.ranks_search(request, queryset, view)
                else None
            )
            setattr(request, RANKED_WITHIN, window)
        known: int | None = getattr(request, RANKED_WITHIN)
        return known

    def ranks_search(self, request, queryset, view) -> bool:
        """Whether the list is a search ordered by relevance first."""
        if not request.query_params.get("q", "").strip():
            return False
        return self.get_ordering(request, queryset, view)[0].lstrip("-") in {
            "rank",
            DISTANCE,
        }

    def remove_invalid_fields(self, queryset, fields, view, request):
        allowed = {
            name
            for name, _ in self.get_valid_fields(queryset, view, {"request": request})
        }
        allowed.add("rank")
        invalid = [term for term in fields if term.lstrip("-") not in allowed]
        if invalid:
            raise ValidationError(
                {
                    "ordering": [
                        f"Cannot order by {', '.join(invalid)}; "
                        f"use one of {', '.join(sorted(allowed))}."
                    ]
                }
            )
        return fields
