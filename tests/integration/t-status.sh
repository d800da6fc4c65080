# orch-status: the SPEC's JSON keys, blocked tasks flagged, command runs, tool metrics, recent events.
. "$(dirname "$0")/lib.sh"
agents_setup
A=$(orch-issue create --project DEMO --title "a" --state "To Analyse")
orch-poll -q && orch-work -q --once
sql_exec "UPDATE tasks SET blocked=1"
expect_rc 0 orch-status --json
j=$OUT
[ "$(echo "$j" | json_field '["tasks"]["by_stage"]["analysis"]')" = 1 ] || fail "by_stage: $j"
[ "$(echo "$j" | json_field '["tasks"]["items"][0]["blocked"]')" = True ] || fail "blocked not flagged"
[ "$(echo "$j" | json_field '["jobs"]["by_status"]["done"]')" = 1 ] || fail "jobs by_status"
for k in id work_item agent status attempts; do contains "$(echo "$j" | json_field '["jobs"]["items"][0]')" "'$k'"; done
[ "$(echo "$j" | json_field '["commands"]["orch-poll"]["result"]')" = 0 ] || fail "orch-poll run not shown"
echo "$j" | json_field '["commands"]["orch-work"]["duration_ms"]' >/dev/null || fail "orch-work run not shown"
[ "$(echo "$j" | json_field '["tools"]["analyst"]["runs"]')" = 1 ] || fail "tool metrics: $j"
[ "$(echo "$j" | json_field '["tools"]["git"]["failures"]')" = 0 ] || fail "git answers counted as failures"
[ "$(echo "$j" | json_field '["events"][0]["kind"]')" = review_requested ] || fail "events not newest first"
[ "$(echo "$j" | json_field '.__len__()')" -ge 5 ] || fail "top-level keys missing"
expect_rc 0 orch-status
contains "$OUT" "$A analysis BLOCKED"
contains "$OUT" "orch-poll"
contains "$OUT" "worktrees: not measured yet (orch-reconcile measures them)"	# no orch-reconcile has run
# the note follows what the gate would run on this PATH: no engine at all, pip-audit, osv-scanner
PATH="$BIN:$SYS_PATH" expect_rc 0 orch-status
contains "$OUT" "security: dependency engine auto; neither osv-scanner nor pip-audit is on PATH: the dependency audit is degraded"
standins pip-audit
expect_rc 0 orch-status
contains "$OUT" "security: dependency engine auto; pip-audit reports no severity: its findings only warn"
standins pip-audit osv-scanner
expect_rc 0 orch-status
lacks "$OUT" "reports no severity"
lacks "$OUT" "degraded ("
