# The secret scanner's configuration comes from main (or the operator), never from the branch under scan
# (docs/security-model.md): a committed allowlist, an untracked one hidden by .git/info/exclude, GITLEAKS_CONFIG
# in orch's environment and a committed .gitleaksignore naming the finding all leave the secret found; a branch
# that changes the configuration is held for a person until orch-scan --approve-config, whose approval counts
# only while the head's configuration blobs stay the same; the operator's files are used when set.
# The real gitleaks (t-gitleaks-real's) when available, else the stand-in.  Secrets are built at run time.
G=${ORCH_TEST_GITLEAKS:-}	# read before lib.sh clears every ORCH_* variable
. "$(dirname "$0")/lib.sh"
G=${G:-$TOP/.cache/gitleaks/root/usr/bin/gitleaks}
export ORCH_SECURITY_GATE_REPOS=DEMO ORCH_MAX_DEVELOPER_RETRIES=50
if [ -x "$G" ] && "$G" --help >/dev/null 2>&1; then
	standins pip-audit
	ln -s "$G" "$TMP/standins/gitleaks"
	echo "scanner config: with the real gitleaks ($G)"
else
	standins gitleaks pip-audit
	echo "scanner config: real gitleaks not available, with the stand-in"
fi
pipeline_setup
TOKEN=ghp_$(printf '%s%s' Xk4Pq8Rz2Wm6Tn1Yb5Hs9Lc3 Jd7Fg0Va2Qe4)
ALLOW=$(printf "[extend]\nuseDefault = true\n\n[allowlist]\npaths = [\n  '''^src/''',\n]\n")
report() { git -C "$TMP/repo" show "refs/heads/$BR:$D/17-security-report.md"; }
head_of() { git -C "$TMP/repo" rev-parse "refs/heads/$BR"; }
gate() {	# expected exit
	at_stage deploy-staging
	expect_rc "$1" orch-advance --json "$WI"
}
found() {	# what the case is: the secret is still found and blocks
	gate 1
	contains "$(echo "$OUT" | json_field '["reason"]')" "security gate FAIL: 1 secret(s) found"
	contains "$(report)" "github-pat in \`src/settings.py\` line 1"
	lacks "$(report)$OUT$ERR" "$TOKEN"
}
agent_commit "$WT" staging "$D/15-staging-log.md" "$(verdict_doc staging_status SUCCESS ok)"
base=$(git -C "$WT" rev-parse HEAD)	# the workspace's: the gate imports it
fresh() { git -C "$WT" reset -q --hard "$base"; }

# 1. an allowlist committed on the branch: the secret is still found, and the change is held for a person
agent_commit "$WT" allow .gitleaks.toml "$ALLOW"
agent_commit "$WT" leak src/settings.py "GITHUB_TOKEN = \"$TOKEN\""
found
contains "$(report)" "scanner_config: held"
contains "$(report)" "the branch changes .gitleaks.toml"
contains "$(report)" "orch-scan --approve-config $WI"

# 2. an untracked allowlist and ignore file in the work tree, hidden by .git/info/exclude, and GITLEAKS_CONFIG
# naming it in orch's environment: none is read
fresh
agent_commit "$WT" leak src/settings.py "GITHUB_TOKEN = \"$TOKEN\""
leak=$(git -C "$WT" rev-parse HEAD)
printf '%s\n' "$ALLOW" >"$WT/.gitleaks.toml"
printf '%s\n' "$leak:src/settings.py:github-pat:1" >"$WT/.gitleaksignore"
printf '.gitleaks.toml\n.gitleaksignore\n' >>"$(git -C "$WT" rev-parse --path-format=absolute --git-common-dir)/info/exclude"
[ -z "$(git -C "$WT" status --porcelain)" ] || fail "the untracked files are not hidden"
GITLEAKS_CONFIG="$WT/.gitleaks.toml" found
contains "$(report)" "scanner_config: unchanged"
rm -f "$WT/.gitleaks.toml" "$WT/.gitleaksignore"
sed -i '/^\.gitleaks/d' "$(git -C "$WT" rev-parse --path-format=absolute --git-common-dir)/info/exclude"

# 3. a .gitleaksignore naming the finding's fingerprint, committed on the branch: still found, and held
fresh
agent_commit "$WT" leak src/settings.py "GITHUB_TOKEN = \"$TOKEN\""
leak=$(git -C "$WT" rev-parse HEAD)
agent_commit "$WT" ignore .gitleaksignore "$leak:src/settings.py:github-pat:1"
found
contains "$(report)" "the branch changes .gitleaksignore"

# 4. the operator's files are used: an allowlist (global setting) and an ignore file (per project)
fresh
agent_commit "$WT" leak src/settings.py "GITHUB_TOKEN = \"$TOKEN\""
leak=$(git -C "$WT" rev-parse HEAD)
printf '%s\n' "$ALLOW" >"$TMP/operator.toml"
ORCH_SECURITY_GITLEAKS_CONFIG="$TMP/operator.toml" expect_rc 0 orch-scan "$WI"	# the security gate alone
contains "$(report)" "security_status: PASS"
contains "$(report)" ".gitleaks.toml used: operator file $TMP/operator.toml"
printf '%s\n' "$leak:src/settings.py:github-pat:1" >"$TMP/operator.ignore"
printf '    security_gitleaks_ignore: %s\n' "$TMP/operator.ignore" >>"$ORCH_HOME/orch.yaml"
expect_rc 0 orch-scan "$WI"
contains "$(report)" ".gitleaksignore used: operator file $TMP/operator.ignore"
sed -i '/security_gitleaks_ignore/d' "$ORCH_HOME/orch.yaml"
printf '    security_gitleaks_ignore: relative.ignore\n' >>"$ORCH_HOME/orch.yaml"
expect_rc 78 orch-scan "$WI"
contains "$ERR" "is not an absolute path"
sed -i '/security_gitleaks_ignore/d' "$ORCH_HOME/orch.yaml"

# 5. approval: a clean branch that changes the configuration waits (no retry, no developer job, one report
# commit however many ticks), --explain and orch-scan say how to approve it
fresh
agent_commit "$WT" tune .gitleaksignore "# no suppressions yet"
retries=$(sql "SELECT retries FROM tasks")
gate 2
[ "$(echo "$OUT" | json_field '["outcome"]')" = waiting ] || fail "a configuration change did not wait: $OUT"
contains "$(echo "$OUT" | json_field '["reason"]')" "security gate HOLD"
contains "$(echo "$OUT" | json_field '["reason"]')" "orch-scan --approve-config $WI"
contains "$(report)" "security_status: HOLD"
[ "$(sql "SELECT retries FROM tasks")" = "$retries" ] || fail "a hold charged a retry"
held_at=$(head_of)
gate 2
[ "$(head_of)" = "$held_at" ] || fail "a second tick while held committed another report"
expect_rc 2 orch-scan "$WI"
contains "$OUT" "$WI: security HOLD"
expect_rc 0 orch-advance --explain "$WI"
contains "$OUT" "orch-scan --approve-config $WI"
expect_rc 0 orch-scan --approve-config "$WI"
contains "$OUT" "approved at $(echo "$held_at" | cut -c1-12)"
[ "$(sql "SELECT head FROM scan_config_approvals WHERE work_item = '$WI'")" = "$held_at" ] ||
	fail "the approval does not record the commit it approved"
contains "$(sql "SELECT blobs FROM scan_config_approvals")" ".gitleaksignore=$(git -C "$TMP/repo" rev-parse "$held_at:.gitleaksignore")"
contains "$(sql "SELECT group_concat(kind) FROM events")" scanner_config_approved
expect_rc 0 orch-scan "$WI"
contains "$OUT" "$WI: security PASS"
contains "$(report)" "scanner_config: approved"
# ... but a secret still blocks
agent_commit "$WT" leak src/settings.py "GITHUB_TOKEN = \"$TOKEN\""
found
contains "$(report)" "scanner_config: approved"
# ... and a later change to the configuration asks again
git -C "$WT" reset -q --hard "$held_at"
agent_commit "$WT" tune .gitleaksignore "# still none, said otherwise"
gate 2
contains "$(report)" "security_status: HOLD"
expect_rc 0 orch-advance --explain "$WI"
contains "$OUT" "orch-scan --approve-config $WI"
# an approval with nothing changed records nothing
fresh
n=$(sql "SELECT count(*) FROM scan_config_approvals")
expect_rc 0 orch-scan --approve-config "$WI"
contains "$OUT" "nothing to approve"
[ "$(sql "SELECT count(*) FROM scan_config_approvals")" = "$n" ] || fail "an approval of nothing was recorded"
expect_rc 64 orch-scan --approve-config --main
