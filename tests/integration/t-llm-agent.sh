# examples/agents/llm/run.sh takes an item with a description to done with a (fake) LLM CLI that
# works from the brief alone; a verdict value outside the contract is refused with the contract's words;
# the wrapper names what a CLI did not commit.
. "$(dirname "$0")/lib.sh"
export FAKE_LLM_STATE="$TMP/llm"
mkdir -p "$FAKE_LLM_STATE"
export GIT_AUTHOR_NAME=llm GIT_AUTHOR_EMAIL=llm@orch.invalid GIT_COMMITTER_NAME=llm GIT_COMMITTER_EMAIL=llm@orch.invalid
agents_setup "  default: [\"sh\", \"$TOP/examples/agents/llm/run.sh\", \"python3\", \"$TOP/tests/integration/fake_llm.py\", \"{brief}\"]"
WI=$(orch-issue create --project DEMO --title "Greet by name" --state "To Analyse" \
	--description "Visitors are greeted by their name: greet('ada') says 'hello ada'.") || fail "create"
n=0
while [ $n -lt 40 ]; do
	n=$((n + 1))
	orch-poll -q || fail "orch-poll failed"
	orch-work -q || fail "orch-work failed"
	orch-advance -q --all
	[ "$(state_of "$WI")" = "In Review" ] && orch-issue -q set "$WI" Approved
	[ "$(sql "SELECT stage FROM tasks")" = done ] && break
done
[ "$(sql "SELECT stage FROM tasks")" = done ] ||
	fail "not done after $n ticks: $(sql "SELECT stage || ' blocked=' || blocked FROM tasks"); $(sql "SELECT group_concat(kind || ':' || detail, ' | ') FROM events")"
WT="$ORCH_HOME/worktrees/DEMO/$WI"
# the analyst worked from the description
git -C "$WT" show "HEAD:docs/work-items/$WI/01-brd.md" | grep -q "greet('ada') says 'hello ada'" ||
	fail "01-brd.md does not carry the description: $(git -C "$WT" show "HEAD:docs/work-items/$WI/01-brd.md")"
# the wrong verdict value: refused by the gate in the words the brief's contract used
words="is not a recognised verdict (expected APPROVED)"
contains "$(cat "$FAKE_LLM_STATE/brief-review-1.md")" "$words"
reasons=$(sql "SELECT group_concat(detail, ' | ') FROM events WHERE kind = 'rolled_back'")
contains "$reasons" "12-review.md: verdict: 'LGTM' $words"
# the developer's second brief quotes the rollback
contains "$(cat "$FAKE_LLM_STATE/brief-development-2.md")" "## Rollback: what to fix"
contains "$(cat "$FAKE_LLM_STATE/brief-development-2.md")" "'LGTM' $words"
[ "$(stat -c %a "$ORCH_HOME/briefs/$WI/job1.md")" = 600 ] || fail "a brief is not mode 0600"

# the wrapper names what a CLI did not commit, and exits 3
git init -q -b feature/X-1 "$TMP/ws" && git -C "$TMP/ws" commit -q --allow-empty -m init
printf '# brief\n' >"$TMP/brief.md"
mkdir -p "$TMP/ws/docs/work-items/X-1" && printf 'x\n' >"$TMP/ws/docs/work-items/X-1/12-review.md"
expect_rc 3 env ORCH_WORKTREE="$TMP/ws" ORCH_BRIEF_FILE="$TMP/brief.md" ORCH_WORK_ITEM=X-1 ORCH_STAGE=review \
	ORCH_BRANCH=feature/X-1 ORCH_ARTIFACTS="docs/work-items/X-1/12-review.md:verdict=APPROVED docs/work-items/X-1/06-adr/ADR-*.md" \
	sh "$TOP/examples/agents/llm/run.sh" true
contains "$ERR" "docs/work-items/X-1/12-review.md is written but not committed: git add and commit it"
contains "$ERR" "no committed file matches docs/work-items/X-1/06-adr/ADR-*.md"
# a CLI that fails: its status, nothing checked
expect_rc 5 env ORCH_WORKTREE="$TMP/ws" ORCH_BRIEF_FILE="$TMP/brief.md" ORCH_WORK_ITEM=X-1 ORCH_STAGE=review \
	sh "$TOP/examples/agents/llm/run.sh" sh -c 'exit 5'
contains "$ERR" "exited 5"
# @brief-text: the brief's text as an argument
expect_rc 0 env ORCH_WORKTREE="$TMP/ws" ORCH_BRIEF_FILE="$TMP/brief.md" ORCH_WORK_ITEM=X-1 ORCH_STAGE=analysis \
	ORCH_BRANCH=feature/X-1 ORCH_ARTIFACTS= sh "$TOP/examples/agents/llm/run.sh" sh -c 'printf "%s" "$1" >arg.txt; git add arg.txt; git commit -qm arg' - @brief-text
[ "$(cat "$TMP/ws/arg.txt")" = "# brief" ] || fail "@brief-text was not replaced by the brief"
echo "ok t-llm-agent"
