"""Size and time of the public metric page of the metrics with the most claims
(issue 27: under 300 KB at any number of claims).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fc_bench1m \\
        .venv/bin/python bench/metric_page_size.py --top 2

Reads only: GET /metrics/<slug>/ through the whole middleware stack
(django.test.Client, bench.settings, the representation cache off so each request
builds the page), best of --repeat; prints bytes, time and the chart's marks (one
per claim, one per group of claims on the same cell).
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--top", type=int, default=2, help="the biggest metrics")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ.setdefault("BENCH_UNCACHED", "1")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db.models import Count
    from django.test import Client

    from claims.models import Metric

    client = Client(HTTP_HOST="127.0.0.1")
    metrics = Metric.objects.annotate(claims_count=Count("claims")).order_by(
        "-claims_count"
    )[: args.top]
    print(f"{'metric':<40} {'claims':>7} {'bytes':>9} {'best ms':>8} marks")
    for metric in metrics:
        best = float("inf")
        for _ in range(args.repeat):
            started = time.perf_counter()
            response = client.get(f"/metrics/{metric.slug}/")
            best = min(best, time.perf_counter() - started)
        body = response.content.decode()
        marks = body.count('class="claim-mark"') + body.count('class="group-mark"')
        print(
            f"{metric.slug[:40]:<40} {metric.claims_count:>7,} "
            f"{len(response.content):>9,} {best * 1000:>8.0f} {marks}"
        )


if __name__ == "__main__":
    main()
