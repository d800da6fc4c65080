# The 4th red blocks: tracker Blocked + alert; nothing advances until --unblock, which resets the count.
. "$(dirname "$0")/lib.sh"
pipeline_setup
agent_commit "$WT" review "$D/12-review.md" "$(verdict_doc verdict REQUEST_CHANGES '- still wrong')"
for i in 1 2 3; do
	at_stage review
	expect_rc 1 orch-advance "$WI"
	contains "$OUT" "retry $i/3"
done
at_stage review
expect_rc 1 orch-advance --json "$WI"
[ "$(echo "$OUT" | json_field '["outcome"]')" = blocked ] || fail "4th red did not block: $OUT"
contains "$ERR" "orch: alert: DEMO-1: blocked at review after 3 retries"
# one figure everywhere: the store, the status, --json, the alert
[ "$(sql "SELECT retries FROM tasks")" = 3 ] || fail "the blocking red counted as a retry"
[ "$(echo "$OUT" | json_field '["retry"]["count"]')" = 3 ] || fail "--json retry count is not 3: $OUT"
expect_rc 0 orch-status
contains "$OUT" "DEMO-1 review BLOCKED retries 3"
grep -q "after 3 retries" "$ORCH_HOME/logs/notify.log" || fail "alert figure differs"
[ "$(orch-issue --json show "$WI" | json_field '["state"]')" = Blocked ] || fail "tracker not Blocked"
grep -q "alert DEMO-1 blocked" "$ORCH_HOME/logs/notify.log" || fail "alert not in notify.log"
agent_commit "$WT" review "$D/12-review.md" "$(verdict_doc verdict APPROVED ok)"
expect_rc 1 orch-advance "$WI"
contains "$OUT" "blocked"
expect_rc 0 orch-advance --all
contains "$OUT" "DEMO-1: review -> review blocked"
[ "$(sql "SELECT stage FROM tasks")" = review ] || fail "blocked task moved"
expect_rc 0 orch-advance --unblock "$WI"
[ "$(sql "SELECT blocked || '/' || retries FROM tasks")" = "0/0" ] || fail "unblock did not reset"
expect_rc 0 orch-advance --agent reviewer "$WI"
contains "$OUT" "review -> testing advanced"
