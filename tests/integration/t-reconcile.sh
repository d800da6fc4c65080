# orch-reconcile: F-1 (an idle task whose gate passes), F-2 (a tracker status whose effect is missing,
# replayed once; terminal issues skipped), the reaper (dead runners, finished runs, overlong runs, dead
# leases), kill switches, counters in orch-status.
. "$(dirname "$0")/lib.sh"
export ORCH_RECONCILE_GRACE_S=0 ORCH_RECONCILE_FULL_LIST_S=0 ORCH_JOB_MAX_ATTEMPTS=2
pipeline_setup
counter() { orch-status --json | json_field "[\"$1\"][\"$2\"]"; }

# F-2: Approved set while nobody polled; the reconciler replays it through the same handlers, once
analyst_work "$WT" "$WI"
expect_rc 2 orch-advance --agent analyst "$WI"
orch-issue -q set "$WI" Approved
D2=$(orch-issue create --project DEMO --title "already done" --state Done)
ORCH_RECONCILE_ENABLED=false expect_rc 0 orch-reconcile
[ "$(sql "SELECT stage FROM tasks")" = analysis ] || fail "the kill switch did not stop F-2"
ORCH_RECONCILE_TRACKER_ENABLED=false expect_rc 0 orch-reconcile
[ "$(sql "SELECT stage FROM tasks")" = analysis ] || fail "the tracker kill switch did not stop F-2"
expect_rc 0 orch-reconcile
contains "$OUT" "[tracker] $WI: analysis -> architecture advanced"
expect_rc 0 orch-reconcile
lacks "$OUT" "[tracker]"
[ "$(counter reconcile replayed)" = 1 ] || fail "replayed counter"
# the local backend leaves Done/Cancelled issues out of the reconciler's listing (TRACKER_LIST_OPEN)
[ "$(counter reconcile skipped_terminal)" = 0 ] || fail "the local listing held terminal issues"
[ "$(sql "SELECT count(*) FROM tasks WHERE work_item = '$D2'")" = 0 ] || fail "a Done issue got a task"
orch-issue -q set "$WI" "Confirm Deploy"	# a status that stays: recorded once, then deduped
expect_rc 0 orch-reconcile
expect_rc 0 orch-reconcile
[ "$(counter reconcile deduped)" -ge 1 ] || fail "the second sighting was not deduped"
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'confirm_deploy'")" = 1 ] || fail "Confirm Deploy replayed twice"

# F-1: the architect's ADR is committed but the job was lost: the idle task's gate passes now
agent_commit "$WT" adr "$D/06-adr/ADR-1.md" "# ADR"
sql_exec "UPDATE jobs SET status = 'done'"
expect_rc 0 orch-reconcile
contains "$OUT" "[gate] $WI: architecture -> development advanced"
[ "$(counter reconcile advanced)" = 1 ] || fail "advanced counter"

# a blocked task resumed with To Analyse: one "unblocked" notice
sql_exec "UPDATE tasks SET blocked = 1, retries = 4; UPDATE jobs SET status = 'done'"
orch-issue -q set "$WI" "To Analyse"
expect_rc 0 orch-reconcile
[ "$(sql "SELECT blocked FROM tasks")" = 0 ] || fail "not unblocked"
n=$(sql "SELECT count(*) FROM outbox WHERE message LIKE 'unblocked by the reconciler: $WI is now at development'")
[ "$n" = 1 ] || fail "no unblocked notice"
expect_rc 0 orch-reconcile
[ "$(sql "SELECT count(*) FROM outbox WHERE message LIKE 'unblocked by the reconciler%development'")" = 1 ] ||
	fail "unblocked notice not once"

# the reaper: a runner that died (gone on two runs), a run that already ended, an overlong run
sql_exec "UPDATE jobs SET status = 'done';
	UPDATE jobs SET status = 'running', pid = 999999, attempts = 1 WHERE id = (SELECT max(id) FROM jobs)"
J=$(sql "SELECT max(id) FROM jobs")
ORCH_REAPER_ENABLED=false expect_rc 0 orch-reconcile
expect_rc 0 orch-reconcile
[ "$(sql "SELECT status FROM jobs WHERE id = $J")" = running ] || fail "reaped on the first sighting"
expect_rc 0 orch-reconcile
contains "$OUT" "[reaper]"
contains "$OUT" "its runner and its agent are gone (2 consecutive checks); requeued"
[ "$(sql "SELECT status FROM jobs WHERE id = $J")" = queued ] || fail "not requeued"
sql_exec "UPDATE jobs SET status = 'running', pid = $$, attempts = 2 WHERE id = $J;
	INSERT INTO agent_runs(job_id, pid, exit_code, status, started_at, finished_at) VALUES ($J, $$, 0, 'ok', 'x', 'y')"
expect_rc 0 orch-reconcile
contains "$OUT" "recorded an exit while the job still said running; dead"
contains "$ERR" "orch: alert: $WI: reaped"
sql_exec "UPDATE jobs SET status = 'running', pid = $$, attempts = 1, updated_at = '2000-01-01T00:00:00.000000Z' WHERE id = $J;
	DELETE FROM agent_runs WHERE job_id = $J"
expect_rc 0 orch-reconcile
# a live job past reaper_max_running_s is never requeued: one alert, it keeps running
[ "$(sql "SELECT status FROM jobs WHERE id = $J")" = running ] || fail "a live overlong job was reaped"
[ "$(sql "SELECT count(*) FROM outbox WHERE message LIKE '%still running past reaper_max_running_s%'")" = 1 ] ||
	fail "no overdue alert"
expect_rc 0 orch-reconcile
[ "$(sql "SELECT count(*) FROM outbox WHERE message LIKE '%still running past reaper_max_running_s%'")" = 1 ] ||
	fail "overdue alert repeated"
# the runner died (kill -9) but its agent's group lives: stopped first, requeued only once it is gone
python3 -c 'import subprocess,sys; p=subprocess.Popen(["sleep","600"],start_new_session=True); print(p.pid)' >"$TMP/agent.pid"
AG=$(cat "$TMP/agent.pid")
kill -0 "$AG" || fail "agent stand-in not running"
sql_exec "UPDATE jobs SET pid = 999999, agent_pgid = $AG, updated_at = '2030-01-01T00:00:00.000000Z', dead_strikes = 1 WHERE id = $J"
expect_rc 0 orch-reconcile
[ "$(sql "SELECT status FROM jobs WHERE id = $J")" = running ] || fail "requeued while its agent still ran"
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'orphan_agent_stopped'")" = 1 ] || fail "no orphan event"
n=0; while kill -0 "$AG" 2>/dev/null && [ $n -lt 100 ]; do n=$((n + 1)); python3 -c 'import time; time.sleep(0.05)'; done
kill -0 "$AG" 2>/dev/null && fail "the orphaned agent group was not killed"
expect_rc 0 orch-reconcile
contains "$OUT" "its runner and its agent are gone"
[ "$(sql "SELECT status FROM jobs WHERE id = $J")" = queued ] || fail "not requeued after its agent was gone"
# a lease whose holder died is released
sql_exec "INSERT INTO leases(name, task_id, work_item, pid, acquired_at) VALUES ('merge:DEMO', 1, '$WI', 999999, 'now')"
expect_rc 0 orch-reconcile
[ "$(sql "SELECT count(*) FROM leases")" = 0 ] || fail "dead lease not released"
[ "$(counter reaper reaped)" = 3 ] || fail "reaped counter: $(counter reaper reaped)"
[ "$(counter reaper leases_released)" = 1 ] || fail "leases counter"
expect_rc 0 orch-status
contains "$OUT" "reaper: reaped 3 leases_released 1"
