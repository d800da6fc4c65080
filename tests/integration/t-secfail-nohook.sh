# A security FAIL never runs a deploy hook: a branch with a secret goes through every command of a tick
# (advance, deploy, finalize, monitor, reconcile, work), on a project that deploys at once and on a
# self-deploying one with deploy_require_manual_approve false, and even a Confirm Deploy cannot start it;
# the hook is counted (one line per run) and ran zero times.  security_secrets_block false: the same
# secret is reported (masked) and alerted, the gate passes, and the hook runs once (the count can move).
. "$(dirname "$0")/lib.sh"
cat >"$TMP/hook.sh" <<'SH'
echo "run $ORCH_WORK_ITEM" >>"$HOOK_RUNS"
SH
export HOOK_RUNS="$TMP/hook-runs" ORCH_SECURITY_GATE_REPOS=DEMO ORCH_MAX_DEVELOPER_RETRIES=50
standins gitleaks pip-audit
pipeline_setup "deploy_hook: [\"sh\", \"$TMP/hook.sh\"]" "health_cmd: [\"true\"]"
CONF_NOW=$(cat "$ORCH_HOME/orch.yaml")
runs() { [ -f "$HOOK_RUNS" ] && wc -l <"$HOOK_RUNS" | tr -d ' ' || echo 0; }
report() { git -C "$TMP/repo" show "refs/heads/$BR:$D/17-security-report.md"; }
KEY=$(aws_key)
agent_commit "$WT" staging "$D/15-staging-log.md" "$(verdict_doc staging_status SUCCESS ok)"
agent_commit "$WT" oops src/config.py "AWS_KEY = \"$KEY\""
everything() {	# every command of a tick, twice
	for round in 1 2; do
		orch-advance -q --all
		orch-deploy -q
		orch-deploy -q --finalize
		orch-deploy -q --monitor
		orch-reconcile -q
		orch-work -q --once
	done >/dev/null 2>&1
}
fail_at_gate() {
	at_stage deploy-staging
	expect_rc 1 orch-advance --json "$WI"
	contains "$(echo "$OUT" | json_field '["reason"]')" "security gate FAIL: 1 secret(s) found"
	[ "$(sql "SELECT stage FROM tasks")" = development ] || fail "a security FAIL did not roll back: $OUT"
}

# a project that deploys on the edge: FAIL, rolled back, nothing deployed whatever runs next
fail_at_gate
everything
[ "$(runs)" = 0 ] || fail "a security FAIL ran the deploy hook $(runs) time(s)"
[ -z "$(deploy_state initiated)" ] || fail "a deploy was initiated"

# a self-deploying project that deploys without a human: still nothing, and a confirm is refused
printf '%s\n    self_deploy: true\n' "$CONF_NOW" >"$ORCH_HOME/orch.yaml"
export ORCH_DEPLOY_REQUIRE_MANUAL_APPROVE=false
fail_at_gate
everything
expect_rc 1 orch-deploy --confirm "$WI"
contains "$OUT" "Confirm Deploy acts only on stage deploy"
orch-issue -q set "$WI" "Confirm Deploy"
everything
[ "$(runs)" = 0 ] || fail "a security FAIL on a self-deploying project ran the hook $(runs) time(s)"
[ -z "$(deploy_state initiated)" ] || fail "a self deploy was initiated"
unset ORCH_DEPLOY_REQUIRE_MANUAL_APPROVE
printf '%s\n' "$CONF_NOW" >"$ORCH_HOME/orch.yaml"

# security_secrets_block false: reported and alerted, the gate passes, the hook runs (once)
orch-issue -q set "$WI" "In Progress"
at_stage deploy-staging
ORCH_SECURITY_SECRETS_BLOCK=false expect_rc 0 orch-advance --json "$WI"
[ "$(echo "$OUT" | json_field '["outcome"]')" = advanced ] || fail "secrets_block false did not pass: $OUT"
contains "$(report)" "security_status: PASS"
contains "$(report)" "secrets_found: 1"
contains "$(report)" "aws-access-token in \`src/config.py\` line 1"
contains "$(report)" "security_secrets_block is false"
contains "$ERR" "orch: alert: $WI: security gate: 1 secret(s) found in"
contains "$ERR" "not blocking (security_secrets_block is false)"
[ "$(sql "SELECT count(*) FROM outbox WHERE level = 'alert' AND message LIKE '%not blocking (security_secrets_block is false)%'")" = 1 ] ||
	fail "the unblocked secret was not alerted once"
[ "$(runs)" = 1 ] || fail "the passing gate's deploy ran $(runs) time(s), expected 1"
for where in "$(report)" "$(sql "SELECT group_concat(message) FROM outbox")" "$(cat "$ORCH_HOME"/logs/*.log)" "$OUT$ERR"; do
	lacks "$where" "$KEY"
done
