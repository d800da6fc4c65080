# deploy_require_manual_approve false: a self-deploying project enters Phase B at the first orch-deploy
# after its arrival at deploy, with no human, once, only after the merge is on main; the tracker shows Monitoring after Deploy while the
# post-deploy watch runs, then Done (issue 16).  A run that died between the merge and Phase B is finished
# by orch-deploy.
. "$(dirname "$0")/lib.sh"
cat >"$TMP/hook.sh" <<'SH'
echo "run $ORCH_WORK_ITEM" >>"$HOOK_RUNS"
SH
export HOOK_RUNS="$TMP/hook-runs" ORCH_DEPLOY_REQUIRE_MANUAL_APPROVE=false
standins gitleaks pip-audit
pipeline_setup "self_deploy: true" "deploy_hook: [\"sh\", \"$TMP/hook.sh\"]" "health_cmd: [\"true\"]"
runs() { [ -f "$HOOK_RUNS" ] && wc -l <"$HOOK_RUNS" | tr -d ' ' || echo 0; }
S="$ORCH_HOME/deploy-state/DEMO/$WI"
agent_commit "$WT" "staging" "$D/15-staging-log.md" "$(verdict_doc staging_status SUCCESS ok)"
at_stage deploy-staging
expect_rc 0 orch-advance "$WI"
contains "$OUT" "deploy-staging -> deploy advanced"
contains "$OUT" "production deploy starts at the next orch-deploy (deploy_require_manual_approve is false)"
[ "$(runs)" = 0 ] || fail "deployed before orch-deploy ran"
expect_rc 0 orch-deploy --finalize
contains "$OUT" "production deploy of"
until [ -e "$S/result" ]; do sleep 0.01; done	# the detached hook's own end
[ "$(runs)" = 1 ] || fail "hook ran $(runs) times"
sha=$(git -C "$TMP/repo" rev-parse "refs/remotes/origin/main")
[ "$(deploy_state initiated | head -n 1)" = "$sha" ] || fail "deployed something that is not main's head"
expect_rc 0 orch-deploy --finalize
contains "$OUT" "deploy -> done advanced"
[ "$(state_of "$WI")" = "Monitoring after Deploy" ] || fail "tracker during the watch: $(state_of "$WI")"
expect_rc 0 orch-deploy --monitor
[ "$(state_of "$WI")" = "Monitoring after Deploy" ] || fail "the watch ended early"
expect_rc 0 orch-deploy --monitor
expect_rc 0 orch-deploy --monitor
contains "$OUT" "HEALTHY"
[ "$(state_of "$WI")" = Done ] || fail "tracker after a healthy watch: $(state_of "$WI")"
expect_rc 0 orch-deploy
[ "$(runs)" = 1 ] || fail "hook ran again: $(runs)"
orch-doctor >"$TMP/doctor" 2>&1	# cron may be missing here: only this line matters
contains "$(cat "$TMP/doctor")" "WARN project DEMO: production is automatic"

# the command that merged died before Phase B: orch-deploy starts the deploy, once
sql_exec "UPDATE tasks SET stage = 'deploy'"
for f in wrapper-pid hook-pgid result; do rm -f "$S/$f"; done
sql_exec "DELETE FROM deploy_marks"
expect_rc 0 orch-deploy
contains "$OUT" "production deploy of"
until [ -e "$S/result" ]; do sleep 0.01; done
expect_rc 0 orch-deploy
[ "$(runs)" = 2 ] || fail "hook runs $(runs), expected 2"

# the default (true): nothing deploys without Confirm Deploy
unset ORCH_DEPLOY_REQUIRE_MANUAL_APPROVE
sql_exec "UPDATE tasks SET stage = 'deploy'"
for f in wrapper-pid hook-pgid result; do rm -f "$S/$f"; done
sql_exec "DELETE FROM deploy_marks"
expect_rc 0 orch-deploy
[ -z "$OUT" ] || fail "deployed without a human: $OUT"
[ "$(runs)" = 2 ] || fail "hook ran without Confirm Deploy"
