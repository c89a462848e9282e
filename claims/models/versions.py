from django.db import models


class RepresentationVersion(models.Model):
    """A share of the epoch: the version every cached representation also depends on.

    Writes bump the versions of what they show up in (ResourceVersion); the epoch is
    what is bumped when a write cannot be traced to rows: TRUNCATE of a versioned
    table (PostgreSQL), and any trigger still calling the old
    claims_bump_representation_version() (migration 0015). The epoch is the sum of
    the shares; it only grows.
    """

    SHARES = 64

    share = models.SmallIntegerField(primary_key=True)
    value = models.BigIntegerField(default=0)

    class Meta:
        db_table = "claims_representationversion"

    def __str__(self):
        return f"share {self.share}: {self.value}"


class ResourceVersion(models.Model):
    """A share of the version of one resource a representation shows.

    A resource is named "claim:<id>" (a claim's detail, page and ClaimReview),
    "metric:<id>" (a metric's figures and page) or "all-claims" (the lists and feeds
    any claim can appear in). Database triggers (migration 0021, series 0002) add 1
    to the versions of every resource a statement's rows show up in, in the
    statement's transaction, bulk paths (QuerySet.update, COPY, raw SQL) included.
    A version is the sum of its shares: on PostgreSQL each connection bumps its own
    share (its backend pid modulo SHARES), so concurrent writers seldom wait on one
    row; SQLite writes share 0.
    """

    SHARES = 64

    pk = models.CompositePrimaryKey("resource", "share")
    resource = models.CharField(max_length=64)
    share = models.SmallIntegerField()
    value = models.BigIntegerField(default=0)

    class Meta:
        db_table = "claims_resourceversion"

    def __str__(self):
        return f"{self.resource} share {self.share}: {self.value}"
