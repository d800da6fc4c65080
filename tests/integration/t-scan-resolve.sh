# Findings can be resolved (issue 23 point 5): a secret found on main leaves the attention list once
# `orch-scan --resolve FINGERPRINT --reason TEXT` (or `--resolve-all --project KEY`) marks it handled,
# and stays in the history with when and why; a dead job leaves the attention list when its item moves
# on (it stays listed, marked as needing nobody).
. "$(dirname "$0")/lib.sh"
standins gitleaks pip-audit
mkdir -p "$ORCH_HOME"
make_sample_repo "$TMP" >/dev/null
write_config "$ORCH_HOME/orch.yaml" "$TMP/repo" 'agents:' '  default: ["true"]'
git clone -q "$TMP/origin.git" "$TMP/other"
push() {	# TEXT: one commit on main, pushed from another clone
	echo "$1" >>"$TMP/other/notes.txt"
	git -C "$TMP/other" add notes.txt && git -C "$TMP/other" commit -qm "change" && git -C "$TMP/other" push -q origin main
}
expect_rc 0 orch-scan --main	# bootstrap
push "aws=$(aws_key)"
push "other=$(aws_key Z7QH4JX2KD5LWE3Q)"
expect_rc 1 orch-scan --main
expect_rc 0 orch-status
contains "$OUT" "attention: 2 secrets on main"
fp=$(sql "SELECT fingerprint FROM scan_findings ORDER BY first_seen LIMIT 1")
[ -n "$fp" ] || fail "no finding recorded"
contains "$OUT" "fingerprint $fp"	# the status names what to resolve

# usage: a reason is required; the fingerprint must be open
expect_rc 64 orch-scan --resolve "$fp"
contains "$ERR" "--reason TEXT is required"
expect_rc 64 orch-scan --resolve-all --reason rotated
contains "$ERR" "--resolve-all needs --project KEY"
expect_rc 66 orch-scan --resolve nosuchfingerprint --reason "rotated"
contains "$OUT" "no open finding has that fingerprint"

expect_rc 0 orch-scan --resolve "$fp" --reason "key rotated in IAM on Monday"
contains "$OUT" "1 secret(s) found on main resolved"
expect_rc 0 orch-status
contains "$OUT" "attention: 1 secrets on main"
contains "$OUT" "resolved DEMO"
contains "$OUT" "key rotated in IAM on Monday"
[ "$(sql "SELECT resolved_reason FROM scan_findings WHERE fingerprint = '$fp'")" = "key rotated in IAM on Monday" ] ||
	fail "the reason is not kept"
[ -n "$(sql "SELECT resolved_at FROM scan_findings WHERE fingerprint = '$fp'")" ] || fail "when is not kept"
expect_rc 66 orch-scan --resolve "$fp" --reason "again"	# resolved once
expect_rc 0 orch-scan --resolve-all --project DEMO --reason "all rotated"
contains "$OUT" "1 secret(s) found on main resolved"
expect_rc 0 orch-status --json
[ "$(printf '%s' "$OUT" | json_field '["attention"]["secrets_on_main"]')" = 0 ] || fail "secrets still in attention"
orch-status --html "$TMP/page.html" || fail "html"
contains "$(cat "$TMP/page.html")" "0 secrets on main"
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'secret_resolved'")" = 2 ] || fail "resolutions not recorded"
# a later scan of main does not bring them back
expect_rc 0 orch-scan --main
expect_rc 0 orch-status
contains "$OUT" "attention: 0 secrets on main"

# a dead job needs a person while its item stays at its stage, not after it moved on
WI=$(orch-issue create --project DEMO --title "dead job")
expect_rc 0 orch-advance --start "$WI"
sql_exec "UPDATE jobs SET status = 'dead', attempts = 3 WHERE agent = 'analyst'"
expect_rc 0 orch-status
contains "$OUT" "1 dead jobs"
orch-status --html "$TMP/page.html" || fail "html"
contains "$(cat "$TMP/page.html")" "Dead jobs"
sql_exec "UPDATE tasks SET stage = 'architecture' WHERE work_item = ?" "$WI"	# the item moved on
expect_rc 0 orch-status
contains "$OUT" "0 dead jobs"
contains "$OUT" "analyst dead attempts 3 (the item moved on: needs nobody)"
orch-status --html "$TMP/page.html" || fail "html"
lacks "$(cat "$TMP/page.html")" "Dead jobs"
echo "ok t-scan-resolve"
