# orch-poll applies actionable statuses exactly once; terminal issues never act; a quiet tick writes nothing.
. "$(dirname "$0")/lib.sh"
agents_setup
A=$(orch-issue create --project DEMO --title "a" --state "To Analyse")
C=$(orch-issue create --project DEMO --title "done already" --state Done)
X=$(orch-issue create --project DEMO --title "cancelled" --state Cancelled)
expect_rc 0 orch-poll
contains "$OUT" "[To Analyse] $A: created -> analysis advanced"
lacks "$OUT" "$C"
lacks "$OUT" "$X"
[ "$(state_of "$A")" = Analysis ] || fail "tracker not Analysis after start"
[ "$(sql "SELECT count(*) FROM tasks")" = 1 ] || fail "terminal issues must not start"
# asked by hand, a terminal issue is not started either, and the item stays where it was: created -> created
expect_rc 0 orch-advance --start "$C"
contains "$OUT" "$C: created -> created noop (issue is Done (terminal): not started)"
expect_rc 0 orch-advance --start "$X" --json
contains "$OUT" '"stage_before":"created","stage_after":"created","outcome":"noop"'
[ "$(sql "SELECT count(*) FROM tasks")" = 1 ] || fail "--start started a terminal issue"

# a quiet tick writes nothing (the first run after writes may checkpoint the WAL: settle, then compare)
orch-poll -q
sum() { if [ -n "${ORCH_DATABASE_URL:-}" ]; then sql_dump | cksum; else cat "$ORCH_HOME"/orch.db* | cksum; fi; }
before=$(sum)
expect_rc 0 orch-poll
[ -z "$OUT" ] || fail "a quiet tick printed: $OUT"
[ "$(sum)" = "$before" ] || fail "a quiet tick changed the database"

# the human gate through poll: the same Rejected seen twice enqueues one analyst job
orch-work -q --once	# the analyst commits; the gate asks for review
[ "$(state_of "$A")" = "In Review" ] || fail "not In Review"
orch-issue -q set "$A" Rejected
expect_rc 0 orch-poll
contains "$OUT" "[Rejected] $A: analysis -> analysis rolled_back"
expect_rc 0 orch-poll
[ -z "$OUT" ] || fail "the same Rejected applied twice: $OUT"
[ "$(sql "SELECT count(*) FROM jobs WHERE agent = 'analyst'")" = 2 ] || fail "one rejection, one analyst job"
orch-work -q --once
orch-issue -q set "$A" Approved
expect_rc 0 orch-poll
contains "$OUT" "[Approved] $A: analysis -> architecture advanced"
expect_rc 0 orch-poll
[ -z "$OUT" ] || fail "Approved applied twice: $OUT"

# Confirm Deploy: recorded once at the deploy hook point, nothing deployed
orch-issue -q set "$A" "Confirm Deploy"
orch-poll -q
orch-poll -q
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'confirm_deploy'")" = 1 ] || fail "Confirm Deploy not recorded exactly once"
[ "$(sql "SELECT stage FROM tasks")" = architecture ] || fail "Confirm Deploy moved the task"

# To Analyse resumes a blocked task once, resetting the count
sql_exec "UPDATE tasks SET blocked=1, retries=4"; sql_exec "UPDATE jobs SET status='done'"
orch-issue -q set "$A" "To Analyse"
expect_rc 0 orch-poll
contains "$OUT" "unblocked, retry count reset"
[ "$(sql "SELECT blocked || '/' || retries FROM tasks")" = "0/0" ] || fail "not unblocked"
[ "$(state_of "$A")" = "In Progress" ] || fail "display status not restored"
[ "$(sql "SELECT count(*) FROM jobs WHERE agent = 'architect' AND status = 'queued'")" = 1 ] || fail "architect not enqueued"

# two polls at once: one skips
hold lock "$ORCH_HOME/locks/orch-poll.lock"
expect_rc 0 orch-poll
[ "$OUT" = "orch-poll: previous run still active; skipped" ] || fail "overlap not skipped: $OUT"
release
expect_rc 66 orch-poll --project NOPE
expect_rc 64 orch-poll --project bad-key
