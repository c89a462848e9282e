from django.db import models


class RepresentationVersion(models.Model):
    """A share of the counter of writes to what the public representations show.

    Database triggers (migration 0015) add 1 to a share in the same transaction as
    every statement that writes a claim, metric, document, person, alias, publisher,
    evidence or link, bulk paths (QuerySet.update, COPY, raw SQL) included. The
    version is the sum of the shares; it only grows, and a reader sees the writes
    it counts. On PostgreSQL each connection bumps its own share (its backend pid
    modulo SHARES), so concurrent writers seldom wait on one row; SQLite writes one.
    """

    SHARES = 64

    share = models.SmallIntegerField(primary_key=True)
    value = models.BigIntegerField(default=0)

    class Meta:
        db_table = "claims_representationversion"

    def __str__(self):
        return f"share {self.share}: {self.value}"
