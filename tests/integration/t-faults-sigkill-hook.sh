# SIGKILL of a command that runs a child (docs/operations.md, Failure modes).  orch-advance is killed as soon
# as the deploy hook of a project without self_deploy runs: the task's claim and the initiated record already
# hold the hook wrapper's process group (recorded before the hook may start); the next orch-advance and orch-reconcile wait for it (busy, never FAILED);
# once the hook ends, its result is logged SUCCESS and the item is done; the hook ran once.  Then
# orch-advance is killed while ci_cmd runs: the next claimer stops that ci_cmd and the gate runs it anew.
. "$(dirname "$0")/lib.sh"
cat >"$TMP/hook.sh" <<'SH'
echo run >>"$HOOK_RUNS"
echo started >"$STARTED"
read -r go <"$GO"
SH
cat >"$TMP/ci.sh" <<'SH'
[ -e "$CI_ONCE" ] && exec make -s test
: >"$CI_ONCE"
echo $$ >"$CI_PID"
echo started >"$STARTED"
read -r go <"$GO"
SH
export HOOK_RUNS="$TMP/hook-runs" STARTED="$TMP/started" GO="$TMP/go" CI_ONCE="$TMP/ci-once" CI_PID="$TMP/ci.pid"
mkfifo "$STARTED" "$GO"
pipeline_setup "deploy_hook: [\"sh\", \"$TMP/hook.sh\"]"
agent_commit "$WT" code "src/feature.py" "x = 1"
agent_commit "$WT" staging "$D/15-staging-log.md" "$(verdict_doc staging_status SUCCESS ok)"
at_stage deploy-staging
S="$ORCH_HOME/deploy-state/DEMO/$WI"

orch-advance "$WI" >/dev/null 2>&1 &
ap=$!
read -r s <"$STARTED"
kill -9 "$ap"
wait "$ap"
pg=$(sql "SELECT child_pgid FROM leases WHERE name = 'task:$WI'")
[ "${pg:-0}" -gt 1 ] || fail "the claim does not hold the hook's process group: '$pg'"
[ "$(sql "SELECT child_kind FROM leases WHERE name = 'task:$WI'")" = deploy_hook ] || fail "the claim's child kind"
deploy_state initiated | grep -q "^pgid $pg\$" || fail "the initiated record does not hold group $pg: $(deploy_state initiated)"
kill -0 -"$pg" 2>/dev/null || fail "the hook's group $pg is not running"

# the next runs wait: busy, nothing recorded, the claim kept while the hook runs
for cmd in "orch-advance $WI" "orch-advance --all"; do
	$cmd >"$TMP/out" 2>"$TMP/err"
	OUT=$(cat "$TMP/out")
	contains "$OUT" "busy"
	contains "$OUT" "the deploy hook (process group $pg)"
	lacks "$OUT$(cat "$TMP/err")" "FAILED"
done
expect_rc 0 orch-reconcile
[ "$(sql "SELECT child_pgid FROM leases WHERE name = 'task:$WI'")" = "$pg" ] || fail "the reaper released the claim of a running hook"
[ -z "$(deploy_state finalized)" ] || fail "a running deploy was finalized: $(deploy_state finalized)"
[ "$(sql "SELECT stage FROM tasks")" = deploy ] || fail "the task moved while its hook ran"

# the hook ends: its wrapper records the result; the next tick logs SUCCESS and the item is done
echo go >"$GO"
wait_gone "$pg" || fail "the hook's wrapper $pg did not end"
[ "$(cat "$S/result")" = 0 ] || fail "the wrapper recorded '$(cat "$S/result")'"
expect_rc 0 orch-advance "$WI"
contains "$OUT" "done"
[ "$(deploy_state finalized)" = SUCCESS ] || fail "finalized $(deploy_state finalized), expected SUCCESS"
contains "$(git -C "$TMP/repo" show "refs/heads/$BR:$D/14-deploy-log.md")" "deploy_status: SUCCESS"
[ "$(sql "SELECT stage FROM tasks")" = done ] || fail "the item is not done"
[ "$(wc -l <"$HOOK_RUNS")" -eq 1 ] || fail "the hook ran $(wc -l <"$HOOK_RUNS") times, expected once"

# ci_cmd of a killed holder: stopped by the next claimer, which reports busy; then the gate runs it anew
B=$(orch-issue create --project DEMO --title "second")
expect_rc 0 orch-advance --start "$B"
sed -i "s|ci_cmd: \[\"make\", \"-s\", \"test\"\]|ci_cmd: [\"sh\", \"$TMP/ci.sh\"]|" "$ORCH_HOME/orch.yaml"
agent_commit "$ORCH_HOME/worktrees/DEMO/$B" code "src/b.py" "y = 2"
sql_exec "UPDATE tasks SET stage = 'development' WHERE work_item = ?" "$B"
sql_exec "UPDATE jobs SET status = 'done' WHERE status IN ('queued', 'running')"
orch-advance "$B" >/dev/null 2>&1 &
ap=$!
read -r s <"$STARTED"
kill -9 "$ap"
wait "$ap"
# ci_cmd ran only once its group was recorded in the claim (proc's on_start holds the program until then)
[ "$(sql "SELECT child_pgid FROM leases WHERE name = 'task:$B'")" -gt 1 ] || fail "the claim does not hold ci_cmd's group"
ci=$(cat "$CI_PID")
kill -0 "$ci" 2>/dev/null || fail "ci_cmd is not running"
orch-advance "$B" >"$TMP/out" 2>&1
contains "$(cat "$TMP/out")" "stopped it"
wait_gone "$ci" || fail "the dead holder's ci_cmd $ci still runs"
rm -f "$GO"
expect_rc 0 orch-advance "$B"
contains "$OUT" "development -> review advanced"
