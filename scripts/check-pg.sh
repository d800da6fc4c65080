#!/bin/sh
# make check-pg (issue 27): the integration suite against PostgreSQL.  A throwaway cluster
# (scripts/pg-cluster.sh: initdb -A trust, 127.0.0.1, a private socket directory, fsync off) is
# started, every test runs on a database of its own in it (tests/integration/lib.sh), and the
# cluster is stopped and removed.  Without PostgreSQL's server binaries: one line naming the
# package, exit 0 (skipped, loudly).  Usage: check-pg.sh BIN [TEST...]
set -u
BIN=$(cd "${1:-build/bin}" && pwd) || exit 70
shift
TOP=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/orch-pg.XXXXXX") && rmdir "$dir" || exit 70
url=$(sh "$TOP/scripts/pg-cluster.sh" start "$dir")
rc=$?
if [ $rc -eq 77 ]; then
	echo "check-pg: SKIPPED - PostgreSQL is not installed (apt-get install postgresql)"
	exit 0
fi
[ $rc -eq 0 ] || { echo "check-pg: the throwaway cluster did not start (exit $rc)" >&2; exit 70; }
trap 'sh "$TOP/scripts/pg-cluster.sh" stop "$dir" >/dev/null 2>&1' EXIT INT TERM
base=${url%/*}
echo "check-pg: cluster at $base"
# the driver's own cases (tests/unit/test_store_pg.c) on a database of their own
psql -XAtq "$base/postgres" -c "CREATE DATABASE unit_store_pg" >/dev/null &&
	CK_RUN_SUITE=store_pg TEST_PG_URL="$base/unit_store_pg" "$TOP/${BUILD:-build}/tests/unit" ||
	{ echo "check-pg: the driver's unit cases failed" >&2; exit 1; }
if [ $# -gt 0 ]; then
	pass=0 fail=0
	for t in "$@"; do
		if out=$(ORCH_TEST_PG=$base timeout 600 sh "$TOP/tests/integration/$t.sh" "$BIN" 2>&1); then
			pass=$((pass + 1)); echo "ok   $t"
		else
			fail=$((fail + 1)); echo "FAIL $t"; printf '%s\n' "$out" | tail -n 25 | sed 's/^/     /'
		fi
	done
	echo "integration (PostgreSQL): $pass passed, $fail failed"
	[ $fail -eq 0 ]
	exit
fi
ORCH_TEST_PG=$base sh "$TOP/tests/integration/run.sh" "$BIN"
