# Settings whose effect no other test shows (docs/operations.md "Settings" lists every key and its test):
# job_backoff_s (a failed job waits, doubling) with a custom job_max_attempts, ci_timeout_s (the gate's
# ci_cmd is killed), reconcile_full_list_s (the tracker side waits its period), reconcile_notify_unblock
# false, home: in the file (and ignored under ORCH_HOME), security_gate_repos matched by whole keys (the
# gate and orch doctor), a project without remote: (main is the local branch), a project's own tracker:,
# and main_branch other than main.
. "$(dirname "$0")/lib.sh"
now() { python3 -c 'import time; print(int(time.time()))'; }

# --- job_backoff_s 1000, job_max_attempts 3: +1000 s, then +2000 s, then dead; nothing runs early
pipeline_setup "agents:" '  default: ["false"]'
printf 'job_backoff_s: 1000\njob_max_attempts: 3\n' >>"$ORCH_HOME/orch.yaml"
J=$(sql "SELECT id FROM jobs WHERE status = 'queued'")
t0=$(now)
expect_rc 0 orch-work --once
contains "$OUT" "attempt 1: queued"
wait_s=$(($(sql "SELECT available_at FROM jobs WHERE id = $J") - t0))
[ "$wait_s" -ge 1000 ] && [ "$wait_s" -le 1010 ] || fail "first backoff is $wait_s s, expected 1000"
expect_rc 0 orch-work --once	# in backoff: not run
[ "$(sql "SELECT attempts FROM jobs WHERE id = $J")" = 1 ] || fail "a job in backoff ran"
[ "$(sql "SELECT count(*) FROM agent_runs WHERE job_id = $J")" = 1 ] || fail "a job in backoff was started"
sql_exec "UPDATE jobs SET available_at = 0 WHERE id = $J"
t0=$(now)
expect_rc 0 orch-work --once
contains "$OUT" "attempt 2: queued"
wait_s=$(($(sql "SELECT available_at FROM jobs WHERE id = $J") - t0))
[ "$wait_s" -ge 2000 ] && [ "$wait_s" -le 2010 ] || fail "second backoff is $wait_s s, expected 2000 (doubling)"
sql_exec "UPDATE jobs SET available_at = 0 WHERE id = $J"
expect_rc 0 orch-work --once
contains "$OUT" "attempt 3: dead"
[ "$(sql "SELECT status || ' ' || attempts FROM jobs WHERE id = $J")" = "dead 3" ] || fail "not dead at job_max_attempts 3"

# --- ci_timeout_s: the development gate's ci_cmd is killed at the limit, the gate is red and says so
rm -rf "$ORCH_HOME" "$TMP/repo" "$TMP/origin.git"
new_home "$ORCH_HOME"	# and its store
pipeline_setup
sed -i "s|ci_cmd: .*|ci_cmd: [\"sh\", \"-c\", \"echo \$\$ >$TMP/ci.pid; exec sleep 300\"]|" "$ORCH_HOME/orch.yaml"
agent_commit "$WT" code src/feature.py "x = 1"
at_stage development
ORCH_CI_TIMEOUT_S=1 expect_rc 1 orch-advance --json "$WI"
contains "$(echo "$OUT" | json_field '["reason"]')" "timed out"
[ "$(echo "$OUT" | json_field '["passed"]')" = False ] || fail "a ci_cmd past ci_timeout_s passed: $OUT"
pid=$(cat "$TMP/ci.pid")
wait_gone "$pid" || fail "ci_cmd (pid $pid) still runs after ci_timeout_s"
[ "$(sql "SELECT stage FROM tasks")" = development ] || fail "the task left development on a timed-out ci"

# --- reconcile_full_list_s 3600: the tracker side lists issues once per period
write_config "$ORCH_HOME/orch.yaml" "$TMP/repo" "agents:" '  default: ["true"]'
printf 'reconcile_full_list_s: 3600\nreconcile_grace_s: 0\nreconcile_notify_unblock: false\n' >>"$ORCH_HOME/orch.yaml"
at_stage analysis
analyst_work "$WT" "$WI"
expect_rc 2 orch-advance "$WI"	# orch asks for the review (an Approved counts only after the ask)
expect_rc 0 orch-reconcile	# lists now: nothing actionable yet
orch-issue -q set "$WI" Approved
expect_rc 0 orch-reconcile
[ "$(sql "SELECT stage FROM tasks")" = analysis ] || fail "the tracker was listed again within reconcile_full_list_s"
sql_exec "UPDATE reconcile_state SET value = ? WHERE key = 'full_list:DEMO'" "$(($(now) - 3601))"
expect_rc 0 orch-reconcile
contains "$OUT" "[tracker] $WI: analysis -> architecture advanced"

# --- reconcile_notify_unblock false: the reconciler unblocks (To Analyse) without its notice
sql_exec "UPDATE tasks SET blocked = 1, retries = 4; UPDATE jobs SET status = 'done';
	UPDATE reconcile_state SET value = '0' WHERE key = 'full_list:DEMO'"
orch-issue -q set "$WI" "To Analyse"
expect_rc 0 orch-reconcile
[ "$(sql "SELECT blocked FROM tasks")" = 0 ] || fail "the reconciler did not replay To Analyse"
[ "$(sql "SELECT count(*) FROM outbox WHERE message LIKE 'unblocked by the reconciler%'")" = 0 ] ||
	fail "an unblocked notice with reconcile_notify_unblock false"

# --- home: in the file moves the store; --home/ORCH_HOME wins over it
mkdir -p "$TMP/cfg" "$TMP/elsewhere" "$TMP/fixed"	# a home must exist: no store by accident (decisions.md)
printf 'home: %s\n' "$TMP/elsewhere" >"$TMP/cfg/orch.yaml"
chmod go-w "$TMP/cfg/orch.yaml"
home_used() {	# DIR: orch-status ran in the home DIR: its run record there, and on SQLite its store
	[ -f "$1/runs/command-orch-status.json" ] && { [ -n "${ORCH_DATABASE_URL:-}" ] || [ -f "$1/orch.db" ]; }
}
env -u ORCH_HOME HOME="$TMP/nohome" orch-status --config "$TMP/cfg/orch.yaml" >/dev/null 2>&1
home_used "$TMP/elsewhere" || fail "home: in the file did not place the store"
[ ! -e "$TMP/nohome" ] || fail "the default home was used despite home: in the file"
ORCH_HOME="$TMP/fixed" orch-status --config "$TMP/cfg/orch.yaml" >/dev/null 2>&1
home_used "$TMP/fixed" || fail "ORCH_HOME did not win over home: in the file"

# --- security_gate_repos: whole keys of the list, never a prefix (the gate and orch doctor agree)
standins gitleaks pip-audit
expect_rc 0 env ORCH_SECURITY_GATE_REPOS=DEMOX orch-scan "$WI"
contains "$OUT" "security PASS (security-gate N/A for DEMO)"
expect_rc 0 env ORCH_SECURITY_GATE_REPOS="DEMOX, DEMO" orch-scan "$WI"
lacks "$OUT" "N/A"
ORCH_SECURITY_GATE_REPOS=DEMOX PATH="$BIN:$SYS_PATH" orch-doctor >"$TMP/doc" 2>&1
lacks "$(cat "$TMP/doc")" "FAIL gitleaks"
contains "$(cat "$TMP/doc")" "WARN gitleaks"	# not needed: the gate does not apply to DEMO
ORCH_SECURITY_GATE_REPOS=DEMO PATH="$BIN:$SYS_PATH" orch-doctor >"$TMP/doc" 2>&1
contains "$(cat "$TMP/doc")" "FAIL gitleaks: gitleaks is not installed"

# --- no remote: the gates and the merge work on the local main branch
rm -rf "$ORCH_HOME" "$TMP/repo" "$TMP/origin.git"
new_home "$ORCH_HOME"	# and its store
pipeline_setup 'deploy_hook: ["true"]'
sed -i '/remote: origin/d' "$ORCH_HOME/orch.yaml"
origin_before=$(git -C "$TMP/origin.git" rev-parse main)
agent_commit "$WT" code src/feature.py "x = 2"
agent_commit "$WT" staging "$D/15-staging-log.md" "$(verdict_doc staging_status SUCCESS ok)"
at_stage deploy-staging
expect_rc 0 orch-advance "$WI"
contains "$OUT" "deploy-staging -> done advanced"
staged=$(git -C "$WT" log -1 --format=%H --grep '^staging$')
[ "$(git -C "$TMP/repo" rev-parse refs/heads/main)" = "$staged" ] ||
	fail "without a remote, the tested branch head is not the local main"
[ "$(git -C "$TMP/origin.git" rev-parse main)" = "$origin_before" ] || fail "pushed to a remote that is not configured"

# --- a project's tracker: local under a global tracker: plane never talks to Plane
{
	echo "tracker: plane"
	echo "plane_url: http://127.0.0.1:9"
	echo "plane_workspace: acme"
	echo "projects:"
	echo "  - key: LOC"
	echo "    tracker: local"
	echo "    repo: $TMP/repo"
	echo '    ci_cmd: ["true"]'
} >"$ORCH_HOME/orch.yaml"
expect_rc 0 env -u ORCH_PLANE_API_TOKEN orch-issue create --project LOC --title "local under plane"
[ "$OUT" = LOC-1 ] || fail "the project's tracker: local was not used: $OUT"

# --- main_branch: trunk: the branch is cut from, scanned against and merged into trunk, main untouched
rm -rf "$ORCH_HOME" "$TMP/repo" "$TMP/origin.git"
new_home "$ORCH_HOME"	# and its store
mkdir -p "$ORCH_HOME"
make_sample_repo "$TMP" >/dev/null || fail "sample repo"
git -C "$TMP/repo" branch -q -m main trunk
git -C "$TMP/repo" push -q origin trunk
git -C "$TMP/origin.git" symbolic-ref HEAD refs/heads/trunk
echo "moved to trunk" >"$TMP/repo/TRUNK"
git -C "$TMP/repo" add TRUNK && git -C "$TMP/repo" commit -qm "trunk only" && git -C "$TMP/repo" push -q origin trunk
old_main=$(git -C "$TMP/origin.git" rev-parse main)
write_config "$ORCH_HOME/orch.yaml" "$TMP/repo" 'deploy_hook: ["true"]' 'agents:' '  default: ["true"]'
sed -i 's/main_branch: main/main_branch: trunk/' "$ORCH_HOME/orch.yaml"
WI=$(orch-issue create --project DEMO --title "on trunk") || fail "create"
expect_rc 0 orch-advance --start "$WI"
WT="$ORCH_HOME/worktrees/DEMO/$WI"
[ -f "$WT/TRUNK" ] || fail "the branch was not cut from main_branch trunk"
agent_commit "$WT" staging "docs/work-items/$WI/15-staging-log.md" "$(verdict_doc staging_status SUCCESS ok)"
at_stage deploy-staging
expect_rc 0 orch-advance "$WI"
contains "$OUT" "deploy-staging -> done advanced"
staged=$(git -C "$WT" log -1 --format=%H --grep '^staging$')
[ "$(git -C "$TMP/origin.git" rev-parse trunk)" = "$staged" ] || fail "not merged into origin/trunk"
[ "$(git -C "$TMP/origin.git" rev-parse main)" = "$old_main" ] || fail "main moved although main_branch is trunk"
