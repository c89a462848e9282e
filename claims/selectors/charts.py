"""The rows a metric's chart is drawn from (claims.charts; drawn by claims.drawing)."""

from django.db.models.functions import Left

from ..drawing.svg import TOOLTIP_TEXT
from ..figures.written import STATED_FIGURE_FIELDS
from ..models import Claim, ClaimLink, Metric

# What the chart reads of a claim: its figure, period and document, and the start
# of its text (a tooltip shows at most TOOLTIP_TEXT characters of it).
CHART_FIELDS = (
    "id",
    "document_id",
    *STATED_FIGURE_FIELDS,
    "document__title",
    "document__published_on",
)


def chart_claims(metric: Metric) -> list[Claim]:
    """Return the claims about `metric` with their documents, in id order.

    Only what the chart draws is read; `text` holds the first TOOLTIP_TEXT
    characters of the claim's text.
    """
    claims = list(
        Claim.objects.filter(metric=metric)
        .select_related("document")
        .only(*CHART_FIELDS)
        .annotate(text_start=Left("text", TOOLTIP_TEXT))
        .order_by("id")
    )
    for claim in claims:
        claim.text = claim.text_start  # loaded, so reading it runs no query
    return claims


def conflict_pairs(metric: Metric) -> list[tuple[int, int]]:
    """Return the (from, to) claim ids of the contradicts links between claims
    about `metric`."""
    pairs = ClaimLink.objects.filter(
        relation=ClaimLink.Relation.CONTRADICTS,
        from_claim__metric=metric,
        to_claim__metric=metric,
    ).values_list("from_claim_id", "to_claim_id")
    return list(pairs)
