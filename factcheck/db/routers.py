"""Database routers, each answering only for what it knows (None: no opinion).

Django asks every router in settings.DATABASE_ROUTERS in turn and takes the first
answer that is not None, so several small routers compose: a read-replica router
can be listed beside these without either knowing of the other.
"""

from django.db import connections


class JobsRouter:
    """Keep procrastinate's schema (PostgreSQL-only SQL) off other databases.

    procrastinate.contrib.django's migrations are RunSQL of PL/pgSQL functions,
    enum types and triggers. RunSQL asks the routers first, so on SQLite they are
    recorded as applied and do nothing; its models are unmanaged and make no
    tables either. On SQLite jobs run inline (JOBS_MODE), so nothing reads them.
    """

    app_label = "procrastinate"

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if app_label == self.app_label and connections[db].vendor != "postgresql":
            return False
        return None
