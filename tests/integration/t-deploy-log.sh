# The deploy gate of a manual project judges a deploy log written for this deploy: one committed before
# the merge (or left from an earlier round) is awaited anew, not taken to done; deployed_sha must be a
# full commit id of the repository, on main, holding the merged commit (an older main is red); case in
# the id does not matter. Hostile: all artifacts in one commit before the work, a zero id, a short id.
. "$(dirname "$0")/lib.sh"
tick() { cron_tick; }
manual_setup
printf 'security_gate_enabled: false\nmax_developer_retries: 20\n' >>"$ORCH_HOME/orch.yaml"
WI=$(orch-issue create --project DEMO --title "Deployed by hand" --state "To Analyse")
tick
WT="$ORCH_HOME/worktrees/DEMO/$WI"
BR=$(git -C "$WT" rev-parse --abbrev-ref HEAD)
D="docs/work-items/$WI"
first=$(git -C "$TMP/repo" rev-parse main)

# everything at once, the deploy log too, before any merge
analyst_work "$WT" "$WI"
agent_commit "$WT" "all of it" "$D/06-adr/ADR-001.md" "# ADR" "src/feature.py" "x = 1" \
	"$D/12-review.md" "$(verdict_doc verdict APPROVED ok)" \
	"$D/13-test-report.md" "$(verdict_doc result PASS ok)" \
	"$D/15-staging-log.md" "$(verdict_doc staging_status SUCCESS ok)" \
	"$D/14-deploy-log.md" "$(verdict_doc deploy_status SUCCESS "not deployed yet")"
tick
orch-issue -q set "$WI" Approved
for i in 1 2 3 4 5 6 7; do tick; done
[ "$(sql "SELECT stage FROM tasks")" = deploy ] || fail "a log from before the merge moved the item: $(sql "SELECT stage FROM tasks")"
expect_rc 2 orch-advance "$WI"
contains "$OUT" "14-deploy-log.md on $BR is the one the merge gate tested at"
contains "$OUT" "predates this deploy"
tested=$(sql "SELECT tested_sha FROM tasks")
git -C "$TMP/repo" fetch -q origin
[ "$(git -C "$TMP/repo" rev-parse origin/main)" = "$tested" ] || fail "the merge did not land the tested commit"

# deployed_sha values that are not this deploy's commit: red, with the reason, never a hold
log() { agent_commit "$WT" "deploy log" "$D/14-deploy-log.md" "$(printf -- '---\ndeploy_status: SUCCESS\ndeployed_sha: %s\n---\n' "$1")"; }
back_to_deploy() {
	for i in 1 2 3 4 5 6; do tick; done
	[ "$(sql "SELECT stage FROM tasks")" = deploy ] || fail "not back at deploy: $(sql "SELECT stage FROM tasks")"
	expect_rc 2 orch-advance "$WI"	# the red log of the last round is not this round's
	contains "$OUT" "predates this deploy"
}
log 0000000000000000000000000000000000000000
expect_rc 1 orch-advance "$WI"
contains "$OUT" "deployed_sha 0000000000000000000000000000000000000000 is not a commit of this repository"
back_to_deploy
log "$(echo "$tested" | cut -c1-12)"
expect_rc 1 orch-advance "$WI"
contains "$OUT" "is not a full commit id (40 hex digits)"
back_to_deploy
log "$first"	# on main, but from before this item
expect_rc 1 orch-advance "$WI"
contains "$OUT" "does not contain this item's merged commit"
back_to_deploy

# the commit that went out, in capitals: done
tested=$(sql "SELECT tested_sha FROM tasks")
log "$(echo "$tested" | tr a-f A-F)"
expect_rc 0 orch-advance "$WI"
contains "$OUT" "deploy -> done advanced"
[ "$(sql "SELECT retries FROM tasks")" = 3 ] || fail "each red log is one retry: $(sql "SELECT retries FROM tasks")"
