"""Django work done through PgBouncer, in a process of its own.

tests/factcheck/test_pgbouncer.py runs ``python -m tests.factcheck.pgbouncer_client
OPERATION`` with DATABASE_URL pointing at PgBouncer, so the process is configured
from the environment exactly as a deployed one is; it prints one JSON object.
"""

import json
import os
import sys


def work(claim_id: int) -> dict:
    """Read, write and lock through the ORM and the API, as the service does."""
    from django.db import transaction
    from django.test import Client

    from claims.models import Claim
    from claims.services.claims import claim_save
    from sources.models import Publisher

    texts = list(Claim.objects.order_by("pk").values_list("text", flat=True))
    response = Client().get("/api/v1/claims/", HTTP_HOST="127.0.0.1")

    # The service locks the row, checks, saves and records history: one transaction.
    claim = Claim.objects.get(pk=claim_id)
    claim.text = "Edited through PgBouncer."
    claim_save(claim=claim, change_reason="through PgBouncer")

    try:
        with transaction.atomic():
            Publisher.objects.create(name="Rolled back through PgBouncer")
            raise RuntimeError("roll back")
    except RuntimeError:
        pass

    with transaction.atomic():
        locked = Claim.objects.select_for_update().get(pk=claim_id)
        Publisher.objects.create(name="Committed through PgBouncer")
        seen_inside = Publisher.objects.filter(name__endswith="through PgBouncer")
        seen_inside = list(seen_inside.values_list("name", flat=True))

    # Past psycopg's prepare threshold (5), had prepared statements been on.
    repeated = [Claim.objects.filter(pk=claim_id).exists() for _ in range(8)]
    return {
        "texts": texts,
        "api_status": response.status_code,
        "api_ids": sorted(claim["id"] for claim in response.json()["results"]),
        "locked_version": locked.version,
        "seen_inside": seen_inside,
        "repeated": repeated,
    }


def repeat_query(times: int) -> dict:
    """Run one ORM query this many times; report the first error, if any."""
    from sources.models import Publisher

    for run in range(1, times + 1):
        try:
            Publisher.objects.filter(name="Nobody").exists()
        except Exception as error:  # reported to the test as data
            cause = error.__cause__ or error
            return {"run": run, "error": f"{type(cause).__name__}: {cause}"}
    return {"run": times, "error": None}


def request_statement_timeout() -> dict:
    """Answer one web request, which sets the session's statement_timeout."""
    from django.test import Client

    response = Client().get("/api/v1/claims/", HTTP_HOST="127.0.0.1")
    return {"api_status": response.status_code}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings.test")
    import django

    django.setup()
    operation, *arguments = sys.argv[1:]
    if operation == "work":
        result = work(int(arguments[0]))
    elif operation == "repeat":
        result = repeat_query(int(arguments[0]))
    elif operation == "request":
        result = request_statement_timeout()
    else:
        raise SystemExit(f"unknown operation {operation!r}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
