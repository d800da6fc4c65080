# The osv dependency engine in check_security_gate, against the fake OSV server (fake_osv.py, records in
# tests/fixtures/osv/): a vulnerable pin the branch introduces blocks, in every lockfile format, naming the
# advisory, its aliases, its severity and where it came from; the same pin already on main is inherited
# and never blocks; `fixable` blocks a finding without severity; a withdrawn record is no finding; a
# lockfile that does not parse and an unreachable server are degraded (fail-open and loud, or held when
# fail-closed); a 429 and a 503 are retried; paging is followed; a second audit is served from the cache.
. "$(dirname "$0")/lib.sh"
export ORCH_SECURITY_GATE_REPOS=DEMO ORCH_MAX_DEVELOPER_RETRIES=50 ORCH_HTTP_TIMEOUT_S=5
standins gitleaks
osv_start --page-size 1
pipeline_setup
agent_commit "$WT" staging "$D/15-staging-log.md" "$(verdict_doc staging_status SUCCESS ok)"
START=$(git -C "$WT" rev-parse HEAD)
report() { git -C "$TMP/repo" show "refs/heads/$BR:$D/17-security-report.md"; }
gate() {	# expected exit: orch-scan WI runs check_security_gate alone (no merge gate lands the branch)
	at_stage deploy-staging
	expect_rc "$1" orch-scan "$WI"
}
fresh() { git -C "$WT" reset -q --hard "$START"; }	# the branch without any lockfile
stats() { osv_admin GET /_admin/stats | json_field "[\"$1\"]"; }

# a clean branch (no lockfile): nothing to audit, no request at all
gate 0
contains "$(report)" "no lockfile at refs/heads/$BR: nothing to audit"
[ "$(stats requests)" = 0 ] || fail "requests without a lockfile: $(stats requests)"

# requirements.txt (in a subdirectory, with a hash and a marker): blocks, the report names everything
agent_commit "$WT" reqs svc/requirements.txt "$(printf '# pins\nrequests==2.19.1 ; python_version >= "3" \\\n    --hash=sha256:00\nflask>=1.0\n')"
gate 1
contains "$OUT" "1 dependency finding(s) at or above HIGH"
r=$(report)
contains "$r" "- GHSA-x84v-xcm2-53pg (CVE-2018-18074,PYSEC-2018-28) in PyPI requests 2.19.1: HIGH (CVSS_V3 7.5); fixed in 2.20.0; \`svc/requirements.txt\` line 2; new, blocking"
contains "$r" "- unpinned: PyPI flask \`>=1.0\` in \`svc/requirements.txt\` line 4 (warning)"
contains "$r" "deps_audit_degraded: false"
# the second audit asks one querybatch and nothing else: the record is cached (migration 18)
osv_admin POST /_admin/reset >/dev/null
gate 1
[ "$(stats vulns)" = 0 ] || fail "cached record fetched again: $(stats vulns) GETs"
[ "$(stats batch)" = 1 ] || fail "one audit asked $(stats batch) querybatches (branch; the base has no lockfile)"
[ "$(sql "SELECT count(*) FROM osv_vulns WHERE id = 'GHSA-x84v-xcm2-53pg'")" = 1 ] || fail "record not cached"

# each lockfile format: the vulnerable pin the branch adds blocks, the advisory named with file and line
check_format() {	# file content advisory line
	fresh
	agent_commit "$WT" "lock $1" "$1" "$2"
	gate 1
	contains "$(report)" "$3"
	contains "$(report)" "\`$1\` line $4; new, blocking"
}
check_format package-lock.json "$(printf '{\n  "name": "app",\n  "lockfileVersion": 3,\n  "packages": {\n    "": {"name": "app"},\n    "node_modules/lodash": {"version": "4.17.15"}\n  }\n}\n')" "GHSA-p6mc-m468-83gw (CVE-2020-8203) in npm lodash 4.17.15: HIGH (CVSS_V3 7.4); fixed in 4.17.19" 6
check_format web/npm-shrinkwrap.json "$(printf '{"lockfileVersion": 2, "packages": {\n"node_modules/lodash": {"version": "4.17.15"}}}\n')" "GHSA-p6mc-m468-83gw" 2
check_format poetry.lock "$(printf '[[package]]\nname = "Requests"\nversion = "2.19.1"\ndescription = "HTTP"\n\n[metadata]\nlock-version = "2.0"\n')" "GHSA-x84v-xcm2-53pg (CVE-2018-18074,PYSEC-2018-28) in PyPI requests 2.19.1" 3
check_format Pipfile.lock "$(printf '{\n"_meta": {},\n"default": {\n"requests": {"version": "==2.19.1"}\n},\n"develop": {}\n}\n')" "GHSA-x84v-xcm2-53pg" 4
check_format uv.lock "$(printf 'version = 1\n\n[[package]]\nname = "requests"\nversion = "2.19.1"\nsource = { registry = "https://pypi.org/simple" }\n')" "GHSA-x84v-xcm2-53pg" 5
check_format Cargo.lock "$(printf 'version = 3\n\n[[package]]\nname = "smallvec"\nversion = "0.6.9"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\n')" "RUSTSEC-2019-0009 (CVE-2019-15551,GHSA-c36v-fmgq-m8hx) in crates.io smallvec 0.6.9: CRITICAL (CVSS_V3 9.8); fixed in 0.6.10" 5

# paging (the server pages 1 record at a time): urllib3 1.24.1 has two advisories, both found; one has no
# severity at all (UNKNOWN, a warning under the default policy); a withdrawn record (jinja2) is no finding
fresh
agent_commit "$WT" paging requirements.txt "$(printf 'urllib3==1.24.1\njinja2==2.4.1\n')"
gate 1
r=$(report)
contains "$r" "GHSA-mh33-7rrq-662w (CVE-2019-11324,PYSEC-2019-132) in PyPI urllib3 1.24.1: HIGH"
contains "$r" "PYSEC-2019-133 (CVE-2019-11236,GHSA-r64q-w8jr-g9qp) in PyPI urllib3 1.24.1: UNKNOWN (none); fixed in 1.24.3; \`requirements.txt\` line 1; new, warning"
lacks "$r" "GHSA-462w-v97r-4m45"
contains "$r" "deps_blocking: 1"

# fixable: a finding without severity blocks when a newer fixed version is known (go.mod, the Go database
# has no severities); under the default policy it only warns
fresh
agent_commit "$WT" gomod go.mod "$(printf 'module example.com/app\n\ngo 1.21\n\nrequire golang.org/x/net v0.7.0\n')"
gate 0
contains "$(report)" "GO-2023-1988 (CVE-2023-3978,GHSA-2wrh-6pvc-2jm9) in Go golang.org/x/net 0.7.0: UNKNOWN (none); fixed in 0.13.0; \`go.mod\` line 5; new, warning"
ORCH_SECURITY_DEP_BLOCK=fixable gate 1
contains "$OUT" "blocking under security_dep_block: fixable"
ORCH_SECURITY_DEP_BLOCK=none gate 0
ORCH_SECURITY_DEP_BLOCK=any gate 1

# retries: one 503 and one 429 on the querybatch, one 503 on a record: the audit still answers
fresh
agent_commit "$WT" retry requirements.txt "requests==2.19.1"
sql_exec "DELETE FROM osv_vulns"
osv_admin POST /_admin/reset >/dev/null
osv_admin POST /_admin/fault '{"status": 503, "count": 1, "path": "querybatch"}' >/dev/null
osv_admin POST /_admin/fault '{"status": 429, "count": 1, "path": "querybatch"}' >/dev/null
osv_admin POST /_admin/fault '{"status": 503, "count": 1, "path": "vulns"}' >/dev/null
gate 1
[ "$(stats faults_served)" = 3 ] || fail "faults served: $(stats faults_served)"
contains "$(report)" "GHSA-x84v-xcm2-53pg"
[ "$(sql "SELECT runs FROM tool_metrics WHERE tool = 'osv'")" -ge 1 ] || fail "no osv row in tool_metrics"

# only what the branch introduces blocks: the same pin on main is inherited, reported, never blocking
git clone -q "$TMP/origin.git" "$TMP/up"
printf 'requests==2.19.1\n' >"$TMP/up/requirements.txt"
git -C "$TMP/up" add requirements.txt && git -C "$TMP/up" commit -qm "pin requests" && git -C "$TMP/up" push -q origin main
git -C "$TMP/repo" fetch -q origin
git -C "$WT" reset -q --hard "$(git -C "$TMP/repo" rev-parse origin/main)"	# the branch, rebased on that main
agent_commit "$WT" staging "$D/15-staging-log.md" "$(verdict_doc staging_status SUCCESS ok)"
START=$(git -C "$WT" rev-parse HEAD)
agent_commit "$WT" unrelated src/other.py "x = 1"
gate 0
r=$(report)
contains "$r" "in PyPI requests 2.19.1: HIGH (CVSS_V3 7.5); fixed in 2.20.0; \`requirements.txt\` line 1; inherited from the base, warning"
contains "$r" "deps_inherited: 1"
contains "$r" "deps_blocking: 0"

# degraded: a lockfile that does not parse is named; the rest is still audited; fail-open with an alert
fresh
agent_commit "$WT" broken package-lock.json '{"lockfileVersion": 3, "packages": ['
agent_commit "$WT" more Cargo.lock "$(printf '[[package]]\nname = "smallvec"\nversion = "0.6.9"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\n')"
gate 1
contains "$(report)" "deps_audit_degraded: true"
contains "$(report)" "DEGRADED: package-lock.json does not parse: line 1: not a JSON object"
contains "$(report)" "RUSTSEC-2019-0009"
fresh
agent_commit "$WT" broken package-lock.json '{"lockfileVersion": 3, "packages": ['
gate 0
contains "$ERR" "security gate: dependency audit degraded for $WI (package-lock.json does not parse"
ORCH_SECURITY_DEP_AUDIT_FAIL_CLOSED=true gate 69
contains "$OUT" "dependency audit is degraded"

# an unreachable server: degraded, loud, fail-open (or held when fail-closed)
fresh
agent_commit "$WT" reqs2 requirements.txt "$(printf 'requests==2.19.1\nurllib3==1.24.1\n')"
ORCH_SECURITY_OSV_URL=http://127.0.0.1:1 gate 0
contains "$(report)" "DEGRADED: OSV request POST http://127.0.0.1:1/v1/querybatch failed"
contains "$(report)" "check security_osv_url and the network"
contains "$ERR" "dependency audit degraded"
ORCH_SECURITY_OSV_URL=http://127.0.0.1:1 ORCH_SECURITY_DEP_AUDIT_FAIL_CLOSED=true gate 69
# degraded is never quiet: the attention line, orch-status --json and the page count it (one line, not one
# per tick); orch doctor names the engine and says its endpoint does not answer
degraded_events() { sql "SELECT count(*) FROM events WHERE work_item = '$WI' AND kind = 'deps_degraded'"; }
ORCH_SECURITY_OSV_URL=http://127.0.0.1:1 gate 0
n=$(degraded_events)
ORCH_SECURITY_OSV_URL=http://127.0.0.1:1 gate 0
[ "$(degraded_events)" = "$n" ] || fail "a repeated degraded audit is one event: $n then $(degraded_events)"
expect_rc 0 orch-status
contains "$OUT" "attention: 0 secrets on main, 0 blocked, 0 dead jobs, 1 degraded"
contains "$OUT" "dependency audit of $WI degraded (osv): OSV request POST http://127.0.0.1:1/v1/querybatch failed"
expect_rc 0 orch-status --json
contains "$(echo "$OUT" | json_field '["attention"]["degraded"]')" "dependency audit of $WI degraded (osv)"
[ "$(echo "$OUT" | json_field '["security"]["degraded_audits"][0]["work_item"]')" = "$WI" ] || fail "no degraded_audits in --json"
expect_rc 0 orch-status --html "$TMP/page.html"
contains "$(cat "$TMP/page.html")" "1 degraded</span>"
contains "$(cat "$TMP/page.html")" "dependency audit of $WI degraded (osv)"
ORCH_SECURITY_OSV_URL=http://127.0.0.1:1 expect_rc 1 orch doctor	# (FAIL: the gate applies to DEMO; no crontab either)
contains "$OUT" "FAIL dependency audit: engine osv (built in): OSV request POST http://127.0.0.1:1/v1/querybatch failed"
expect_rc 1 orch doctor
contains "$OUT" "ok   dependency audit: engine osv (built in): $OSV_URL answers the OSV API"
# the next audit that completes clears it
gate 1
expect_rc 0 orch-status
contains "$OUT" ", 0 degraded"
ORCH_SECURITY_OSV_URL=ftp://x gate 0
contains "$(report)" "security_osv_url 'ftp://x' is not an http(s) URL"
echo "t-osv-gate: ok"
