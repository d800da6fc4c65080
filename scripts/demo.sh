#!/bin/sh
# make demo: the README's main job.  On the embedded default (a temp
# ORCH_HOME, the local tracker, SQLite) with a fresh sample repo and a bare
# origin, an issue set to "To Analyse" travels to done through cron-like
# ticks (orch-poll, orch-work --once, orch-advance --all) with the example
# agents of examples/agents/ doing each stage's work.  The script plays the
# human: it approves the analysis in the tracker.  The reviewer requests
# changes once, so one rollback happens.  The temp dir is removed at the
# end (ORCH_DEMO_KEEP=1 keeps it).
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
state() { orch issue --json show "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])'; }

say "a sample project with a bare origin; orch.yaml with the example agents"
make_sample_repo "$TMP"
write_config "$ORCH_HOME/orch.yaml" "$TMP/repo" "agents:" \
	"  default: [\"sh\", \"$TOP/examples/agents/{stage}.sh\"]"
cat "$ORCH_HOME/orch.yaml"

say "an operator files the work item and sets it to To Analyse"
WI=$(orch issue create --project DEMO --title 'Greet users by name; $(rm -rf ~) is just text')
orch issue set "$WI" "To Analyse"

tick=0
while [ $tick -lt 40 ]; do
	tick=$((tick + 1))
	say "tick $tick (tracker: $(state "$WI"))"
	orch poll
	orch work --once
	orch advance -q --all
	case $(state "$WI") in
	"In Review")
		echo "human: the analysis looks right -> Approved"
		orch issue set "$WI" Approved ;;
	Done)
		break ;;
	esac
done

say "orch-status"
orch status
say "the review rollback, as the developer saw it (tracker comment)"
orch issue show "$WI" | sed -n '/rolled back/,/finish the stage/p'
git -C "$TMP/repo" fetch -q origin
echo "origin/main: $(git -C "$TMP/repo" log --oneline -1 origin/main)"
[ "$(state "$WI")" = Done ] || { echo "demo: FAILED, $WI is $(state "$WI") after $tick ticks" >&2; exit 1; }
echo "demo: $WI reached done in $tick ticks"
