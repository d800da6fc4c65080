# The security gate and orch-scan --main with the REAL gitleaks: Debian 13's package, fetched by
# scripts/get-gitleaks.sh (or the binary named by ORCH_TEST_GITLEAKS).  A planted GitHub token, AWS key and
# private key block each FAIL with the rule named; a clean branch PASSes; a secret pushed to main is caught.
# Every secret is built at run time, so this file holds none and orch's scan of its own history stays clean.
# Without the binary: one loud line, and the stand-ins (t-security-gate, t-scan-main) cover the rest.
G=${ORCH_TEST_GITLEAKS:-}	# read before lib.sh clears every ORCH_* variable
. "$(dirname "$0")/lib.sh"
G=${G:-$TOP/.cache/gitleaks/root/usr/bin/gitleaks}
if ! [ -x "$G" ] || ! "$G" --help >/dev/null 2>&1; then
	echo "real gitleaks: not available, stand-ins only"
	exit 0
fi
export ORCH_SECURITY_GATE_REPOS=DEMO ORCH_MAX_DEVELOPER_RETRIES=50
standins pip-audit
ln -s "$G" "$TMP/standins/gitleaks"
pipeline_setup
report() { git -C "$TMP/repo" show "refs/heads/$BR:$D/17-security-report.md"; }
gate() {	# expected exit
	at_stage deploy-staging
	expect_rc "$1" orch-advance --json "$WI"
}
# secrets shaped like gitleaks' default rules, none of them an allowlisted example
GH_TOKEN=ghp_$(printf '%s%s' 7Hq2Lm9Xw4Rt6Yp1Zs8Kd3Vb 5Nc0Fg2Jh4Ue)
AWS=$(aws_key)
PEM_BEGIN="-----BEGIN RSA PRIV""ATE KEY-----"
PEM_END="-----END RSA PRIV""ATE KEY-----"
PEM_BODY=$(python3 -c 'import base64,random; r=random.Random(7); print(base64.b64encode(bytes(r.getrandbits(8) for _ in range(600))).decode())' | fold -w 64)

# doctor's probe drives it from its own --help, whatever `gitleaks version` says
OUT=$(orch-doctor 2>&1)	# other checks (cron) may fail here; the gitleaks line is the point
contains "$OUT" "ok   gitleaks: gitleaks"
contains "$OUT" "runs '"

# a clean branch passes; the report counts the commits gitleaks actually scanned
agent_commit "$WT" staging "$D/15-staging-log.md" "$(verdict_doc staging_status SUCCESS ok)"
n=$(git -C "$WT" rev-list --count "$(git -C "$TMP/repo" rev-parse origin/main)..HEAD")	# the gate imports these
expect_rc 0 orch-scan "$WI"
contains "$OUT" "$WI: security PASS"
contains "$(report)" "security_status: PASS"
contains "$(report)" "($n commits) of branch"
clean=$(git -C "$WT" rev-parse HEAD)

planted() {	# rule file content: the gate FAILs naming the rule, the secret nowhere in what orch wrote
	git -C "$WT" reset -q --hard "$clean"
	agent_commit "$WT" leak "$2" "$3"
	gate 1
	contains "$(echo "$OUT" | json_field '["reason"]')" "security gate FAIL: 1 secret(s) found"
	[ "$(echo "$OUT" | json_field '["outcome"]')" = rolled_back ] || fail "$1: a finding did not roll back: $OUT"
	contains "$(report)" "security_status: FAIL"
	contains "$(report)" "- $1 in \`$2\` line"
	desc=$(sql "SELECT description FROM jobs WHERE agent = 'developer' ORDER BY id DESC LIMIT 1")
	contains "$desc" "$1"
	for where in "$(report)" "$desc" "$(sql "SELECT group_concat(detail) FROM events")" "$OUT$ERR"; do
		lacks "$where" "$4"
	done
}
planted github-pat src/settings.py "GITHUB_TOKEN = \"$GH_TOKEN\"" "$GH_TOKEN"
planted aws-access-token src/aws.py "AWS_ACCESS_KEY_ID = \"$AWS\"" "$AWS"
planted private-key deploy/id_rsa "$(printf '%s\n%s\n%s\n' "$PEM_BEGIN" "$PEM_BODY" "$PEM_END")" "$(echo "$PEM_BODY" | sed -n 2p)"

# orch-scan --main: the bootstrap is clean; a token pushed straight to main is caught and alerted
expect_rc 0 orch-scan --main
contains "$OUT" "DEMO: bootstrap"
git clone -q "$TMP/origin.git" "$TMP/other"
echo "token = $GH_TOKEN" >"$TMP/other/notes.txt"
git -C "$TMP/other" add notes.txt && git -C "$TMP/other" commit -qm "notes" && git -C "$TMP/other" push -q origin main
expect_rc 1 orch-scan --main
contains "$OUT" "1 commits, 1/1 chunks, 1 findings, 1 new"
contains "$ERR" "orch: alert: secret on main of DEMO: github-pat in 'notes.txt'"
lacks "$OUT$ERR" "$GH_TOKEN"

# orch's own .gitleaks.toml (what .ci/run scans orch's history with) loads in this gitleaks: its allowlist
# spares the test fixtures only, and the default rules still apply everywhere else
git init -q -b main "$TMP/self"
cp "$TOP/.gitleaks.toml" "$TMP/self/"
mkdir -p "$TMP/self/tests/fixtures" "$TMP/self/src"
echo "token = $GH_TOKEN" >"$TMP/self/tests/fixtures/fake.txt"
git -C "$TMP/self" add -A && git -C "$TMP/self" commit -qm fixture
expect_rc 0 "$G" detect --source "$TMP/self" --config "$TMP/self/.gitleaks.toml" --redact --no-banner --exit-code 2
echo "token = $GH_TOKEN" >"$TMP/self/src/real.txt"
git -C "$TMP/self" add -A && git -C "$TMP/self" commit -qm leak
expect_rc 2 "$G" detect --source "$TMP/self" --config "$TMP/self/.gitleaks.toml" --redact --no-banner --exit-code 2
