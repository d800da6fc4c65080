# An import interrupted between its two steps (a command SIGKILLed, or still running, after it fetched the
# workspace's branch into refs/orch/workspace/WI and before it moved orch's branch there; seen in the
# overlap soak): the next command must not take "nothing new since the last fetch" for "the branch holds
# it" and judge the old branch (a false red: "15-staging-log.md is missing"); it finishes the import.
. "$(dirname "$0")/lib.sh"
pipeline_setup
at_stage deploy-staging
agent_commit "$WT" staging "$D/15-staging-log.md" "$(verdict_doc staging_status SUCCESS ok)"
IMPORTED=$(git -C "$WT" rev-parse HEAD)
REPO=$(sql "SELECT repo FROM tasks WHERE work_item = '$WI'")
[ -d "$REPO" ] || fail "no repo: $REPO"
# the killed command's first step: the fetch, and nothing after it
git -C "$REPO" fetch -q "$WT" "refs/heads/$BR:refs/orch/workspace/$WI" || fail "fetch"
[ "$(git -C "$REPO" rev-parse "refs/heads/$BR")" != "$IMPORTED" ] || fail "setup: the branch already moved"
expect_rc 0 orch-advance "$WI"
contains "$OUT" "deploy-staging -> "
contains "$OUT" "advanced"
git -C "$REPO" merge-base --is-ancestor "$IMPORTED" "refs/heads/$BR" || fail "orch's branch does not hold the import"
[ "$(sql "SELECT count(*) FROM events WHERE work_item = '$WI' AND kind = 'rolled_back'")" = 0 ] ||
	fail "rolled back: $(sql "SELECT detail FROM events WHERE work_item = '$WI' AND kind = 'rolled_back'")"
echo "ok t-import-interrupted"
