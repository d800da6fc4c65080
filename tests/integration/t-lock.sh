# An overlapping run is skipped with one line and exit 0; --wait blocks until the lock frees.
. "$(dirname "$0")/lib.sh"
pipeline_setup
hold lock "$ORCH_HOME/locks/orch-advance.lock"
expect_rc 0 orch-advance --all
[ "$OUT" = "orch-advance: previous run still active; skipped" ] || fail "unexpected overlap output: $OUT"
[ -z "$ERR" ] || fail "overlap wrote to stderr: $ERR"
# with --json the one line is a JSON object, so a pipe into a JSON parser does not break
expect_rc 0 orch-advance --all --json
[ "$(echo "$OUT" | json_field '["skipped"]')" = True ] || fail "--json overlap output: $OUT"
contains "$OUT" "previous run still active"
orch-advance --wait --all >"$TMP/waited" 2>&1 8>&- &
waiter=$!
release
wait "$waiter" || fail "--wait run failed: $(cat "$TMP/waited")"
contains "$(cat "$TMP/waited")" "DEMO-1: analysis -> analysis waiting"
# other commands have their own locks
hold lock "$ORCH_HOME/locks/orch-advance.lock"
expect_rc 0 orch-issue list
contains "$OUT" "DEMO-1"
release
