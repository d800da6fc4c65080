# Each red stage rolls back to development with the findings quoted; ci red re-enqueues developer.
. "$(dirname "$0")/lib.sh"
export ORCH_MAX_DEVELOPER_RETRIES=10	# the cap has its own test
pipeline_setup

check_rollback() {	# stage artifact key value
	agent_commit "$WT" "$1" "$D/$2" "$(verdict_doc "$3" "$4" "- finding from $1: fix the thing")"
	at_stage "$1"
	expect_rc 1 orch-advance --json "$WI"
	[ "$(echo "$OUT" | json_field '["outcome"]')" = rolled_back ] || fail "$1 $4 did not roll back: $OUT"
	[ "$(echo "$OUT" | json_field '["stage_after"]')" = development ] || fail "$1 did not go to development"
	[ "$(echo "$OUT" | json_field '["enqueued"]["agent"]')" = developer ] || fail "developer not enqueued"
	desc=$(sql "SELECT description FROM jobs WHERE agent = 'developer' ORDER BY id DESC LIMIT 1")
	contains "$desc" "> - finding from $1: fix the thing"
}
check_rollback review 12-review.md verdict REQUEST_CHANGES
check_rollback testing 13-test-report.md result FAIL
check_rollback deploy-staging 15-staging-log.md staging_status FAILED
check_rollback deploy 14-deploy-log.md deploy_status FAILED
[ "$(sql "SELECT retries FROM tasks")" = 4 ] || fail "each red counts one retry"

# deployed but not merged is red too
agent_commit "$WT" deploy "$D/14-deploy-log.md" "$(verdict_doc deploy_status SUCCESS ok)"
at_stage deploy
expect_rc 1 orch-advance "$WI"
contains "$OUT" "deployed but not merged"
contains "$ERR" "orch: alert: DEMO-1: DEMO-1 was deployed but is not on remotes/origin/main"

# ci red: developer again, with the CI output quoted
agent_commit "$WT" break src/app.py "BROKEN"
at_stage development
expect_rc 1 orch-advance "$WI"
contains "$OUT" "development -> development rolled_back (check_ci_green: ci_cmd exited with code 2"
