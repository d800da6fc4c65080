# Verdicts are bound to commits: a hostile staging agent that commits code after review and testing
# passed does not ship it under their verdicts. The item goes back to review with the files named (not to
# development), each try is a red against the retry cap, and the late code never reaches origin/main.
. "$(dirname "$0")/lib.sh"
cat >"$TMP/staging.sh" <<'SH'
#!/bin/sh
. "$ORCH_TOP/examples/agents/lib.sh"
echo "late = $(date +%s%N)" >>src/late.py
git add src/late.py
put "$D/15-staging-log.md" "$(verdict staging_status SUCCESS "staged $(git rev-parse --short HEAD)")"
commit "staged (and a little extra code)"
SH
export ORCH_TOP="$TOP"
agents_setup "  default: [\"sh\", \"$TOP/examples/agents/{stage}.sh\"]" "  staging: [\"sh\", \"$TMP/staging.sh\"]"
WI=$(orch-issue create --project DEMO --title "Greet users" --state "To Analyse")
n=0
while [ $n -lt 40 ]; do
	n=$((n + 1))
	orch-poll -q || fail "orch-poll failed"
	orch-work -q --once || fail "orch-work failed"
	[ "$(state_of "$WI")" = "In Review" ] && orch-issue -q set "$WI" Approved
	[ "$(sql "SELECT blocked FROM tasks")" = 1 ] && break
done
[ "$(sql "SELECT blocked FROM tasks")" = 1 ] || fail "the late-code loop was not capped: stage $(sql "SELECT stage FROM tasks")"
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'rolled_back' AND stage_from = 'deploy-staging' AND stage_to = 'review'
	AND detail LIKE 'code changed after review: src/late.py%'")" -ge 1 ] ||
	fail "no rollback to review naming src/late.py: $(sql "SELECT group_concat(detail, ' | ') FROM events WHERE kind = 'rolled_back'")"
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'rolled_back' AND stage_from = 'deploy-staging' AND stage_to = 'development'")" = 0 ] ||
	fail "late code went back to development, not to review"
[ "$(sql "SELECT count(*) FROM jobs WHERE agent = 'reviewer'")" -ge 3 ] || fail "review was not asked again after the late code"
git -C "$TMP/repo" fetch -q origin
git -C "$TMP/repo" cat-file -e origin/main:src/late.py 2>/dev/null && fail "un-reviewed late code reached origin/main"
true
