# Two commands on the same item at the same moment (issue 10): while orch-work runs the merge gate's
# slow ci_cmd at the deploy-staging -> deploy edge, an operator's orch-advance of the same item is `busy`
# and changes nothing; the edge is crossed once and the deploy hook runs once.  Synchronised by FIFOs:
# the ci_cmd says when it has started and waits until the test lets it go (no sleeps).
. "$(dirname "$0")/lib.sh"
cat >"$TMP/ci.sh" <<'SH'
if [ -p "$CI_GATE" ] && mkdir "$CI_GATE.first" 2>/dev/null; then	# only the first run waits
	echo started >"$CI_STARTED"
	read -r _ <"$CI_GATE"
fi
exec make -s test
SH
cat >"$TMP/hook.sh" <<'SH'
echo "run $ORCH_WORK_ITEM" >>"$HOOK_RUNS"
SH
cat >"$TMP/staging.sh" <<'SH'
d="docs/work-items/$ORCH_WORK_ITEM"
mkdir -p "$d" && printf -- '---\nstaging_status: SUCCESS\n---\nstaged\n' >"$d/15-staging-log.md" &&
git add "$d" && git commit -qm "staging"
SH
export CI_GATE="$TMP/ci-gate" CI_STARTED="$TMP/ci-started" HOOK_RUNS="$TMP/hook-runs"
pipeline_setup "deploy_hook: [\"sh\", \"$TMP/hook.sh\"]" "agents:" "  staging: [\"sh\", \"$TMP/staging.sh\"]"
sed -i "s|ci_cmd: .*|ci_cmd: [\"sh\", \"$TMP/ci.sh\"]|" "$ORCH_HOME/orch.yaml"
at_stage deploy-staging
sql_exec "INSERT INTO jobs(task_id, agent, stage, status, created_at, updated_at)
	VALUES (1, 'staging', 'deploy-staging', 'queued', 'now', 'now')"

mkfifo "$CI_GATE" "$CI_STARTED"
orch-work --once >"$TMP/a.out" 2>"$TMP/a.err" &
A=$!
read -r _ <"$CI_STARTED"	# orch-work is inside the merge gate, holding the task's claim
v0=$(sql "SELECT version FROM tasks")
expect_rc 0 orch-advance "$WI"
contains "$OUT" "busy"
contains "$OUT" "skipped this tick"
expect_rc 0 orch-advance --json "$WI"
[ "$(printf '%s' "$OUT" | json_field '["outcome"]')" = busy ] || fail "json outcome is not busy: $OUT"
expect_rc 0 orch-advance --all
contains "$OUT" "busy"
[ "$(sql "SELECT version FROM tasks")" = "$v0" ] || fail "a busy evaluation changed the task"
exec 7>"$CI_GATE"; exec 7>&-	# let A's ci_cmd finish
wait "$A" || fail "process A failed: $(cat "$TMP/a.out" "$TMP/a.err")"
contains "$(cat "$TMP/a.out")" "deploy-staging -> "
rm -f "$CI_GATE"
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'advanced' AND stage_from = 'deploy-staging'")" = 1 ] ||
	fail "the edge was crossed more than once"
[ "$(wc -l <"$HOOK_RUNS" | tr -d ' ')" = 1 ] || fail "the deploy hook ran $(wc -l <"$HOOK_RUNS") times"
[ "$(sql "SELECT stage FROM tasks")" = done ] || fail "not done: $(sql "SELECT stage FROM tasks")"
[ "$(sql "SELECT count(*) FROM leases")" = 0 ] || fail "a claim outlived its run"
expect_rc 0 orch-advance "$WI"
[ "$(wc -l <"$HOOK_RUNS" | tr -d ' ')" = 1 ] || fail "the hook ran again on a later advance"

# compare-and-set: a change computed from a state that moved is discarded, not applied twice.  Play the
# slower process by hand: a claim held by a live process on the task makes the operator's run busy; a
# claim of a dead process is taken over.
sql_exec "UPDATE tasks SET stage = 'development'; UPDATE jobs SET status = 'done'"
sql_exec "INSERT INTO leases(name, task_id, work_item, pid, acquired_at, host, expires_at) VALUES
	('task:$WI', 1, '$WI', $$, 'now', ?, 0)" "$(hostname)"
expect_rc 0 orch-advance "$WI"
contains "$OUT" "busy"
sql_exec "UPDATE leases SET pid = 999999"
expect_rc 0 orch-advance "$WI"
contains "$OUT" "development -> review advanced"
[ "$(sql "SELECT count(*) FROM leases")" = 0 ] || fail "the dead holder's claim was not replaced and released"
