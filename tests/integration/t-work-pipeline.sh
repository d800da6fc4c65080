# To Analyse travels to done with nobody running orch-advance by hand: poll, work, gates.
. "$(dirname "$0")/lib.sh"
agents_setup
WI=$(orch-issue create --project DEMO --title "Greet users" --state "To Analyse")
n=0
while [ $n -lt 30 ]; do
	n=$((n + 1))
	orch-poll -q || fail "orch-poll failed"
	orch-work -q --once || fail "orch-work failed"
	case $(state_of "$WI") in
	"In Review") orch-issue -q set "$WI" Approved ;;
	Done) break ;;
	esac
done
[ "$(state_of "$WI")" = Done ] || fail "$WI is $(state_of "$WI") after $n ticks"
[ "$(sql "SELECT stage FROM tasks")" = done ] || fail "task not done"
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'rolled_back'")" = 1 ] || fail "expected one review rollback"
[ "$(sql "SELECT count(*) FROM jobs WHERE status != 'done'")" = 0 ] || fail "jobs left undone"
[ "$(sql "SELECT count(*) FROM agent_runs WHERE exit_code = 0 AND log_path LIKE '%/logs/jobs/DEMO-1-job%'")" = 9 ] ||
	fail "expected 9 recorded runs with logs"
for f in "$ORCH_HOME"/logs/jobs/*.log; do grep -q "^== stdout" "$f" || fail "log $f has no stdout section"; done
git -C "$TMP/repo" fetch -q origin
deployed=$(git -C "$ORCH_HOME/worktrees/DEMO/$WI" show "HEAD:docs/work-items/$WI/14-deploy-log.md" |
	sed -n 's/^deployed_sha: //p')
[ -n "$deployed" ] || fail "no deployed_sha in the deploy log"
git -C "$TMP/repo" merge-base --is-ancestor "$deployed" origin/main || fail "done but the deployed commit is not on origin/main"
[ "$(git -C "$TMP/repo" log --merges --oneline origin/main | wc -l)" -eq 0 ] || fail "orch made a merge commit"
