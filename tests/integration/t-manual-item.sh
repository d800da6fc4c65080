# Manual per item (issue 25 point 5): orch-advance --manual WI makes every stage of one item people's work in
# a project whose agents work the others (its queued job cancelled, recorded as an event), --auto hands it
# back to the agents; the tracker label "manual" does the same, with the local tracker (orch-issue label) and
# with Plane (a label set in Plane's interface).
. "$(dirname "$0")/lib.sh"
agents_setup
WI=$(orch-issue create --project DEMO --title "By hand" --state "To Analyse")
orch-poll -q || fail "poll"
[ "$(sql "SELECT count(*) FROM jobs WHERE agent = 'analyst' AND status = 'queued'")" = 1 ] || fail "no analyst job"
expect_rc 0 orch-advance --manual "$WI"
contains "$OUT" "every stage is worked by people from now on"
[ "$(sql "SELECT manual FROM tasks WHERE work_item = '$WI'")" = 1 ] || fail "not manual"
[ "$(sql "SELECT count(*) FROM jobs WHERE agent = 'analyst' AND status = 'queued'")" = 0 ] || fail "the job stayed"
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'manual_on'")" = 1 ] || fail "no manual_on event"
expect_rc 0 orch-advance --manual "$WI"
contains "$OUT" "already manual"
expect_rc 0 orch-work --once
[ "$(sql "SELECT count(*) FROM agent_runs")" = 0 ] || fail "an agent ran on a manual item"
expect_rc 2 orch-advance "$WI"
contains "$OUT" "waiting for 01-brd.md"
WT="$ORCH_HOME/worktrees/DEMO/$WI"
analyst_work "$WT" "$WI" || fail "analysis by hand"
expect_rc 2 orch-advance "$WI"
contains "$OUT" "waiting for a human"
# back to the agents: the stage's agent is enqueued again
expect_rc 0 orch-advance --auto "$WI"
contains "$OUT" "automated again"
[ "$(sql "SELECT count(*) FROM jobs WHERE agent = 'analyst' AND status = 'queued'")" = 1 ] || fail "not handed back"
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'manual_off'")" = 1 ] || fail "no manual_off event"
# bad input: an unknown item, and --manual with --dry-run
expect_rc 66 orch-advance --manual DEMO-99
expect_rc 64 orch-advance --dry-run --manual "$WI"
contains "$ERR" "not to --manual"

# the local tracker's label
W2=$(orch-issue create --project DEMO --title "Labelled" --state "To Analyse")
orch-poll -q || fail "poll"
expect_rc 0 orch-issue label "$W2" manual
expect_rc 64 orch-issue label "$W2" "two words"
expect_rc 0 orch-poll
contains "$OUT" "$W2"
[ "$(sql "SELECT manual FROM tasks WHERE work_item = '$W2'")" = 1 ] || fail "the label did not make $W2 manual"
contains "$(sql "SELECT detail FROM events WHERE kind = 'manual_on' AND work_item = '$W2'")" "the tracker label manual"
expect_rc 0 orch-poll	# a quiet poll: nothing applied twice
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'manual_on' AND work_item = '$W2'")" = 1 ] || fail "applied twice"

# Plane: a label named manual set in Plane's interface
export ORCH_PLANE_API_TOKEN=tok-123
plane_start
P=11111111-1111-4111-8111-111111111111
plane_admin POST /_admin/project "{\"id\": \"$P\", \"identifier\": \"PLN\"}" >/dev/null
plane_config "$ORCH_HOME/orch.yaml" "$TMP/repo" "$(plane_project PLN $P "$TMP/repo")"
plane_admin POST /_admin/item "{\"project\": \"$P\", \"name\": \"In Plane\", \"state_name\": \"To Analyse\"}" >/dev/null
orch-poll -q || fail "plane poll"
[ "$(sql "SELECT manual FROM tasks WHERE work_item = 'PLN-1'")" = 0 ] || fail "manual without a label"
plane_admin POST /_admin/label "{\"project\": \"$P\", \"seq\": 1, \"name\": \"Manual\"}" >/dev/null
expect_rc 0 orch-poll
[ "$(sql "SELECT manual FROM tasks WHERE work_item = 'PLN-1'")" = 1 ] || fail "Plane's label manual was not applied"
exit 0
