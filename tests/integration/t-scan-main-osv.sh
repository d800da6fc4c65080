# orch-scan --main with the osv engine (fake_osv.py): main is audited when any lockfile changed (not only
# the root requirements.txt) and only then; each advisory a branch would be blocked by is alerted once per
# project (a notices key), with the orch-fix plan line (the fixed version within the pin's major); a
# server that does not answer is a degraded audit in the attention line, retried until it answers.
. "$(dirname "$0")/lib.sh"
standins gitleaks
osv_start
mkdir -p "$ORCH_HOME"
make_sample_repo "$TMP" >/dev/null
write_config "$ORCH_HOME/orch.yaml" "$TMP/repo"
git clone -q "$TMP/origin.git" "$TMP/other"
commit() {	# FILE TEXT: one commit writing TEXT to FILE, pushed
	mkdir -p "$(dirname "$TMP/other/$1")"
	printf '%s\n' "$2" >"$TMP/other/$1"
	git -C "$TMP/other" add "$1" && git -C "$TMP/other" commit -qm "edit $1" && git -C "$TMP/other" push -q origin main
}
stats() { osv_admin GET /_admin/stats | json_field "[\"$1\"]"; }
alerts() { sql "SELECT count(*) FROM outbox WHERE message LIKE '$1%'"; }

expect_rc 0 orch-scan --main
# a vulnerable pin lands on main, in a subdirectory: audited, each blocking advisory alerted once
commit svc/requirements.txt "$(printf 'requests==2.19.1\nurllib3==1.24.1\n')"
expect_rc 1 orch-scan --main --json
[ "$(echo "$OUT" | json_field '[0]["deps"]')" = audited ] || fail "deps: $OUT"
[ "$(alerts 'dependency audit of main of DEMO: GHSA-x84v-xcm2-53pg')" = 1 ] || fail "requests advisory not alerted once"
[ "$(alerts 'dependency audit of main of DEMO: GHSA-mh33-7rrq-662w')" = 1 ] || fail "urllib3 advisory not alerted once"
[ "$(alerts 'dependency audit of main of DEMO: PYSEC-2019-133')" = 0 ] || fail "a finding without severity alerted under severity"
m=$(sql "SELECT message FROM outbox WHERE message LIKE 'dependency audit of main of DEMO: GHSA-x84v%'")
contains "$m" "GHSA-x84v-xcm2-53pg (CVE-2018-18074,PYSEC-2018-28) in PyPI requests 2.19.1 (HIGH), \`svc/requirements.txt\` line 1"
contains "$m" "items in flight inherit it and are not blocked by it"
contains "$m" "suggested orch-fix plan: pin_dependency requests 2.19.1 -> 2.20.0"
# a change elsewhere: no audit, no request
osv_admin POST /_admin/reset >/dev/null
commit notes.txt one
expect_rc 0 orch-scan --main --json
[ "$(echo "$OUT" | json_field '[0]["deps"]')" = unchanged ] || fail "deps: $OUT"
[ "$(stats requests)" = 0 ] || fail "an audit without a lockfile change: $(stats requests) requests"
# another lockfile changes: audited again, the same advisories are not alerted again; a new one is
commit Cargo.lock "$(printf '[[package]]\nname = "smallvec"\nversion = "0.6.9"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\n')"
expect_rc 1 orch-scan --main
[ "$(stats batch)" = 1 ] || fail "the audit of main asked $(stats batch) querybatches"
[ "$(alerts 'dependency audit of main of DEMO: GHSA-x84v-xcm2-53pg')" = 1 ] || fail "an advisory alerted twice"
[ "$(alerts 'dependency audit of main of DEMO: RUSTSEC-2019-0009')" = 1 ] || fail "the new advisory not alerted"
contains "$(sql "SELECT message FROM outbox WHERE message LIKE '%RUSTSEC-2019-0009%'")" "pin_dependency smallvec 0.6.9 -> 0.6.10"
# fixable alerts a finding without severity
commit svc/requirements.txt "$(printf 'requests==2.19.1\nurllib3==1.24.1\n# fixable\n')"
ORCH_SECURITY_DEP_BLOCK=fixable expect_rc 1 orch-scan --main
[ "$(alerts 'dependency audit of main of DEMO: PYSEC-2019-133')" = 1 ] || fail "fixable: the finding without severity not alerted"
# OSV unreachable: degraded, alerted, in the attention line, retried; then it answers
commit go.mod "$(printf 'module example.com/app\n\ngo 1.21\n\nrequire golang.org/x/net v0.7.0\n')"
ORCH_SECURITY_OSV_URL=http://127.0.0.1:1 expect_rc 0 orch-scan --main --json
[ "$(echo "$OUT" | json_field '[0]["deps"]')" = degraded ] || fail "deps: $OUT"
[ "$(alerts 'dependency audit of main of DEMO at')" = 1 ] || fail "degraded audit not alerted"
contains "$(sql "SELECT message FROM outbox WHERE message LIKE 'dependency audit of main of DEMO at%'")" "a lockfile changed and is not audited yet"
expect_rc 0 orch-status
contains "$OUT" "1 degraded"
contains "$OUT" "dependency audit of main of DEMO degraded: OSV request POST http://127.0.0.1:1/v1/querybatch failed"
expect_rc 1 orch-scan --main --json	# 1: main holds findings at or above the threshold
[ "$(echo "$OUT" | json_field '[0]["deps"]')" = audited ] || fail "retry: $OUT"
expect_rc 0 orch-status
contains "$OUT" ", 0 degraded"
echo "t-scan-main-osv: ok"
