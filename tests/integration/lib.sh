# Sourced by every integration test: a temp ORCH_HOME, a sample repo with a
# bare origin, the binaries on PATH, and assertions that say what was expected.
set -u
BIN=$1
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/scripts/pipeline-lib.sh"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/orch-it.XXXXXX")
trap '[ "${KEEP_TMP:-0}" = 1 ] || rm -rf "$TMP"' EXIT
# Hermetic (issue 24): none of the caller's orch settings (every ORCH_*, the tokens among them), the
# stand-ins' switches or the fake Plane's token leak in.
TEST_PG=${ORCH_TEST_PG:-}	# make check-pg: the throwaway cluster's base URL (kept before the unset)
for v in $(env | sed -n 's/^\(ORCH_[A-Za-z0-9_]*\|STANDIN_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done
unset PLANE_TOKEN
# The tests written for the tools' engines (the pip-audit and osv-scanner stand-ins) keep them; the osv
# engine's tests (t-osv-*) set ORCH_SECURITY_DEP_ENGINE=osv and a fake OSV server on 127.0.0.1 (osv_start).
export ORCH_SECURITY_DEP_ENGINE=auto

# The tests' own PATH: the binaries under test, then the caller's PATH with the machine's scanners and
# crontab hidden -- a directory holding one of them is replaced by a directory of symlinks to all of
# its other entries -- so a Debian gitleaks in /usr/bin or a user's crontab never changes a result.
# SYS_PATH is /usr/bin:/bin the same way, for a test that means "only what the system has".
HIDDEN_TOOLS="gitleaks pip-audit osv-scanner crontab"
hermetic_path() {	# a PATH-like list -> the same list with HIDDEN_TOOLS hidden
	hp_out="" hp_ifs=$IFS
	IFS=:
	for hp_d in $1; do
		IFS=$hp_ifs
		[ -n "$hp_d" ] && [ -d "$hp_d" ] || continue
		for hp_t in $HIDDEN_TOOLS; do
			[ -e "$hp_d/$hp_t" ] || continue
			hp_m="$TMP/path/$(cd "$hp_d" && pwd -P | tr / _)"
			[ -d "$hp_m" ] || python3 - "$hp_d" "$hp_m" $HIDDEN_TOOLS <<'PY' || { echo "cannot hide $hp_t of $hp_d" >&2; exit 70; }
import os, sys
src, dst, hide = sys.argv[1], sys.argv[2], set(sys.argv[3:])
os.makedirs(dst)
for n in os.listdir(src):
    if n not in hide:
        os.symlink(os.path.join(src, n), os.path.join(dst, n))
PY
			hp_d=$hp_m
			break
		done
		hp_out="$hp_out${hp_out:+:}$hp_d"
	done
	IFS=$hp_ifs
	printf '%s' "$hp_out"
}
SYS_PATH=$(hermetic_path /usr/bin:/bin)
# doctor reads this file, never the user's crontab (absent: "no crontab"); t-doctor unsets it to drive a
# crontab stand-in
export ORCH_HOME="$TMP/home" PATH="$BIN:$(hermetic_path "$PATH")" ORCH_DOCTOR_CRONTAB_FILE="$TMP/crontab"
# make check-pg (issue 27): the test's store is a database of its own in the throwaway cluster
if [ -n "$TEST_PG" ]; then
	PG_DB="t_$(basename "$TMP" | tr -dc 'a-zA-Z0-9' | tr 'A-Z' 'a-z')"
	psql -XAtq "$TEST_PG/postgres" -c "CREATE DATABASE $PG_DB" >/dev/null ||
		{ echo "cannot create database $PG_DB in $TEST_PG" >&2; exit 70; }
	export ORCH_DATABASE_URL="$TEST_PG/$PG_DB"
fi
PG_HOMES=0

# pg_store WHAT [LAST_LINE]: a test that needs a store shared by hosts runs on PostgreSQL: make check-pg's
# database, else a throwaway cluster of its own (stopped on exit; PG_TRAP_FIRST, if set, runs first then).
# Without PostgreSQL it says "SKIP WHAT: NOT RUN" on stderr, prints LAST_LINE (the part that ran passed)
# and ends the test here, passed.
pg_store() {
	[ -z "${ORCH_DATABASE_URL:-}" ] || return 0
	PGDIR=$(mktemp -d "${TMPDIR:-/tmp}/orch-pgt.XXXXXX") && rmdir "$PGDIR"
	URL=$(sh "$TOP/scripts/pg-cluster.sh" start "$PGDIR")
	pg_rc=$?
	if [ $pg_rc -eq 77 ]; then
		echo "SKIP $1: NOT RUN — needs PostgreSQL (apt-get install postgresql)" >&2
		[ -z "${2:-}" ] || echo "$2"
		exit 0
	fi
	[ $pg_rc -eq 0 ] || fail "the throwaway cluster did not start (exit $pg_rc)"
	trap 'eval "${PG_TRAP_FIRST:-:}"; sh "$TOP/scripts/pg-cluster.sh" stop "$PGDIR" >/dev/null 2>&1; rm -rf "$TMP"' EXIT
	export ORCH_DATABASE_URL="$URL"
}

# pg_skip REASON: under make check-pg, end the test here, passed, saying why on stderr: for a test (or
# the rest of one) whose subject is SQLite itself (its write lock, the orch.db file), not orch's store.
pg_skip() {
	[ -n "${ORCH_DATABASE_URL:-}" ] || return 0
	echo "SKIP $(basename "$0" .sh) on PostgreSQL: $*" >&2
	exit 0
}

# sqlite_only REASON: true on SQLite; under make check-pg false, saying on stderr that the part it
# guards (if sqlite_only ...; then ... fi) is skipped and why -- pg_skip for a part in the middle.
sqlite_only() {
	[ -n "${ORCH_DATABASE_URL:-}" ] || return 0
	echo "SKIP part of $(basename "$0" .sh) on PostgreSQL: $*" >&2
	return 1
}

# new_home DIR: ORCH_HOME=DIR with a store of its own, as orch.db in DIR is on SQLite; under make
# check-pg a new database of the cluster (a test that runs several homes compares their stores).
# new_store: only the new database (for a harness that makes a home of its own); nothing on SQLite.
new_home() {
	export ORCH_HOME="$1"
	new_store
}
new_store() {
	[ -n "$TEST_PG" ] || return 0
	PG_HOMES=$((PG_HOMES + 1))
	psql -XAtq "$TEST_PG/postgres" -c "CREATE DATABASE ${PG_DB}_$PG_HOMES" >/dev/null ||
		{ echo "cannot create database ${PG_DB}_$PG_HOMES in $TEST_PG" >&2; exit 70; }
	export ORCH_DATABASE_URL="$TEST_PG/${PG_DB}_$PG_HOMES"
}

# hold KIND PATH: hold a flock (lock) or a SQLite write lock (db) on PATH
# until release; returns once the lock is really held (no sleeps).
hold() {
	mkfifo "$TMP/hold.in" "$TMP/hold.out"
	python3 "$TOP/tests/integration/hold.py" "$1" "$2" <"$TMP/hold.in" >"$TMP/hold.out" &
	HOLD_PID=$!
	exec 8>"$TMP/hold.in"
	read -r ready <"$TMP/hold.out"
	[ "$ready" = held ] || fail "could not hold $1 $2"
}
release() { exec 8>&-; wait "$HOLD_PID"; rm -f "$TMP/hold.in" "$TMP/hold.out"; }

fail() { echo "FAIL: $*" >&2; exit 1; }

# deploy_state NAME [WI]: the newest deploy's record NAME (initiated, approve-requested, finalized, watch,
# watched) as the store holds it (deploy_marks, lib/deploystate.h); "" when there is none.  With HOST set,
# that host's (a shared store); else any host's.
deploy_state() {
	python3 "$TOP/tests/integration/sqlrun.py" query "SELECT m.value FROM deploy_marks m JOIN tasks t ON t.id = m.task_id WHERE m.name = ?1 AND t.work_item = ?2 AND (?3 = '' OR m.host = ?3) ORDER BY m.attempt DESC LIMIT 1" "$1" "${2:-$WI}" "${HOST:-}"
}
# deploy_state_put NAME WI VALUE HOST: write that record of HOST's for WI's current deploy (a state orch left)
deploy_state_put() {
	sql_exec "INSERT INTO deploy_marks(task_id, attempt, host, name, value, updated_at) SELECT t.id, (SELECT count(*) FROM events WHERE work_item = t.work_item AND ((stage_to = 'deploy' AND stage_from != 'deploy') OR kind = 'deploy_retry')), ?1, ?2, ?3, 0 FROM tasks t WHERE t.work_item = ?4" "$4" "$1" "$3" "$2"
}
# deploy_state_set NAME WI VALUE: overwrite that record (a test's stand-in for a state orch left)
deploy_state_set() {
	sql_exec "UPDATE deploy_marks SET value = ?1 WHERE name = ?2 AND task_id = (SELECT id FROM tasks WHERE work_item = ?3)" "$3" "$1" "$2"
}
# age_initiated WI SECONDS wall|boottime|both: WI's initiated record as if its deploy started SECONDS
# earlier on that clock (lib/deploystate.h: "wall <unix s>", "boottime <s>" lines)
age_initiated() {
	_rec=$(deploy_state initiated "$1")
	[ -n "$_rec" ] || fail "no initiated record of $1 to age"
	_aged=$(printf '%s\n' "$_rec" | python3 -c '
import sys
secs, which = int(sys.argv[1]), sys.argv[2]
lines = sys.stdin.read().split("\n")
def age(line):
    k, _, v = line.partition(" ")
    return f"{k} {int(v) - secs}" if k in ("wall", "boottime") and which in (k, "both") else line
sys.stdout.write("\n".join(lines[:1] + [age(l) for l in lines[1:]]))' "$2" "$3") || fail "cannot age $1"
	deploy_state_set initiated "$1" "$_aged"
}

# expect_rc WANT CMD...: run CMD, keep stdout in $OUT and stderr in $ERR.
expect_rc() {
	want=$1
	shift
	"$@" >"$TMP/out" 2>"$TMP/err"
	got=$?
	OUT=$(cat "$TMP/out")
	ERR=$(cat "$TMP/err")
	[ "$got" -eq "$want" ] || fail "'$*' exited $got, expected $want; stdout: $OUT; stderr: $ERR"
}

contains() { case "$1" in *"$2"*) ;; *) fail "expected '$2' in: $1" ;; esac; }
lacks() { case "$1" in *"$2"*) fail "did not expect '$2' in: $1" ;; esac; }

# A project DEMO with an issue DEMO-1 started: WT is its worktree.
# Unless the caller gives an agents: map, every stage is automated by an agent that does nothing (the
# tests play the agents with orch-advance --agent); t-manual.sh runs without agents.
pipeline_setup() {
	mkdir -p "$ORCH_HOME"
	make_sample_repo "$TMP" >/dev/null || fail "sample repo"
	case " $* " in
	*" agents: "*) write_config "$ORCH_HOME/orch.yaml" "$TMP/repo" "$@" ;;
	*) write_config "$ORCH_HOME/orch.yaml" "$TMP/repo" "$@" "agents:" "  default: [\"true\"]" ;;
	esac
	WI=$(orch-issue create --project DEMO --title "${TITLE:-Greet users}") || fail "create issue"
	[ "$WI" = DEMO-1 ] || fail "first issue is $WI, expected DEMO-1"
	expect_rc 0 orch-advance --start "$WI"
	WT="$ORCH_HOME/worktrees/DEMO/$WI"
	BR=$(git -C "$WT" rev-parse --abbrev-ref HEAD)
	D="docs/work-items/$WI"
}

# Force the task to a stage with no job running (what a long walk would reach).  At deploy-staging a
# committed staging log is staged again when code changed after it: a verdict counts only for the code
# it saw (docs/security-model.md), and the walk's staging agent would have staged that code.
at_stage() {
	sql_exec "UPDATE tasks SET stage = ?" "$1"
	sql_exec "UPDATE jobs SET status = 'done' WHERE status IN ('queued', 'running')"
	[ "$1" = deploy-staging ] && [ -n "${WT:-}" ] && [ -n "${WI:-}" ] && fresh_staging_log "$WT" "$WI"
	true
}
# fresh_staging_log WORKTREE WI: recommit 15-staging-log.md (same verdict) if code changed after it.
fresh_staging_log() {
	log="docs/work-items/$2/15-staging-log.md"
	at=$(git -C "$1" log -1 --format=%H -- "$log" 2>/dev/null)
	[ -n "$at" ] || return 0
	[ -n "$(git -C "$1" log --format=%H "$at..HEAD" -- . ":(exclude)docs/work-items/$2/")" ] || return 0
	printf '\nrestaged at %s\n' "$(git -C "$1" rev-parse HEAD)" >>"$1/$log"
	git -C "$1" add -- "$log" && git -C "$1" commit -qm "staging log for the code at HEAD"
}

# sql_exec SQL [PARAM...]: run statements against orch.db (params bind to ? in order).
# The store, SQLite or (make check-pg) PostgreSQL: sqlrun.py says how.
sql_exec() { python3 "$TOP/tests/integration/sqlrun.py" exec "$@"; }
sql() { python3 "$TOP/tests/integration/sqlrun.py" query "$1"; }
# sql_dump: every row of the store as text (to compare, or to search for what must not be stored)
sql_dump() { python3 "$TOP/tests/integration/sqlrun.py" dump; }

json_field() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval("d"+sys.argv[1]))' "$1"; }

# Config with agents; AGENTS_DIR holds the example agents unless a test overrides.
agents_setup() {	# [agent yaml lines...]
	mkdir -p "$ORCH_HOME"
	make_sample_repo "$TMP" >/dev/null || fail "sample repo"
	if [ $# -eq 0 ]; then
		write_config "$ORCH_HOME/orch.yaml" "$TMP/repo" "agents:" \
			"  default: [\"sh\", \"$TOP/examples/agents/{stage}.sh\"]"
	else
		write_config "$ORCH_HOME/orch.yaml" "$TMP/repo" "agents:" "$@"
	fi
}

# A project with no agents: map: every stage is worked by people (extra yaml lines for the project in $@).
manual_setup() {
	mkdir -p "$ORCH_HOME"
	make_sample_repo "$TMP" >/dev/null || fail "sample repo"
	write_config "$ORCH_HOME/orch.yaml" "$TMP/repo" "$@"
}

# The whole cron tick (poll, work, advance, deploy, reconcile): advance --all may wait (2), nothing fails.
cron_tick() {
	orch-poll -q && orch-work -q && orch-advance -q --all; a=$?
	orch-deploy -q && orch-reconcile -q || fail "tick failed"
	[ $a -le 2 ] || fail "orch-advance --all exited $a"
}

state_of() { orch-issue --json show "$1" | json_field '["state"]'; }

# tick: one cron round.
tick() { orch-poll -q && orch-work -q --once && orch-advance -q --all; }

# wait_gone PID: bounded wait for a killed process to disappear (SIGKILL is asynchronous).
wait_gone() {
	i=0
	while [ $i -lt 500 ]; do
		if [ ! -e "/proc/$1" ] || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; then return 0; fi
		i=$((i + 1))
		sleep 0.01
	done
	return 1
}

# plane_start [fake_plane.py args...]: start the fake Plane server; sets PLANE_PORT,
# PLANE_URL; stopped on exit.  plane_admin METHOD PATH [JSON]: talk to its admin API.
plane_start() {
	mkfifo "$TMP/plane.port"
	python3 "$TOP/tests/integration/fake_plane.py" --token "${PLANE_TOKEN:-tok-123}" "$@" >"$TMP/plane.port" 2>"$TMP/plane.err" 8>&- &
	PLANE_PID=$!
	read -r _ PLANE_PORT <"$TMP/plane.port" || fail "fake Plane did not start: $(cat "$TMP/plane.err")"
	PLANE_URL="http://127.0.0.1:$PLANE_PORT"
	trap 'kill $PLANE_PID 2>/dev/null; [ "${KEEP_TMP:-0}" = 1 ] || rm -rf "$TMP"' EXIT
}
plane_admin() {
	python3 - "$PLANE_URL$2" "$1" "${3:-}" <<'PY'
import sys, urllib.request
url, method, body = sys.argv[1], sys.argv[2], sys.argv[3]
req = urllib.request.Request(url, method=method, data=body.encode() if body else None,
                             headers={"Content-Type": "application/json"})
print(urllib.request.urlopen(req).read().decode())
PY
}
# plane_config FILE REPO PROJECT_LINES...: a config on the plane tracker.
plane_config() {
	f=$1 repo=$2
	shift 2
	{
		echo "tracker: plane"
		echo "plane_url: $PLANE_URL"
		echo "plane_workspace: acme"
		echo "http_timeout_s: 2"
		echo "projects:"
		for line in "$@"; do echo "$line"; done
	} >"$f"
}
plane_project() {	# KEY UUID REPO: yaml lines of one project
	printf '  - key: %s\n    plane_project_id: %s\n    repo: %s\n    remote: origin\n    ci_cmd: ["make", "-s", "test"]\n    agents:\n      default: ["sh", "%s/examples/agents/{stage}.sh"]\n' "$1" "$2" "$3" "$TOP"
}

# store_digest: a hash of every table but tool_metrics (the request counter of SPEC 14 moves on every
# tick): "the store is as it was".
store_digest() {
	python3 - "$ORCH_HOME/orch.db" <<'PY'
import hashlib, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
h = hashlib.sha256()
for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'tool_metrics' ORDER BY name"):
    for row in db.execute(f"SELECT * FROM {t} ORDER BY 1"):
        h.update(repr(row).encode())
print(h.hexdigest())
PY
}

# standins TOOL...: put the named scanner stand-ins (and nothing else of theirs) on PATH.
standins() {
	mkdir -p "$TMP/standins"
	rm -f "$TMP/standins/"*
	for tool in "$@"; do ln -s "$TOP/tests/integration/standins/$tool" "$TMP/standins/$tool"; done
	case ":$PATH:" in *":$TMP/standins:"*) ;; *) export PATH="$TMP/standins:$PATH" ;; esac
}
# An AWS access key id shaped like gitleaks' aws-access-token rule, built at run time so
# that this file itself holds no secret.
aws_key() { printf 'AKIA%s' "${1:-Z7QH4JX2KD5LWE3P}"; }

# osv_start [fake_osv.py args...]: start the fake OSV API on 127.0.0.1 with tests/fixtures/osv/ records;
# sets OSV_URL and exports the engine's settings; stopped on exit.  osv_admin METHOD PATH [JSON].
osv_start() {
	mkfifo "$TMP/osv.port"
	python3 "$TOP/tests/integration/fake_osv.py" --records "$TOP/tests/fixtures/osv" "$@" >"$TMP/osv.port" \
		2>"$TMP/osv.err" 8>&- &
	OSV_PID=$!
	read -r _ OSV_PORT <"$TMP/osv.port" || fail "fake OSV did not start: $(cat "$TMP/osv.err")"
	OSV_URL="http://127.0.0.1:$OSV_PORT"
	export ORCH_SECURITY_DEP_ENGINE=osv ORCH_SECURITY_OSV_URL="$OSV_URL"
	trap 'kill $OSV_PID 2>/dev/null; [ "${KEEP_TMP:-0}" = 1 ] || rm -rf "$TMP"' EXIT
}
osv_admin() {
	python3 - "$OSV_URL$2" "$1" "${3:-}" <<'PY'
import sys, urllib.request
url, method, body = sys.argv[1], sys.argv[2], sys.argv[3]
req = urllib.request.Request(url, method=method, data=body.encode() if body else None,
                             headers={"Content-Type": "application/json"})
print(urllib.request.urlopen(req).read().decode())
PY
}
