# orch-work stopped with SIGTERM while its agent runs: the agent's process group is stopped with it, the
# run is recorded as interrupted and the job requeued without charging an attempt (issue 10).  A reaper
# limit below job_timeout_s plus the margin is a configuration error.  A worktree or a branch deleted under
# orch blocks the item once, with an event and an alert, instead of failing every tick.
. "$(dirname "$0")/lib.sh"
cat >"$TMP/agent.sh" <<'SH'
echo "$$" >"$AGENT_PID"
echo started >"$AGENT_STARTED"
read -r _ <"$AGENT_GATE"	# never released: only a signal ends it
SH
export AGENT_PID="$TMP/agent.pid" AGENT_STARTED="$TMP/agent-started" AGENT_GATE="$TMP/agent-gate"
pipeline_setup "agents:" "  default: [\"sh\", \"$TMP/agent.sh\"]"
mkfifo "$AGENT_STARTED" "$AGENT_GATE"
orch-work --once >"$TMP/w.out" 2>"$TMP/w.err" &
W=$!
read -r _ <"$AGENT_STARTED"
AP=$(cat "$AGENT_PID")
kill -TERM "$W"
wait "$W"
kill -0 "$AP" 2>/dev/null && fail "the agent (pid $AP) outlived the orch-work that ran it"
J=$(sql "SELECT max(id) FROM jobs")
[ "$(sql "SELECT status FROM jobs WHERE id = $J")" = queued ] || fail "job not requeued: $(sql "SELECT status FROM jobs WHERE id = $J")"
[ "$(sql "SELECT attempts FROM jobs WHERE id = $J")" = 0 ] || fail "the interrupted run was charged an attempt"
[ "$(sql "SELECT status FROM agent_runs WHERE job_id = $J")" = interrupted ] || fail "run not recorded as interrupted"
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'job_interrupted'")" = 1 ] || fail "no job_interrupted event"
[ "$(sql "SELECT count(*) FROM outbox WHERE level = 'alert'")" = 0 ] || fail "an interruption raised an alert"
rm -f "$AGENT_GATE" "$AGENT_STARTED"

# the reaper may never judge a live agent: its limit must exceed job_timeout_s plus the margin
ORCH_JOB_TIMEOUT_S=600 ORCH_REAPER_MAX_RUNNING_S=300 expect_rc 78 orch-reconcile
contains "$ERR" "reaper_max_running_s"
contains "$ERR" "at least 720"
ORCH_JOB_TIMEOUT_S=600 ORCH_REAPER_MAX_RUNNING_S=720 expect_rc 0 orch-status

# a worktree deleted under orch: blocked once with the reason, one event, one alert (on a shared store a
# host's workspace is a cache, made again from the branch: t-multi-host)
pg_skip "a host's workspace is a cache on a shared store (t-multi-host covers it)"
at_stage review
rm -rf "$WT"
expect_rc 1 orch-advance "$WI"
contains "$OUT" "worktree"
contains "$OUT" "is missing"
expect_rc 1 orch-advance "$WI"
contains "$OUT" "blocked"
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'workspace_missing'")" = 1 ] || fail "workspace_missing not once"
[ "$(sql "SELECT count(*) FROM outbox WHERE level = 'alert' AND message LIKE '%is missing%'")" = 1 ] ||
	fail "missing-worktree alert not once"
[ "$(state_of "$WI")" = Blocked ] || fail "tracker not Blocked"
# restored and unblocked, then the branch is deleted: blocked again, naming the branch
git -C "$TMP/repo" worktree prune
git -C "$TMP/repo" worktree add -q "$WT" "$BR"
expect_rc 0 orch-advance --unblock "$WI"
at_stage review
git -C "$TMP/repo" worktree remove --force "$WT"
git -C "$TMP/repo" worktree prune
git -C "$TMP/repo" branch -q -D "$BR"
mkdir -p "$WT" && echo "gitdir: /nonexistent" >"$WT/.git"
expect_rc 1 orch-advance "$WI"
contains "$OUT" "branch $BR is missing"
