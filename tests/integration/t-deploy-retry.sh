# Deploy failures by cause (issue 23 point 3), on both trackers: with deploy_failure: hold a failed
# production hook holds the item at deploy (blocked, no retry charged, an alert) and `orch-deploy --retry
# WI` deploys the same tested commit again without going back through the pipeline; by default
# (rollback) it rolls back as before.  Either way the FAILED deploy log stays in deploy-state: it is
# never committed to the branch, so it never lands on main.  A self-deploying project's held item is
# retried by a new Confirm Deploy.
. "$(dirname "$0")/lib.sh"
export ORCH_PLANE_API_TOKEN=tok-123
printf 'echo run >>"%s/runs"; echo "hook says $ORCH_WORK_ITEM"; exit "$(cat %s/exit)"\n' "$TMP" "$TMP" >"$TMP/hook.sh"
plane_start
P=11111111-1111-4111-8111-111111111111
plane_admin POST /_admin/project "{\"id\": \"$P\", \"identifier\": \"DEMO\"}" >/dev/null

config() {	# TRACKER DIR POLICY
	extra="    deploy_hook: [\"sh\", \"$TMP/hook.sh\"]
    deploy_failure: $3"
	if [ "$1" = plane ]; then
		plane_config "$ORCH_HOME/orch.yaml" "$2/repo" "$(plane_project DEMO $P "$2/repo")" "$extra"
	else
		write_config "$ORCH_HOME/orch.yaml" "$2/repo" 'agents:' '  default: ["true"]'
		printf '%s\n' "$extra" >>"$ORCH_HOME/orch.yaml"
	fi
	chmod go-w "$ORCH_HOME/orch.yaml"
}
runs() { wc -l <"$TMP/runs" | tr -d ' '; }
to_edge() {	# the item at deploy-staging with a staging log for its code, then orch-advance (the hook runs)
	agent_commit "$WT" staging "docs/work-items/$WI/15-staging-log.md" "$(verdict_doc staging_status SUCCESS "$1")"
	sql_exec "UPDATE tasks SET stage = 'deploy-staging' WHERE work_item = ?" "$WI"
	sql_exec "UPDATE jobs SET status = 'done' WHERE status IN ('queued', 'running')"
	expect_rc "${2:-0}" orch-advance "$WI"
}
new_item() {
	WI=$(orch-issue create --project DEMO --title "$1" --state "To Analyse") || fail "create on $TRACKER"
	orch-poll -q || fail "poll on $TRACKER"
	WT="$ORCH_HOME/worktrees/DEMO/$WI"
	BR=$(git -C "$WT" rev-parse --abbrev-ref HEAD)
	DS="$ORCH_HOME/deploy-state/DEMO/$WI"
}

for TRACKER in local plane; do
	new_home "$TMP/$TRACKER-home"
	mkdir -p "$ORCH_HOME" "$TMP/$TRACKER"
	make_sample_repo "$TMP/$TRACKER" >/dev/null || fail "sample repo"
	: >"$TMP/runs"

	# hold: the hook fails (infrastructure), the item waits at deploy for a person
	config "$TRACKER" "$TMP/$TRACKER" hold
	new_item "held on $TRACKER"
	echo 12 >"$TMP/exit"
	to_edge held 1
	contains "$OUT" "blocked"
	contains "$ERR" "held at deploy: deploy hook exited 12"
	contains "$ERR" "orch-deploy --retry $WI"
	[ "$(sql "SELECT stage || ' ' || blocked || ' ' || retries FROM tasks WHERE work_item = '$WI'")" = "deploy 1 0" ] ||
		fail "$TRACKER: held item: $(sql "SELECT stage, blocked, retries FROM tasks WHERE work_item = '$WI'")"
	[ "$(state_of "$WI")" = Blocked ] || fail "$TRACKER: held item's tracker status: $(state_of "$WI")"
	contains "$(cat "$DS/deploy-log.md")" "deploy_status: FAILED"
	contains "$(cat "$DS/hook.log")" "hook says $WI"
	git -C "$TMP/$TRACKER/repo" cat-file -e "refs/heads/$BR:docs/work-items/$WI/14-deploy-log.md" 2>/dev/null &&
		fail "$TRACKER: the FAILED deploy log was committed to the branch"
	expect_rc 1 orch-advance "$WI"	# a tick does not move it
	contains "$OUT" "orch-deploy --retry $WI"
	expect_rc 0 orch-advance --explain "$WI"
	contains "$OUT" "deploy_failed"
	contains "$OUT" "orch-deploy --retry $WI"
	expect_rc 0 orch-status
	contains "$OUT" "1 blocked"
	contains "$OUT" "waits for deploy_failed"
	[ "$(runs)" = 1 ] || fail "$TRACKER: the hook ran $(runs) times before the retry"
	# the cause is fixed: --retry deploys the same tested commit, nothing else runs again
	tested=$(sql "SELECT tested_sha FROM tasks WHERE work_item = '$WI'")
	echo 0 >"$TMP/exit"
	expect_rc 0 orch-deploy --retry "$WI"
	contains "$OUT" "deploy -> done advanced"
	[ "$(runs)" = 2 ] || fail "$TRACKER: the hook ran $(runs) times after the retry"
	log=$(git -C "$TMP/$TRACKER/repo" show "refs/heads/$BR:docs/work-items/$WI/14-deploy-log.md")
	contains "$log" "deploy_status: SUCCESS"
	contains "$log" "deployed_sha: $tested"
	[ -f "$DS/hook.log.1" ] || fail "$TRACKER: the failed deploy's output was not kept"
	[ "$(state_of "$WI")" = Done ] || fail "$TRACKER: after the retry: $(state_of "$WI")"
	expect_rc 1 orch-deploy --retry "$WI"
	contains "$OUT" "is not held after a failed deploy"

	# rollback (the default): back to development; the FAILED log never reaches main
	config "$TRACKER" "$TMP/$TRACKER" rollback
	new_item "rolled back on $TRACKER"
	echo 3 >"$TMP/exit"
	to_edge first 1
	contains "$OUT" "-> development rolled_back (check_deploy_status: deploy hook exited 3"
	contains "$(cat "$DS/deploy-log.md")" "hook_exit_code: 3"
	echo "fixed" >"$WT/fix.txt"
	git -C "$WT" add fix.txt && git -C "$WT" commit -qm "the developer's fix"
	echo 0 >"$TMP/exit"
	to_edge second
	contains "$OUT" "deploy-staging -> done advanced"
	git -C "$TMP/$TRACKER/origin.git" cat-file -e "main:docs/work-items/$WI/14-deploy-log.md" 2>/dev/null &&
		fail "$TRACKER: a deploy log landed on main: $(git -C "$TMP/$TRACKER/origin.git" show "main:docs/work-items/$WI/14-deploy-log.md")"
	git -C "$TMP/$TRACKER/origin.git" cat-file -e "main:fix.txt" || fail "$TRACKER: the fix did not land on main"
done

# self_deploy, held: a new Confirm Deploy on the held item deploys the same commit again
new_home "$TMP/self-home"
: >"$TMP/runs"
echo 9 >"$TMP/exit"
standins gitleaks pip-audit
pipeline_setup "self_deploy: true" "deploy_failure: hold" "deploy_hook: [\"sh\", \"$TMP/hook.sh\"]"
agent_commit "$WT" staging "$D/15-staging-log.md" "$(verdict_doc staging_status SUCCESS self)"
at_stage deploy-staging
expect_rc 0 orch-advance "$WI"
orch-issue -q set "$WI" "Confirm Deploy"
expect_rc 0 orch-poll
until [ -e "$ORCH_HOME/deploy-state/DEMO/$WI/result" ]; do sleep 0.01; done	# the detached hook's end
expect_rc 0 orch-deploy --finalize
contains "$OUT" "blocked"
[ "$(state_of "$WI")" = Blocked ] || fail "self_deploy held: tracker $(state_of "$WI")"
echo 0 >"$TMP/exit"
orch-issue -q set "$WI" "Confirm Deploy"
expect_rc 0 orch-poll
contains "$OUT" "production deploy of"
until [ -e "$ORCH_HOME/deploy-state/DEMO/$WI/result" ]; do sleep 0.01; done
expect_rc 0 orch-deploy --finalize
contains "$OUT" "deploy -> done advanced"
[ "$(runs)" = 2 ] || fail "self_deploy: the hook ran $(runs) times"
echo "ok t-deploy-retry"
