# The merge gate and the landing: main moved between test and push, a rebase conflict, a red re-test, the
# merge lease, a deploy_hook run once, a deploy verdict whose commit is not on main.
. "$(dirname "$0")/lib.sh"
cat >"$TMP/ci.sh" <<'SH'
# ci_cmd: make test; and once, while it runs, someone pushes to main (MOVE_MAIN set)
make -s test || exit 1
if [ -n "${MOVE_MAIN:-}" ] && [ ! -e "$MOVE_MAIN.done" ]; then
	touch "$MOVE_MAIN.done"
	echo moved >>"$OTHER/moved.txt"
	git -C "$OTHER" add moved.txt && git -C "$OTHER" commit -qm "meanwhile on main" && git -C "$OTHER" push -q origin main
fi
SH
cat >"$TMP/hook.sh" <<'SH'
echo "$(git rev-parse HEAD)" >>"$HOOK_RUNS"
echo "args $* env $ORCH_WORK_ITEM $ORCH_PROJECT $ORCH_DEPLOY_SHA $ORCH_BRANCH" >"$HOOK_RUNS.ctx"
SH
export HOOK_RUNS="$TMP/hook-runs" OTHER="$TMP/other" ORCH_MAX_DEVELOPER_RETRIES=20
pipeline_setup "deploy_hook: [\"sh\", \"$TMP/hook.sh\", \"{work_item}\", \"{sha}\", \"v={project}\"]"
sed -i "s|ci_cmd: \[\"make\", \"-s\", \"test\"\]|ci_cmd: [\"sh\", \"$TMP/ci.sh\"]|" "$ORCH_HOME/orch.yaml"
git clone -q "$TMP/origin.git" "$OTHER"
agent_commit "$WT" code "src/feature.py" "x = 1"
agent_commit "$WT" staging "$D/15-staging-log.md" "$(verdict_doc staging_status SUCCESS ok)"

# main moves while the merge gate tests: the push is refused, nothing is deployed, the task stays for the gate
at_stage deploy-staging
MOVE_MAIN="$TMP/move" expect_rc 2 orch-advance "$WI"
contains "$OUT" "refused (main moved since it was tested); back through the merge gate"
[ ! -e "$HOOK_RUNS" ] || fail "an untested combination was deployed"
[ "$(sql "SELECT stage FROM tasks")" = deploy-staging ] || fail "task left the merge gate"
[ "$(sql "SELECT count(*) FROM leases")" = 0 ] || fail "the lease outlived the run"
# the next pass rebases onto the moved main, tests, lands exactly that, deploys once
expect_rc 0 orch-advance "$WI"
contains "$OUT" "deploy-staging -> done advanced"
git -C "$TMP/repo" fetch -q origin
deployed=$(cat "$HOOK_RUNS")
[ "$(wc -l <"$HOOK_RUNS")" -eq 1 ] || fail "the hook ran more than once"
[ "$(git -C "$TMP/repo" rev-parse origin/main)" = "$deployed" ] || fail "main is not the tested, deployed commit"
git -C "$TMP/repo" merge-base --is-ancestor "$(git -C "$OTHER" rev-parse HEAD)" origin/main || fail "the other push was lost"
[ "$(git -C "$TMP/repo" log --merges --oneline origin/main | wc -l)" -eq 0 ] || fail "a merge commit on main"
contains "$(git -C "$TMP/repo" show "refs/heads/$BR:$D/14-deploy-log.md")" "deployed_sha: $deployed"
# the hook is told what it deploys: placeholders in its arguments, ORCH_* in its environment
[ "$(cat "$HOOK_RUNS.ctx")" = "args $WI $deployed v=DEMO env $WI DEMO $deployed $BR" ] ||
	fail "the hook's context: $(cat "$HOOK_RUNS.ctx")"

# a second item: a rebase conflict names the file and rolls back
B=$(orch-issue create --project DEMO --title "second")
expect_rc 0 orch-advance --start "$B"
WB="$ORCH_HOME/worktrees/DEMO/$B"
git -C "$OTHER" pull -q
agent_commit "$OTHER" "their readme" README.md "theirs"
git -C "$OTHER" push -q origin main
agent_commit "$WB" "our readme" README.md "ours"
agent_commit "$WB" staging "docs/work-items/$B/15-staging-log.md" "$(verdict_doc staging_status SUCCESS ok)"
sql_exec "UPDATE tasks SET stage='deploy-staging' WHERE work_item=?" "$B"; sql_exec "UPDATE jobs SET status='done'"
expect_rc 1 orch-advance "$B"
contains "$OUT" "check_branch_mergeable: rebase onto remotes/origin/main conflicts in: README.md"
git -C "$WB" status --porcelain | grep -q . && fail "the workspace was touched by the failed rebase"
# resolved (the workspace is a repository of its own: its person fetches main), but main broke meanwhile:
# the re-test after the rebase is red
git -C "$WB" fetch -q "$TMP/origin.git" main && git -C "$WB" reset -q --hard FETCH_HEAD
agent_commit "$WB" staging "docs/work-items/$B/15-staging-log.md" "$(verdict_doc staging_status SUCCESS ok)"
git -C "$OTHER" pull -q
agent_commit "$OTHER" "break" src/app.py "BROKEN"
git -C "$OTHER" push -q origin main
sql_exec "UPDATE tasks SET stage='deploy-staging' WHERE work_item=?" "$B"; sql_exec "UPDATE jobs SET status='done'"
expect_rc 1 orch-advance "$B"
contains "$OUT" "ci_cmd on the branch rebased onto remotes/origin/main exited with code 1"

# the merge lease: held by a live task, the other waits; a dead holder is taken over
git -C "$OTHER" revert --no-edit HEAD >/dev/null && git -C "$OTHER" push -q origin main
sql_exec "UPDATE tasks SET stage='deploy-staging' WHERE work_item=?" "$B"; sql_exec "UPDATE jobs SET status='done'"; sql_exec "INSERT INTO leases(name, task_id, work_item, pid, acquired_at) VALUES ('merge:DEMO', 1, 'DEMO-1', ?, 'now')" "$$"
expect_rc 2 orch-advance "$B"
contains "$OUT" "merge lease of DEMO held by DEMO-1"
sql_exec "UPDATE leases SET pid = 999999"
expect_rc 0 orch-advance "$B"
contains "$OUT" "deploy-staging -> done advanced"
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'lease_reclaimed'")" = 1 ] || fail "reclaim not recorded"

# a deploy verdict whose commit is not on main is red
C=$(orch-issue create --project DEMO --title "third")
expect_rc 0 orch-advance --start "$C"
WC="$ORCH_HOME/worktrees/DEMO/$C"
agent_commit "$WC" "off main" src/c.py "c = 1"
agent_commit "$WC" deploy "docs/work-items/$C/14-deploy-log.md" "$(printf -- '---\ndeploy_status: SUCCESS\ndeployed_sha: %s\n---\n' "$(git -C "$WC" rev-parse HEAD)")"
sql_exec "UPDATE tasks SET stage='deploy' WHERE work_item=?" "$C"; sql_exec "UPDATE jobs SET status='done'"
expect_rc 1 orch-advance "$C"
contains "$OUT" "deployed but not merged"
