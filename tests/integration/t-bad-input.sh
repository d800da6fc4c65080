# Bad work item ids (64, nothing touched), unknown items (66), busy database (75), harmless metacharacters.
. "$(dirname "$0")/lib.sh"
for bad in '../x' 'orch-1' 'A-0' 'A-1;id' ''; do
	expect_rc 64 orch-advance "$bad"
	contains "$ERR" "work item '$bad' is not of the form ABC-123"
	[ -e "$ORCH_HOME" ] && fail "a bad id touched ORCH_HOME"
	expect_rc 64 orch-advance --start "$bad"
	expect_rc 64 orch-issue show "$bad"
done
expect_rc 64 orch-advance --all DEMO-1
expect_rc 64 orch-advance --frobnicate
# strict options: an unknown agent, a value option given twice or empty, a dry run of a start: 64, nothing touched
expect_rc 64 orch-advance --agent nosuch DEMO-1
contains "$ERR" "--agent 'nosuch' is not an agent"
expect_rc 64 orch-advance --start DEMO-1 --start DEMO-2
contains "$ERR" "option --start is given twice; give it once"
expect_rc 64 orch-issue create --project DEMO --title a --title b
contains "$ERR" "option --title is given twice"
expect_rc 64 orch-status --html=
contains "$ERR" "option --html needs a value, not an empty one"
expect_rc 64 orch-status --home ''
expect_rc 64 orch-advance --dry-run --start DEMO-1
contains "$ERR" "--dry-run and --agent apply to WI... and --all, not to --start"
[ -e "$ORCH_HOME" ] && fail "a usage error touched ORCH_HOME"
TITLE='x $(touch pwned) `touch pwned2`; touch pwned3 | cat & "q"'
pipeline_setup
[ -e pwned ] || [ -e "$WT/pwned" ] || [ -e "$TMP/repo/pwned3" ] && fail "a title ran a command"
contains "$BR" "feature/DEMO-1-x-touch-pwned-touch-pwned2-touch-pwned3"
expect_rc 66 orch-advance DEMO-7
contains "$ERR" "work item 'DEMO-7' has no task in orch"
expect_rc 66 orch-advance --start DEMO-7
contains "$ERR" "work item 'DEMO-7' does not exist"
expect_rc 66 orch-advance --start OTHER-1
contains "$ERR" "project 'OTHER' is not configured"
expect_rc 66 orch-issue set DEMO-1 Nonsense
contains "$ERR" "state 'Nonsense' does not exist in project 'DEMO'"
expect_rc 66 orch-issue create --project NOPE --title x

# the database busy beyond the timeout: 75 and nothing half-written
analyst_work "$WT" "$WI"
if sqlite_only "holding SQLite's write lock on orch.db"; then
	before=$(sql "SELECT count(*) FROM events")
	hold db "$ORCH_HOME/orch.db"
	ORCH_DB_BUSY_TIMEOUT_MS=100 expect_rc 75 orch-advance --agent analyst "$WI"
	contains "$ERR" "is busy"
	release
	[ "$(sql "SELECT count(*) FROM events")" = "$before" ] || fail "a busy run wrote events"
	[ "$(sql "SELECT status FROM jobs WHERE agent = 'analyst'")" = queued ] || fail "a busy run changed a job"
fi
expect_rc 2 orch-advance --agent analyst "$WI"
