# One Confirm Deploy, one production deploy (issue 10): orch-deploy --confirm (an operator) and orch-poll
# (which sees the tracker's Confirm Deploy) at the same moment, with a remote that answers slowly.  The
# claim is committed before the fetch, so the second is busy and the hook runs once.  A deploy whose
# wrapper dies, or that outlives deploy_timeout_s, is FAILED with an alert instead of waiting forever; the
# age is read on a clock that does not step, so a wall clock jump does not fail a live deploy.
. "$(dirname "$0")/lib.sh"
cat >"$TMP/hook.sh" <<'SH'
echo "run $ORCH_WORK_ITEM" >>"$HOOK_RUNS"
[ -p "$HOOK_GATE" ] && read -r _ <"$HOOK_GATE"
exit 0
SH
# the remote's upload-pack: the first fetch after the gate exists says so and waits
cat >"$TMP/slow-upload-pack" <<'SH'
#!/bin/sh
if [ -p "$FETCH_GATE" ] && mkdir "$FETCH_GATE.first" 2>/dev/null; then
	echo started >"$FETCH_STARTED"
	read -r _ <"$FETCH_GATE"
fi
exec git-upload-pack "$@"
SH
chmod +x "$TMP/slow-upload-pack"
export HOOK_RUNS="$TMP/hook-runs" HOOK_GATE="$TMP/hook-gate" FETCH_GATE="$TMP/fetch-gate" FETCH_STARTED="$TMP/fetch-started"
standins gitleaks pip-audit
pipeline_setup "self_deploy: true" "deploy_hook: [\"sh\", \"$TMP/hook.sh\"]"
runs() { [ -f "$HOOK_RUNS" ] && wc -l <"$HOOK_RUNS" | tr -d ' ' || echo 0; }
to_deploy() {
	agent_commit "$WT" "staging $1" "$D/15-staging-log.md" "$(verdict_doc staging_status SUCCESS "$1")"
	at_stage deploy-staging
	expect_rc 0 orch-advance "$WI"
	contains "$OUT" "deploy-staging -> deploy advanced"
}
to_deploy one
git -C "$TMP/repo" config remote.origin.uploadpack "$TMP/slow-upload-pack"
mkfifo "$FETCH_GATE" "$FETCH_STARTED"
orch-issue -q set "$WI" "Confirm Deploy"
orch-deploy --confirm "$WI" >"$TMP/a.out" 2>"$TMP/a.err" &
A=$!
read -r _ <"$FETCH_STARTED"	# the operator's confirm is fetching, its claim committed
expect_rc 0 orch-poll
contains "$OUT" "busy"
[ "$(runs)" = 0 ] || fail "a hook started while the first confirm was still fetching"
exec 7>"$FETCH_GATE"; exec 7>&-
wait "$A" || fail "the operator's confirm failed: $(cat "$TMP/a.out" "$TMP/a.err")"
contains "$(cat "$TMP/a.out")" "production deploy of"
rm -f "$FETCH_GATE"
until [ -e "$ORCH_HOME/deploy-state/DEMO/$WI/result" ]; do sleep 0.01; done	# the detached hook's own end
expect_rc 0 orch-poll
expect_rc 0 orch-deploy --confirm "$WI"
contains "$OUT" "already initiated"
expect_rc 0 orch-deploy --finalize
contains "$OUT" "deploy -> done advanced"
[ "$(runs)" = 1 ] || fail "one Confirm Deploy ran the hook $(runs) times"
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'deploy_initiated'")" = 1 ] || fail "deploy initiated twice"
git -C "$TMP/repo" config --unset remote.origin.uploadpack

# the wrapper dies (OOM, reboot) while the hook runs: FAILED with an alert, rolled back, never run again
sql_exec "UPDATE tasks SET stage = 'development'"
agent_commit "$WT" "work again" "src/two.py" "x = 2"
to_deploy two
mkfifo "$HOOK_GATE"
expect_rc 0 orch-deploy --confirm "$WI"
S="$ORCH_HOME/deploy-state/DEMO/$WI"
until [ -s "$S/wrapper-pid" ] && [ -s "$S/hook-pgid" ]; do sleep 0.01; done
kill -9 "$(cat "$S/wrapper-pid")"
kill -9 -"$(cat "$S/hook-pgid")"
while kill -0 "$(cat "$S/wrapper-pid")" 2>/dev/null; do sleep 0.01; done
rm -f "$HOOK_GATE"
expect_rc 0 orch-deploy --finalize
contains "$OUT" "rolled_back"
contains "$ERR" "died without a result"
log=$(cat "$S/deploy-log.md")	# a FAILED log stays in deploy-state, off the branch and main
contains "$log" "deploy_status: FAILED"
contains "$log" "hook_exit_code: 137"
[ "$(sql "SELECT stage FROM tasks")" = development ] || fail "a lost deploy did not roll back"
[ "$(runs)" = 2 ] || fail "hook runs $(runs), expected 2 (one per deploy)"

# a deploy past deploy_timeout_s: the hook is stopped, FAILED, alert
agent_commit "$WT" "work three" "src/three.py" "x = 3"
at_stage development
to_deploy three
mkfifo "$HOOK_GATE"
expect_rc 0 orch-deploy --confirm "$WI"
until [ -s "$S/hook-pgid" ]; do sleep 0.01; done
HP=$(cat "$S/hook-pgid")
expect_rc 0 orch-deploy --finalize
[ -z "$OUT" ] || fail "finalized a deploy that is still running: $OUT"
# a forward wall clock step (NTP, a resumed VM) past deploy_timeout_s: the live deploy is not failed
age_initiated "$WI" 7200 wall
ORCH_DEPLOY_TIMEOUT_S=3600 expect_rc 0 orch-deploy --finalize
[ -z "$OUT$ERR" ] || fail "a wall clock step failed a live deploy: $OUT $ERR"
[ ! -e "$S/result" ] || fail "a wall clock step recorded a result: $(cat "$S/result")"
kill -0 -"$HP" 2>/dev/null || fail "a wall clock step stopped the hook"
# past deploy_timeout_s on the clock that does not step, but the wrapper is alive within its own limit
age_initiated "$WI" 120 boottime
ORCH_DEPLOY_TIMEOUT_S=60 expect_rc 0 orch-deploy --finalize
[ -z "$OUT$ERR" ] || fail "a deploy within its wrapper's limit was failed: $OUT $ERR"
# past it on both clocks and past the wrapper's limit (job_timeout_s): stopped, FAILED
age_initiated "$WI" 7200 boottime
ORCH_DEPLOY_TIMEOUT_S=3600 expect_rc 0 orch-deploy --finalize
contains "$ERR" "no result after deploy_timeout_s"
contains "$OUT" "rolled_back"
kill -0 -"$HP" 2>/dev/null && fail "the timed-out hook still runs"
rm -f "$HOOK_GATE"
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'deploy_lost'")" = 2 ] || fail "deploy_lost events"
