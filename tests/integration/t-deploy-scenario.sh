# Three work items through the whole pipeline, deployed one after another: every one of their commits
# (up to what was deployed) is on main at the end, with no merge commit.
. "$(dirname "$0")/lib.sh"
agents_setup
for t in one two three; do orch-issue create --project DEMO --title "item $t" --state "To Analyse" >/dev/null; done
n=0
while [ $n -lt 60 ]; do
	n=$((n + 1))
	orch-poll -q || fail "orch-poll failed"
	orch-work -q --max-jobs 3 || fail "orch-work failed"
	orch-advance -q --all
	for wi in DEMO-1 DEMO-2 DEMO-3; do
		[ "$(state_of $wi)" = "In Review" ] && orch-issue -q set $wi Approved
	done
	[ "$(sql "SELECT count(*) FROM tasks WHERE stage = 'done'")" = 3 ] && break
done
[ "$(sql "SELECT count(*) FROM tasks WHERE stage = 'done'")" = 3 ] ||
	fail "not all done after $n ticks: $(sql "SELECT group_concat(work_item || ':' || stage || ':' || blocked) FROM tasks")"
git -C "$TMP/repo" fetch -q origin
for wi in DEMO-1 DEMO-2 DEMO-3; do
	wt="$ORCH_HOME/worktrees/DEMO/$wi"
	sha=$(git -C "$wt" show "HEAD:docs/work-items/$wi/14-deploy-log.md" | sed -n 's/^deployed_sha: //p')
	git -C "$TMP/repo" merge-base --is-ancestor "$sha" origin/main || fail "$wi: deployed $sha is not on main"
	mod="src/greet_$(printf '%s' "$wi" | tr 'A-Z-' 'a-z_').py"
	git -C "$TMP/repo" show "origin/main:$mod" | grep -q stranger || fail "$wi: its reviewed code is not on main"
done
[ "$(git -C "$TMP/repo" log --merges --oneline origin/main | wc -l)" -eq 0 ] || fail "a merge commit on main"
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'rolled_back'")" -ge 3 ] || fail "each item had its review rollback"
