# Exactly-once human verdicts: the same Rejected seen twice enqueues one analyst job.
. "$(dirname "$0")/lib.sh"
pipeline_setup
analyst_work "$WT" "$WI"
expect_rc 2 orch-advance --agent analyst "$WI"
orch-issue set "$WI" Rejected >/dev/null
expect_rc 1 orch-advance "$WI"
contains "$OUT" "analysis -> analysis rolled_back"
[ "$(sql "SELECT count(*) FROM jobs WHERE agent = 'analyst'")" = 2 ] || fail "rejection should enqueue one analyst job"
expect_rc 2 orch-advance --agent analyst "$WI"
expect_rc 2 orch-advance "$WI"
expect_rc 2 orch-advance "$WI"
[ "$(sql "SELECT count(*) FROM jobs WHERE agent = 'analyst'")" = 2 ] || fail "the same Rejected was applied twice"
[ "$(sql "SELECT count(*) FROM verdicts")" = 1 ] || fail "expected one applied verdict"
# a new Rejected (new updated_at) is a new verdict
orch-issue set "$WI" Rejected >/dev/null
expect_rc 1 orch-advance "$WI"
[ "$(sql "SELECT count(*) FROM jobs WHERE agent = 'analyst'")" = 3 ] || fail "a new rejection was ignored"
expect_rc 2 orch-advance --agent analyst "$WI"
orch-issue set "$WI" Approved >/dev/null
expect_rc 0 orch-advance "$WI"
expect_rc 2 orch-advance "$WI"	# architect job queued: Approved seen again changes nothing
[ "$(sql "SELECT count(*) FROM jobs WHERE agent = 'architect'")" = 1 ] || fail "Approved applied twice"
