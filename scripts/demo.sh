#!/bin/sh
# make demo: one work item through every stage to done on the embedded
# default (local tracker, SQLite), in a temp dir that is removed at the end
# (ORCH_DEMO_KEEP=1 keeps it).  Agents are played by this script.
set -eu
BIN=$(cd "${1:-build/bin}" && pwd)
TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/scripts/pipeline-lib.sh"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/orch-demo.XXXXXX")
cleanup() { [ "${ORCH_DEMO_KEEP:-0}" = 1 ] && echo "demo: kept $TMP" || rm -rf "$TMP"; }
trap cleanup EXIT
export ORCH_HOME="$TMP/home" PATH="$BIN:$PATH"
mkdir -p "$ORCH_HOME"
say() { printf '\n== %s\n' "$*"; }
adv() { echo "\$ orch advance $*"; orch advance "$@" || true; }

say "a sample project with a bare origin, and orch.yaml for it"
make_sample_repo "$TMP"
write_config "$ORCH_HOME/orch.yaml" "$TMP/repo"
cat "$ORCH_HOME/orch.yaml"

say "an operator files the work item in the local tracker"
WI=$(orch issue create --project DEMO --title 'Greet users by name; $(rm -rf ~) is just text')
echo "created $WI"
orch issue set "$WI" "To Analyse" >/dev/null
adv --start "$WI"
WT="$ORCH_HOME/worktrees/DEMO/$WI"
BR=$(git -C "$WT" rev-parse --abbrev-ref HEAD)
echo "branch $BR, worktree $WT"

say "analyst commits 01-04; the human gate waits"
analyst_work "$WT" "$WI"
adv --agent analyst "$WI"
say "a human approves the analysis in the tracker"
orch issue set "$WI" Approved
adv "$WI"

say "architect commits an ADR"
agent_commit "$WT" "$WI: ADR" "docs/work-items/$WI/06-adr/ADR-001-greeting.md" "# ADR-001: greet in app.py"
adv --agent architect "$WI"

say "developer commits code; check_ci_green runs make test in the worktree"
agent_commit "$WT" "$WI: greet by name" "src/app.py" 'def greet(name):
    return "hello " + name'
adv --agent developer "$WI"

say "reviewer requests changes: rolled back to development with the findings quoted"
agent_commit "$WT" "$WI: review" "docs/work-items/$WI/12-review.md" "$(verdict_doc verdict REQUEST_CHANGES '## Must fix
- greet() crashes on None: guard it')"
adv --agent reviewer "$WI"
echo "the rollback comment on the issue (the developer job carries the same text):"
orch issue show "$WI" | sed -n "/rolled back/,\$p"

say "developer fixes; CI green again; reviewer approves"
agent_commit "$WT" "$WI: handle None" "src/app.py" 'def greet(name):
    return "hello " + (name or "stranger")'
adv --agent developer "$WI"
agent_commit "$WT" "$WI: review 2" "docs/work-items/$WI/12-review.md" "$(verdict_doc verdict APPROVED 'Looks good.')"
adv --agent reviewer "$WI"

say "tester, staging"
agent_commit "$WT" "$WI: tests" "docs/work-items/$WI/13-test-report.md" "$(verdict_doc result PASS '3 passed')"
adv --agent tester "$WI"
agent_commit "$WT" "$WI: staging" "docs/work-items/$WI/15-staging-log.md" "$(verdict_doc staging_status SUCCESS 'staging ok')"
adv --agent staging "$WI"

say "deployer lands the branch on main, deploys, and logs it; check_merged_to_main verifies"
agent_commit "$WT" "$WI: deploy log" "docs/work-items/$WI/14-deploy-log.md" "$(verdict_doc deploy_status SUCCESS 'deployed')"
deployer_merge "$TMP/repo" "$WT" "$BR"
adv --agent deployer "$WI"

say "final state"
orch issue show "$WI"
tail -n 3 "$ORCH_HOME/logs/notify.log"
stage=$(orch advance --json "$WI" | sed -n 's/.*"stage_after":"\([^"]*\)".*/\1/p')
[ "$stage" = done ] || { echo "demo: FAILED, $WI ended at '$stage'" >&2; exit 1; }
echo "demo: $WI reached done"
