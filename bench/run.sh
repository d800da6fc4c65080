#!/bin/sh
# Benchmarks print figures; they assert nothing about speed (see docs/decisions.md).
set -eu
BIN=$(cd "${1:-build/bin}" && pwd)
python3 "$(dirname "$0")/noop_tick.py" "$BIN" "${BENCH_RUNS:-20}"
echo
python3 "$(dirname "$0")/plane_tick.py" "$BIN" "${BENCH_PLANE_RUNS:-9}"
echo
python3 "$(dirname "$0")/secgate.py" "$BIN" "${BENCH_GATE_RUNS:-5}"
echo
python3 "$(dirname "$0")/scale.py" "$BIN" "${BENCH_SCALE_RUNS:-11}"
echo
python3 "$(dirname "$0")/osv_audit.py" "$BIN" "${BENCH_OSV_RUNS:-5}"
echo
# issue 27: PostgreSQL beside SQLite, and one to three hosts on one database; one throwaway cluster
# (scripts/pg-cluster.sh) for the three unless ORCH_BENCH_PG names a server; without PostgreSQL
# they print SQLite alone (hosts.py nothing)
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
if [ -z "${ORCH_BENCH_PG:-}" ]; then
	PGDIR=$(mktemp -d /tmp/orch-bpg.XXXXXX) && rmdir "$PGDIR"
	if url=$(sh "$BENCH_DIR/../scripts/pg-cluster.sh" start "$PGDIR"); then
		trap 'sh "$BENCH_DIR/../scripts/pg-cluster.sh" stop "$PGDIR"' EXIT
		trap 'exit 130' INT TERM
		export ORCH_BENCH_PG="${url%/*}"
	fi
fi
python3 "$BENCH_DIR/lease_rt.py" "$BIN" "${BENCH_LEASE_ROUNDS:-500}"
echo
python3 "$BENCH_DIR/store_tick.py" "$BIN" "${BENCH_RUNS:-20}"
echo
python3 "$BENCH_DIR/hosts.py" "$BIN" --items "${BENCH_HOSTS_ITEMS:-18}"
