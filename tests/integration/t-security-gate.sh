# check_security_gate on the deploy-staging -> deploy edge: secrets block (fail-closed), dependencies
# block at the threshold or warn, a degraded feed passes loudly (or fails when set), N/A and the kill switch.
. "$(dirname "$0")/lib.sh"
export ORCH_SECURITY_GATE_REPOS=DEMO ORCH_MAX_DEVELOPER_RETRIES=50
standins gitleaks pip-audit
pipeline_setup
KEY=$(aws_key)
agent_commit "$WT" staging "$D/15-staging-log.md" "$(verdict_doc staging_status SUCCESS ok)"
report() { git -C "$TMP/repo" show "refs/heads/$BR:$D/17-security-report.md"; }
gate() {	# expected exit, then the report's security_status
	at_stage deploy-staging
	expect_rc "$1" orch-advance --json "$WI"
}

# a clean branch passes, and the report is committed by orch and read back; it counts the commits scanned
# (the workspace's: the gate imports them first)
n=$(git -C "$WT" rev-list --count "$(git -C "$TMP/repo" rev-parse origin/main)..HEAD")
sql_exec "DELETE FROM tool_metrics"
gate 0
# every run of the gate records its metrics, the probe too: gitleaks' probe (3 runs) and its scan
[ "$(sql "SELECT runs FROM tool_metrics WHERE tool = 'gitleaks'")" -ge 4 ] || fail "gitleaks probe + scan not all recorded: $(sql "SELECT runs FROM tool_metrics WHERE tool = 'gitleaks'")"
contains "$(report)" "($n commits) of branch"
[ "$(echo "$OUT" | json_field '["gate"]')" = check_branch_mergeable ] || fail "the security gate did not pass on to the merge gate"
contains "$(report)" "security_status: PASS"
contains "$(git -C "$TMP/repo" log -1 --format=%an "refs/heads/$BR")" orch
STANDIN_GITLEAKS_VERSION=debian gate 0	# Debian's 8.16: an unreadable version is no failure
# a gitleaks that does not log its count: the verified range's count (the report's own commit is in it now)
n=$(git -C "$TMP/repo" rev-list --count "origin/main..refs/heads/$BR")
STANDIN_GITLEAKS_MODE=nocount gate 0
contains "$(report)" "($n commits) of branch"

# a planted secret blocks, masked everywhere
agent_commit "$WT" oops src/config.py "AWS_KEY = \"$KEY\""
gate 1
contains "$(echo "$OUT" | json_field '["reason"]')" "security gate FAIL: 1 secret(s) found"
contains "$(report)" "security_status: FAIL"
contains "$(report)" "aws-access-token in \`src/config.py\` line 1"
desc=$(sql "SELECT description FROM jobs WHERE agent = 'developer' ORDER BY id DESC LIMIT 1")
contains "$desc" "aws-access-token"
for where in "$(report)" "$desc" "$(sql "SELECT group_concat(detail) FROM events")" "$(cat "$ORCH_HOME"/logs/*.log)" "$OUT$ERR"; do
	lacks "$where" "$KEY"
done
# gitleaks 8.18 takes `detect --source`: the same verdict
STANDIN_GITLEAKS_VERSION=8.18.4 gate 1
contains "$(report)" "aws-access-token"
# the secret removed in a later commit still sits in the range: still FAIL (history matters)
agent_commit "$WT" fix src/config.py "AWS_KEY = os.environ['AWS_KEY']"
gate 1

# a fixture path allowlisted by main's .gitleaks.toml passes (the branch's own would not: t-scanner-config)
git clone -q "$TMP/origin.git" "$TMP/up"
printf "[allowlist]\npaths = [\n  '''^tests/fixtures/''',\n]\n" >"$TMP/up/.gitleaks.toml"
git -C "$TMP/up" add .gitleaks.toml && git -C "$TMP/up" commit -qm "allowlist fixtures" && git -C "$TMP/up" push -q origin main
git -C "$TMP/repo" fetch -q origin
git -C "$WT" fetch -q "$TMP/origin.git" main && git -C "$WT" reset -q --hard FETCH_HEAD	# the workspace's own main
agent_commit "$WT" staging "$D/15-staging-log.md" "$(verdict_doc staging_status SUCCESS ok)"
agent_commit "$WT" fixture "tests/fixtures/fake key.txt" "$KEY"
gate 0
contains "$(report)" "scanner_config: unchanged"

# a scanner that cannot run is orch's problem, not the developer's: fail-closed (exit 69), the item held at
# deploy-staging, no retry charged, no developer job, no report committed, one alert per stay
held() {	# text the reason must name
	retries=$(sql "SELECT retries FROM tasks")
	devjobs=$(sql "SELECT count(*) FROM jobs WHERE agent = 'developer'")
	fresh_staging_log "$WT" "$WI"	# what gate's at_stage would commit: not the gate's report
	head=$(git -C "$WT" rev-parse HEAD)	# what the gate imports; a report would be on top
	gate 69
	reason=$(echo "$OUT" | json_field '["reason"]')
	contains "$reason" "$1"
	[ "$(echo "$OUT" | json_field '["outcome"]')" = error ] || fail "not an error outcome: $OUT"
	[ "$(sql "SELECT stage FROM tasks")" = deploy-staging ] || fail "the item moved: $OUT"
	[ "$(sql "SELECT retries FROM tasks")" = "$retries" ] || fail "a retry was charged: $OUT"
	[ "$(sql "SELECT count(*) FROM jobs WHERE agent = 'developer'")" = "$devjobs" ] || fail "a developer job: $OUT"
	[ "$(git -C "$TMP/repo" rev-parse "refs/heads/$BR")" = "$head" ] || fail "a report was committed: $OUT"
	[ "$(printf '%s' "$reason" | wc -l)" -eq 0 ] || fail "a raw newline in the reason: $reason"
}
alerts() { sql "SELECT count(*) FROM outbox WHERE level = 'alert' AND message LIKE '%held at deploy-staging%'"; }
standins pip-audit
a0=$(alerts)
held "gitleaks unavailable: gitleaks is not installed"
held "gitleaks is not installed"
held "gitleaks is not installed"
[ "$(alerts)" -eq $((a0 + 1)) ] || fail "three ticks with gitleaks missing gave $(($(alerts) - a0)) alerts, not 1"
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'gate_error'")" -eq 1 ] || fail "gate_error events"
expect_rc 69 orch-scan "$WI"
contains "$OUT" "$WI: security ERROR (security gate could not run"
standins gitleaks pip-audit
ORCH_SECURITY_SCAN_TIMEOUT_S=1 STANDIN_GITLEAKS_MODE=hang held "gitleaks timed out"
STANDIN_GITLEAKS_MODE=gitfail held "gitleaks reported a git error"
STANDIN_GITLEAKS_VERSION=8.26.0 STANDIN_GITLEAKS_MODE=gitfail held "gitleaks failed (exit 1)"
STANDIN_GITLEAKS_MODE=notjson held "not a JSON array"
STANDIN_GITLEAKS_MODE=object held "not a JSON array"
# the probe refuses what orch cannot drive, naming what is missing
STANDIN_GITLEAKS_MODE=noflag held "'gitleaks git --help' does not list --redact"
STANDIN_GITLEAKS_VERSION=8.18.4 STANDIN_GITLEAKS_MODE=noflag held "'gitleaks detect --help' does not list --redact"
STANDIN_GITLEAKS_MODE=nocommand held "lists neither the 'git' nor the 'detect' subcommand"
STANDIN_GITLEAKS_MODE=helpfail held "'gitleaks --help' exited with code 2"
[ "$(alerts)" -eq $((a0 + 1)) ] || fail "still one alert for one stay at the stage: $(($(alerts) - a0))"
before_leak=$(git -C "$WT" rev-parse HEAD)
agent_commit "$WT" leak2 "src/a b.py" "k = '$KEY'"
STANDIN_GITLEAKS_MODE=missingfield held "lacks the field RuleID"
STANDIN_GITLEAKS_MODE=huge held "over 16 MiB"
# Debian 13's gitleaks 8.16 ("version is set by build process"): driven from its --help, same verdicts
STANDIN_GITLEAKS_VERSION=debian gate 1
contains "$(report)" "aws-access-token in \`src/a b.py\` line 1"
STANDIN_GITLEAKS_VERSION=8.30.1 STANDIN_GITLEAKS_MODE=vnoise gate 1
STANDIN_GITLEAKS_VERSION=8.20.0 gate 1	# the older field order, parsed by name
contains "$(report)" "aws-access-token in \`src/a b.py\` line 1"
# odd file names (a newline, "..") and quotes around the secret: one report line each, nothing escapes
agent_commit "$WT" odd "$(printf 'src/new\nline..py')" "x = \"'$KEY'\""
gate 1
contains "$(report)" "in \`src/new?line..py\` line 1"
[ "$(report | grep -c '^- aws-access-token')" -eq 2 ] || fail "a finding spilled over lines: $(report)"
lacks "$(report)" "$KEY"
git -C "$WT" reset -q --hard "$before_leak"

# dependencies: pip-audit has no severity: findings warn, and the report says why
agent_commit "$WT" deps requirements.txt "$(printf 'foo==1.0\n# a comment\n-e git+https://example.invalid/x.git#egg=x\n\nbar >= 0.1 ; python_version > "3"\n--hash=sha256:00\n')"
sql_exec "DELETE FROM tool_metrics WHERE tool IN ('osv-scanner', 'pip-audit')"
gate 0
# the presence check of osv-scanner (engine auto) is a run with metrics too: absent here, a recorded failure
contains "$(sql "SELECT runs || ' ' || failures || ' ' || last_error FROM tool_metrics WHERE tool = 'osv-scanner'")" "1 1 cannot run 'osv-scanner'"
m=$(sql "SELECT runs || ' ' || failures FROM tool_metrics WHERE tool = 'pip-audit'")
case "$m" in [1-9]*" 0") ;; *) fail "pip-audit's audit not recorded (runs failures: '$m')" ;; esac
contains "$(report)" "deps_warning: 3"
contains "$(report)" "severity-based blocking needs osv-scanner"
# offline feed: pass, degraded, alert; fail-closed when set
f0=$(sql "SELECT failures FROM tool_metrics WHERE tool = 'pip-audit'")
STANDIN_PIP_AUDIT_MODE=offline gate 0
contains "$(report)" "deps_audit_degraded: true"
# findings (exit 1 with a report) were an answer; an audit that could not answer is a recorded failure
[ "$(sql "SELECT failures FROM tool_metrics WHERE tool = 'pip-audit'")" -eq $((f0 + 1)) ] || fail "the failed audit is not counted"
contains "$(sql "SELECT last_error FROM tool_metrics WHERE tool = 'pip-audit'")" "exited with code"
contains "$ERR" "orch: alert: DEMO-1: security gate: dependency audit degraded"
contains "$(report)" "Could not connect to PyPI's vulnerability feed"
STANDIN_PIP_AUDIT_MODE=offline ORCH_SECURITY_DEP_AUDIT_FAIL_CLOSED=true held "dependency audit is degraded"
standins gitleaks
gate 0
contains "$(report)" "pip-audit is not installed"
# osv-scanner (auto when installed): severity blocks at the threshold
standins gitleaks pip-audit osv-scanner
agent_commit "$WT" deps2 requirements.txt "$(printf 'baz==1.0  # sev=HIGH\nqux==2.0  # sev=5.0\nold==0.1  # sev=7.5\n')"
gate 1
contains "$(report)" "deps_blocking: 2"
contains "$(report)" "baz 1.0 GHSA-baz-0001: HIGH (blocking)"
contains "$(report)" "qux 2.0 GHSA-qux-0001: MEDIUM (warning)"
ORCH_SECURITY_DEP_BLOCK_SEVERITY=CRITICAL gate 0
contains "$(report)" "deps_warning: 3"
STANDIN_OSV_MODE=apifail gate 0
contains "$(report)" "osv-scanner exited with code 129"
ORCH_SECURITY_DEP_ENGINE=pip-audit gate 0
contains "$(report)" "Dependencies (pip-audit)"

# N/A for a project out of scope (not self-deploying, empty list), and the kill switch
ORCH_SECURITY_GATE_REPOS= gate 0
ORCH_SECURITY_GATE_REPOS= expect_rc 0 orch-scan "$WI"
contains "$OUT" "security PASS (security-gate N/A for DEMO)"
ORCH_SECURITY_GATE_ENABLED=false gate 0
ORCH_SECURITY_GATE_ENABLED=false expect_rc 0 orch-scan "$WI"
contains "$OUT" "security PASS (security-gate disabled)"

# orch-scan WI runs the same gate (two new vulnerable pins: the earlier ones landed on main with the passes
# above and are inherited now, which never blocks)
agent_commit "$WT" deps3 requirements.txt "$(printf 'baz==1.0  # sev=HIGH\nqux==2.0  # sev=5.0\nold==0.1  # sev=7.5\nfresh==1.0  # sev=HIGH\nnewer==2.0  # sev=8.1\n')"
expect_rc 1 orch-scan "$WI"
contains "$OUT" "$WI: security FAIL (security gate FAIL: 2 dependency finding(s) at or above HIGH)"
ORCH_SECURITY_DEP_BLOCK_SEVERITY=CRITICAL expect_rc 0 orch-scan --json "$WI"
[ "$(echo "$OUT" | json_field '["security_status"]')" = PASS ] || fail "orch-scan --json: $OUT"
expect_rc 64 orch-scan '../x'

# the remote unreachable is orch's problem too: the security gate and the merge gate hold the item
# (no rollback, no retry, no developer job), each alerts once however many ticks, and it goes on once back
mv "$TMP/origin.git" "$TMP/origin.gone"
a0=$(alerts)
for tick in 1 2 3; do held "origin.git' does not appear to be a git repository"; done
[ "$(echo "$OUT" | json_field '["gate"]')" = check_security_gate ] || fail "not the security gate: $OUT"
[ "$(alerts)" -eq $((a0 + 1)) ] || fail "security gate, remote unreachable: $(($(alerts) - a0)) alerts, not 1"
for tick in 1 2 3; do ORCH_SECURITY_GATE_REPOS= held "does not appear to be a git repository"; done
[ "$(echo "$OUT" | json_field '["gate"]')" = check_branch_mergeable ] || fail "not the merge gate: $OUT"
[ "$(alerts)" -eq $((a0 + 2)) ] || fail "merge gate, remote unreachable: $(($(alerts) - a0 - 1)) alerts, not 1"
[ "$(sql "SELECT count(*) FROM leases")" -eq 0 ] || fail "the merge lease outlived a merge gate that could not run"
mv "$TMP/origin.gone" "$TMP/origin.git"
ORCH_SECURITY_DEP_BLOCK_SEVERITY=CRITICAL gate 0
[ "$(sql "SELECT stage FROM tasks")" = deploy ] || fail "the item did not go on once the remote was back: $OUT"
