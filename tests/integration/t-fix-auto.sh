# auto_fix (issue 13 item 7): a security gate FAIL on a vulnerable pin with a known fixed version is fixed by
# orch in the rollback path: the fix is validated and committed on the branch, the item goes to review (not
# development), and no developer job is enqueued.  With auto_fix off the developer gets the findings.
. "$(dirname "$0")/lib.sh"
export ORCH_SECURITY_DEP_ENGINE=osv-scanner ORCH_SECURITY_GATE_REPOS=DEMO
standins gitleaks osv-scanner pip-audit
pipeline_setup "auto_fix: true" "deploy_hook: [\"true\"]"
agent_commit "$WT" deps requirements.txt "$(printf 'foo==1.1  # sev=HIGH fixed=1.3\n')"
agent_commit "$WT" "staging" "$D/15-staging-log.md" "$(verdict_doc staging_status SUCCESS ok)"
at_stage deploy-staging
expect_rc 1 orch-advance "$WI"
contains "$OUT" "deploy-staging -> review rolled_back"
[ "$(git -C "$TMP/repo" show "refs/heads/$BR:requirements.txt")" = "foo==1.3  # sev=HIGH fixed=1.3" ] ||
	fail "the pin was not fixed on the branch"
[ "$(sql "SELECT stage FROM tasks")" = review ] || fail "not at review: $(sql "SELECT stage FROM tasks")"
[ "$(sql "SELECT count(*) FROM jobs WHERE agent = 'developer' AND status = 'queued'")" = 0 ] ||
	fail "a developer was enqueued although the fix validated"
[ "$(sql "SELECT count(*) FROM jobs WHERE agent = 'reviewer' AND status = 'queued'")" = 1 ] || fail "no reviewer job"
[ "$(sql "SELECT status FROM fix_runs ORDER BY id DESC LIMIT 1")" = validated ] ||
	fail "fix run: $(sql "SELECT status || ' ' || reason FROM fix_runs ORDER BY id DESC LIMIT 1")"
contains "$(sql "SELECT description FROM jobs WHERE agent = 'reviewer'")" "19-fix-report.md"

# auto_fix off: the usual rollback to development with the findings
sed -i '/auto_fix: true/d' "$ORCH_HOME/orch.yaml"
agent_commit "$WT" deps-again requirements.txt "$(printf 'foo==1.1  # sev=HIGH fixed=1.3\n')"
at_stage deploy-staging
expect_rc 1 orch-advance "$WI"
contains "$OUT" "deploy-staging -> development rolled_back"
[ "$(sql "SELECT count(*) FROM jobs WHERE agent = 'developer' AND status = 'queued'")" = 1 ] || fail "developer not enqueued"
# the report names the command that pins it, and the developer's task quotes it
rep=$(git -C "$TMP/repo" show "refs/heads/$BR:$D/17-security-report.md")
contains "$rep" "foo 1.1"
contains "$rep" "fixed in 1.3"
contains "$rep" "run \`orch-fix $WI --from-audit\` to pin it"
contains "$(sql "SELECT description FROM jobs WHERE agent = 'developer' AND status = 'queued'")" "orch-fix $WI --from-audit"
