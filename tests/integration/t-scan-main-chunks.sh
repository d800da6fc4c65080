# orch-scan --main: the exact chunking boundaries (8/9 and 25/26 commits, then custom thresholds), the
# run record's chunk fields (from/to, exit code, stderr masked), the state row and the scan.log line per run.
. "$(dirname "$0")/lib.sh"
standins gitleaks pip-audit
mkdir -p "$ORCH_HOME"
make_sample_repo "$TMP" >/dev/null
write_config "$ORCH_HOME/orch.yaml" "$TMP/repo"
git clone -q "$TMP/origin.git" "$TMP/other"
push() {	# N: N commits on main pushed from the other clone
	i=0
	while [ $i -lt "$1" ]; do
		i=$((i + 1))
		echo "change $i" >>"$TMP/other/notes.txt"
		git -C "$TMP/other" add notes.txt && git -C "$TMP/other" commit -qm "change $i"
	done
	git -C "$TMP/other" push -q origin main
}
record() { python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["record"])' <"$TMP/out"; }
rec() { json_field "$1" <"$(record)"; }
# chunk_ends: the record's chunk ends, one per line, as offsets from the head ("~0" is the head)
chunk_ends() {
	python3 - "$(record)" "$TMP/other" <<'PY'
import json, subprocess, sys
rec = json.load(open(sys.argv[1]))
revs = subprocess.run(["git", "-C", sys.argv[2], "rev-list", "HEAD"], capture_output=True, text=True).stdout.split()
print(" ".join("~%d" % revs.index(c["to"]) for c in rec["chunks"]))
PY
}
strategy_is() { [ "$(echo "$OUT" | json_field '[0]["strategy"]')" = "$1" ] || fail "expected strategy $1: $OUT"; }
runs=0
scan() {	# WANT_RC ARGS...: one run of orch-scan --main --json
	want=$1
	shift
	expect_rc "$want" env "$@" orch-scan --main --json
	runs=$((runs + 1))
}

scan 0
[ "$(echo "$OUT" | json_field '[0]["status"]')" = bootstrap ] || fail "first run: $OUT"
echo "$OUT" | json_field '[0]["run_id"]' | grep -Eq '^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{6}$' ||
	fail "run id is not YYYYMMDDTHHMMSSZ-<6 hex>: $OUT"

# 8 commits: one range; 9: chunks of 5 (5 + 4)
push 8
base=$(sql "SELECT sha FROM scan_anchors")
scan 0
strategy_is single
[ "$(chunk_ends)" = "~0" ] || fail "8 commits: chunk ends $(chunk_ends)"
[ "$(rec '["chunks"][0]["from"]')" = "$base" ] || fail "8 commits: the range does not start at the anchor"
[ "$(rec '["chunks"][0]["exit_code"]')" = 0 ] || fail "chunk exit code not recorded"
push 9
scan 0
strategy_is chunked
[ "$(chunk_ends)" = "~4 ~0" ] || fail "9 commits: chunk ends $(chunk_ends), expected ~4 ~0"

# 25 commits: five chunks of 5; 26: one commit at a time
push 25
scan 0
[ "$(chunk_ends)" = "~20 ~15 ~10 ~5 ~0" ] || fail "25 commits: chunk ends $(chunk_ends)"
push 26
scan 0
strategy_is per_commit
[ "$(rec '["chunks"].__len__()')" = 26 ] || fail "26 commits: not one chunk per commit"
[ "$(rec '["chunks"][25]["from"]')" = "$(git -C "$TMP/other" rev-parse HEAD~1)" ] || fail "26: last chunk's base"

# custom thresholds: single up to 2, chunks of 3 up to 4, then per commit
custom="ORCH_SCAN_SINGLE_MAX=2 ORCH_SCAN_CHUNKED_MAX=4 ORCH_SCAN_CHUNK_SIZE=3"
push 2
scan 0 $custom
strategy_is single
push 4
scan 0 $custom
strategy_is chunked
[ "$(chunk_ends)" = "~1 ~0" ] || fail "4 commits in chunks of 3: chunk ends $(chunk_ends)"
push 5
scan 0 $custom
strategy_is per_commit
[ "$(rec '["chunks"].__len__()')" = 5 ] || fail "5 commits over chunked_max 4: not per commit"

# a chunk that fails: its exit code and a capped stderr tail with the secret masked, everywhere
KEY=$(aws_key)
push 3
scan 0 STANDIN_GITLEAKS_FAIL_ON="$(git -C "$TMP/other" rev-parse HEAD)" STANDIN_GITLEAKS_STDERR="token=$KEY leaked"
[ "$(echo "$OUT" | json_field '[0]["status"]')" = failed ] || fail "failing chunk: $OUT"
[ "$(rec '["chunks"][0]["exit_code"]')" = 1 ] || fail "failed chunk's exit code"
contains "$(rec '["chunks"][0]["stderr"]')" "panic: runtime error"
contains "$(rec '["chunks"][0]["stderr"]')" "toke****"
[ "$(rec '["failure"]["phase"]')" = chunk ] && [ "$(rec '["failure"]["chunk"]')" = 1 ] || fail "record failure"
lacks "$OUT$ERR$(cat "$(record)")$(cat "$ORCH_HOME/logs/scan.log")" "$KEY"
[ "$(sql "SELECT failure_phase || ':' || failure_chunk FROM scan_state WHERE failure_run_id = last_run_id")" = chunk:1 ] ||
	fail "state's last failure"
failed_id=$(rec '["run_id"]')
STANDIN_GITLEAKS_STDERR=$(head -c 3000 /dev/zero | tr '\0' x) expect_rc 0 orch-scan --main --json
runs=$((runs + 1))
[ "$(rec '["chunks"][0]["stderr"]' | wc -c)" -le 513 ] || fail "stderr snippet not capped at 512 bytes"

# the state row: last run, last success, the last failure kept as history
[ "$(sql "SELECT last_run_id FROM scan_state")" = "$(rec '["run_id"]')" ] || fail "last_run_id"
[ "$(sql "SELECT last_success FROM scan_state")" = "$(rec '["finished"]')" ] || fail "last_success"
[ "$(sql "SELECT failure_run_id FROM scan_state")" = "$failed_id" ] || fail "the last failure was forgotten"
[ "$(sql "SELECT CASE WHEN failure_run_id = last_run_id THEN 1 WHEN failure_run_id != last_run_id THEN 0 END FROM scan_state")" = 0 ] || fail "still failing after a success"
[ "$(rec '["started"]' | cut -c1-4)" = "$(date -u +%Y)" ] || fail "record lacks its start time"

# one scan.log line per run (no_change included), the newest naming the last run
scan 0
[ "$(echo "$OUT" | json_field '[0]["status"]')" = no_change ] || fail "expected no_change"
[ "$(wc -l <"$ORCH_HOME/logs/scan.log")" -eq "$runs" ] || fail "scan.log has $(wc -l <"$ORCH_HOME/logs/scan.log") lines for $runs runs"
last=$(tail -n 1 "$ORCH_HOME/logs/scan.log")
contains "$last" "$(sql "SELECT last_run_id FROM scan_state") DEMO no_change"
contains "$(grep "$failed_id" "$ORCH_HOME/logs/scan.log")" "failed strategy=single commits=3 chunks=0/1"
contains "$(grep "$failed_id" "$ORCH_HOME/logs/scan.log")" "failure=chunk:1: gitleaks failed (exit 1)"
echo "ok"
