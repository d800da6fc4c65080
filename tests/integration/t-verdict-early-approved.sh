# A tracker Approved counts only when orch asked for it and only for the analysis it asked about: one set
# before the analysis exists approves nothing (orch asks once the analysis is complete), and an analysis
# changed after the ask is asked about again.
. "$(dirname "$0")/lib.sh"
pipeline_setup
expect_rc 1 orch-advance --agent analyst "$WI"	# analysis incomplete: red, the analyst asked again
orch-issue -q set "$WI" Approved	# before any analysis exists
expect_rc 2 orch-advance "$WI"
[ "$(sql "SELECT stage FROM tasks")" = analysis ] || fail "moved without an analysis"
analyst_work "$WT" "$WI"
expect_rc 2 orch-advance --agent analyst "$WI"
contains "$OUT" "orch had not asked for a review of this analysis: asking now"
[ "$(sql "SELECT stage FROM tasks")" = analysis ] || fail "the early Approved approved the analysis"
[ "$(state_of "$WI")" = "In Review" ] || fail "orch did not ask: $(state_of "$WI")"
expect_rc 2 orch-advance "$WI"
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'review_requested'")" = 1 ] || fail "asked more than once"
# the analysis changes after the ask: an Approved is for the old one, orch asks again
agent_commit "$WT" "brd v2" "$D/01-brd.md" "# Business requirements, second thoughts"
orch-issue -q set "$WI" Approved
expect_rc 2 orch-advance "$WI"
contains "$OUT" "changed since orch asked for its review: asking again"
[ "$(state_of "$WI")" = "In Review" ] || fail "orch did not ask again: $(state_of "$WI")"
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'review_requested'")" = 2 ] || fail "not asked again"
orch-issue -q set "$WI" Approved
expect_rc 0 orch-advance "$WI"
contains "$OUT" "analysis -> architecture advanced"
