# orch-fix on a real repository: a planted vulnerable pin fixed, validated and committed with the stand-in
# pip-audit and with the stand-in osv-scanner; --dry-run is deterministic and changes nothing; a fixer agent
# that first answers prose is repaired; orch-status shows the runs.
. "$(dirname "$0")/lib.sh"
export ORCH_SECURITY_DEP_ENGINE=pip-audit
standins pip-audit osv-scanner
cat >"$TMP/fixer.sh" <<'SH'
cat >"$FIXER_LOG.$ORCH_FIX_ATTEMPT"
plan='{"version": 1, "work_item": "DEMO-1", "category": "lint", "summary": "drop the unused os import",
 "confidence": 0.8, "files": ["src/util.py"], "evidence": ["F401 src/util.py:1"],
 "operations": [{"type": "remove_unused", "file": "src/util.py", "details": {"module": "os"}}]}'
if [ "$ORCH_FIX_ATTEMPT" = 0 ] || [ -n "${FIXER_PROSE:-}" ]; then echo "Sure! Here is the plan you asked for:"; fi
echo "$plan"
SH
export FIXER_LOG="$TMP/fixer-stdin"
pipeline_setup "agents:" "  fixer: [\"sh\", \"$TMP/fixer.sh\"]" "  reviewer: [\"true\"]"
# the branch as the workspace has it: orch-fix imports it first and hands its commit back
head_of() { git -C "$WT" rev-parse HEAD; }
show() { git -C "$TMP/repo" show "refs/heads/$BR:$1"; }

# a vulnerable pin (foo 1.0: VULN-0 fixed in 1.1 and 1.4, VULN-1 in 1.0) among comments and markers
agent_commit "$WT" deps requirements.txt "$(printf '# runtime\nFoo==1.0  # the web framework\nrequests>=2.0 ; python_version > "3.8"\n')"
at_stage development
before=$(head_of)

# --dry-run prints the plan and the diff, twice the same bytes, and changes nothing
expect_rc 0 orch-fix --dry-run --from-audit "$WI"
dry1=$OUT
expect_rc 0 orch-fix --dry-run --from-audit "$WI"
[ "$OUT" = "$dry1" ] || fail "two dry runs of the same plan differ"
contains "$dry1" '"package":"foo","version":"1.1"'
contains "$dry1" "-Foo==1.0  # the web framework"
contains "$dry1" "+Foo==1.1  # the web framework"
[ "$(head_of)" = "$before" ] || fail "--dry-run moved the branch"
[ "$(sql "SELECT count(*) FROM fix_runs")" = 0 ] || fail "--dry-run recorded a run"

# the real run: validated in a scratch worktree, one commit with the report, back to review
expect_rc 0 orch-fix --json --from-audit "$WI"
[ "$(printf "%s\n" "$OUT" | json_field '["status"]')" = validated ] || fail "not validated: $OUT"
[ "$(printf "%s\n" "$OUT" | json_field '["stage_after"]')" = review ] || fail "not back to review: $OUT"
commit=$(printf "%s\n" "$OUT" | json_field '["commit"]')
[ "$(head_of)" = "$commit" ] || fail "the branch head is not the validated commit"
[ "$(git -C "$TMP/repo" rev-parse "$commit^")" = "$before" ] || fail "the fix is not one commit on the old head"
[ "$(show requirements.txt)" = "$(printf '# runtime\nFoo==1.1  # the web framework\nrequests>=2.0 ; python_version > "3.8"')" ] ||
	fail "requirements.txt not patched line-exactly: $(show requirements.txt)"
contains "$(show "$D/19-fix-report.md")" "fix_status: VALIDATED"
contains "$(show "$D/19-fix-report.md")" "the plan's advisories are gone"
files=$(git -C "$TMP/repo" show --name-only --format= "$commit" | sort | tr '\n' ' ')
[ "$files" = "$D/19-fix-report.md requirements.txt " ] || fail "the fix commit holds $files"
msg=$(git -C "$TMP/repo" log -1 --format=%B "$commit")
contains "$msg" "pin_dependency requirements.txt: foo==1.1"
contains "$msg" "Advisories: VULN-0 VULN-1"
[ "$(sql "SELECT stage FROM tasks")" = review ] || fail "the task is not at review"
[ "$(sql "SELECT count(*) FROM jobs WHERE agent = 'reviewer' AND status = 'queued'")" = 1 ] || fail "no reviewer job"
[ "$(sql "SELECT status || ' ' || commit_sha FROM fix_runs")" = "validated $commit" ] || fail "fix run not recorded"
[ -z "$(ls "$ORCH_HOME/scratch")" ] || fail "a scratch repository was left behind"
git -C "$WT" diff --quiet HEAD || fail "the task's worktree is not clean at the fix"
# again: nothing left to fix, a recorded run, nothing committed
expect_rc 65 orch-fix --from-audit "$WI"
contains "$ERR" "no vulnerable dependency"
[ "$(head_of)" = "$commit" ] || fail "a run with nothing to fix moved the branch"

# the same with osv-scanner: fixed versions from affected[].ranges[].events[].fixed
at_stage development
agent_commit "$WT" deps2 requirements.txt "$(printf 'foo==1.1  # sev=HIGH fixed=1.3\nbaz==2.0  # sev=LOW\n')"
before=$(head_of)
ORCH_SECURITY_DEP_ENGINE=osv-scanner expect_rc 0 orch-fix --no-advance --from-audit "$WI"
contains "$OUT" "fix validated"
[ "$(show requirements.txt)" = "$(printf 'foo==1.3  # sev=HIGH fixed=1.3\nbaz==2.0  # sev=LOW')" ] ||
	fail "osv plan not applied: $(show requirements.txt)"
[ "$(git -C "$TMP/repo" rev-parse "$(head_of)^")" = "$before" ] || fail "osv fix is not one commit"
[ "$(sql "SELECT stage FROM tasks")" = development ] || fail "--no-advance changed the stage"
contains "$(sql "SELECT validation FROM fix_runs ORDER BY id DESC LIMIT 1")" "audit (osv-scanner)"

# a fixer agent that first answers prose around the JSON is sent its errors and repaired
agent_commit "$WT" lint src/util.py "$(printf 'import os, sys  # tools\n\n\ndef argv():\n    return sys.argv\n')"
expect_rc 0 orch-fix --json "$WI"
[ "$(printf "%s\n" "$OUT" | json_field '["repairs"]')" = 1 ] || fail "expected one repair: $OUT"
[ "$(printf "%s\n" "$OUT" | json_field '["source"]')" = agent ] || fail "the plan's source is not the agent"
contains "$(cat "$FIXER_LOG.1")" "text before the '{'"
contains "$(cat "$FIXER_LOG.1")" "Sure! Here is the plan"
[ "$(show src/util.py | head -1)" = "import sys  # tools" ] || fail "remove_unused: $(show src/util.py)"

# a fixer that never stops talking: two repairs, then a clear error, a recorded run, nothing committed
h0=$(head_of)
rm -f "$FIXER_LOG".*
FIXER_PROSE=1 expect_rc 65 orch-fix "$WI"
contains "$ERR" "the fixer agent's plan is still invalid after 2 repairs: plan: must be one JSON object"
[ -f "$FIXER_LOG.2" ] && [ ! -f "$FIXER_LOG.3" ] || fail "the fixer did not run exactly three times"
[ "$(head_of)" = "$h0" ] || fail "a failed repair loop moved the branch"
[ "$(sql "SELECT status || ' ' || repairs || ' ' || source FROM fix_runs ORDER BY id DESC LIMIT 1")" = "invalid 2 agent" ] ||
	fail "the given-up run is not recorded"

# orch-status shows the recent fix runs
expect_rc 0 orch-status
contains "$OUT" "fix runs"
contains "$OUT" "validated"
expect_rc 0 orch-status --json
[ "$(printf "%s\n" "$OUT" | json_field '["fix"]["runs"][1]["status"]')" = validated ] || fail "no fix runs in orch-status --json"
echo "t-fix-pipeline: ok"
