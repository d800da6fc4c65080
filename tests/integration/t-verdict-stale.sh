# A verdict counts only for the code it saw. After a rollback and new code, the old 12-review.md
# APPROVED does not pass (the reviewer is asked again); after a rollback with no code change (an
# infrastructure failure) or after a rebase onto a newer main only, the earlier verdicts pass at once.
. "$(dirname "$0")/lib.sh"
pipeline_setup
printf 'max_developer_retries: 10\n' >>"$ORCH_HOME/orch.yaml"
analyst_work "$WT" "$WI"
expect_rc 2 orch-advance --agent analyst "$WI"
orch-issue -q set "$WI" Approved
expect_rc 0 orch-advance "$WI"
agent_commit "$WT" adr "$D/06-adr/ADR-001.md" "# ADR"
expect_rc 0 orch-advance --agent architect "$WI"
agent_commit "$WT" code src/greet.py "def greet(n): return n"
expect_rc 0 orch-advance --agent developer "$WI"
agent_commit "$WT" review "$D/12-review.md" "$(verdict_doc verdict APPROVED "fine")"
expect_rc 0 orch-advance --agent reviewer "$WI"
agent_commit "$WT" tests "$D/13-test-report.md" "$(verdict_doc result FAIL "greet(None) fails")"
expect_rc 1 orch-advance --agent tester "$WI"
contains "$OUT" "testing -> development"

# new code: the old APPROVED was written for other code
agent_commit "$WT" fix src/greet.py "def greet(n): return n or 'stranger'"
expect_rc 0 orch-advance --agent developer "$WI"
expect_rc 1 orch-advance --agent reviewer "$WI"
contains "$OUT" "waiting for a fresh 12-review.md: the one on the branch was written at"
contains "$OUT" "for other code"
[ "$(sql "SELECT stage FROM tasks")" = review ] || fail "a stale review moved the item: $(sql "SELECT stage FROM tasks")"
[ "$(sql "SELECT count(*) FROM jobs WHERE agent = 'reviewer' AND status = 'queued'")" = 1 ] || fail "the reviewer was not asked again"
agent_commit "$WT" "review 2" "$D/12-review.md" "$(verdict_doc verdict APPROVED "fine now")"
expect_rc 0 orch-advance --agent reviewer "$WI"
expect_rc 1 orch-advance --agent tester "$WI"	# the FAIL was for the old code too: asked again, not rolled back
contains "$OUT" "waiting for a fresh 13-test-report.md"
[ "$(sql "SELECT stage FROM tasks")" = testing ] || fail "a stale FAIL rolled the item back"
agent_commit "$WT" "tests 2" "$D/13-test-report.md" "$(verdict_doc result PASS "ok")"
expect_rc 0 orch-advance --agent tester "$WI"
[ "$(sql "SELECT stage FROM tasks")" = deploy-staging ] || fail "not at deploy-staging"

# an infrastructure failure: no code change, the earlier verdicts pass again at once
agent_commit "$WT" staging "$D/15-staging-log.md" "$(verdict_doc staging_status FAILED "staging host down")"
expect_rc 1 orch-advance --agent staging "$WI"
expect_rc 0 orch-advance --agent developer "$WI"
expect_rc 0 orch-advance --agent reviewer "$WI"
contains "$OUT" "12-review.md verdict: APPROVED"
expect_rc 0 orch-advance --agent tester "$WI"
[ "$(sql "SELECT stage FROM tasks")" = deploy-staging ] || fail "unchanged code was not passed again"

# a rebase onto a newer main only: still the same code, the verdicts pass
agent_commit "$WT" staging "$D/15-staging-log.md" "$(verdict_doc staging_status FAILED "staging host down again")"
expect_rc 1 orch-advance --agent staging "$WI"
git clone -q "$TMP/origin.git" "$TMP/other"
agent_commit "$TMP/other" "meanwhile on main" NEWS "news"
git -C "$TMP/other" push -q origin main
git -C "$WT" fetch -q "$TMP/origin.git" main && git -C "$WT" rebase -q FETCH_HEAD || fail "rebase"	# the workspace fetches main itself
orch-scan -q --main >/dev/null 2>&1	# the tick's scan of main fetches main into orch's repository too
expect_rc 0 orch-advance --agent developer "$WI"
expect_rc 0 orch-advance --agent reviewer "$WI"
expect_rc 0 orch-advance --agent tester "$WI"
[ "$(sql "SELECT stage FROM tasks")" = deploy-staging ] || fail "a rebase only invalidated the verdicts"
[ "$(sql "SELECT count(DISTINCT code_id) FROM task_verdicts WHERE stage = 'review' AND code_id != ''")" = 2 ] ||
	fail "expected two reviewed code ids (before and after the fix)"
