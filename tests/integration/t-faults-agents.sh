# Agents misbehaving (docs/operations.md, Failure modes): 100 MB on stdout is capped in memory and in the
# log and the run is still recorded; a child left running in the background is killed with the agent's
# process group when the agent exits.
. "$(dirname "$0")/lib.sh"
cat >"$TMP/flood.sh" <<'SH'
head -c 104857600 /dev/zero | tr '\0' 'x'
echo "flood done" >&2
SH
cat >"$TMP/leave-child.sh" <<'SH'
sleep 300 &
echo $! >"$CHILD_PID"
nohup sleep 301 >/dev/null 2>&1 &
echo $! >"$CHILD_PID.nohup"
exit 0
SH
export CHILD_PID="$TMP/child.pid" ORCH_JOB_BACKOFF_S=0
agents_setup "  analyst: [\"sh\", \"$TMP/flood.sh\"]" "  default: [\"sh\", \"$TOP/examples/agents/{stage}.sh\"]"
A=$(orch-issue create --project DEMO --title "flooding agent" --state "To Analyse")
orch-poll -q
expect_rc 0 orch-work --once
run=$(sql "SELECT status || ' ' || exit_code FROM agent_runs ORDER BY id DESC LIMIT 1")
[ "$run" = "ok 0" ] || fail "the flooding run was recorded as '$run', expected 'ok 0'"
log=$(sql "SELECT log_path FROM agent_runs ORDER BY id DESC LIMIT 1")
[ -f "$log" ] || fail "no log for the flooding run"
size=$(wc -c <"$log")
[ "$size" -le $((4 * 1048576 + 65536)) ] || fail "the log holds $size bytes: stdout was not capped"
[ "$size" -ge 1048576 ] || fail "the log holds only $size bytes: the captured part is missing"
grep -q "stdout (truncated)" "$log" || fail "the log does not say stdout was truncated"
grep -q "flood done" "$log" || fail "stderr after the flood was lost"
[ "$(sql "SELECT count(*) FROM jobs WHERE status = 'running'")" = 0 ] || fail "a job is left running"

# an agent that leaves children behind and exits 0 (A's retries out of the way)
sql_exec "UPDATE jobs SET status = 'done' WHERE status IN ('queued', 'running')"
write_config "$ORCH_HOME/orch.yaml" "$TMP/repo" "agents:" "  analyst: [\"sh\", \"$TMP/leave-child.sh\"]" \
	"  default: [\"sh\", \"$TOP/examples/agents/{stage}.sh\"]"
B=$(orch-issue create --project DEMO --title "agent with a child" --state "To Analyse")
orch-poll -q
expect_rc 0 orch-work --once
contains "$OUT" "$B analyst"
for f in "$CHILD_PID" "$CHILD_PID.nohup"; do
	child=$(cat "$f") || fail "the agent did not start its child"
	wait_gone "$child" || { kill "$child"; fail "the agent's child $child outlived it"; }
done
[ "$(sql "SELECT count(*) FROM jobs WHERE status = 'running'")" = 0 ] || fail "a job is left running"
