"""Database routers, each answering only for what it knows (None: no opinion).

Django asks every router in settings.DATABASE_ROUTERS in turn and takes the first
answer that is not None, so several small routers compose: a read-replica router
can be listed beside these without either knowing of the other.
"""

from django.db import connections

from factcheck.db import replicas


class JobsRouter:
    """Keep procrastinate's schema (PostgreSQL-only SQL) off other databases.

    procrastinate.contrib.django's migrations are RunSQL of PL/pgSQL functions,
    enum types and triggers. RunSQL asks the routers first, so on SQLite they are
    recorded as applied and do nothing; its models are unmanaged and make no
    tables either. On SQLite jobs run in the web process (JOBS_MODE), so nothing
    reads them.
    """

    app_label = "procrastinate"

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if app_label == self.app_label and connections[db].vendor != "postgresql":
            return False
        return None


class ReplicaRouter:
    """Send reads to a read replica where the context allows it, writes to "default".

    Which reads may go to a replica is decided by factcheck.db.replicas (only safe
    web requests of clients that have not just written); without replicas
    configured this router has no opinion. Replicas are copies of "default": rows
    read from one may be related to rows of the other, and only "default" is
    migrated (streaming replication copies the schema).
    """

    def db_for_read(self, model, **hints):
        if not replicas.replica_aliases():
            return None
        return replicas.read_alias()

    def db_for_write(self, model, **hints):
        if not replicas.replica_aliases():
            return None
        return replicas.PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        copies = replicas.replica_aliases()
        if not copies:
            return None
        aliases = {replicas.PRIMARY, *copies}
        if obj1._state.db in aliases and obj2._state.db in aliases:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if db.startswith(replicas.REPLICA_PREFIX):
            return False
        return None
