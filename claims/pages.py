"""Public pages: home, search results, a claim with its ClaimReview markup, a
metric's figures (docs/pages.md).

Every page is answered through the versions of what it shows (the home page: the
claims lists'; a claim's page: the claim's; a metric's page: the metric's): its ETag
is computed from them before any row is read (a 304 costs one query), and its HTML
is kept in the shared cache under that ETag (`versioned_page`).
"""

import functools
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass

from django.core.exceptions import ValidationError
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Count
from django.http import HttpResponseBadRequest
from django.shortcuts import render

# Django's own escapes for json_script (private, so absent from django-stubs).
from django.utils.html import (  # type: ignore[attr-defined]
    _json_script_escapes as JSON_SCRIPT_ESCAPES,
)
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from rest_framework.generics import get_object_or_404

from events.selectors import claim_events
from factcheck.api.filters import validate_search_text
from factcheck.caching import (
    canonical_url,
    representation_etag,
    resource_version,
    version_token,
    versioned_answer,
    versions_read,
)

from .charts import metric_charts
from .claimreview import claim_review
from .models import Claim, ClaimLink, Evidence, Metric
from .panels import claim_panels
from .ratings import Status
from .selectors.claims import CLAIM_SORT_KEYS, latest_verdicts, reviewable_claims
from .selectors.conflicts import conflict_references
from .selectors.search import (
    bound_ranking_within,
    rank_ordering,
    ranking_window,
    search_claims,
    validate_claim_search,
)
from .selectors.versions import claim_stamp, list_versions, metric_stamp
from .services.events import VERDICT_TYPES

# How the corrections log names each verdict change.
CORRECTION_WORDS = {
    "claim.verdict.published": "Verdict published",
    "claim.verdict.revised": "Verdict revised",
    "claim.verdict.withdrawn": "Verdict withdrawn for review",
    "claim.verdict.confirmed": "Verdict confirmed after re-check",
}
# The metric page's table lists this many figures a page (?page=2, ...).
METRIC_PAGE_SIZE = 50
# How many conflicts of a figure the table names; it says how many more there are.
METRIC_PAGE_CONFLICTS = 5
# What the home page lists.
HOME_VERDICTS = 10
HOME_METRICS = 10
# The most contested metrics are those with the most of this many latest conflicts.
HOME_CONFLICT_WINDOW = 10_000
# The search results page: this many a page, and no deeper than this many pages
# (an offset read past them grows with the offset; more words narrow a search).
SEARCH_PAGE_SIZE = 20
SEARCH_MAX_PAGES = 25
# What a claim's page lists of its conflicts and its evidence; it counts the rest.
CLAIM_PAGE_CONFLICTS = 20
CLAIM_PAGE_EVIDENCE = 20


@dataclass(frozen=True)
class StatusBadge:
    """How a status is shown: text colour, background, border, and a symbol, so no
    status is told from another by colour alone (the text and symbol say it)."""

    text: str
    background: str
    border: str
    symbol: str


# Each pair of text and background contrasts at least 4.5:1 (WCAG AA; checked in
# tests/claims/test_pages.py), and no two statuses share a background.
STATUS_BADGES: dict[str, StatusBadge] = {
    Status.UNVERIFIED: StatusBadge("#3d3d3d", "#ffffff", "#767676", "?"),
    Status.IN_REVIEW: StatusBadge("#0b3d6e", "#dbe9f7", "#5b8cc0", "…"),
    Status.VERIFIED: StatusBadge("#0b5a22", "#d8f0de", "#4f9e63", "✓"),
    Status.MISLEADING: StatusBadge("#6e3a00", "#fde7c6", "#c98a2e", "!"),
    Status.FALSE: StatusBadge("#8a0f0f", "#fbd9d9", "#cf5b5b", "✗"),
    Status.DISPUTED: StatusBadge("#5a2375", "#efe0f6", "#a06dbd", "⇄"),
    Status.UNVERIFIABLE: StatusBadge("#333333", "#e4e4e4", "#8c8c8c", "∅"),
}


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


def render_page(request, template: str, context: dict):
    """Render a public page with what every page's frame needs."""
    badges = {status: asdict(badge) for status, badge in STATUS_BADGES.items()}
    return render(request, template, {"status_badges": badges, **context})


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
    return render_page(
        request,
        "claims/home.html",
        {
            "verdicts": latest_verdicts(HOME_VERDICTS),
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
    references, counts = conflict_references([claim.pk], CLAIM_PAGE_CONFLICTS)
    evidence = list(
        Evidence.objects.filter(claim=claim)
        .select_related("document__publisher")
        .order_by("id")[: CLAIM_PAGE_EVIDENCE + 1]
    )
    return render_page(
        request,
        "claims/claim_page.html",
        {
            "claim": claim,
            "review": claim.is_reviewed,
            "review_json": review_json,
            "panels": claim_panels(claim),
            "conflicts": references[claim.pk],
            "more_conflicts": counts[claim.pk] - len(references[claim.pk]),
            "evidence": evidence[:CLAIM_PAGE_EVIDENCE],
            "more_evidence": len(evidence) > CLAIM_PAGE_EVIDENCE,
            "corrections": corrections_log(claim.pk),
        },
    )


def corrections_log(claim_id: int) -> list[dict[str, object]]:
    """Return the claim's verdict changes, newest first, as readers see them.

    From its events (claims.services.events): each publication, revision,
    withdrawal and confirmation with its date, why, and the verdict and rationale
    as they stood after it; the earlier verdicts stay readable. Empty when the
    verdict was only ever published once (nothing was corrected).
    """
    events = claim_events(claim_id, VERDICT_TYPES)
    if len(events) <= 1:
        return []
    entries = []
    for event in reversed(events):
        shown = event.body.get("claim") or {}
        status = shown.get("status", "")
        entries.append(
            {
                "date": event.occurred_at,
                "what": CORRECTION_WORDS[event.type],
                "why": event.reason,
                "verdict": Status(status).label if status in Status.values else "",
                "rationale": shown.get("rationale", ""),
            }
        )
    return entries


@versioned_page(versions=_metric_versions, reads=("page",))
def metric_page(request, slug: str):
    """The public side-by-side page of a metric: its figures charted and listed.

    Bounded whatever the metric's size: the chart draws at most a few hundred marks
    (claims on the same cell of the plot are one mark with their count,
    charts.metric_charts) and the table is paged.
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
    wide, narrow = metric_charts(metric)
    return render_page(
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
            # Texts escaped by the drawing.
            "chart": mark_safe(wide),  # noqa: S308
            "narrow_chart": mark_safe(narrow) if narrow else "",  # noqa: S308
        },
    )


@versioned_page(versions=_list_versions, reads=("q", "page"))
def search_page(request):
    """The readers' search results: the API's search, ranked, a page at a time.

    The same search as GET /api/v1/claims/?q= (claims.selectors.search), ranked
    within the same window, read a page plus one row at a time (the extra row
    says whether a next page exists; nothing counts every match), to at most
    SEARCH_MAX_PAGES pages.
    """
    q = request.GET.get("q", "").strip()
    try:
        if "\x00" in q:
            raise ValidationError("A search has no null characters.")
        validate_search_text(q)
        validate_claim_search(q)
    except ValidationError as error:
        return _bad_parameter("q", " ".join(error.messages))
    page_text = request.GET.get("page", "1")
    if not (page_text.isascii() and page_text.isdigit()) or not (
        1 <= int(page_text) <= SEARCH_MAX_PAGES
    ):
        return _bad_parameter(
            "page", f"use a whole number from 1 to {SEARCH_MAX_PAGES}."
        )
    page_number = int(page_text)
    results: list[Claim] = []
    window = None
    has_next = False
    if q:
        found = search_claims(Claim.objects.with_relations(), q)
        window = ranking_window(q)
        found, window = bound_ranking_within(found, window)
        start = (page_number - 1) * SEARCH_PAGE_SIZE
        rows = list(
            found.order_by(*rank_ordering(found))[start : start + SEARCH_PAGE_SIZE + 1]
        )
        has_next = len(rows) > SEARCH_PAGE_SIZE and page_number < SEARCH_MAX_PAGES
        results = rows[:SEARCH_PAGE_SIZE]
    first = (page_number - 1) * SEARCH_PAGE_SIZE + 1
    deepest_reached = page_number == SEARCH_MAX_PAGES and len(results) == (
        SEARCH_PAGE_SIZE
    )
    return render_page(
        request,
        "claims/search.html",
        {
            "q": q,
            "results": results,
            "page_number": page_number,
            "page_size": SEARCH_PAGE_SIZE,
            "first": first,
            "last": first + len(results) - 1,
            "has_next": has_next,
            "deepest": SEARCH_MAX_PAGES * SEARCH_PAGE_SIZE if deepest_reached else 0,
            "window": f"{window:,}" if window else "",
            "previous_query": urlencode({"q": q, "page": page_number - 1}),
            "next_query": urlencode({"q": q, "page": page_number + 1}),
        },
    )


def _bad_parameter(name: str, message: str) -> HttpResponseBadRequest:
    return HttpResponseBadRequest(
        f"{name}: {message}", content_type="text/plain; charset=utf-8"
    )
