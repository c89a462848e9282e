"""Index the DataFeed's page order: verdicts by COALESCE(reviewed_at, updated_at), id.

GET /api/v1/claimreview/datafeed.json pages the claims that carry a verdict by when
the verdict last changed (reviews.feeds.DataFeedPagination), an expression no index
of claims served: every page sorted all the verdicts. This partial expression index
holds exactly those rows in that order, so a page (and a window of
modified_since/modified_before) is read off the index. The expression and the list
of verdicts must stay those of the feed's query (tests/reviews/test_datafeed.py
checks with EXPLAIN on PostgreSQL that the page query uses it). The same statement
serves SQLite, which has expression and partial indexes too. The index is on the
claims table but belongs to the feed, so it lives here: claims knows nothing of it.
"""

from django.db import migrations

INDEX = "reviews_datafeed_order"
# claims.ratings.VERDICTS when this was written.
VERDICTS = ("disputed", "false", "misleading", "unverifiable", "verified")
FORWARD = (
    f"CREATE INDEX IF NOT EXISTS {INDEX} ON claims_claim "
    "((COALESCE(reviewed_at, updated_at)), id) "
    f"WHERE status IN ({', '.join(repr(status) for status in VERDICTS)})"
)
BACKWARD = f"DROP INDEX IF EXISTS {INDEX}"


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0004_claim_reviewed_trigram"),
        ("claims", "0020_claim_length_limits"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD, elidable=False)]
