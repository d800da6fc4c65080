# What an agent gets (argv placeholders, stdin, env, cwd, no secrets), and agents that misbehave.
. "$(dirname "$0")/lib.sh"
cat >"$TMP/probe.sh" <<'SH'
{
	echo "argv=$*"
	echo "cwd=$(pwd)"
	echo "wi=$ORCH_WORK_ITEM stage=$ORCH_STAGE agent=$ORCH_AGENT job=$ORCH_JOB_ID"
	echo "worktree=$ORCH_WORKTREE branch=$ORCH_BRANCH"
	echo "token=${ORCH_PLANE_API_TOKEN:-none}"
	echo "stdin=$(cat)"
	echo "desc=$ORCH_TASK_DESC"
	echo "brief=$ORCH_BRIEF_FILE"
	echo "artifacts=$ORCH_ARTIFACTS"
} >"$PROBE_OUT"
SH
export PROBE_OUT="$TMP/probe.out" ORCH_PLANE_API_TOKEN=sekrit-token
agents_setup "  analyst: [\"sh\", \"$TMP/probe.sh\", \"{work_item}\", \"{stage}\", \"{worktree}\", \"{branch}\"]"
WI=$(orch-issue create --project DEMO --title "Probe" --state "To Analyse")
orch-poll -q || fail poll
expect_rc 0 orch-work --once
WT="$ORCH_HOME/worktrees/DEMO/$WI"
BR=$(git -C "$WT" rev-parse --abbrev-ref HEAD)
p=$(cat "$PROBE_OUT")
contains "$p" "argv=$WI analysis $WT $BR"
contains "$p" "cwd=$WT"
contains "$p" "wi=$WI stage=analysis agent=analyst job=1"
contains "$p" "worktree=$WT branch=$BR"
contains "$p" "token=none"
contains "$p" "stdin=# Brief: $WI, stage analysis"
contains "$p" "- \`docs/work-items/$WI/01-brd.md\`: must exist, committed."
contains "$p" "brief=$ORCH_HOME/briefs/$WI/job1.md"
contains "$p" "artifacts=docs/work-items/$WI/01-brd.md docs/work-items/$WI/02-trz.md"
contains "$p" "desc=$WI: work the analysis stage of \"Probe\""
# it exited 0 but committed nothing: the gate says which artifact is missing, a retry is enqueued
contains "$OUT" "check_analysis_complete: analysis incomplete: docs/work-items/$WI/01-brd.md is missing"
[ "$(sql "SELECT count(*) FROM jobs WHERE agent = 'analyst' AND status = 'queued'")" = 1 ] || fail "analyst not re-enqueued"
