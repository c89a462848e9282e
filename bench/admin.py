"""Time the claims admin's pages with the Django test Client, logged in as a superuser.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/factcheck_bench \\
        .venv/bin/python bench/admin.py --samples 30
    .venv/bin/python bench/admin.py --database-url postgres://.../db --words year,caviar

Runs against the database DATABASE_URL (or --database-url) names, as it is: it adds
only a superuser, "bench-admin", if there is none. Each page is requested once to
warm up, then --samples times; prints p50 and p95 in milliseconds per page, with
its URL. The pages: the claim changelist (unfiltered, filtered by status, searched
for each of --words, and a deep page), a claim's change page, and the claim
autocomplete a link's form uses. Targets at a million claims (docs/architecture.md):
changelist and its search under 300 ms, a change page under 200 ms.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_WORDS = "year,caviar,xylophonic"
USERNAME = "bench-admin"


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def admin_pages(words: list[str]) -> dict[str, str]:
    """Return the pages to time, by name."""
    from django.urls import reverse

    from claims.models import Claim

    changelist = reverse("admin:claims_claim_changelist")
    pages = {
        "changelist": changelist,
        "changelist_status": f"{changelist}?status__exact=in_review",
        "changelist_page_5": f"{changelist}?p=5",
    }
    for word in words:
        pages[f"changelist_search_{word}"] = f"{changelist}?q={word}"
    claim = Claim.objects.order_by("-id").only("pk").first()
    if claim is not None:
        pages["change_page"] = reverse("admin:claims_claim_change", args=[claim.pk])
    autocomplete = reverse("admin:autocomplete")
    pages["autocomplete_claim"] = (
        f"{autocomplete}?app_label=claims&model_name=claimlink"
        f"&field_name=to_claim&term={words[0] if words else 'trade'}"
    )
    return pages


def measure(client, pages: dict[str, str], samples: int) -> dict[str, list[float]]:
    """Request each page once to warm up, then `samples` times; return ms each."""
    timings: dict[str, list[float]] = {}
    for name, url in pages.items():
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"GET {url}: {response.status_code}")
        times = []
        for _ in range(samples):
            tick = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - tick) * 1000)
        timings[name] = times
    return timings


def superuser_client():
    from django.contrib.auth import get_user_model
    from django.test import Client

    user_model = get_user_model()
    user = user_model.objects.filter(is_superuser=True, is_active=True).first()
    if user is None:
        user = user_model.objects.create_superuser(USERNAME, password=None)
    client = Client()
    client.force_login(user)
    return client


def main(argv: list[str] | None = None) -> dict[str, list[float]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: $DATABASE_URL")
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument(
        "--words", default=DEFAULT_WORDS, help="comma-separated search words"
    )
    options = parser.parse_args(argv)
    if options.samples < 1:
        parser.error("--samples must be at least 1")
    import django
    from django.apps import apps

    if not apps.ready:
        if options.database_url:
            os.environ["DATABASE_URL"] = options.database_url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
        django.setup()
    from django.db import connection

    from claims.models import Claim
    from claims.selectors.estimates import estimated_rows

    words = [word for word in options.words.split(",") if word]
    pages = admin_pages(words)
    timings = measure(superuser_client(), pages, options.samples)
    estimate = estimated_rows(Claim)
    claims = estimate if estimate is not None else Claim.objects.count()
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    print(f"claims: {claims:,}" + (" (the planner's estimate)" if estimate else ""))
    print(f"{'page':<32}{'p50 ms':>9}{'p95 ms':>9}  url")
    for name, times in timings.items():
        print(
            f"{name:<32}{statistics.median(times):9.1f}"
            f"{percentile(times, 0.95):9.1f}  {pages[name]}"
        )
    return timings


if __name__ == "__main__":
    main()
