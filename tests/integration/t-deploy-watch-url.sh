# The post-deploy watch probing a health URL (a GET, 2xx healthy) over deploy_watch_checks probes.
. "$(dirname "$0")/lib.sh"
plane_start	# any local HTTP server will do: its admin stats answer 200
export ORCH_DEPLOY_WATCH_CHECKS=2
cat >"$TMP/hook.sh" <<'SH'
true
SH
pipeline_setup "deploy_hook: [\"sh\", \"$TMP/hook.sh\"]" "health_url: $PLANE_URL/_admin/stats"
agent_commit "$WT" staging "$D/15-staging-log.md" "$(verdict_doc staging_status SUCCESS ok)"
at_stage deploy-staging
expect_rc 0 orch-advance "$WI"
contains "$OUT" "deploy-staging -> done advanced"
expect_rc 0 orch-deploy --monitor
contains "$OUT" "health probe 1/2 (0 failed)"
expect_rc 0 orch-deploy --monitor
contains "$OUT" "post-deploy watch HEALTHY (0/2 probes failed)"
contains "$(git -C "$TMP/repo" show "refs/heads/$BR:$D/16-post-deploy-log.md")" "checks_total: 2"
