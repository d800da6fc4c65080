# Defined behaviour where it was undefined: orch-poll on items created straight in a human-verdict
# status (no task), orch-status --html on targets that are not regular files, and the temp files a
# killed writer leaves, swept by orch-reconcile.
. "$(dirname "$0")/lib.sh"
agents_setup

# 1. items created directly in Approved / Rejected / Confirm Deploy have no task: nothing to do,
#    exit 0, no output (the result used to be read uninitialised: random exit codes, stack garbage)
for s in Approved Rejected "Confirm Deploy"; do
	orch-issue create --project DEMO --title "straight to $s" --state "$s" >/dev/null || fail "create in $s"
done
expect_rc 0 orch-poll
[ -z "$OUT$ERR" ] || fail "orch-poll printed for items with no task: $OUT $ERR"
expect_rc 0 orch-poll --json
[ "$OUT" = "[]" ] || fail "orch-poll --json: $OUT"
[ "$(sql "SELECT count(*) FROM tasks")" = 0 ] || fail "a task was created from a verdict status"
# the bug itself, a conditional jump on an uninitialised value, under valgrind (not on ASan builds,
# nor when run.sh already wraps every binary in valgrind)
if command -v valgrind >/dev/null 2>&1 && head -c 4 "$BIN/orch-poll" | grep -q ELF &&
	! grep -q __asan_init "$BIN/orch-poll"; then
	expect_rc 0 valgrind -q --error-exitcode=99 "$BIN/orch-poll"
fi
A=$(orch-issue create --project DEMO --title "a real one" --state "To Analyse")
expect_rc 0 orch-poll
contains "$OUT" "[To Analyse] $A: created -> analysis advanced"
lacks "$OUT" "DEMO-1"
[ "$(sql "SELECT count(*) FROM tasks")" = 1 ] || fail "the To Analyse item did not start"

# 2. --html writes only to a regular file or a new path (exit 74 otherwise, the target untouched)
mkfifo "$TMP/fifo"
expect_rc 74 orch-status --html "$TMP/fifo"
contains "$ERR" "is a FIFO; refusing to replace it"
[ -p "$TMP/fifo" ] || fail "the FIFO was replaced"
mkdir "$TMP/dir"
expect_rc 74 orch-status --html "$TMP/dir"
contains "$ERR" "is a directory"
[ -d "$TMP/dir" ] && [ -z "$(ls -A "$TMP/dir")" ] || fail "the directory was changed"
ls "$TMP"/fifo.tmp.* "$TMP"/dir.tmp.* >/dev/null 2>&1 && fail "a refused write left a temp file"
# a symlink is replaced by the page, never written through (here: to a file, and to the FIFO)
echo keep >"$TMP/target"
ln -s "$TMP/target" "$TMP/link"
ln -s "$TMP/fifo" "$TMP/link-to-fifo"
expect_rc 0 orch-status --html "$TMP/link"
expect_rc 0 orch-status --html "$TMP/link-to-fifo"
for l in link link-to-fifo; do
	[ -f "$TMP/$l" ] && [ ! -L "$TMP/$l" ] || fail "$l is not a regular file now"
	contains "$(cat "$TMP/$l")" "<title>orch feed</title>"
done
[ "$(cat "$TMP/target")" = keep ] || fail "the page was written through the symlink"
[ -p "$TMP/fifo" ] || fail "the FIFO behind the symlink was touched"
# an existing regular file is replaced
echo old >"$TMP/page.html"
expect_rc 0 orch-status --html "$TMP/page.html"
contains "$(cat "$TMP/page.html")" "<title>orch feed</title>"

# 3. temp files older than an hour in runs/, deploy-state/, logs/ are removed by orch-reconcile;
#    fresh ones, other files and places orch does not own stay
H=$ORCH_HOME
mkdir -p "$H/deploy-state/DEMO/DEMO-9" "$H/logs/jobs" "$H/worktrees/DEMO"
old="$H/runs/command-orch-poll.json.tmp.0123456789abcdef $H/deploy-state/DEMO/DEMO-9/result.tmp.fedcba9876543210
$H/logs/jobs/DEMO-9-job1-attempt1.log.tmp.00112233445566ff"
keep="$H/runs/notes.tmp.txt $H/runs/short.tmp.0123abcd $H/runs/upper.tmp.0123456789ABCDEF
$H/worktrees/DEMO/x.md.tmp.0123456789abcdef $H/runs/report.json"
for f in $old $keep; do echo x >"$f"; touch -d '2 hours ago' "$f"; done
fresh="$H/runs/command-orch-work.json.tmp.aaaaaaaaaaaaaaaa"
echo x >"$fresh"
touch -d '10 minutes ago' "$fresh"
ln -s "$TMP/target" "$H/runs/link.tmp.bbbbbbbbbbbbbbbb"	# a symlink is not a temp file of ours
touch -h -d '2 hours ago' "$H/runs/link.tmp.bbbbbbbbbbbbbbbb"
expect_rc 0 orch-reconcile
for f in $old; do [ ! -e "$f" ] || fail "stale temp file $f not removed"; done
for f in $keep $fresh; do [ -f "$f" ] || fail "$f was removed"; done
[ -L "$H/runs/link.tmp.bbbbbbbbbbbbbbbb" ] && [ "$(cat "$TMP/target")" = keep ] || fail "a symlink was removed or followed"
expect_rc 0 orch-status --json
[ "$(printf '%s' "$OUT" | json_field '["reconcile"]["stale_temp_removed"]')" = 3 ] || fail "counter: $OUT"
expect_rc 0 orch-reconcile
[ "$(sql "SELECT value FROM counters WHERE name = 'reconcile.stale_temp_removed'")" = 3 ] || fail "counted twice"
echo "ok"
