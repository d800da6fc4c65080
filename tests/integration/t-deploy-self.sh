# Self-deploy projects: Phase A asks for Confirm Deploy; Approved on deploy does nothing; Confirm Deploy
# deploys once and only on deploy; the hook outlives orch and Phase C finalizes from its sentinel; a failing
# hook rolls back with an alert; a hook that cannot run is refused before the merge; the post-deploy watch;
# a project without the Confirm Deploy state never deploys.
. "$(dirname "$0")/lib.sh"
cat >"$TMP/hook.sh" <<'SH'
echo run >>"$HOOK_RUNS"
echo "args $* env $ORCH_WORK_ITEM $ORCH_DEPLOY_SHA" >"$HOOK_RUNS.ctx"
[ -p "$HOOK_GATE" ] && read -r _ <"$HOOK_GATE"
exit "${HOOK_EXIT:-0}"
SH
export HOOK_RUNS="$TMP/hook-runs" HOOK_GATE="$TMP/hook-gate"
standins gitleaks pip-audit	# a self-deploying project gets the security gate
pipeline_setup "self_deploy: true" "deploy_hook: [\"sh\", \"$TMP/hook.sh\", \"{work_item}@{sha}\"]" \
	"health_cmd: [\"sh\", \"-c\", \"test ! -e $TMP/unhealthy\"]" \
	"rollback_hook: [\"touch\", \"$TMP/rolled-back\"]"
to_deploy() {	# walk the current task through the deploy edge
	agent_commit "$WT" "staging $1" "$D/15-staging-log.md" "$(verdict_doc staging_status SUCCESS "$1")"
	at_stage deploy-staging
	expect_rc 0 orch-advance "$WI"
	contains "$OUT" "deploy-staging -> deploy advanced"
}
runs() { [ -f "$HOOK_RUNS" ] && wc -l <"$HOOK_RUNS" | tr -d ' ' || echo 0; }
to_deploy one
contains "$OUT" "merged"
contains "$ERR" "set the status to Confirm Deploy to deploy to production"
[ "$(state_of "$WI")" = "Awaiting Deploy" ] || fail "Phase A: tracker not Awaiting Deploy"
[ "$(sql "SELECT count(*) FROM deploy_marks WHERE name = 'approve-requested'")" = 1 ] || fail "Phase A marker missing"
[ ! -e "$ORCH_HOME/deploy-state/DEMO/$WI/approve-requested" ] || fail "the deploy state is a file, not in the store"
expect_rc 2 orch-advance "$WI"
contains "$OUT" "waiting for Confirm Deploy"
expect_rc 0 orch-advance --explain "$WI"	# says the same: nobody writes the deploy log by hand here
contains "$OUT" "$WI at deploy (self_deploy)"
contains "$OUT" "waiting for Confirm Deploy (the tracker status, or orch-deploy --confirm $WI)"
lacks "$OUT" "MISSING"

# Approved on deploy does nothing (recorded once)
orch-issue -q set "$WI" Approved
expect_rc 0 orch-poll
contains "$OUT" "Approved on stage deploy does nothing"
expect_rc 0 orch-poll
[ -z "$OUT" ] || fail "the ignored Approved was reported twice"
[ "$(runs)" = 0 ] || fail "Approved started a deploy"

# Confirm Deploy: Phase B once; the hook runs detached while orch exits; a second confirm is a no-op
mkfifo "$HOOK_GATE"
orch-issue -q set "$WI" "Confirm Deploy"
expect_rc 0 orch-poll
contains "$OUT" "production deploy of"
until [ "$(runs)" = 1 ]; do sleep 0.01; done	# the detached hook has started
expect_rc 0 orch-poll
expect_rc 0 orch-deploy --confirm "$WI"
contains "$OUT" "already initiated"
[ "$(state_of "$WI")" = Deploying ] || fail "tracker not Deploying"
expect_rc 0 orch-deploy --finalize	# the hook still runs: nothing to finalize yet
[ -z "$OUT" ] || fail "finalized before the hook ended: $OUT"
expect_rc 2 orch-advance "$WI"
contains "$OUT" "production deploy running"
exec 7>"$HOOK_GATE"; exec 7>&-	# the hook finishes, long after the orch that started it exited
until [ -e "$ORCH_HOME/deploy-state/DEMO/$WI/result" ]; do sleep 0.01; done
expect_rc 0 orch-deploy --finalize
contains "$OUT" "deploy -> done advanced"
[ "$(runs)" = 1 ] || fail "the hook ran $(runs) times"
log=$(git -C "$TMP/repo" show "refs/heads/$BR:$D/14-deploy-log.md")
contains "$log" "deploy_status: SUCCESS"
contains "$log" "hook_exit_code: 0"
sha=$(printf '%s\n' "$log" | sed -n 's/^deployed_sha: //p')
[ "$(cat "$HOOK_RUNS.ctx")" = "args $WI@$sha env $WI $sha" ] || fail "the detached hook's context: $(cat "$HOOK_RUNS.ctx")"
git -C "$TMP/repo" merge-base --is-ancestor "$sha" origin/main || fail "deployed commit not on main"
expect_rc 0 orch-deploy --finalize
[ -z "$OUT" ] || fail "finalized twice"
# the watch: healthy for three probes -> Done
for i in 1 2 3; do expect_rc 0 orch-deploy --monitor; done
contains "$OUT" "post-deploy watch HEALTHY"
contains "$(git -C "$TMP/repo" show "refs/heads/$BR:$D/16-post-deploy-log.md")" "post_deploy_status: HEALTHY"
[ "$(state_of "$WI")" = Done ] || fail "tracker not Done after a healthy watch"

# a second item: confirm on the wrong stage does nothing; a failing hook rolls back; a DEGRADED watch blocks
WI=$(orch-issue create --project DEMO --title "second" --state "To Analyse")
orch-poll -q
WT="$ORCH_HOME/worktrees/DEMO/$WI"
BR=$(git -C "$WT" rev-parse --abbrev-ref HEAD)
D="docs/work-items/$WI"
at_one() { sql_exec "UPDATE tasks SET stage = '$1' WHERE work_item = '$WI'"; sql_exec "UPDATE jobs SET status = 'done'"; }
expect_rc 1 orch-deploy --confirm "$WI"
contains "$OUT" "Confirm Deploy acts only on stage deploy"
agent_commit "$WT" "staging" "$D/15-staging-log.md" "$(verdict_doc staging_status SUCCESS two)"
at_one deploy-staging
expect_rc 0 orch-advance "$WI"
rm -f "$HOOK_GATE"
HOOK_EXIT=3 expect_rc 0 orch-deploy --confirm "$WI"
until [ -e "$ORCH_HOME/deploy-state/DEMO/$WI/result" ]; do sleep 0.01; done
expect_rc 0 orch-deploy --finalize
contains "$OUT" "deploy -> development rolled_back"
contains "$(cat "$ORCH_HOME/deploy-state/DEMO/$WI/deploy-log.md")" "hook_exit_code: 3"	# kept off the branch
contains "$ERR" "orch: alert: $WI: deploy -> development (retry"	# a failed production deploy alerts

# a deploy hook that cannot run is refused before anything merges; one alert per stay, the confirm stands
at_one deploy-staging
expect_rc 0 orch-advance "$WI"
cp "$ORCH_HOME/orch.yaml" "$TMP/orch.yaml.good"
sed -i "s|deploy_hook: .*|deploy_hook: [\"./no-such-hook.sh\", \"now\"]|" "$ORCH_HOME/orch.yaml"
git -C "$TMP/origin.git" rev-parse main >"$TMP/main.before"
nalerts() { sql "SELECT count(*) FROM outbox WHERE level = 'alert' AND message LIKE '%deploy hook of $WI cannot run%'"; }
for i in 1 2; do
	expect_rc 69 orch-deploy --confirm "$WI"
	contains "$ERR" "the deploy hook of $WI cannot run: '$WT/./no-such-hook.sh' is not an executable file"
	contains "$ERR" "nothing was merged or deployed"
done
[ "$(nalerts)" = 1 ] || fail "a hook that cannot run alerted $(nalerts) times in one stay"
[ "$(git -C "$TMP/origin.git" rev-parse main)" = "$(cat "$TMP/main.before")" ] || fail "main moved for a hook that cannot run"
[ -z "$(deploy_state initiated)" ] || fail "a hook that cannot run was marked initiated"
cp "$TMP/orch.yaml.good" "$ORCH_HOME/orch.yaml"

# fixed and deployed again (fresh sentinels), but production degrades: Blocked, alert, rollback_hook
touch "$TMP/unhealthy"
at_one deploy-staging
expect_rc 0 orch-advance "$WI"
expect_rc 0 orch-deploy --confirm "$WI"
until [ -e "$ORCH_HOME/deploy-state/DEMO/$WI/result" ]; do sleep 0.01; done
expect_rc 0 orch-deploy --finalize
contains "$OUT" "deploy -> done advanced"
for i in 1 2 3; do expect_rc 0 orch-deploy --monitor; done
contains "$OUT" "post-deploy watch DEGRADED (3/3 probes failed)"
contains "$ERR" "orch: alert: $WI: post-deploy watch DEGRADED"
[ "$(state_of "$WI")" = Blocked ] || fail "a DEGRADED watch did not set Blocked"
[ -e "$TMP/rolled-back" ] || fail "rollback_hook did not run"
expect_rc 0 orch-deploy --monitor
[ -z "$OUT" ] || fail "the watch went on after its window"

# a project without the Confirm Deploy state never deploys from the tracker
sql_exec "DELETE FROM tracker_states WHERE name = ?" "Confirm Deploy"
expect_rc 66 orch-issue set "$WI" "Confirm Deploy"
