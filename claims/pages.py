"""Public pages: a claim with its ClaimReview markup, a metric's figures charted."""

import json

from django.shortcuts import render
from django.utils.html import _json_script_escapes as JSON_SCRIPT_ESCAPES
from django.utils.safestring import mark_safe
from rest_framework.generics import get_object_or_404

from .charts import metric_chart
from .claimreview import claim_review
from .models import Claim, Metric
from .selectors.claims import CLAIM_SORT_KEYS, reviewable_claims
from .selectors.conflicts import conflicts_of

# The public metric page lists at most this many figures (the API pages through all).
METRIC_PAGE_LIMIT = 500


def claim_page(request, pk: int):
    """The public page of a claim; a reviewed claim carries its ClaimReview markup."""
    claim = get_object_or_404(reviewable_claims(), pk=pk)
    review_json = ""
    if claim.is_reviewed:
        # Escape as json_script does, so no text can close the <script> element.
        review_json = mark_safe(  # noqa: S308 - escaped as json_script does
            json.dumps(claim_review(claim), ensure_ascii=False).translate(
                JSON_SCRIPT_ESCAPES
            )
        )
    return render(
        request,
        "claims/claim_page.html",
        {"claim": claim, "review": claim.is_reviewed, "review_json": review_json},
    )


def metric_page(request, slug: str):
    """The public side-by-side page of a metric: its figures charted and listed."""
    metric = get_object_or_404(Metric, slug=slug)
    claims = list(
        Claim.objects.about_metric(metric)
        .with_figure()
        .with_relations()
        .order_by(CLAIM_SORT_KEYS["period_start"].asc(), "id")[:METRIC_PAGE_LIMIT]
    )
    conflicts = conflicts_of([claim.pk for claim in claims])
    return render(
        request,
        "claims/metric_page.html",
        {
            "metric": metric,
            "rows": [(claim, conflicts[claim.pk]) for claim in claims],
            "chart": mark_safe(metric_chart(metric)),  # noqa: S308 - texts escaped
            "limit": METRIC_PAGE_LIMIT,
        },
    )
