# Issue 23 point 2: an agent that cannot run is not a red gate.  The architect's command is missing:
# its job dies after job_max_attempts, the same tick's orch-advance --all blocks the item with the
# agent's last error and charges no retry (today it charged one per tick for "no ADR committed"); the
# alert says what to fix; --unblock requeues the same job, and once the agent is fixed the stage passes.
. "$(dirname "$0")/lib.sh"
export ORCH_JOB_BACKOFF_S=0
agents_setup "  architect: [\"orch-no-such-architect\"]" "  default: [\"sh\", \"$TOP/examples/agents/{stage}.sh\"]"
A=$(orch-issue create --project DEMO --title "dead architect" --state "To Analyse")
orch-poll -q && orch-work -q --once || fail "analyst"
orch-issue -q set "$A" Approved
orch-poll -q || fail "approve"
[ "$(sql "SELECT stage FROM tasks")" = architecture ] || fail "not at architecture"
# three ticks: each attempt fails, the last one is dead; advance --all runs after each
for i in 1 2 3; do
	orch-work -q --once >/dev/null 2>"$TMP/work.err"
	orch-advance -q --all
done
contains "$(cat "$TMP/work.err")" "the architect agent failed 3 times (job 2): cannot run 'orch-no-such-architect'"
contains "$(cat "$TMP/work.err")" "orch-advance --unblock $A requeues the job"
[ "$(sql "SELECT blocked || ' ' || retries FROM tasks")" = "1 0" ] ||
	fail "expected blocked with no retry charged, got $(sql "SELECT blocked || ' ' || retries FROM tasks")"
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'rolled_back'")" = 0 ] || fail "a dead agent was charged as a red gate"
expect_rc 0 orch-advance --explain "$A"
expect_rc 0 orch-status
contains "$OUT" "1 blocked"
[ "$(state_of "$A")" = Blocked ] || fail "tracker shows $(state_of "$A")"
contains "$(sql "SELECT detail FROM events WHERE kind = 'blocked_agent_dead'")" \
	"the architect agent failed 3 times: cannot run 'orch-no-such-architect'"
# more ticks: still blocked, nothing charged, no second block
orch-advance -q --all
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'blocked_agent_dead'")" = 1 ] || fail "blocked twice"
# the agent is fixed: --unblock requeues the same job (its description) and the stage passes
write_config "$ORCH_HOME/orch.yaml" "$TMP/repo" "agents:" "  default: [\"sh\", \"$TOP/examples/agents/{stage}.sh\"]"
expect_rc 0 orch-advance --unblock "$A"
[ "$(sql "SELECT count(*) FROM jobs WHERE agent = 'architect' AND status = 'queued' AND description =
    (SELECT description FROM jobs WHERE id = 2)")" = 1 ] || fail "--unblock did not requeue the architect's job"
orch-work -q --once && orch-advance -q --all
[ "$(sql "SELECT stage FROM tasks")" = development ] || fail "the fixed agent's stage did not pass: $(sql "SELECT stage FROM tasks")"
echo ok
