# Deploy state lives in the store (deploy_marks, lib/deploystate.h), not in files under deploy-state/.
# Hostile agent: files it plants there (a deploy "initiated" and "finalized SUCCESS", a watch "HEALTHY")
# steer nothing: Confirm Deploy still runs the hook, once, and Phase C logs what the hook did.
# Upgrade (a setup unlike the demo's: a home an older orch left mid-deploy): the deploy's files are taken
# into the store once per host, so the running deploy is finished, never started again.
. "$(dirname "$0")/lib.sh"
cat >"$TMP/hook.sh" <<'SH'
echo run >>"$HOOK_RUNS"
[ -p "$HOOK_GATE" ] && read -r _ <"$HOOK_GATE"
exit 0
SH
export HOOK_RUNS="$TMP/hook-runs" HOOK_GATE="$TMP/hook-gate"
standins gitleaks pip-audit	# a self-deploying project gets the security gate
pipeline_setup "self_deploy: true" "deploy_hook: [\"sh\", \"$TMP/hook.sh\"]"
runs() { [ -f "$HOOK_RUNS" ] && wc -l <"$HOOK_RUNS" | tr -d ' ' || echo 0; }
agent_commit "$WT" code "src/feature.py" "x = 1"
agent_commit "$WT" staging "$D/15-staging-log.md" "$(verdict_doc staging_status SUCCESS ok)"
at_stage deploy-staging
expect_rc 0 orch-advance "$WI"
contains "$OUT" "deploy-staging -> deploy advanced"
S="$ORCH_HOME/deploy-state/DEMO/$WI"

# the agent plants a deploy that never ran, finished and watched
mkdir -p "$S"
printf '%s\nwall %s\n' "$(git -C "$WT" rev-parse HEAD)" "$(date +%s)" >"$S/initiated"
echo SUCCESS >"$S/finalized"
echo HEALTHY >"$S/watched"
expect_rc 2 orch-advance "$WI"
contains "$OUT" "waiting for Confirm Deploy"
expect_rc 0 orch-deploy --confirm "$WI"
contains "$OUT" "production deploy of"
lacks "$OUT" "already initiated"
until [ -e "$S/result" ]; do sleep 0.01; done	# the detached hook's own end
[ "$(deploy_state initiated | head -n 1)" = "$(git -C "$TMP/repo" rev-parse refs/remotes/origin/main)" ] ||
	fail "the store's initiated record is not the tested commit on main: $(deploy_state initiated)"
expect_rc 0 orch-deploy --finalize
contains "$OUT" "deploy -> done advanced"
[ "$(deploy_state finalized)" = SUCCESS ] || fail "finalized '$(deploy_state finalized)'"
contains "$(git -C "$TMP/repo" show "refs/heads/$BR:$D/14-deploy-log.md")" "deploy_status: SUCCESS"
[ "$(runs)" = 1 ] || fail "the hook ran $(runs) times, expected once"
[ "$(sql "SELECT status || ' ' || result FROM deploys")" = "success 0" ] || fail "the deploys row: $(sql "SELECT status || ' ' || result FROM deploys")"

# upgrade mid-deploy: an older orch started B's deploy and kept its state in files; its hook still runs
B=$(orch-issue create --project DEMO --title "second")
expect_rc 0 orch-advance --start "$B"
WB="$ORCH_HOME/worktrees/DEMO/$B"
agent_commit "$WB" code "src/b.py" "y = 2"
agent_commit "$WB" staging "docs/work-items/$B/15-staging-log.md" "$(verdict_doc staging_status SUCCESS ok)"
sql_exec "UPDATE tasks SET stage = 'deploy-staging' WHERE work_item = ?" "$B"
expect_rc 0 orch-advance "$B"
contains "$OUT" "deploy-staging -> deploy advanced"
mkfifo "$HOOK_GATE"
expect_rc 0 orch-deploy --confirm "$B"
contains "$OUT" "production deploy of"
SB="$ORCH_HOME/deploy-state/DEMO/$B"
until [ -s "$SB/hook-pgid" ]; do sleep 0.01; done
for f in initiated approve-requested; do
	deploy_state "$f" "$B" >"$SB/$f"
done
ln -s "$TMP/hook-runs" "$SB/finalized"	# hostile: a link where a state's file was (not followed)
head -c 100000 /dev/zero | tr '\0' 'x' >"$SB/watch"	# hostile: garbage far over a state's size
sql_exec "DELETE FROM deploy_marks"	# an older orch: no rows, not imported yet
expect_rc 0 orch-deploy --confirm "$B"
contains "$OUT" "already initiated"
[ -n "$(deploy_state initiated "$B")" ] || fail "the running deploy's file was not taken into the store"
[ -z "$(deploy_state finalized "$B")" ] || fail "a symlinked state was imported: $(deploy_state finalized "$B")"
[ "$(deploy_state watch "$B" | wc -c)" -lt 1100 ] || fail "an oversized state file was imported whole"
rm -f "$SB/initiated" "$SB/approve-requested" "$SB/finalized" "$SB/watch"	# after the import the files are not read
expect_rc 0 orch-deploy --confirm "$B"
contains "$OUT" "already initiated"
exec 7>"$HOOK_GATE"; exec 7>&-
until [ -e "$SB/result" ]; do sleep 0.01; done
expect_rc 0 orch-deploy --finalize
contains "$OUT" "deploy -> done advanced"
[ "$(runs)" = 2 ] || fail "the hook ran $(runs) times, expected 2 (one per item)"
[ "$(sql "SELECT count(*) FROM deploy_marks WHERE name = 'files-imported'")" = 1 ] || fail "the import is not recorded once"
echo "t-deploy-state: ok"
