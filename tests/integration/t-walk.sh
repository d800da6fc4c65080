# The full walk to done through the CLI, with JSON checked at each step.
. "$(dirname "$0")/lib.sh"
pipeline_setup
contains "$BR" "feature/DEMO-1-greet-users"
[ "$(orch-issue --json show "$WI" | json_field '["state"]')" = Analysis ] || fail "tracker not at Analysis after --start"

analyst_work "$WT" "$WI"
expect_rc 2 orch-advance --json --agent analyst "$WI"
[ "$(echo "$OUT" | json_field '["outcome"]')" = waiting ] || fail "human gate should wait: $OUT"
[ "$(orch-issue --json show "$WI" | json_field '["state"]')" = "In Review" ] || fail "tracker not In Review"
orch-issue set "$WI" Approved >/dev/null
expect_rc 0 orch-advance --json "$WI"
for k in work_item stage_before stage_after outcome gate passed reason enqueued retry; do
	contains "$OUT" "\"$k\":"
done
[ "$(echo "$OUT" | json_field '["enqueued"]["agent"]')" = architect ] || fail "architect not enqueued: $OUT"

agent_commit "$WT" adr "$D/06-adr/ADR-001.md" "# ADR"
expect_rc 0 orch advance --agent architect "$WI"
contains "$OUT" "architecture -> development advanced"
agent_commit "$WT" code src/app.py 'print("hi")'
expect_rc 0 orch advance --agent developer "$WI"
contains "$OUT" "development -> review advanced"
agent_commit "$WT" review "$D/12-review.md" "$(verdict_doc verdict APPROVED ok)"
expect_rc 0 orch-advance --agent reviewer "$WI"
agent_commit "$WT" tests "$D/13-test-report.md" "$(verdict_doc result PASS ok)"
expect_rc 0 orch-advance --agent tester "$WI"
agent_commit "$WT" staging "$D/15-staging-log.md" "$(verdict_doc staging_status SUCCESS ok)"
expect_rc 0 orch-advance --agent staging "$WI"
agent_commit "$WT" deploy "$D/14-deploy-log.md" "$(verdict_doc deploy_status SUCCESS ok)"
deployer_merge "$TMP/repo" "$WT" "$BR" || fail "merge"
expect_rc 0 orch-advance --json --agent deployer "$WI"
[ "$(echo "$OUT" | json_field '["stage_after"]')" = done ] || fail "not done: $OUT"
[ "$(orch-issue --json show "$WI" | json_field '["state"]')" = Done ] || fail "tracker not Done"
expect_rc 0 orch-advance --all
[ -z "$OUT" ] || fail "--all should be silent when everything is done: $OUT"
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'advanced'")" = 7 ] || fail "expected 7 advanced events"
[ "$(sql "SELECT count(*) FROM outbox WHERE delivered_at IS NULL")" = 0 ] || fail "undelivered notifications"
grep -q "\"name\":\"orch-advance\"" "$ORCH_HOME/runs/command-orch-advance.json" || fail "command run not recorded"
