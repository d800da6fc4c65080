# Branches live on the remote (issue 25 point 4): orch pushes the item's branch to the project's remote; a
# person works the stage from a clone of their own and pushes, and the next tick judges that push; when the
# remote and the workspace both moved, the item waits (no force) until they are merged (on a shared store,
# make check-pg, the remote's branch is taken and the host's commit kept: docs/multi-host.md); orch's own commits
# and the merge gate's rebase reach the remote with a lease, never over someone else's push.
. "$(dirname "$0")/lib.sh"
manual_setup
WI=$(orch-issue create --project DEMO --title "From my clone" --state "To Analyse")
orch-poll -q || fail "poll"
WT="$ORCH_HOME/worktrees/DEMO/$WI"
BR=$(git -C "$WT" rev-parse --abbrev-ref HEAD)
D="docs/work-items/$WI"
on_remote() { git -C "$TMP/origin.git" rev-parse -q --verify "refs/heads/$BR"; }

# the first look pushes the branch: people can fetch it
expect_rc 2 orch-advance "$WI"
[ -n "$(on_remote)" ] || fail "the item's branch is not on the remote"
[ "$(on_remote)" = "$(git -C "$TMP/repo" rev-parse "refs/heads/$BR")" ] || fail "the remote has another head"

# a person on another machine: clone, check out the branch, do the analysis, push
git clone -q "$TMP/origin.git" "$TMP/mine"
git -C "$TMP/mine" checkout -q "$BR"
analyst_work "$TMP/mine" "$WI" || fail "the person's analysis"
git -C "$TMP/mine" push -q origin "$BR"
expect_rc 2 orch-advance "$WI"
contains "$OUT" "waiting for a human"	# the analysis is complete: orch asks for the verdict
[ "$(git -C "$TMP/repo" rev-parse "refs/heads/$BR")" = "$(git -C "$TMP/mine" rev-parse HEAD)" ] ||
	fail "orch did not take the person's push"
[ "$(git -C "$WT" rev-parse HEAD)" = "$(git -C "$TMP/mine" rev-parse HEAD)" ] ||
	fail "the workspace on orch's host did not get the person's push"

# both moved: a commit in the workspace and another person's push; orch waits, pushes nothing over it
agent_commit "$WT" "from orch's host" "$D/notes-a.md" "a"
agent_commit "$TMP/mine" "from my clone" "$D/notes-b.md" "b"
git -C "$TMP/mine" push -q origin "$BR"
theirs=$(on_remote)
if sqlite_only "a shared store takes the remote's branch over a host's unpublished commits"; then
	expect_rc 2 orch-advance "$WI"
	contains "$OUT" "have both moved"
	contains "$OUT" "git pull origin $BR"
	[ "$(on_remote)" = "$theirs" ] || fail "orch pushed over someone else's push"
	# merged in the workspace: the next tick pushes the merge, which holds both
	git -C "$WT" pull -q --no-rebase --no-edit "$TMP/origin.git" "$BR" || fail "merge in the workspace"
	expect_rc 2 orch-advance "$WI"
	lacks "$OUT" "have both moved"
	git -C "$TMP/origin.git" merge-base --is-ancestor "$theirs" "refs/heads/$BR" || fail "the person's push was lost"
	git -C "$TMP/origin.git" cat-file -e "refs/heads/$BR:$D/notes-a.md" || fail "the workspace's commit was not pushed"
else
	# a shared store (docs/multi-host.md): the remote's branch is the item's; the host's commit is kept
	expect_rc 2 orch-advance "$WI"
	lacks "$OUT" "have both moved"
	[ "$(on_remote)" = "$theirs" ] || fail "orch pushed over someone else's push"
	[ "$(git -C "$TMP/repo" rev-parse "refs/heads/$BR")" = "$theirs" ] || fail "the remote's branch was not taken"
	[ "$(git -C "$WT" rev-parse HEAD)" = "$theirs" ] || fail "the workspace was not handed the remote's branch"
	git -C "$TMP/repo" cat-file -e "refs/orch/discarded/$WI:$D/notes-a.md" || fail "the host's commit was not kept"
	[ "$(sql "SELECT count(*) FROM events WHERE kind = 'branch_taken_from_remote'")" = 1 ] ||
		fail "the taking of the remote's branch is not an event"
fi

# orch's own commit reaches the remote with a lease: a push that raced it is fetched first, never overwritten
git -C "$TMP/mine" pull -q --no-rebase --no-edit origin "$BR"
agent_commit "$TMP/mine" "another" "$D/notes-c.md" "c"
git -C "$TMP/mine" push -q origin "$BR"
expect_rc 2 orch-advance "$WI"
[ "$(git -C "$TMP/repo" rev-parse "refs/heads/$BR")" = "$(on_remote)" ] || fail "not in step after a person's push"
expect_rc 0 orch-advance --explain "$WI"
contains "$OUT" "work on branch $BR of remote 'origin' (git fetch origin $BR) or in the workspace $WT"
exit 0
