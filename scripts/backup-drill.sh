#!/usr/bin/env bash
# The backup-and-restore drill (docs/operations.md, "Backup and restore"): dump a PostgreSQL database
# with pg_dump (custom format), restore it into a fresh database with pg_restore, and prove the copy
# whole: every table's row count and a checksum of its rows must match the source. Prints the
# figures (dump size, dump and restore times, tables, rows) and exits non-zero on any difference.
#
#   scripts/backup-drill.sh postgresql://postgres@127.0.0.1:5432/suqian            # drill a database
#   scripts/backup-drill.sh --seed 200000                                           # a drill database
#       of our own: migrated by `suqian migrate`, the seed catalogue, and N delivered outbox jobs, so the drill has a realistic schema and volume on a machine with no real data
#
# BACKUP_DIR (default: a temporary folder) keeps the dump; KEEP_RESTORE=1 keeps the restored database.
# Only the restored copy is created and dropped: the source is read, never written (except --seed,
# which builds its own database, suqian_drill, from nothing).
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."

PG_HOST_URL="${PG_HOST_URL:-postgresql://postgres@127.0.0.1:5432}"

seed() {
    local rows="$1" url="$PG_HOST_URL/suqian_drill"
    psql "$PG_HOST_URL/postgres" -qAtc "DROP DATABASE IF EXISTS suqian_drill" >/dev/null
    psql "$PG_HOST_URL/postgres" -qAtc "CREATE DATABASE suqian_drill" >/dev/null
    local key
    key() { python3 -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())'; }
    # Benchmark mode: production's stack (PostgreSQL) on the sandbox twins, which a drill never calls.
    local env=(SUQIAN_MODE=benchmark SUQIAN_DATABASE_URL="$url" SUQIAN_REDIS_URL=redis://127.0.0.1:6379/15
               SUQIAN_DATA_KEY="$(key)" SUQIAN_INDEX_KEY="$(key)")
    env "${env[@]}" uv run --no-sync suqian migrate >/dev/null
    env "${env[@]}" uv run --no-sync suqian seed-catalogue >/dev/null
    # Synthetic but shaped like the real thing: delivered jobs with 800 characters of incompressible
    # payload each (a sealed payload is AES-GCM output: random to a compressor).
    psql "$url" -qAt -v ON_ERROR_STOP=1 >/dev/null <<SQL
INSERT INTO outbox_job (id, topic, key, payload, state, attempts, max_attempts, replays, due_at,
                        lease, last_error, created_at, updated_at, finished_at, trace)
SELECT gen_random_uuid(), 'application.deliver', 'application:' || n || ':submit',
       (SELECT string_agg(md5(random()::text || n || i), '') FROM generate_series(1, 25) AS i), 'done', 1, 8, 0, now(), NULL, '',
       now() - (n || ' seconds')::interval, now(), now(), NULL
FROM generate_series(1, $rows) AS n;
SQL
    echo "$url"
}

if [ "${1:-}" = "--seed" ]; then
    rows="${2:?--seed needs a number of rows}"
    echo "==> seeding suqian_drill with $rows outbox jobs" >&2
    source_url="$(seed "$rows")"
else
    source_url="${1:?usage: scripts/backup-drill.sh POSTGRES_URL | --seed ROWS}"
fi

source_db="${source_url##*/}"
source_db="${source_db%%\?*}"
restore_db="${source_db}_restore_$(date +%s)"
admin_url="${source_url%/*}/postgres"
restore_url="${source_url%/*}/$restore_db"
backup_dir="${BACKUP_DIR:-$(mktemp -d)}"
dump="$backup_dir/$source_db-$(date -u +%Y%m%dT%H%M%SZ).dump"

now() { date +%s.%N; }
elapsed() { python3 -c "print(f'{$2 - $1:.2f}')"; }

echo "==> pg_dump $source_db -> $dump"
t0=$(now)
pg_dump --format=custom --compress=6 --no-owner --file="$dump" "$source_url"
t1=$(now)
dump_bytes=$(stat -c %s "$dump")
db_bytes=$(psql "$source_url" -qAtc "SELECT pg_database_size(current_database())")

echo "==> pg_restore -> $restore_db"
psql "$admin_url" -qAtc "CREATE DATABASE \"$restore_db\"" >/dev/null
trap '[ "${KEEP_RESTORE:-0}" = 1 ] || psql "$admin_url" -qAtc "DROP DATABASE IF EXISTS \"$restore_db\"" >/dev/null' EXIT
t2=$(now)
pg_restore --no-owner --exit-on-error --jobs=2 --dbname="$restore_url" "$dump"
t3=$(now)

echo "==> verifying every table (row count and a checksum of its rows)"
# md5 over the rows in a fixed order: the same rows in both databases, byte for byte.
tables_sql="SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables
            WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1"
fingerprint() {
    local url="$1" table="$2"
    psql "$url" -qAtc "SELECT count(*) || ' ' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '-')
                       FROM $table AS t"
}
tables=0 rows=0 differ=0
while read -r table; do
    [ -n "$table" ] || continue
    before=$(fingerprint "$source_url" "$table")
    after=$(fingerprint "$restore_url" "$table")
    tables=$((tables + 1))
    rows=$((rows + ${before%% *}))
    if [ "$before" != "$after" ]; then
        echo "DIFFERS: $table source=[$before] restored=[$after]" >&2
        differ=$((differ + 1))
    fi
done < <(psql "$source_url" -qAtc "$tables_sql")
restored_tables=$(psql "$restore_url" -qAtc "SELECT count(*) FROM ($tables_sql) AS t")

echo
echo "backup-and-restore drill: $source_db"
echo "  database size       $(numfmt --to=iec "$db_bytes") ($db_bytes bytes)"
echo "  dump size           $(numfmt --to=iec "$dump_bytes") ($dump_bytes bytes, custom format, zlib 6)"
echo "  pg_dump time        $(elapsed "$t0" "$t1") s"
echo "  pg_restore time     $(elapsed "$t2" "$t3") s (2 jobs)"
echo "  tables verified     $tables (restored: $restored_tables)"
echo "  rows verified       $rows"
echo "  tables that differ  $differ"
[ "$differ" -eq 0 ] && [ "$tables" -gt 0 ] && [ "$tables" -eq "$restored_tables" ]
