# The post-deploy watch shows on the tracker, on both trackers: `Monitoring after Deploy` from the
# deploy until the watch ends, then Done (HEALTHY) or Blocked (DEGRADED, with an alert); the local
# tracker and the Plane fake must say the same at every step.
. "$(dirname "$0")/lib.sh"
export ORCH_DEPLOY_WATCH_CHECKS=2 ORCH_PLANE_API_TOKEN=tok-123
printf 'true\n' >"$TMP/hook.sh"
plane_start
P=11111111-1111-4111-8111-111111111111
plane_admin POST /_admin/project "{\"id\": \"$P\", \"identifier\": \"DEMO\"}" >/dev/null

# config TRACKER DIR: orch.yaml for DEMO in DIR/repo on that tracker, deploying on the edge and watched
config() {
	extra="    deploy_hook: [\"sh\", \"$TMP/hook.sh\"]
    health_cmd: [\"test\", \"!\", \"-e\", \"$TMP/unhealthy\"]"
	if [ "$1" = plane ]; then
		plane_config "$ORCH_HOME/orch.yaml" "$2/repo" "$(plane_project DEMO $P "$2/repo")" "$extra"
	else
		write_config "$ORCH_HOME/orch.yaml" "$2/repo" 'agents:' '  default: ["true"]'
		printf '%s\n' "$extra" >>"$ORCH_HOME/orch.yaml"
	fi
	chmod go-w "$ORCH_HOME/orch.yaml"
}
shown() {	# the status orch reads back, and on Plane the fake's own record too
	s=$(state_of "$WI")
	if [ "$TRACKER" = plane ]; then
		contains "$(plane_admin GET "/_admin/items?project=$P")" "\"state_name\": \"$s\""
	fi
	echo "$s"
}
# deployed: a new item walked to deploy-staging and deployed by orch-advance (the hook runs on the edge)
deployed() {
	WI=$(orch-issue create --project DEMO --title "$1" --state "To Analyse") || fail "create on $TRACKER"
	orch-poll -q || fail "poll on $TRACKER"
	WT="$ORCH_HOME/worktrees/DEMO/$WI"
	agent_commit "$WT" staging "docs/work-items/$WI/15-staging-log.md" "$(verdict_doc staging_status SUCCESS ok)"
	sql_exec "UPDATE tasks SET stage = 'deploy-staging' WHERE work_item = ?" "$WI"
	sql_exec "UPDATE jobs SET status = 'done' WHERE status IN ('queued', 'running')"
	expect_rc 0 orch-advance "$WI"
	contains "$OUT" "deploy-staging -> done advanced"
}

for TRACKER in local plane; do
	new_home "$TMP/$TRACKER-home"
	mkdir -p "$ORCH_HOME" "$TMP/$TRACKER"
	make_sample_repo "$TMP/$TRACKER" >/dev/null || fail "sample repo"
	config "$TRACKER" "$TMP/$TRACKER"
	rm -f "$TMP/unhealthy"

	# healthy: Monitoring after Deploy while the probes run, then Done
	deployed "healthy on $TRACKER"
	[ "$(shown)" = "Monitoring after Deploy" ] || fail "$TRACKER: after the deploy: $(shown)"
	expect_rc 0 orch-deploy --monitor
	contains "$OUT" "health probe 1/2 (0 failed)"
	[ "$(shown)" = "Monitoring after Deploy" ] || fail "$TRACKER: during the watch: $(shown)"
	expect_rc 0 orch-deploy --monitor
	contains "$OUT" "post-deploy watch HEALTHY"
	[ "$(shown)" = Done ] || fail "$TRACKER: after a healthy watch: $(shown)"

	# degraded: Monitoring after Deploy, then Blocked with an alert
	touch "$TMP/unhealthy"
	deployed "degraded on $TRACKER"
	[ "$(shown)" = "Monitoring after Deploy" ] || fail "$TRACKER: after the second deploy: $(shown)"
	expect_rc 0 orch-deploy --monitor
	[ "$(shown)" = "Monitoring after Deploy" ] || fail "$TRACKER: during a failing watch: $(shown)"
	expect_rc 0 orch-deploy --monitor
	contains "$OUT" "post-deploy watch DEGRADED (2/2 probes failed)"
	contains "$ERR" "orch: alert: $WI: post-deploy watch DEGRADED"
	[ "$(shown)" = Blocked ] || fail "$TRACKER: after a degraded watch: $(shown)"
	expect_rc 0 orch-deploy --monitor
	[ "$(shown)" = Blocked ] || fail "$TRACKER: a finished watch changed the status: $(shown)"
done
