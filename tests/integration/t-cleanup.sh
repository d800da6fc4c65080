# A done item's worktree and local branch are removed by orch-reconcile after worktree_retention_s, once,
# with an event; never while a job, a claim or the post-deploy watch holds the item; 0 keeps them;
# orch-status shows the disk the worktrees take (issue 16).
. "$(dirname "$0")/lib.sh"
pipeline_setup
old="2000-01-01T00:00:00.000000Z"
sql_exec "UPDATE tasks SET stage = 'done', updated_at = ?" "$old"
sql_exec "UPDATE jobs SET status = 'done'"
ORCH_WORKTREE_RETENTION_S=0 expect_rc 0 orch-reconcile
[ -d "$WT" ] || fail "retention 0 removed the worktree"
# a queued job holds it
sql_exec "UPDATE jobs SET status = 'queued' WHERE id = 1"
expect_rc 0 orch-reconcile
[ -d "$WT" ] || fail "removed while a job was queued"
sql_exec "UPDATE jobs SET status = 'done'"
# a claim of a live process holds it
sql_exec "INSERT INTO leases(name, task_id, work_item, pid, acquired_at, host, expires_at) VALUES
	('task:$WI', 1, '$WI', $$, 'now', ?, 0)" "$(hostname)"
expect_rc 0 orch-reconcile
[ -d "$WT" ] || fail "removed while another process held the task"
sql_exec "DELETE FROM leases"
# the post-deploy watch still runs
deploy_state_put watch "$WI" "1 0" "$(hostname)"
expect_rc 0 orch-reconcile
[ -d "$WT" ] || fail "removed during the post-deploy watch"
deploy_state_put watched "$WI" HEALTHY "$(hostname)"
# a recent done item stays
sql_exec "UPDATE tasks SET updated_at = ?" "$(date -u +%Y-%m-%dT%H:%M:%S.%6NZ)"
expect_rc 0 orch-reconcile
[ -d "$WT" ] || fail "removed before the retention passed"
sql_exec "UPDATE tasks SET updated_at = ?" "$old"
expect_rc 0 orch-status
contains "$OUT" "worktrees:"
expect_rc 0 orch-reconcile
[ -d "$WT" ] && fail "worktree not removed past the retention"
git -C "$TMP/repo" show-ref --verify --quiet "refs/heads/$BR" && fail "local branch not deleted"
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'worktree_removed'")" = 1 ] || fail "no worktree_removed event"
expect_rc 0 orch-reconcile
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'worktree_removed'")" = 1 ] || fail "removed twice"
git -C "$TMP/repo" worktree list | grep -q "$WT" && fail "worktree still registered"
# hostile: a second item whose worktree someone already deleted by hand is still cleaned up
orch-issue create --project DEMO --title "Second" >/dev/null
expect_rc 0 orch-advance --start DEMO-2
WT2="$ORCH_HOME/worktrees/DEMO/DEMO-2"
rm -rf "$WT2"
sql_exec "UPDATE tasks SET stage = 'done', updated_at = ? WHERE work_item = 'DEMO-2'" "$old"
sql_exec "UPDATE jobs SET status = 'done'"
expect_rc 0 orch-reconcile
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'worktree_removed' AND work_item = 'DEMO-2'")" = 1 ] ||
	fail "a hand-deleted worktree was not cleaned up"
[ "$(sql "SELECT cleaned FROM tasks WHERE work_item = 'DEMO-2'")" = 1 ] || fail "DEMO-2 not marked cleaned"
# hostile: git cannot delete one item's branch (someone checked it out in the repository): recorded and
# alerted once, not retried on every pass, and the items behind it are still cleaned
for n in 3 4; do
	orch-issue create --project DEMO --title "Item $n" >/dev/null
	expect_rc 0 orch-advance --start "DEMO-$n"
done
sql_exec "UPDATE tasks SET stage = 'done', updated_at = ? WHERE work_item IN ('DEMO-3', 'DEMO-4')" "$old"
git -C "$TMP/repo" checkout -q "$(sql "SELECT branch FROM tasks WHERE work_item = 'DEMO-3'")" || fail "checkout"
sql_exec "UPDATE jobs SET status = 'done'"
expect_rc 0 orch-reconcile
contains "$ERR" "cannot remove the worktree"
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'worktree_cleanup_failed' AND work_item = 'DEMO-3'")" = 1 ] ||
	fail "the failed clean-up left no event"
[ "$(sql "SELECT count(*) FROM outbox WHERE work_item = 'DEMO-3' AND message LIKE 'cannot remove the worktree%'")" = 1 ] ||
	fail "the failed clean-up was not alerted"
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'worktree_removed' AND work_item = 'DEMO-4'")" = 1 ] ||
	fail "an item behind a failing one was not cleaned"
expect_rc 0 orch-reconcile
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'worktree_cleanup_failed'")" = 1 ] || fail "retried every pass"
git -C "$TMP/repo" checkout -q main
