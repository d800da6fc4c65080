# orch-scan --main beyond secrets: the dependency audit runs when main's manifest changed (and only then),
# alerts at or above security_dep_block_severity, retries a degraded audit; the main_review command's findings
# alert at or above main_review_block_severity, and a report that is garbage, mistyped or names an unknown
# severity fails the review closed, alerted and recorded.
. "$(dirname "$0")/lib.sh"
standins gitleaks osv-scanner
mkdir -p "$ORCH_HOME"
make_sample_repo "$TMP" >/dev/null
cat >"$TMP/review.py" <<'PY'
import json, os, sys
rng, report = sys.argv[1], sys.argv[2]
open(os.environ["REVIEW_LOG"], "a").write(rng + "\n")
mode = os.environ.get("REVIEW_MODE", "clean")
body = {"clean": [], "findings": [{"severity": "HIGH", "title": "SQL built from input", "file": "src/app.py", "line": 3},
                                  {"severity": "low", "title": "naming", "file": "notes.txt", "line": 0}],
        "wrongtype": [{"severity": "HIGH", "title": "x", "file": "f", "line": "3"}],
        "unknownsev": [{"severity": "SEVERE", "title": "x", "file": "f", "line": 1}]}
if mode == "exit":
    print("review model unavailable", file=sys.stderr)
    sys.exit(3)
open(report, "w").write("not json {" if mode == "garbage" else json.dumps(body[mode]))
PY
write_config "$ORCH_HOME/orch.yaml" "$TMP/repo" "main_review: [\"python3\", \"$TMP/review.py\", \"{range}\", \"{report}\"]"
export ORCH_SECURITY_DEP_ENGINE=osv-scanner REVIEW_LOG="$TMP/review.log"
git clone -q "$TMP/origin.git" "$TMP/other"
commit() {	# FILE LINE: one commit appending LINE to FILE, pushed
	echo "$2" >>"$TMP/other/$1"
	git -C "$TMP/other" add "$1" && git -C "$TMP/other" commit -qm "edit $1" && git -C "$TMP/other" push -q origin main
}
record() { python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["record"])' <"$TMP/out"; }
rec() { json_field "$1" <"$(record)"; }
audits() { sql "SELECT coalesce(sum(runs), 0) FROM tool_metrics WHERE tool = 'osv-scanner'"; }
alerts() { sql "SELECT count(*) FROM outbox WHERE message LIKE '$1%'"; }

expect_rc 0 orch-scan --main --json
[ ! -s "$TMP/review.log" ] || fail "a bootstrap reviewed commits"

# commits that leave the manifest alone: no audit; the review sees exactly the new range
anchor=$(sql "SELECT sha FROM scan_anchors")
commit notes.txt one
expect_rc 0 orch-scan --main --json
[ "$(audits)" = 0 ] || fail "the audit ran with no manifest change"
[ "$(echo "$OUT" | json_field '[0]["deps"]')" = unchanged ] || fail "deps: $OUT"
[ "$(tail -n 1 "$TMP/review.log")" = "$anchor..$(git -C "$TMP/other" rev-parse HEAD)" ] || fail "review range"
[ "$(rec '["review"]["status"]')" = ok ] || fail "clean review"

# a vulnerable pin lands on main: audited once, the CRITICAL alerted, the LOW only recorded
commit requirements.txt "badpkg==1.0  # sev=CRITICAL"
commit requirements.txt "meh==2.0  # sev=LOW"
expect_rc 1 orch-scan --main --json
[ "$(audits)" = 1 ] || fail "expected one audit, got $(audits)"
[ "$(rec '["deps"]["findings"].__len__()')" = 2 ] && [ "$(rec '["deps"]["blocking"]')" = 1 ] || fail "deps record"
[ "$(alerts 'dependency audit of main of DEMO')" = 1 ] || fail "dependency finding not alerted once"
contains "$(sql "SELECT message FROM outbox WHERE message LIKE 'dependency audit%'")" "badpkg 1.0 GHSA-badpkg-0001 (CRITICAL)"
lacks "$(sql "SELECT message FROM outbox WHERE message LIKE 'dependency audit%'")" "meh"
commit notes.txt two
expect_rc 0 orch-scan --main
[ "$(audits)" = 1 ] || fail "an unchanged manifest was audited again"

# a degraded audit: alerted once, retried every run until it answers
commit requirements.txt "fine==1.0"
STANDIN_OSV_MODE=apifail expect_rc 0 orch-scan --main --json
[ "$(rec '["deps"]["degraded"]')" = True ] || fail "degraded not recorded"
[ "$(sql "SELECT failure_phase FROM scan_state WHERE failure_run_id = last_run_id")" = deps ] || fail "deps failure"
STANDIN_OSV_MODE=apifail expect_rc 0 orch-scan --main
[ "$(audits)" = 3 ] || fail "a degraded audit was not retried"
[ "$(alerts 'dependency audit of main of DEMO at')" = 2 ] || fail "degraded alerted $(alerts 'dependency audit of main of DEMO at') times, expected once (plus the CRITICAL)"
expect_rc 1 orch-scan --main --json
[ "$(echo "$OUT" | json_field '[0]["deps"]')" = audited ] || fail "retry: $OUT"
[ "$(sql "SELECT CASE WHEN failure_run_id = last_run_id THEN 1 WHEN failure_run_id != last_run_id THEN 0 END FROM scan_state")" = 0 ] || fail "still failing once the audit answered"
[ "$(audits)" = 4 ] && expect_rc 0 orch-scan --main && [ "$(audits)" = 4 ] || fail "audited after it answered"

# review findings: HIGH alerted (the default threshold), LOW recorded; a lower threshold alerts both
commit notes.txt three
REVIEW_MODE=findings expect_rc 1 orch-scan --main --json
[ "$(echo "$OUT" | json_field '[0]["review_blocking"]')" = 1 ] || fail "review: $OUT"
[ "$(rec '["review"]["findings"][1]["severity"]')" = LOW ] || fail "LOW finding not recorded"
contains "$(sql "SELECT message FROM outbox WHERE message LIKE 'main review of DEMO%'")" "[HIGH] SQL built from input (src/app.py:3)"
lacks "$(sql "SELECT message FROM outbox WHERE message LIKE 'main review of DEMO%'")" "naming"
commit notes.txt four
REVIEW_MODE=findings ORCH_MAIN_REVIEW_BLOCK_SEVERITY=LOW expect_rc 1 orch-scan --main --json
[ "$(echo "$OUT" | json_field '[0]["review_blocking"]')" = 2 ] || fail "LOW threshold: $OUT"

# hostile reports fail closed: alerted, recorded as the run's failure, never silently passed
for mode in garbage wrongtype unknownsev exit; do
	commit notes.txt "$mode"
	before=$(alerts 'main review of DEMO')
	REVIEW_MODE=$mode expect_rc 0 orch-scan --main --json
	[ "$(echo "$OUT" | json_field '[0]["review"]')" = failed ] || fail "$mode: review not failed: $OUT"
	[ "$(rec '["review"]["status"]')" = failed ] || fail "$mode: record"
	[ "$(rec '["failure"]["phase"]')" = review ] || fail "$mode: failure phase"
	[ "$(alerts 'main review of DEMO')" = $((before + 1)) ] || fail "$mode: failed review not alerted"
	REVIEW_MODE=$mode expect_rc 0 orch-scan --main	# no new commits: nothing is reviewed again
done
contains "$(sql "SELECT message FROM outbox WHERE message LIKE 'main review%' ORDER BY id DESC LIMIT 1 OFFSET 3")" "not JSON at all"
contains "$(sql "SELECT message FROM outbox WHERE message LIKE 'main review%' ORDER BY id DESC LIMIT 1 OFFSET 2")" "integer line"
contains "$(sql "SELECT message FROM outbox WHERE message LIKE 'main review%' ORDER BY id DESC LIMIT 1 OFFSET 1")" "severity must be one of"
contains "$(sql "SELECT message FROM outbox WHERE message LIKE 'main review%' ORDER BY id DESC LIMIT 1")" "main_review exited with code 3: review model unavailable;"
commit notes.txt five
REVIEW_MODE=garbage expect_rc 1 orch-scan --main --strict
contains "$OUT" "failed in review"

# orch-status: the failing scan is flagged with its phase, an old one as OLD
expect_rc 0 orch-status
contains "$OUT" "DEMO main: ok"
contains "$OUT" "FAILING in review"
expect_rc 0 orch-status --json
[ "$(echo "$OUT" | json_field '["scan"]["projects"][0]["last_failure"]["phase"]')" = review ] || fail "status json"
sql_exec "UPDATE scan_state SET last_run_at = '2001-01-01T00:00:00.000000Z'"
expect_rc 0 orch-status
contains "$OUT" "OLD (no scan for over a day"
echo "ok"
