# Overlap: a Confirm Deploy that found the task busy, or whose orch-poll died during the confirm's fetch
# (a remote that answers when told), still deploys, once; busy is an outcome (exit 0, JSON "busy") and
# orch-status names the claim's holder; two starts of one item start it once; then overlap.py: the tick's commands concurrently with operators,
# a slow ci_cmd and remote, and SIGKILLs (seeded), over both kinds of projects.
. "$(dirname "$0")/lib.sh"
cat >"$TMP/hook.sh" <<'SH'
echo run >>"$HOOK_RUNS"
SH
export HOOK_RUNS="$TMP/hook-runs"
runs() { [ -f "$HOOK_RUNS" ] && wc -l <"$HOOK_RUNS" | tr -d ' ' || echo 0; }
standins gitleaks pip-audit
pipeline_setup "self_deploy: true" "deploy_hook: [\"sh\", \"$TMP/hook.sh\"]"
to_deploy() {
	agent_commit "$WT" "staging $1" "$D/15-staging-log.md" "$(verdict_doc staging_status SUCCESS "$1")"
	at_stage deploy-staging
	expect_rc 0 orch-advance "$WI"
	contains "$OUT" "deploy-staging -> deploy advanced"
}
to_deploy one

# another live process (this shell) holds the task's claim: busy, exit 0, and the confirm is kept
HOST=$(python3 -c 'import socket; print(socket.gethostname())')
sql_exec "INSERT INTO leases(name, task_id, work_item, pid, acquired_at, host, expires_at) VALUES (?, 1, ?, ?, 'now', ?, 0)" \
	"task:$WI" "$WI" "$$" "$HOST"
expect_rc 0 orch-advance --json "$WI"
[ "$(printf '%s' "$OUT" | json_field '["outcome"]')" = busy ] || fail "orch-advance --json: not busy: $OUT"
contains "$OUT" "is being worked by pid $$"
expect_rc 0 orch-status
contains "$OUT" "$WI deploy retries 0; claimed by pid $$ on $HOST"
expect_rc 0 orch-status --json
[ "$(printf '%s' "$OUT" | json_field '["tasks"]["items"][0]["claimed_pid"]')" = "$$" ] || fail "no claimed_pid: $OUT"
orch-issue -q set "$WI" "Confirm Deploy"
expect_rc 0 orch-poll
contains "$OUT" "busy"
[ "$(runs)" = 0 ] || fail "deployed while another process held the claim"
true &
gone=$!
wait "$gone"
sql_exec "UPDATE leases SET pid = ? WHERE name = ?" "$gone" "task:$WI"	# its holder died
expect_rc 0 orch-status
contains "$OUT" "claimed by pid $gone on $HOST (holder gone: the next run takes it over)"
expect_rc 0 orch-poll
contains "$OUT" "production deploy of"
until [ -e "$ORCH_HOME/deploy-state/DEMO/$WI/result" ]; do sleep 0.01; done	# the detached hook ended
expect_rc 0 orch-poll
[ -z "$OUT" ] || fail "the kept confirm acted twice: $OUT"
expect_rc 0 orch-deploy --finalize
contains "$OUT" "deploy -> done advanced"
[ "$(runs)" = 1 ] || fail "the hook ran $(runs) times"
expect_rc 0 orch-status
lacks "$OUT" "claimed by"

# orch-poll dies while the confirm fetches from a remote that answers only when told: the next poll deploys, once
sql_exec "UPDATE tasks SET stage = 'deploy-staging'"
to_deploy two
mkfifo "$TMP/fetching" "$TMP/answer"
cat >"$TMP/upload-pack" <<SH
#!/bin/sh
echo fetching >"$TMP/fetching"
read -r _ <"$TMP/answer"
exec git upload-pack "\$@"
SH
chmod +x "$TMP/upload-pack"
git -C "$TMP/repo" config remote.origin.uploadpack "$TMP/upload-pack"
orch-issue -q set "$WI" "Confirm Deploy"
orch-poll >/dev/null 2>&1 &
poll=$!
read -r _ <"$TMP/fetching"
kill -9 "$poll"
wait "$poll" 2>/dev/null
exec 9<>"$TMP/answer"
exec 9>&-	# the orphaned upload-pack goes on
git -C "$TMP/repo" config --unset remote.origin.uploadpack
[ "$(sql "SELECT count(*) FROM verdicts WHERE verdict = 'confirm_deploy'")" = 2 ] || fail "the confirm was not recorded"
expect_rc 0 orch-poll
contains "$OUT" "production deploy of"
until [ -e "$ORCH_HOME/deploy-state/DEMO/$WI/result" ]; do sleep 0.01; done
expect_rc 0 orch-deploy --finalize
contains "$OUT" "deploy -> done advanced"
[ "$(runs)" = 2 ] || fail "the hook ran $(runs) times for two confirms"

# a Confirm Deploy left over from an earlier deploy never deploys the next one
sql_exec "UPDATE tasks SET stage = 'deploy-staging'"
orch-issue -q set "$WI" "Confirm Deploy"
expect_rc 0 orch-poll	# recorded at stage deploy-staging: nothing to confirm
to_deploy three
orch-issue -q set "$WI" "Confirm Deploy"	# the status stays as the human left it: no new verdict key
sql_exec "UPDATE tracker_issues SET updated_at = (SELECT issue_updated_at FROM verdicts ORDER BY id DESC LIMIT 1)"
expect_rc 0 orch-poll
lacks "$OUT" "production deploy of"
[ "$(runs)" = 2 ] || fail "a stale Confirm Deploy deployed"

# two commands start one To Analyse item at once: the second finds it busy (while the first fetches from
# a remote that answers when told), then already started; one task, one branch, one analyst job
W2=$(orch-issue create --project DEMO --title "second item" --state "To Analyse")
git -C "$TMP/repo" config remote.origin.uploadpack "$TMP/upload-pack"
orch-poll >"$TMP/poll.out" 2>&1 &
poll=$!
read -r _ <"$TMP/fetching"
expect_rc 0 orch-advance --start "$W2"
contains "$OUT" "busy: $W2 is being started by pid $poll"
exec 9<>"$TMP/answer"
exec 9>&-
wait "$poll" || fail "orch-poll failed: $(cat "$TMP/poll.out")"
git -C "$TMP/repo" config --unset remote.origin.uploadpack
contains "$(cat "$TMP/poll.out")" "$W2: created -> analysis advanced"
expect_rc 0 orch-advance --start "$W2"
contains "$OUT" "already started"
[ "$(sql "SELECT count(*) FROM jobs j JOIN tasks t ON t.id = j.task_id WHERE t.work_item = '$W2'")" = 1 ] ||
	fail "two analyst jobs for one start"
[ "$(sql "SELECT count(*) FROM events WHERE work_item = '$W2' AND kind = 'started'")" = 1 ] || fail "started twice"

[ "${OVERLAP_CHAOS:-1}" = 0 ] && exit 0
new_store	# overlap.py makes a home of its own, and so a store of its own
python3 "$TOP/tests/integration/overlap.py" "$BIN" "${OVERLAP_KILLS:-6}" "${OVERLAP_SEED:-7}" 2 3 ||
	fail "overlap consistency"
