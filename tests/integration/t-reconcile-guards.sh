# The reconciler's guards (SPEC 13): it never advances a task waiting on the human analysis verdict, a
# blocked task, or an escalated one (blocked at the retry cap), even when the branch would pass the gate
# and even when the tracker says Approved; each guard has its positive control (the same task, the
# guard lifted, is advanced by the reconciler).  F-2 replays a status only after a non-zero grace
# period: the issue's updated_at is set in the store (never a sleep) before and after the boundary.
. "$(dirname "$0")/lib.sh"
export ORCH_RECONCILE_GRACE_S=0 ORCH_RECONCILE_FULL_LIST_S=0
pipeline_setup
stage() { sql "SELECT stage || ' ' || blocked FROM tasks"; }
idle() { sql_exec "UPDATE jobs SET status = 'done' WHERE status IN ('queued', 'running')"; }
# aged SECONDS: the tracker issue was last changed SECONDS ago
aged() {
	sql_exec "UPDATE tracker_issues SET updated_at = ?" "$(python3 -c 'import datetime,sys
t = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=int(sys.argv[1]))
print(t.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))' "$1")"
}
reconcile() { expect_rc 0 orch-reconcile; }
# asked_ago SECONDS: orch asked for the analysis review SECONDS ago (an Approved counts only after the ask)
asked_ago() {
	t=$(python3 -c 'import datetime,sys
t = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=int(sys.argv[1]))
print(t.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))' "$1")
	sql_exec "UPDATE task_asks SET asked_at = ?, mark = ?" "$t" "$t"
}

# 1. the human analysis verdict: a complete analysis is not advanced without Approved
analyst_work "$WT" "$WI"
expect_rc 2 orch-advance --agent analyst "$WI"
idle
reconcile
reconcile
[ "$(stage)" = "analysis 0" ] || fail "the reconciler advanced past the human analysis gate: $(stage)"
[ "$(sql "SELECT count(*) FROM verdicts")" = 0 ] || fail "a verdict was recorded without a human"
lacks "$OUT" "$WI"

# 2. a non-zero grace period: Approved is orch-poll's business until it is older than the grace
export ORCH_RECONCILE_GRACE_S=600
asked_ago 3600
orch-issue -q set "$WI" Approved
reconcile
[ "$(stage)" = "analysis 0" ] || fail "replayed a status set just now, inside a 600 s grace"
aged 590
reconcile
[ "$(stage)" = "analysis 0" ] || fail "replayed a status 590 s old, inside a 600 s grace"
[ "$(sql "SELECT count(*) FROM verdicts")" = 0 ] || fail "a verdict applied inside the grace"
aged 610
reconcile
contains "$OUT" "[tracker] $WI: analysis -> architecture advanced"
[ "$(stage)" = "architecture 0" ] || fail "not replayed past the grace: $(stage)"
reconcile
lacks "$OUT" "[tracker]"	# once
export ORCH_RECONCILE_GRACE_S=0

# 3. a blocked task: its gate passes (the ADR is there) but it stays until someone unblocks it
agent_commit "$WT" adr "$D/06-adr/ADR-1.md" "# ADR"
idle
sql_exec "UPDATE tasks SET blocked = 1"
ev=$(sql "SELECT count(*) FROM events")
reconcile
reconcile
[ "$(stage)" = "architecture 1" ] || fail "the reconciler moved a blocked task: $(stage)"
[ "$(sql "SELECT count(*) FROM events")" = "$ev" ] || fail "the reconciler recorded a transition for a blocked task"
sql_exec "UPDATE tasks SET blocked = 0"	# the guard lifted: the same task is advanced (F-1)
reconcile
contains "$OUT" "[gate] $WI: architecture -> development advanced"

# 4. an escalated task: a red at the retry cap blocks it (tracker Blocked, alert); a later approving
# review on the branch and an Approved in the tracker do not move it
export ORCH_MAX_DEVELOPER_RETRIES=0
at_stage review
agent_commit "$WT" review "$D/12-review.md" "$(verdict_doc verdict REQUEST_CHANGES "fix the greeting")"
expect_rc 1 orch-advance "$WI"
[ "$(stage)" = "review 1" ] || fail "not escalated at the cap: $(stage); $OUT"
[ "$(state_of "$WI")" = Blocked ] || fail "tracker of an escalated task: $(state_of "$WI")"
contains "$ERR" "orch: alert: $WI: blocked at review"
agent_commit "$WT" review "$D/12-review.md" "$(verdict_doc verdict APPROVED "looks good now")"
idle
reconcile
[ "$(stage)" = "review 1" ] || fail "the reconciler advanced an escalated task: $(stage)"
orch-issue -q set "$WI" Approved
aged 3600
reconcile
[ "$(stage)" = "review 1" ] || fail "an Approved status advanced an escalated task: $(stage)"
[ "$(sql "SELECT blocked FROM tasks")" = 1 ] || fail "an Approved status unblocked an escalated task"
reconcile
[ "$(stage)" = "review 1" ] || fail "the second pass advanced an escalated task: $(stage)"
expect_rc 0 orch-advance --unblock "$WI"	# the operator resumes it: the same gate now passes
idle
reconcile
contains "$OUT" "[gate] $WI: review -> testing advanced"
[ "$(stage)" = "testing 0" ] || fail "not advanced once unblocked: $(stage)"
