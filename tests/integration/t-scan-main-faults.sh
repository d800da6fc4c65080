# orch-scan --main under faults: a git fetch that fails once and succeeds on the retry, a fetch that never
# succeeds (recorded as the last failure, shown FAILING by orch-status), a damaged anchor row (hostile text
# in it) treated as a bootstrap with an alert.
. "$(dirname "$0")/lib.sh"
standins gitleaks pip-audit
mkdir -p "$ORCH_HOME"
make_sample_repo "$TMP" >/dev/null
write_config "$ORCH_HOME/orch.yaml" "$TMP/repo"
git clone -q "$TMP/origin.git" "$TMP/other"
commit() {
	echo "$1" >>"$TMP/other/notes.txt"
	git -C "$TMP/other" add notes.txt && git -C "$TMP/other" commit -qm "$1" && git -C "$TMP/other" push -q origin main
}
record() { python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["record"])' <"$TMP/out"; }
# a git that fails its first fetch (the remote unreachable for a moment), then is git
REAL_GIT=$(command -v git)
mkdir -p "$TMP/wrap"
cat >"$TMP/wrap/git" <<EOF
#!/bin/sh
case " \$* " in *" fetch "*) is_fetch=1 ;; *) is_fetch=0 ;; esac	# orch runs git -c ... fetch
if [ \$is_fetch = 1 ]; then
	echo fetch >>"$TMP/fetches"
	if [ ! -e "$TMP/fetch-failed-once" ]; then
		: >"$TMP/fetch-failed-once"
		echo "fatal: unable to access 'origin': Could not resolve host" >&2
		exit 128
	fi
fi
exec "$REAL_GIT" "\$@"
EOF
chmod +x "$TMP/wrap/git"

expect_rc 0 orch-scan --main
commit one
PATH="$TMP/wrap:$PATH" expect_rc 0 orch-scan --main --json
[ "$(echo "$OUT" | json_field '[0]["status"]')" = ok ] || fail "transient fetch failure: $OUT"
[ "$(wc -l <"$TMP/fetches")" -eq 2 ] || fail "expected 2 fetches (one failed, one retried), got $(wc -l <"$TMP/fetches")"
[ "$(json_field '["fetch_attempts"]' <"$(record)")" = 2 ] || fail "fetch attempts not recorded"
[ "$(sql "SELECT sha FROM scan_anchors")" = "$(git -C "$TMP/other" rev-parse HEAD)" ] || fail "anchor after retry"
[ "$(sql "SELECT coalesce(failure_phase, '') FROM scan_state")" = "" ] || fail "a retried fetch was recorded as a failure"

# a fetch that never succeeds: every retry made, the failure recorded and shown
mv "$TMP/origin.git" "$TMP/gone.git"
: >"$TMP/fetches"
PATH="$TMP/wrap:$PATH" expect_rc 69 orch-scan --main
[ "$(wc -l <"$TMP/fetches")" -eq 3 ] || fail "expected scan_fetch_retries (3) fetches"
[ "$(sql "SELECT failure_phase || '/' || last_status FROM scan_state WHERE failure_run_id = last_run_id")" = fetch/failed ] ||
	fail "fetch failure not the last failure"
contains "$(tail -n 1 "$ORCH_HOME/logs/scan.log")" "DEMO failed strategy=none"
contains "$(tail -n 1 "$ORCH_HOME/logs/scan.log")" "failure=fetch: git fetch"
expect_rc 0 orch-status
contains "$OUT" "DEMO main: failed"
contains "$OUT" "FAILING in fetch: git fetch"
expect_rc 0 orch-status --json
[ "$(echo "$OUT" | json_field '["scan"]["projects"][0]["failing"]')" = True ] || fail "status json failing"
mv "$TMP/gone.git" "$TMP/origin.git"

# a damaged anchor row (hostile text, not a commit id): a bootstrap at the head, alerted, nothing scanned
commit "two"
sql_exec "UPDATE scan_anchors SET sha = ?" "$(printf 'deadbeef\033[2J\nforged line')"
expect_rc 0 orch-scan --main --json
[ "$(echo "$OUT" | json_field '[0]["status"]')" = bootstrap ] || fail "damaged anchor: $OUT"
[ "$(echo "$OUT" | json_field '[0]["commits"]')" = 0 ] || fail "a damaged anchor scanned commits"
contains "$(echo "$OUT" | json_field '[0]["note"]')" "was damaged"
contains "$ERR" "orch: alert: the scan anchor of DEMO main was damaged ('deadbeef [2J forged line' is not a commit id)"
[ "$(sql "SELECT sha FROM scan_anchors")" = "$(git -C "$TMP/other" rev-parse HEAD)" ] || fail "not re-anchored at the head"
lacks "$(cat "$ORCH_HOME/logs/scan.log")" "$(printf '\033')"
expect_rc 0 orch-scan --main
contains "$OUT" "DEMO: no_change"
echo "ok"
