# A missing agent command fails, retries, dies with an alert; a hanging agent is killed with its children;
# other work goes on.
. "$(dirname "$0")/lib.sh"
cat >"$TMP/hang.sh" <<'SH'
sleep 300 &
echo $! >"$HANG_CHILD"
wait
SH
export HANG_CHILD="$TMP/hang.child" ORCH_JOB_BACKOFF_S=0 ORCH_JOB_TIMEOUT_S=2
agents_setup "  analyst: [\"orch-no-such-agent-xyz\"]"
A=$(orch-issue create --project DEMO --title "missing agent" --state "To Analyse")
orch-poll -q
expect_rc 0 orch-work --max-jobs 3
contains "$OUT" "job 1 $A analyst attempt 1: queued (cannot run 'orch-no-such-agent-xyz'"
contains "$OUT" "job 1 $A analyst attempt 3: dead"
contains "$ERR" "orch: alert: $A: the analyst agent failed 3 times (job 1): cannot run 'orch-no-such-agent-xyz'"
contains "$ERR" "then orch-advance --unblock $A requeues the job"
[ "$(sql "SELECT count(*) FROM agent_runs WHERE status = 'not_found'")" = 3 ] || fail "runs not recorded as not_found"
[ "$(sql "SELECT status || ' ' || attempts FROM jobs WHERE id = 1")" = "dead 3" ] || fail "job not dead after 3 attempts"
expect_rc 0 orch-work --once
[ -z "$OUT" ] || fail "a dead job ran again: $OUT"

# a hanging architect: killed at the timeout with its children (config re-read by every command)
write_config "$ORCH_HOME/orch.yaml" "$TMP/repo" "agents:" "  architect: [\"sh\", \"$TMP/hang.sh\"]" \
	"  default: [\"sh\", \"$TOP/examples/agents/{stage}.sh\"]"
B=$(orch-issue create --project DEMO --title "hanging agent" --state "To Analyse")
orch-poll -q
expect_rc 0 orch-work --once	# analyst for B (example agent) commits the analysis
orch-issue -q set "$B" Approved
orch-poll -q
expect_rc 0 orch-work --once
contains "$OUT" "architect attempt 1: queued (timed out after"
child=$(cat "$HANG_CHILD")
wait_gone "$child" || fail "the hanging agent's child $child survived the timeout"
[ "$(sql "SELECT status FROM agent_runs ORDER BY id DESC LIMIT 1")" = timeout ] || fail "run not recorded as timeout"
