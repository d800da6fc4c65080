# A finished agent run is never run again because orch could not record it (docs/operations.md, Failure
# modes): an outside write lock on orch.db is held from while the deployer runs until orch-work gave up.
# orch-work says the agent ran and where its outcome is kept; the next orch-work (item A) or the reaper
# (item B) completes the job from that run record; production is deployed once per item.  A runner killed
# with SIGKILL while the deployer runs (item C) leaves a job that is not run again, with an alert.
. "$(dirname "$0")/lib.sh"
cat >"$TMP/deployer.sh" <<'SH'
echo "$ORCH_WORK_ITEM" >>"$DEPLOYS"
echo started >"$STARTED"	# the test holds orch.db from now on
read -r go <"$GO"
exec sh "$EXAMPLES/deploy.sh"
SH
export DEPLOYS="$TMP/deploys" STARTED="$TMP/started" GO="$TMP/go" EXAMPLES="$TOP/examples/agents"
export ORCH_DB_BUSY_TIMEOUT_MS=200 ORCH_JOB_BACKOFF_S=0
mkfifo "$STARTED" "$GO"
pipeline_setup "agents:" "  deployer: [\"sh\", \"$TMP/deployer.sh\"]" "  default: [\"true\"]"
deploys() { grep -c "^$1\$" "$DEPLOYS" 2>/dev/null || echo 0; }

# to_deploy WI: the item merged by the merge gate, its deployer job queued
to_deploy() {
	wt="$ORCH_HOME/worktrees/DEMO/$1"
	agent_commit "$wt" "code $1" "src/$1.py" "x = 1" || fail "commit on $1"
	agent_commit "$wt" "staging $1" "docs/work-items/$1/15-staging-log.md" "$(verdict_doc staging_status SUCCESS ok)"
	sql_exec "UPDATE tasks SET stage = 'deploy-staging' WHERE work_item = ?" "$1"
	sql_exec "UPDATE jobs SET status = 'done' WHERE status IN ('queued', 'running')"
	expect_rc 0 orch-advance "$1"
	contains "$OUT" "deploy-staging -> deploy"
	[ "$(sql "SELECT count(*) FROM jobs WHERE agent = 'deployer' AND status = 'queued'")" = 1 ] ||
		fail "no deployer job queued for $1"
}

# unrecorded WI: the deployer runs while orch.db is held; orch-work gives up recording it
unrecorded() {
	orch-work --once >"$TMP/work.out" 2>"$TMP/work.err" &
	wp=$!
	read -r s <"$STARTED"
	hold db "$ORCH_HOME/orch.db"
	echo go >"$GO"
	wait "$wp"
	rc=$?
	release
	[ $rc = 75 ] || fail "orch-work under a held orch.db exited $rc, expected 75: $(cat "$TMP/work.err")"
	err=$(cat "$TMP/work.err")
	contains "$err" "deployer job"
	contains "$err" "ran and ended ok"
	contains "$err" "the next orch-work or orch-reconcile records it"
	lacks "$err" "nothing was written"
	job=$(sql "SELECT id FROM jobs WHERE agent = 'deployer' ORDER BY id DESC LIMIT 1")
	[ -s "$ORCH_HOME/runs/jobs/job$job-attempt1.json" ] || fail "no run record for job $job"
	[ "$(sql "SELECT status FROM jobs WHERE id = $job")" = running ] || fail "the store took the run after all"
}

finish() {	# finish WI: ticks until the item is done; deployed exactly once
	for i in 1 2 3; do cron_tick; done
	[ "$(sql "SELECT stage FROM tasks WHERE work_item = '$1'")" = done ] ||
		fail "$1 is at $(sql "SELECT stage FROM tasks WHERE work_item = '$1'"), expected done"
	[ "$(deploys "$1")" = 1 ] || fail "$1 was deployed $(deploys "$1") times, expected once"
	[ ! -e "$ORCH_HOME/runs/jobs/job$job-attempt1.json" ] || fail "the run record outlived its recording"
}

# A and B hold SQLite's write lock on orch.db (hold db); C is the same on both engines
if sqlite_only "A and B hold SQLite's write lock on orch.db"; then
# A: the next orch-work records it from the run record, and does not run the deployer again
to_deploy "$WI"
unrecorded "$WI"
expect_rc 0 orch-work --once
contains "$OUT" "job $job $WI deployer attempt 1: done (recorded from its run record, not run again"
[ "$(sql "SELECT status FROM jobs WHERE id = $job")" = done ] || fail "job $job not done"
finish "$WI"

# B: the reaper finds the running job of a dead runner and completes it from the record
B=$(orch-issue create --project DEMO --title "second")
expect_rc 0 orch-advance --start "$B"
to_deploy "$B"
unrecorded "$B"
expect_rc 0 orch-reconcile
[ "$(sql "SELECT status FROM jobs WHERE id = $job")" = done ] || fail "the reaper did not complete job $job"
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'reaped'")" = 0 ] || fail "the reaper requeued a finished run"
finish "$B"
fi

# C: the runner is killed (SIGKILL) while the deployer runs: no outcome anywhere, the job is never re-run
C=$(orch-issue create --project DEMO --title "third")
expect_rc 0 orch-advance --start "$C"
to_deploy "$C"
orch-work --once >/dev/null 2>&1 &
wp=$!
read -r s <"$STARTED"
kill -9 "$wp"
wait "$wp"
job=$(sql "SELECT id FROM jobs WHERE agent = 'deployer' ORDER BY id DESC LIMIT 1")
for i in 1 2 3 4; do orch-reconcile -q >/dev/null 2>&1; done
rm -f "$GO"	# the orphaned deployer was stopped by the reaper; nobody reads the fifo again
[ "$(sql "SELECT status FROM jobs WHERE id = $job")" = dead ] || fail "job $job is $(sql "SELECT status FROM jobs WHERE id = $job"), expected dead"
contains "$(sql "SELECT message FROM outbox WHERE message LIKE '%may have deployed%'")" "not run again"
for i in 1 2 3; do orch-work -q; done
[ "$(deploys "$C")" = 1 ] || fail "$C's deployer ran $(deploys "$C") times, expected once"
