"""Django's PostgreSQL backend, with bulk writes that fit server-side binding.

With server-side binding (settings: DATABASE_PREPARED_STATEMENTS) a statement may
carry at most 65,535 parameters, and Django does not split a bulk_create, a
bulk_update or a deletion to fit. This backend tells Django the largest batch that
fits, as Django's own SQLite and Oracle backends do for their limits.
"""

from django.db.backends.postgresql import base, operations

MAX_QUERY_PARAMS = 65_535


class DatabaseOperations(operations.DatabaseOperations):
    def bulk_batch_size(self, fields, objs):
        if not self.connection.settings_dict["OPTIONS"].get("server_side_binding"):
            return super().bulk_batch_size(fields, objs)
        return max(MAX_QUERY_PARAMS // max(len(fields), 1), 1)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
