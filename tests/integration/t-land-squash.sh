# land: squash (issue 25 point 6): one commit lands on main whose tree is exactly the tested tree, with a
# message naming the item, its title and the commits its review and test verdicts judged; the full branch
# stays on the remote; done still means the deployed commit holds the landed one.
. "$(dirname "$0")/lib.sh"
export ORCH_SECURITY_GATE_REPOS=NONE
pipeline_setup "land: squash"
before=$(git -C "$TMP/origin.git" rev-parse main)
agent_commit "$WT" one src/one.py "x = 1"
agent_commit "$WT" two src/two.py "y = 2"
at_stage development
expect_rc 0 orch-advance --agent developer "$WI"
agent_commit "$WT" review "$D/12-review.md" "$(verdict_doc verdict APPROVED ok)"
expect_rc 0 orch-advance --agent reviewer "$WI"
agent_commit "$WT" tests "$D/13-test-report.md" "$(verdict_doc result PASS ok)"
expect_rc 0 orch-advance --agent tester "$WI"
agent_commit "$WT" staging "$D/15-staging-log.md" "$(verdict_doc staging_status SUCCESS ok)"
expect_rc 0 orch-advance --agent staging "$WI"
contains "$OUT" "squashed: the tested tree as one commit, verified"
landed=$(git -C "$TMP/origin.git" rev-parse main)
[ "$(git -C "$TMP/origin.git" rev-list --count "$before..$landed")" = 1 ] || fail "more than one commit landed"
[ "$(git -C "$TMP/origin.git" rev-parse "$landed^")" = "$before" ] || fail "the squashed commit is not on main as tested"
branch_head=$(git -C "$TMP/repo" rev-parse "refs/heads/$BR")
[ "$(git -C "$TMP/repo" rev-parse "$branch_head^{tree}")" = "$(git -C "$TMP/origin.git" rev-parse "$landed^{tree}")" ] ||
	fail "the landed tree is not the tested tree"
msg=$(git -C "$TMP/origin.git" log -1 --format=%B "$landed")
contains "$msg" "$WI: Greet users"
contains "$msg" "Reviewed at $(sql "SELECT sha FROM task_verdicts WHERE stage = 'review' ORDER BY id DESC LIMIT 1")"
contains "$msg" "tested at $(sql "SELECT sha FROM task_verdicts WHERE stage = 'testing' ORDER BY id DESC LIMIT 1")"
[ "$(sql "SELECT tested_sha FROM tasks")" = "$landed" ] || fail "the landed commit is not the item's tested one"
# the full branch stays on the remote as the audit trail
git -C "$TMP/origin.git" merge-base --is-ancestor "$(git -C "$WT" log --format=%H -1 --grep=one)" "refs/heads/$BR" ||
	fail "the branch's history is not on the remote"
# done still means the deployed commit holds the landed one (the deployer names none: the landed commit)
agent_commit "$WT" deployed "$D/14-deploy-log.md" "$(verdict_doc deploy_status SUCCESS ok)"
expect_rc 0 orch-advance --agent deployer "$WI"
[ "$(sql "SELECT stage FROM tasks")" = done ] || fail "not done: $OUT"
# a hostile orch.yaml value is refused with the key named
write_config "$ORCH_HOME/orch.yaml" "$TMP/repo" "land: rebase"
expect_rc 78 orch-advance --explain "$WI"
contains "$ERR" "'rebase' is not ff or squash"
exit 0
