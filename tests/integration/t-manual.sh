# Stages worked by people (issue 11 part 1): a project with no agents: map walks to done while the cron
# tick runs between the operator's commits, with no job, no job_failed event and no alert; the waiting
# reason names the awaited artifacts; a red artifact is charged once, not every tick; orch-advance
# --explain lists the stage's artifacts; a partial map automates only the stages it names.
. "$(dirname "$0")/lib.sh"
tick() { cron_tick; }
manual_setup
WI=$(orch-issue create --project DEMO --title "Greet by hand" --state "To Analyse")
tick
[ "$(sql "SELECT stage FROM tasks")" = analysis ] || fail "not started"
WT="$ORCH_HOME/worktrees/DEMO/$WI"
BR=$(git -C "$WT" rev-parse --abbrev-ref HEAD)
D="docs/work-items/$WI"
expect_rc 2 orch-advance "$WI"
contains "$OUT" "waiting for 01-brd.md, 02-trz.md, 03-acceptance-criteria.md, 04-test-plan.yaml on $BR"
lacks "$OUT" "job"
expect_rc 0 orch-advance --explain "$WI"
contains "$OUT" "manual stage"
contains "$OUT" "docs/work-items/$WI/01-brd.md"
contains "$OUT" "MISSING"
expect_rc 0 orch-advance --explain "$WI" --json
[ "$(echo "$OUT" | json_field '["work_item"]')" = "$WI" ] || fail "--explain --json: $OUT"
contains "$(echo "$OUT" | json_field '["lines"][1]')" "01-brd.md"
agent_commit "$WT" "brd" "$D/01-brd.md" "# BRD"
expect_rc 2 orch-advance "$WI"
contains "$OUT" "waiting for 02-trz.md, 03-acceptance-criteria.md, 04-test-plan.yaml"
analyst_work "$WT" "$WI"
tick
[ "$(state_of "$WI")" = "In Review" ] || fail "the human gate was not asked: $(state_of "$WI")"
orch-issue -q set "$WI" Approved
tick
[ "$(sql "SELECT stage FROM tasks")" = architecture ] || fail "not at architecture"
tick
expect_rc 2 orch-advance "$WI"
contains "$OUT" "waiting for docs/work-items/$WI/06-adr/ADR-*.md"
agent_commit "$WT" "adr" "$D/06-adr/ADR-001.md" "# ADR"
tick; tick
expect_rc 2 orch-advance "$WI"	# development without a change waits for one (people work it)
contains "$OUT" "waiting for a change outside docs/work-items/$WI/"
agent_commit "$WT" "code" "src/feature.py" "x = 1"
tick
[ "$(sql "SELECT stage FROM tasks")" = review ] || fail "not at review: $(sql "SELECT stage FROM tasks")"
expect_rc 2 orch-advance "$WI"
contains "$OUT" "waiting for 12-review.md (verdict: APPROVED)"
# a red review rolls back once; the same file is not charged again on later ticks
agent_commit "$WT" "review" "$D/12-review.md" "$(verdict_doc verdict REQUEST_CHANGES "name the user")"
tick
[ "$(sql "SELECT retries FROM tasks")" = 1 ] || fail "red review not charged once"
tick; tick; tick
[ "$(sql "SELECT stage FROM tasks")" = review ] || fail "back at review expected"
[ "$(sql "SELECT retries FROM tasks")" = 1 ] || fail "the same red artifact was charged again: $(sql "SELECT retries FROM tasks")"
expect_rc 2 orch-advance "$WI"
contains "$OUT" "already acted on; waiting for a new commit"
expect_rc 0 orch-advance --explain "$WI"
contains "$OUT" "RED"
agent_commit "$WT" "review 2" "$D/12-review.md" "$(verdict_doc verdict APPROVED "ok")"
tick
agent_commit "$WT" "tests" "$D/13-test-report.md" "$(verdict_doc result PASS "ok")"
tick
agent_commit "$WT" "staging" "$D/15-staging-log.md" "$(verdict_doc staging_status SUCCESS "ok")"
tick
[ "$(sql "SELECT stage FROM tasks")" = deploy ] || fail "not at deploy: $(sql "SELECT stage FROM tasks")"
expect_rc 2 orch-advance "$WI"
contains "$OUT" "waiting for 14-deploy-log.md"
agent_commit "$WT" "deployed" "$D/14-deploy-log.md" "$(verdict_doc deploy_status SUCCESS "by hand")"
git -C "$WT" push -q "$TMP/origin.git" "HEAD:main" 2>/dev/null || true	# the person merges from the workspace
tick
[ "$(sql "SELECT stage FROM tasks")" = done ] || fail "not done: $(sql "SELECT stage FROM tasks")"
[ "$(sql "SELECT count(*) FROM jobs")" = 0 ] || fail "a manual project got jobs"
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'job_failed'")" = 0 ] || fail "job_failed events"
[ "$(sql "SELECT count(*) FROM outbox WHERE level = 'alert'")" = 0 ] ||
	fail "alerts: $(sql "SELECT group_concat(message, ' | ') FROM outbox WHERE level = 'alert'")"

# a partial map: only developer automated; analysis is manual, development gets a job
cat >"$TMP/dev.sh" <<'SH'
echo "# change" >>src/app.py && git commit -qam "developer"
SH
write_config "$ORCH_HOME/orch.yaml" "$TMP/repo" "agents:" "  developer: [\"sh\", \"$TMP/dev.sh\"]"
W2=$(orch-issue create --project DEMO --title "Half automated" --state "To Analyse")
tick
[ "$(sql "SELECT count(*) FROM jobs")" = 0 ] || fail "manual analysis got a job"
WT2="$ORCH_HOME/worktrees/DEMO/$W2"
analyst_work "$WT2" "$W2"
tick
orch-issue -q set "$W2" Approved
tick
agent_commit "$WT2" "adr" "docs/work-items/$W2/06-adr/ADR-001.md" "# ADR"
tick
[ "$(sql "SELECT agent || ':' || stage || ':' || status FROM jobs")" = "developer:development:queued" ] ||
	fail "development not automated: $(sql "SELECT group_concat(agent || ':' || status) FROM jobs")"
expect_rc 2 orch-advance "$W2"
contains "$OUT" "developer job queued or running"
grep -q "the gate reads" "$TMP/dev.sh" && fail "impossible"
desc=$(sql "SELECT description FROM jobs")
contains "$desc" "the gate reads: commit the change; the gate runs the project's ci_cmd"
tick
[ "$(sql "SELECT stage FROM tasks WHERE work_item = '$W2'")" = review ] || fail "developer's work did not advance"
[ "$(sql "SELECT count(*) FROM outbox WHERE level = 'alert'")" = 0 ] || fail "alerts in the partial map"
orch-doctor >"$TMP/doctor" 2>&1
contains "$(cat "$TMP/doctor")" "info project DEMO: manual stages (no agent command): analysis, architecture, review, testing, deploy-staging, deploy"
