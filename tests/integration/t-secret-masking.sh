# Masking everywhere (issue 24, point 7): a secret saved in a file named after itself is masked in every
# field orch shows or stores -- the security report, its fingerprint, the tracker comment, the developer's
# job description, events, logs and stderr -- both when the scanner redacts (orch never learns the secret:
# secret-shaped words of the file name are masked) and when it ignores --redact (the secret is replaced
# wherever it appears).
. "$(dirname "$0")/lib.sh"
export ORCH_SECURITY_GATE_REPOS=DEMO ORCH_MAX_DEVELOPER_RETRIES=50
standins gitleaks pip-audit
pipeline_setup
KEY=$(aws_key)
agent_commit "$WT" staging "$D/15-staging-log.md" "$(verdict_doc staging_status SUCCESS ok)"
agent_commit "$WT" "keep $KEY for later" "keys/$KEY" "$KEY"
report() { git -C "$TMP/repo" show "refs/heads/$BR:$D/17-security-report.md"; }
# everything orch keeps or says: no trace of the key
absent() {
	desc=$(sql "SELECT group_concat(description, ' ') FROM jobs")
	[ -n "$desc" ] || fail "no job descriptions"
	contains "$(sql "SELECT description FROM jobs WHERE agent = 'developer' ORDER BY id DESC LIMIT 1")" "aws-access-token"
	comments=$(sql "SELECT group_concat(body, ' ') FROM tracker_comments")
	contains "$comments" "aws-access-token"
	for where in "$(report)" "$desc" "$comments" "$(sql "SELECT group_concat(detail, ' ') FROM events")" \
	    "$(sql "SELECT group_concat(last_error, ' ') FROM tool_metrics")" "$(cat "$ORCH_HOME"/logs/*.log 2>/dev/null)" \
	    "$(orch-status --json)" "$OUT$ERR"; do
		lacks "$where" "$KEY"
	done
	contains "$(report)" "keys/AKIA****"
	sql_dump >"$TMP/dump" || fail "cannot dump the store"
	! grep -F "$KEY" "$TMP/dump" || fail "the key is stored somewhere in the store"
}

# the scanner redacts: orch does not know the secret, and the file name shaped like one is masked
at_stage deploy-staging
expect_rc 1 orch-advance --json "$WI"
contains "$(report)" "security_status: FAIL"
contains "$(report)" "fingerprint"
absent

# a scanner that ignores --redact: the secret it reports is replaced wherever it appears
at_stage deploy-staging
STANDIN_GITLEAKS_MODE=noredact expect_rc 1 orch-advance --json "$WI"
contains "$(report)" "secret AKIA****"
absent
# orch-scan prints the findings too
STANDIN_GITLEAKS_MODE=noredact expect_rc 1 orch-scan "$WI"
lacks "$OUT$ERR" "$KEY"
echo ok
