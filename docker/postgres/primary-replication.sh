#!/bin/bash
# Run once by the official postgres image when it makes a new data directory
# (/docker-entrypoint-initdb.d): a role the replica streams with, allowed to connect
# for replication from the compose network (its password from the environment).
set -euo pipefail

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v role="${REPLICATION_USER:-replicator}" \
    -v password="${REPLICATION_PASSWORD:?set REPLICATION_PASSWORD}" <<'SQL'
SELECT format('CREATE ROLE %I WITH REPLICATION LOGIN PASSWORD %L', :'role', :'password')
\gexec
SQL

echo "host replication ${REPLICATION_USER:-replicator} all scram-sha-256" >>"$PGDATA/pg_hba.conf"
