# orch-scan --main: bootstrap, no_change, a secret pushed straight to main caught in one run and alerted once,
# adaptive chunking, the rewrite policies, a partial chunk failure, run records, orch-status.
. "$(dirname "$0")/lib.sh"
standins gitleaks pip-audit
mkdir -p "$ORCH_HOME"
make_sample_repo "$TMP" >/dev/null
write_config "$ORCH_HOME/orch.yaml" "$TMP/repo"
git clone -q "$TMP/origin.git" "$TMP/other"	# someone pushing straight to main
push() {	# N [secret]: N commits on main pushed from the other clone
	i=0
	while [ $i -lt "$1" ]; do
		i=$((i + 1))
		echo "change $i ${2:-}" >>"$TMP/other/notes.txt"
		git -C "$TMP/other" add notes.txt && git -C "$TMP/other" commit -qm "change $i"
	done
	git -C "$TMP/other" push -q origin main
}
record() { ls -t "$ORCH_HOME"/runs/scan-*.json | head -n 1; }

expect_rc 0 orch-scan --main
contains "$OUT" "DEMO: bootstrap (none, 0 commits"
expect_rc 0 orch-scan --main
contains "$OUT" "DEMO: no_change"
before=$(sql "SELECT group_concat(sha || last_status || last_run) FROM scan_anchors")
expect_rc 0 orch-scan --main
[ "$(sql "SELECT group_concat(sha || last_status || last_run) FROM scan_anchors")" = "$before" ] ||
	fail "no_change moved the anchor"

# a secret pushed straight to main: caught in one run, alerted once
KEY=$(aws_key)
push 1 "aws=$KEY"
expect_rc 1 orch-scan --main
contains "$OUT" "DEMO: ok (single, 1 commits, 1/1 chunks, 1 findings, 1 new)"
contains "$ERR" "orch: alert: secret on main of DEMO: aws-access-token in 'notes.txt'"
lacks "$OUT$ERR$(cat "$(record)")" "$KEY"
expect_rc 0 orch-scan --main
contains "$OUT" "no_change"
[ "$(sql "SELECT count(*) FROM outbox WHERE message LIKE 'secret on main%'")" = 1 ] || fail "finding not alerted exactly once"
expect_rc 0 orch-status
contains "$OUT" "SECRET DEMO aws-access-token in 'notes.txt' line"

# adaptive chunking: 12 commits in chunks of 5, 30 one at a time
push 12
expect_rc 0 orch-scan --main
contains "$OUT" "ok (chunked, 12 commits, 3/3 chunks"
[ "$(json_field '["strategy"]' <"$(record)")" = chunked ] || fail "run record strategy"
push 30
expect_rc 0 orch-scan --main
contains "$OUT" "ok (per_commit, 30 commits, 30/30 chunks"

# a partial chunk failure stops at the failing chunk with the anchor at the last scanned one
push 12
anchor=$(sql "SELECT sha FROM scan_anchors")
fifth=$(git -C "$TMP/other" rev-parse HEAD~7)
tenth=$(git -C "$TMP/other" rev-parse HEAD~2)
STANDIN_GITLEAKS_FAIL_ON=$tenth expect_rc 0 orch-scan --main
contains "$OUT" "partial (chunked, 12 commits, 1/3 chunks"
[ "$(sql "SELECT sha FROM scan_anchors")" = "$fifth" ] || fail "anchor not at the last scanned chunk"
[ "$(json_field '["chunks"][1]["result"]' <"$(record)")" = error ] || fail "chunk 2 not recorded as error"
[ "$(json_field '["chunks"][2]["result"]' <"$(record)")" = not_scanned ] || fail "chunk 3 should not be scanned"
STANDIN_GITLEAKS_FAIL_ON=$(git -C "$TMP/other" rev-parse HEAD) expect_rc 1 orch-scan --main --strict
contains "$OUT" "failed (single, 7 commits, 0/1 chunks"
[ "$(sql "SELECT sha FROM scan_anchors")" = "$fifth" ] || fail "a failed run moved the anchor"
expect_rc 0 orch-scan --main
contains "$OUT" "ok (single, 7 commits"

# history rewritten (a force-push) under each policy
git -C "$TMP/other" commit -q --amend -m "rewritten"
git -C "$TMP/other" push -q -f origin main
old=$(sql "SELECT sha FROM scan_anchors")
ORCH_SCAN_REWRITE_POLICY=strict_fail expect_rc 1 orch-scan --main --strict
contains "$OUT" "failed"
[ "$(sql "SELECT sha FROM scan_anchors")" = "$old" ] || fail "strict_fail moved the anchor"
ORCH_SCAN_REWRITE_POLICY=since_date expect_rc 0 orch-scan --main
contains "$OUT" "main was rewritten: scanning the"
git -C "$TMP/other" commit -q --amend -m "rewritten again"
git -C "$TMP/other" push -q -f origin main
expect_rc 0 orch-scan --main
contains "$OUT" "rewrite_reset"
contains "$ERR" "was rewritten"
[ "$(sql "SELECT sha FROM scan_anchors")" = "$(git -C "$TMP/other" rev-parse HEAD)" ] || fail "reset_warn did not re-anchor"

# a new history from a root commit under since_date: the root is scanned on its own
rm -rf "$TMP/fresh" && git init -q -b main "$TMP/fresh"
echo "root $KEY" >"$TMP/fresh/r.txt" && git -C "$TMP/fresh" add r.txt && git -C "$TMP/fresh" commit -qm root
echo two >>"$TMP/fresh/r.txt" && git -C "$TMP/fresh" commit -qam two
git -C "$TMP/fresh" push -q -f "$TMP/origin.git" main
ORCH_SCAN_REWRITE_POLICY=since_date expect_rc 1 orch-scan --main --json
[ "$(echo "$OUT" | json_field '[0]["findings"]')" = 1 ] || fail "the root commit's secret was not found: $OUT"
[ "$(json_field '["chunks"][0]["from"]' <"$(record)")" = "" ] || fail "the root was not scanned alone"

# a remote that cannot be fetched: 69 after the retries, the anchor kept, the failure recorded
before=$(sql "SELECT group_concat(sha || last_status || last_run) FROM scan_anchors")
mv "$TMP/origin.git" "$TMP/gone.git"
expect_rc 69 orch-scan --main
contains "$ERR" "orch-scan: project DEMO: git fetch"
[ "$(sql "SELECT group_concat(sha || last_status || last_run) FROM scan_anchors")" = "$before" ] ||
	fail "a failed fetch moved the anchor"
[ "$(sql "SELECT failure_phase FROM scan_state WHERE failure_run_id = last_run_id")" = fetch ] ||
	fail "a failed fetch was not recorded as the last failure"
