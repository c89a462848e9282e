#!/bin/bash
# The replica of the compose profile "scaled": on a new volume, copy the primary
# (service db) with pg_basebackup -R, which writes standby.signal and
# primary_conninfo, through a physical replication slot it creates (-C -S) so the
# primary keeps the WAL the replica has not received yet. Then start PostgreSQL
# with the official image's entrypoint, which skips its initdb on a filled volume
# and serves reads as a hot standby. A volume already made is started as it is.
set -euo pipefail

: "${PGDATA:=/var/lib/postgresql/data}"
PRIMARY_HOST=${PRIMARY_HOST:-db}
SLOT=${REPLICATION_SLOT:-replica_1}

if [[ ! -s $PGDATA/PG_VERSION ]]; then
    mkdir -p "$PGDATA"
    chown postgres:postgres "$PGDATA"
    chmod 700 "$PGDATA"
    until gosu postgres pg_isready -q -h "$PRIMARY_HOST" -U "${REPLICATION_USER:-replicator}"; do
        echo "waiting for the primary at $PRIMARY_HOST"
        sleep 1
    done
    # A slot left by an earlier replica volume would make -C fail: reuse it.
    export PGPASSWORD=${REPLICATION_PASSWORD:?set REPLICATION_PASSWORD}
    create_slot=(-C)
    if gosu postgres psql -h "$PRIMARY_HOST" -U "${REPLICATION_USER:-replicator}" -d postgres \
        -Atc "SELECT 1 FROM pg_replication_slots WHERE slot_name = '$SLOT'" | grep -q 1; then
        create_slot=()
    fi
    gosu postgres pg_basebackup -h "$PRIMARY_HOST" -U "${REPLICATION_USER:-replicator}" \
        -D "$PGDATA" -R -X stream "${create_slot[@]}" -S "$SLOT" --checkpoint=fast
    unset PGPASSWORD
fi

exec docker-entrypoint.sh postgres -c hot_standby=on
