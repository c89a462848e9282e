"""Public pages: home, a claim with its ClaimReview markup, a metric's figures.

Every page is answered through the versions of what it shows (the home page: the
claims lists'; a claim's page: the claim's; a metric's page: the metric's): its ETag
is computed from them before any row is read (a 304 costs one query), and its HTML
is kept in the shared cache under that ETag (`versioned_page`).
"""

import functools
import json
from collections.abc import Callable

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Count
from django.http import HttpResponseBadRequest
from django.shortcuts import render

# Django's own escapes for json_script (private, so absent from django-stubs).
from django.utils.html import (  # type: ignore[attr-defined]
    _json_script_escapes as JSON_SCRIPT_ESCAPES,
)
from django.utils.safestring import mark_safe
from rest_framework.generics import get_object_or_404

from factcheck.caching import (
    canonical_url,
    representation_etag,
    resource_version,
    version_token,
    versioned_answer,
    versions_read,
)

from .charts import metric_chart
from .claimreview import claim_review
from .models import Claim, ClaimLink, Metric
from .panels import claim_panels
from .selectors.claims import CLAIM_SORT_KEYS, reviewable_claims
from .selectors.conflicts import conflict_references
from .selectors.versions import claim_stamp, list_versions, metric_stamp

# The metric page's table lists this many figures a page (?page=2, ...).
METRIC_PAGE_SIZE = 50
# How many conflicts of a figure the table names; it says how many more there are.
METRIC_PAGE_CONFLICTS = 5
# What the home page lists.
HOME_VERDICTS = 10
HOME_METRICS = 10
# The most contested metrics are those with the most of this many latest conflicts.
HOME_CONFLICT_WINDOW = 10_000


# The versions a page is built at, from the request and its URL's arguments; None:
# nothing there (the page answers 404).
PageVersions = Callable[..., dict[str, int] | None]


def versioned_page(*, versions: PageVersions, reads: tuple[str, ...] = ()):
    """Answer a page from the versions it shows: 304, cached HTML or built.

    `versions(request, **kwargs)` reads them, before any row; `reads` names the query
    parameters the page reads: only they are in its key. Others (utm_source,
    fbclid: links shared elsewhere carry them) are ignored, as no page writes its
    own query into its HTML.
    """
    return functools.partial(_versioned_page, versions=versions, reads=reads)


def _versioned_page(view, *, versions: PageVersions, reads: tuple[str, ...]):
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        shown = versions(request, **kwargs)
        if shown is None:
            return view(request, *args, **kwargs)
        url = canonical_url(request, reads)
        etag = representation_etag(
            version_token(shown), url, "text/html", *sorted(shown)
        )
        return versioned_answer(
            request,
            etag=etag,
            key=f"page:{request.path}:{etag}",
            render=lambda: view(request, *args, **kwargs),
            content_type="text/html; charset=utf-8",
            resource=resource_version(request.path, etag),
            versions=shown,
            url=url,
        )

    return wrapped


def _list_versions(request) -> dict[str, int]:
    return list_versions(versions_read(request))


def _claim_versions(request, pk: int) -> dict[str, int] | None:
    if pk >= 2**63:  # no such claim (past a bigint)
        return None
    stamp = claim_stamp(pk)
    return None if stamp is None else stamp[1]


def _metric_versions(request, slug: str) -> dict[str, int] | None:
    stamp = metric_stamp(slug)
    return None if stamp is None else stamp[1]


@versioned_page(versions=_list_versions)
def home_page(request):
    """The home page: search, the latest verdicts, the most contested metrics."""
    verdicts = (
        Claim.objects.reviewed()
        .filter(reviewed_at__isnull=False)
        .select_related("document", "metric")
        .order_by("-reviewed_at")[:HOME_VERDICTS]
    )
    # Counted over the latest conflicts only, so the page costs the same however
    # many links the database holds.
    latest = ClaimLink.objects.filter(relation=ClaimLink.Relation.CONTRADICTS).order_by(
        "-id"
    )[:HOME_CONFLICT_WINDOW]
    contested = (
        ClaimLink.objects.filter(
            id__in=latest.values("id"), from_claim__metric__isnull=False
        )
        .values("from_claim__metric__slug", "from_claim__metric__name")
        .annotate(conflicts=Count("id"))
        .order_by("-conflicts", "from_claim__metric__name")[:HOME_METRICS]
    )
    return render(
        request,
        "claims/home.html",
        {
            "verdicts": list(verdicts),
            "window": f"{HOME_CONFLICT_WINDOW:,}",
            "metrics": [
                {
                    "slug": row["from_claim__metric__slug"],
                    "name": row["from_claim__metric__name"],
                    "conflicts": row["conflicts"],
                }
                for row in contested
            ],
        },
    )


@versioned_page(versions=_claim_versions)
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
        {
            "claim": claim,
            "review": claim.is_reviewed,
            "review_json": review_json,
            "panels": claim_panels(claim),
        },
    )


@versioned_page(versions=_metric_versions, reads=("page",))
def metric_page(request, slug: str):
    """The public side-by-side page of a metric: its figures charted and listed.

    Bounded whatever the metric's size: the chart draws at most a few hundred marks
    (charts.metric_chart bins the rest) and the table is paged.
    """
    metric = get_object_or_404(Metric, slug=slug)
    claims = (
        Claim.objects.about_metric(metric)
        .with_figure()
        .with_relations()
        .order_by(CLAIM_SORT_KEYS["period_start"].asc(), "id")
    )
    paginator = Paginator(claims, METRIC_PAGE_SIZE, allow_empty_first_page=True)
    try:
        page = paginator.page(request.GET.get("page", 1))
    except (PageNotAnInteger, EmptyPage):
        return HttpResponseBadRequest(
            f"page: use a whole number from 1 to {paginator.num_pages}.",
            content_type="text/plain; charset=utf-8",
        )
    rows = list(page.object_list)
    references, counts = conflict_references(
        [claim.pk for claim in rows], METRIC_PAGE_CONFLICTS
    )
    return render(
        request,
        "claims/metric_page.html",
        {
            "metric": metric,
            "rows": [
                (
                    claim,
                    references[claim.pk],
                    counts[claim.pk] - len(references[claim.pk]),
                )
                for claim in rows
            ],
            "page": page,
            "chart": mark_safe(metric_chart(metric)),  # noqa: S308 - texts escaped
        },
    )
