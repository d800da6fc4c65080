# No process orch starts outlives its run (issue 24).  SIGTERM to orch-advance during a slow ci_cmd stops
# the ci_cmd and a descendant of it that left its process group (setsid); orch-advance ends by the signal,
# its run record says it was interrupted, and the task does not move (no rollback for a run cut short).  An
# agent that times out leaves no descendant either, whether it called setsid() or setpgid(0, 0).
. "$(dirname "$0")/lib.sh"
# escape.py HOW READY NEVER: leave the process group (setsid or setpgid), write our pid into READY (a FIFO),
# then block opening NEVER, a FIFO nobody writes to: only a signal ends it.
cat >"$TMP/escape.py" <<'PY'
import os, sys
if sys.argv[1] == "setsid":
    os.setsid()
else:
    os.setpgid(0, 0)
with open(sys.argv[2], "w") as f:
    f.write("%d\n" % os.getpid())
open(sys.argv[3]).read()
PY
cat >"$TMP/ci.sh" <<'SH'
echo "$$" >"$CI_PID"
python3 "$ESCAPE" setsid "$READY1" "$NEVER" &
read -r e <"$READY1"
echo "$e" >"$CI_PID.escaped"
echo started >"$CI_STARTED"
read -r _ <"$NEVER"
SH
export ESCAPE="$TMP/escape.py" NEVER="$TMP/never" READY1="$TMP/ready1" READY2="$TMP/ready2"
export CI_PID="$TMP/ci.pid" CI_STARTED="$TMP/ci-started"
gone() { ! kill -0 "$1" 2>/dev/null; }
pipeline_setup
sed -i "s|ci_cmd: .*|ci_cmd: [\"sh\", \"$TMP/ci.sh\"]|" "$ORCH_HOME/orch.yaml"
agent_commit "$WT" code src/app.py 'print("slow ci")'
at_stage development
mkfifo "$NEVER" "$READY1" "$READY2" "$CI_STARTED"
orch-advance "$WI" >"$TMP/a.out" 2>"$TMP/a.err" &
A=$!
read -r _ <"$CI_STARTED"
kill -TERM "$A"
wait "$A"
rc=$?
[ "$rc" = 143 ] || fail "orch-advance exited $rc after SIGTERM, expected 143 (ended by the signal): $(cat "$TMP/a.err")"
# orch-advance reaped them before it ended: no polling needed
gone "$(cat "$CI_PID")" || fail "ci_cmd (pid $(cat "$CI_PID")) outlived the orch-advance that ran it"
gone "$(cat "$CI_PID.escaped")" || fail "ci_cmd's setsid child (pid $(cat "$CI_PID.escaped")) outlived orch-advance"
contains "$(cat "$TMP/a.err")" "stopped by SIGTERM"
rec=$(cat "$ORCH_HOME/runs/command-orch-advance.json")
contains "$rec" '"result":143'
contains "$rec" '"interrupted":"TERM"'
[ "$(sql "SELECT stage FROM tasks WHERE work_item = '$WI'")" = development ] || fail "the interrupted gate moved the task"
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'rolled_back'")" = 0 ] || fail "the interrupted ci_cmd rolled the task back"
contains "$(sql "SELECT last_error FROM tool_metrics WHERE tool = 'ci_cmd'")" "interrupted"
# the next run starts over and passes
sed -i "s|ci_cmd: .*|ci_cmd: [\"make\", \"-s\", \"test\"]|" "$ORCH_HOME/orch.yaml"
expect_rc 0 orch-advance "$WI"
contains "$OUT" "development -> review advanced"

# an agent that times out, with one descendant in a new session and one in a new process group
cat >"$TMP/agent.sh" <<'SH'
python3 "$ESCAPE" setsid "$READY1" "$NEVER" &
read -r a <"$READY1"
python3 "$ESCAPE" setpgid "$READY2" "$NEVER" &
read -r b <"$READY2"
echo "$a $b" >"$AGENT_PIDS.tmp" && mv "$AGENT_PIDS.tmp" "$AGENT_PIDS"
read -r _ <"$NEVER"
SH
export AGENT_PIDS="$TMP/agent.pids"
write_config "$ORCH_HOME/orch.yaml" "$TMP/repo" "agents:" "  default: [\"sh\", \"$TMP/agent.sh\"]"
[ "$(orch-issue create --project DEMO --title "agent with escaping children")" = DEMO-2 ] || fail "create DEMO-2"
sql_exec "UPDATE jobs SET status = 'done' WHERE status IN ('queued', 'running')"
expect_rc 0 orch-advance --start DEMO-2
ORCH_JOB_TIMEOUT_S=3 expect_rc 0 orch-work --once
contains "$OUT" "timed out"
[ -f "$AGENT_PIDS" ] || fail "the agent did not start its descendants within job_timeout_s"
for p in $(cat "$AGENT_PIDS"); do
	gone "$p" || { kill -9 "$p"; fail "the timed-out agent's descendant $p ($(cat /proc/$p/cmdline | tr '\0' ' ')) outlived the run"; }
done
[ "$(sql "SELECT status FROM agent_runs ORDER BY id DESC LIMIT 1")" = timeout ] || fail "run not recorded as a timeout"
echo "t-proc-descendants: ok"
