# A degraded production is an open problem until a person closes it (issue 23 point 4), on both
# trackers: after a DEGRADED post-deploy watch the item is blocked (the attention line, orch-status's
# waits, --explain with what happened and the choices); the rollback_hook gets the deploy hook's
# placeholders and ORCH_* environment and its output is kept in rollback.log beside hook.log;
# orch-advance --unblock does not close it; orch-deploy --accept WI does (tracker Done).
. "$(dirname "$0")/lib.sh"
export ORCH_DEPLOY_WATCH_CHECKS=1 ORCH_PLANE_API_TOKEN=tok-123
printf 'true\n' >"$TMP/hook.sh"
printf 'echo "rollback args $* env $ORCH_WORK_ITEM $ORCH_DEPLOY_SHA $ORCH_BRANCH"\n' >"$TMP/rollback.sh"
plane_start
P=11111111-1111-4111-8111-111111111111
plane_admin POST /_admin/project "{\"id\": \"$P\", \"identifier\": \"DEMO\"}" >/dev/null

config() {
	extra="    deploy_hook: [\"sh\", \"$TMP/hook.sh\"]
    health_cmd: [\"false\"]
    rollback_hook: [\"sh\", \"$TMP/rollback.sh\", \"{work_item}\", \"{sha}\"]"
	if [ "$1" = plane ]; then
		plane_config "$ORCH_HOME/orch.yaml" "$2/repo" "$(plane_project DEMO $P "$2/repo")" "$extra"
	else
		write_config "$ORCH_HOME/orch.yaml" "$2/repo" 'agents:' '  default: ["true"]'
		printf '%s\n' "$extra" >>"$ORCH_HOME/orch.yaml"
	fi
	chmod go-w "$ORCH_HOME/orch.yaml"
}

for TRACKER in local plane; do
	new_home "$TMP/$TRACKER-home"
	mkdir -p "$ORCH_HOME" "$TMP/$TRACKER"
	make_sample_repo "$TMP/$TRACKER" >/dev/null || fail "sample repo"
	config "$TRACKER" "$TMP/$TRACKER"
	WI=$(orch-issue create --project DEMO --title "degraded on $TRACKER" --state "To Analyse") || fail "create"
	orch-poll -q || fail "poll on $TRACKER"
	WT="$ORCH_HOME/worktrees/DEMO/$WI"
	DS="$ORCH_HOME/deploy-state/DEMO/$WI"
	agent_commit "$WT" staging "docs/work-items/$WI/15-staging-log.md" "$(verdict_doc staging_status SUCCESS ok)"
	sql_exec "UPDATE tasks SET stage = 'deploy-staging' WHERE work_item = ?" "$WI"
	sql_exec "UPDATE jobs SET status = 'done' WHERE status IN ('queued', 'running')"
	expect_rc 0 orch-advance "$WI"
	contains "$OUT" "deploy-staging -> done advanced"
	sha=$(sql "SELECT tested_sha FROM tasks WHERE work_item = '$WI'")
	expect_rc 0 orch-deploy --monitor
	contains "$OUT" "post-deploy watch DEGRADED"
	contains "$ERR" "blocked until a person closes it"
	[ "$(state_of "$WI")" = Blocked ] || fail "$TRACKER: after a DEGRADED watch: $(state_of "$WI")"
	[ "$(sql "SELECT blocked FROM tasks WHERE work_item = '$WI'")" = 1 ] || fail "$TRACKER: the task is not blocked"
	# the rollback hook knew what it rolls back, and its output is kept
	contains "$(cat "$DS/rollback.log")" "rollback args $WI $sha env $WI $sha feature/$WI"
	[ -f "$DS/hook.log" ] || fail "$TRACKER: hook.log is not beside rollback.log"
	# seen: attention, waits, --explain
	expect_rc 0 orch-status
	contains "$OUT" "attention: 0 secrets on main, 1 blocked"
	contains "$OUT" "waits for degraded: the post-deploy watch was DEGRADED"
	expect_rc 0 orch-status --json
	[ "$(printf '%s' "$OUT" | json_field '["attention"]["blocked"]')" = 1 ] || fail "$TRACKER: --json attention"
	orch-status --html "$TMP/page.html" || fail "$TRACKER: html"
	contains "$(cat "$TMP/page.html")" "1 blocked"
	expect_rc 0 orch-advance --explain "$WI"
	contains "$OUT" "blocked (degraded)"
	contains "$OUT" "main still holds the change production rolled back from"
	contains "$OUT" "orch-deploy --accept $WI"
	# --unblock is not the way to close it; --accept is
	expect_rc 0 orch-advance --unblock "$WI"
	[ "$(sql "SELECT blocked FROM tasks WHERE work_item = '$WI'")" = 1 ] || fail "$TRACKER: --unblock closed a DEGRADED item"
	expect_rc 0 orch-deploy --accept "$WI"
	contains "$OUT" "accepted as fixed"
	[ "$(state_of "$WI")" = Done ] || fail "$TRACKER: after --accept: $(state_of "$WI")"
	[ "$(sql "SELECT blocked FROM tasks WHERE work_item = '$WI'")" = 0 ] || fail "$TRACKER: still blocked after --accept"
	expect_rc 0 orch-status
	contains "$OUT" "attention: 0 secrets on main, 0 blocked"
	[ "$(sql "SELECT count(*) FROM events WHERE kind = 'degraded_accepted' AND work_item = '$WI'")" = 1 ] ||
		fail "$TRACKER: no degraded_accepted event"
	expect_rc 1 orch-deploy --accept "$WI"
	contains "$OUT" "no open DEGRADED post-deploy watch"
done
echo "ok t-deploy-degraded"
