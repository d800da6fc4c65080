# The local tracker polls from a watermark (issue 12): a quiet poll writes nothing and the watermark stays;
# a verdict the engine could not take yet (its agent still works) holds the watermark, so the next poll
# applies it without waiting for the reconciler; a verdict is applied once.
. "$(dirname "$0")/lib.sh"
mkdir -p "$ORCH_HOME"
make_sample_repo "$TMP" >/dev/null || fail "sample repo"
write_config "$ORCH_HOME/orch.yaml" "$TMP/repo" "agents:" "  default: [\"true\"]"
for i in 1 2 3; do orch-issue create --project DEMO --title "Backlog $i" >/dev/null; done
WI=$(orch-issue create --project DEMO --title "Greet" --state "To Analyse")
expect_rc 0 orch-poll
contains "$OUT" "$WI"
wm=$(sql "SELECT watermark FROM local_poll WHERE project = 'DEMO'")
[ -n "$wm" ] || fail "no watermark after a poll"
# the start set the issue's display status after the listing: the watermark is what was listed
[ "$wm" \< "$(sql "SELECT max(updated_at) FROM tracker_issues")" ] || fail "watermark $wm passed an unlisted change"
expect_rc 0 orch-poll
wm=$(sql "SELECT watermark FROM local_poll")
[ "$wm" = "$(sql "SELECT max(updated_at) FROM tracker_issues")" ] || fail "watermark $wm is not the newest listed"
expect_rc 0 orch-poll
[ -z "$OUT" ] || fail "a quiet poll reported: $OUT"
[ "$(sql "SELECT watermark FROM local_poll")" = "$wm" ] || fail "a quiet poll moved the watermark"
WT="$ORCH_HOME/worktrees/DEMO/$WI"
analyst_work "$WT" "$WI"
orch-issue -q set "$WI" Approved	# while the analyst job is still queued
expect_rc 0 orch-poll
[ "$(sql "SELECT stage FROM tasks")" = analysis ] || fail "Approved applied while the analyst worked"
[ "$(sql "SELECT watermark FROM local_poll")" = "$wm" ] || fail "a deferred verdict let the watermark move"
sql_exec "UPDATE jobs SET status = 'done'"
# the early Approved approved nothing (it predates orch's ask: docs/security-model.md); orch asks now
orch-poll >/dev/null 2>&1
[ "$(sql "SELECT stage FROM tasks")" = analysis ] || fail "an Approved set before orch asked was applied"
[ "$(state_of "$WI")" = "In Review" ] || fail "orch did not ask for the review: $(state_of "$WI")"
orch-issue -q set "$WI" Approved
expect_rc 0 orch-poll
contains "$OUT" "analysis -> architecture advanced"
[ "$(sql "SELECT watermark FROM local_poll")" != "$wm" ] || fail "the watermark did not move after the verdict"
expect_rc 0 orch-poll
[ "$(sql "SELECT count(*) FROM verdicts")" = 1 ] || fail "verdict applied $(sql "SELECT count(*) FROM verdicts") times"
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'advanced'")" = 1 ] || fail "advanced twice"
