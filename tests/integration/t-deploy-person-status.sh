# A person's status outlives orch-deploy's own writes (one tracker write, tracker_display): a person sets
# Cancelled in the tracker while the post-deploy watch runs and before orch-poll reads it; the HEALTHY
# watch's Done is not written over it (a tracker_status_kept event says so).  A person's own command
# (orch-deploy --accept after a DEGRADED watch) still writes over orch's Blocked (t-deploy-degraded).
. "$(dirname "$0")/lib.sh"
export ORCH_DEPLOY_WATCH_CHECKS=1
printf 'true\n' >"$TMP/hook.sh"
mkdir -p "$ORCH_HOME"
make_sample_repo "$TMP" >/dev/null || fail "sample repo"
write_config "$ORCH_HOME/orch.yaml" "$TMP/repo" 'agents:' '  default: ["true"]'
printf '    deploy_hook: ["sh", "%s"]\n    health_cmd: ["true"]\n' "$TMP/hook.sh" >>"$ORCH_HOME/orch.yaml"
chmod go-w "$ORCH_HOME/orch.yaml"
WI=$(orch-issue create --project DEMO --title "cancelled while watched" --state "To Analyse") || fail "create"
orch-poll -q || fail "poll"
WT="$ORCH_HOME/worktrees/DEMO/$WI"
agent_commit "$WT" staging "docs/work-items/$WI/15-staging-log.md" "$(verdict_doc staging_status SUCCESS ok)"
sql_exec "UPDATE tasks SET stage = 'deploy-staging' WHERE work_item = ?" "$WI"
sql_exec "UPDATE jobs SET status = 'done' WHERE status IN ('queued', 'running')"
expect_rc 0 orch-advance "$WI"
contains "$OUT" "deploy-staging -> done advanced"
orch-issue -q set "$WI" Cancelled	# the person, before any orch-poll
expect_rc 0 orch-deploy --monitor
contains "$OUT" "post-deploy watch HEALTHY"
[ "$(state_of "$WI")" = Cancelled ] || fail "orch-deploy wrote over the person's Cancelled: $(state_of "$WI")"
[ "$(sql "SELECT count(*) FROM events WHERE work_item = '$WI' AND kind = 'tracker_status_kept'")" -ge 1 ] ||
	fail "no tracker_status_kept event: $(sql "SELECT group_concat(kind, ' ') FROM events WHERE work_item = '$WI'")"
echo "ok t-deploy-person-status"
