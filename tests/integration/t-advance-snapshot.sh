# orch-advance --all reads its quiet items under one SQLite read snapshot (store.h rule 5) and ends it
# before anything writes.  Four items in one run: waiting, a gate whose ci_cmd writes to orch.db from
# another process (as a second orch command would), waiting, the same gate again.  Both gates' changes
# must land: a write left inside the snapshot would hold the write lock while ci_cmd runs (ci_cmd's
# write times out) or fail against the newer commit.  Then a write lock held by another process: the
# waiting items are still read, the item that must write is "busy" (75) and unchanged, the next run
# advances it.
. "$(dirname "$0")/lib.sh"
# make check-pg: ci_cmd writes to the test's database (orch keeps the URL, a secret, from its children)
printf 'PG_URL=%s SQLRUN=%s\n' "${ORCH_DATABASE_URL:-}" "$TOP/tests/integration/sqlrun.py" >"$TMP/ci.sh"
cat >>"$TMP/ci.sh" <<'SH'
if [ -n "$PG_URL" ]; then
	ORCH_DATABASE_URL=$PG_URL python3 "$SQLRUN" exec "INSERT INTO events(ts, work_item, kind, detail)
		VALUES (?, ?, ?, ?)" now "$(basename "$PWD")" ci_wrote "another process" || exit 1
	exec make -s test
fi
python3 -c '
import os, sqlite3
db = sqlite3.connect(os.environ["ORCH_HOME"] + "/orch.db", timeout=3)
db.execute("INSERT INTO events(ts, work_item, kind, detail) VALUES (?, ?, ?, ?)",
           ("now", os.path.basename(os.getcwd()), "ci_wrote", "another process"))
db.commit()' || exit 1
exec make -s test
SH
pipeline_setup
sed -i "s|ci_cmd: .*|ci_cmd: [\"sh\", \"$TMP/ci.sh\"]|" "$ORCH_HOME/orch.yaml"
for n in 2 3 4; do
	[ "$(orch-issue create --project DEMO --title "item $n")" = "DEMO-$n" ] || fail "create DEMO-$n"
	expect_rc 0 orch-advance --start "DEMO-$n"
done
develop() {	# WI: at development with its change committed and no job running
	agent_commit "$ORCH_HOME/worktrees/DEMO/$1" code src/app.py "print(\"$1\")"
	sql_exec "UPDATE tasks SET stage = 'development' WHERE work_item = ?" "$1"
	sql_exec "UPDATE jobs SET status = 'done' WHERE task_id = (SELECT id FROM tasks WHERE work_item = ?)" "$1"
}
develop DEMO-2
develop DEMO-4

expect_rc 0 orch-advance --all
contains "$OUT" "DEMO-1"
contains "$OUT" "DEMO-3"
contains "$OUT" "analyst job queued or running"
for wi in DEMO-2 DEMO-4; do
	[ "$(sql "SELECT stage FROM tasks WHERE work_item = '$wi'")" = review ] ||
		fail "$wi not at review: $OUT $ERR"
	[ "$(sql "SELECT count(*) FROM jobs j JOIN tasks t ON t.id = j.task_id
		WHERE t.work_item = '$wi' AND j.agent = 'reviewer' AND j.status = 'queued'")" = 1 ] ||
		fail "$wi: reviewer not enqueued once"
done
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'ci_wrote'")" = 2 ] || fail "ci_cmd's own writes were lost"
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'advanced' AND stage_from = 'development'")" = 2 ] ||
	fail "not two development -> review events"
[ "$(sql "SELECT stage FROM tasks WHERE work_item = 'DEMO-3'")" = analysis ] || fail "a waiting item moved"
[ "$(sql "SELECT count(*) FROM leases")" = 0 ] || fail "a claim outlived the run"

# another process holds the write lock: reads go on, the write waits out the busy timeout and is 75
pg_skip "the rest holds SQLite's write lock on orch.db"
develop DEMO-3
v3=$(sql "SELECT version FROM tasks WHERE work_item = 'DEMO-3'")
hold db "$ORCH_HOME/orch.db"
ORCH_DB_BUSY_TIMEOUT_MS=50 expect_rc 75 orch-advance --all
release
contains "$OUT$ERR" "DEMO-1"
contains "$ERR" "busy"
[ "$(sql "SELECT version FROM tasks WHERE work_item = 'DEMO-3'")" = "$v3" ] || fail "DEMO-3 changed while busy"
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'ci_wrote'")" = 2 ] || fail "the gate ran without its claim"
expect_rc 0 orch-advance --all
[ "$(sql "SELECT stage FROM tasks WHERE work_item = 'DEMO-3'")" = review ] || fail "DEMO-3 not advanced after: $OUT"
echo "ok"
