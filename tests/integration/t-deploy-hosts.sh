# Deploys exactly once across hosts (issue 27 point 5): two hosts share one PostgreSQL store and one
# bare origin.  deploy_host pins the project's deploys to host B: host A leaves a Confirm Deploy to it;
# host B inserts the deploys row and runs the hook in its own workspace; host A's second confirm and its
# finalize start nothing.  Then host B "vanishes" mid-deploy (its hook held, its row aged past
# deploy_timeout_s in the store's clock): host A records the deploy lost (FAILED, an alert) and never
# starts the hook a second time; host B's late result changes nothing but an alert.  A deploy_host that
# is no host name is refused.  Without PostgreSQL the test says so and passes.
. "$(dirname "$0")/lib.sh"
pg_store t-deploy-hosts
cat >"$TMP/hook.sh" <<'SH'
echo "run $ORCH_WORK_ITEM in $PWD" >>"$HOOK_RUNS"
git rev-parse HEAD >>"$HOOK_RUNS.head"
[ -p "$HOOK_GATE" ] && read -r _ <"$HOOK_GATE"
exit 0
SH
export HOOK_RUNS="$TMP/hook-runs" HOOK_GATE="$TMP/hook-gate"
standins gitleaks pip-audit
pipeline_setup "self_deploy: true" "deploy_hook: [\"sh\", \"$TMP/hook.sh\"]" "deploy_host: host-b"
printf 'host: host-a\n' >>"$ORCH_HOME/orch.yaml"
HOST_A=$ORCH_HOME HOST_B="$TMP/home-b"
mkdir -p "$HOST_B"
git clone -q "$TMP/origin.git" "$TMP/repo-b"
sed "s|repo: $TMP/repo\$|repo: $TMP/repo-b|; s|^host: host-a|host: host-b|" "$HOST_A/orch.yaml" >"$HOST_B/orch.yaml"
runs() { [ -f "$HOOK_RUNS" ] && wc -l <"$HOOK_RUNS" | tr -d ' ' || echo 0; }
to_deploy() {
	agent_commit "$WT" "staging $1" "$D/15-staging-log.md" "$(verdict_doc staging_status SUCCESS "$1")"
	at_stage deploy-staging
	expect_rc 0 orch-advance "$WI"
	contains "$OUT" "deploy-staging -> deploy advanced"
}

# hostile config: a deploy_host that is no host name
sed 's|deploy_host: host-b|deploy_host: "b; rm -rf /"|' "$HOST_A/orch.yaml" >"$TMP/bad.yaml"
chmod go-w "$TMP/bad.yaml"
expect_rc 78 orch-status --config "$TMP/bad.yaml"
contains "$ERR" "deploy_host"
contains "$ERR" "is not a host name"

# host B had a look early: its workspace holds the branch as it was then (a cache that goes stale)
ORCH_HOME=$HOST_B expect_rc 0 orch-work --once
[ -d "$HOST_B/worktrees/DEMO/$WI" ] || fail "host B made no workspace: $OUT $ERR"
to_deploy one
orch-issue -q set "$WI" "Confirm Deploy"
expect_rc 0 orch-deploy --confirm "$WI"	# host A: pinned elsewhere, the confirm stands for host B
contains "$OUT" "run on host host-b (deploy_host)"
[ "$(runs)" = 0 ] || fail "host A ran the hook of a project pinned to host B"
ORCH_HOME=$HOST_B expect_rc 0 orch-deploy --confirm "$WI"
contains "$OUT" "production deploy of"
until [ -e "$HOST_B/deploy-state/DEMO/$WI/result" ]; do sleep 0.01; done	# the detached hook's own end
contains "$(cat "$HOOK_RUNS")" "in $HOST_B/worktrees/DEMO/$WI"
# the hook ran on the merged branch, not host B's stale copy of it
[ "$(cat "$HOOK_RUNS.head")" = "$(git -C "$TMP/origin.git" rev-parse main)" ] ||
	fail "the hook ran at $(cat "$HOOK_RUNS.head"), main is $(git -C "$TMP/origin.git" rev-parse main)"
[ "$(sql "SELECT host || ' ' || status FROM deploys")" = "host-b running" ] || fail "deploys row: $(sql "SELECT host || ' ' || status FROM deploys")"
expect_rc 0 orch-status	# host A's view: host B's deploy, from the store
contains "$OUT" "production deploy under way on host host-b"
expect_rc 0 orch-deploy --confirm "$WI"	# host A again: the row says host B deploys
expect_rc 0 orch-deploy --finalize	# host A: not its deploy, nothing to finalize
lacks "$OUT" "advanced"
ORCH_HOME=$HOST_B expect_rc 0 orch-deploy --finalize
contains "$OUT" "deploy -> done advanced"
# the deploy log is on the branch as merged (committed in host B's workspace, brought up to date first)
git -C "$TMP/repo-b" cat-file -e "refs/heads/$BR:$D/14-deploy-log.md" || fail "no deploy log on host B's branch"
git -C "$TMP/repo-b" merge-base --is-ancestor "$(git -C "$TMP/origin.git" rev-parse main)" "refs/heads/$BR" ||
	fail "host B's deploy log is not on top of the merged branch"
[ "$(sql "SELECT count(*) FROM events WHERE (kind = 'rolled_back' AND stage_from = 'deploy') OR kind = 'branch_taken_from_remote'")" = 0 ] ||
	fail "events: $(sql "SELECT kind || ' ' || detail FROM events WHERE (kind = 'rolled_back' AND stage_from = 'deploy') OR kind = 'branch_taken_from_remote'")"
[ "$(runs)" = 1 ] || fail "one Confirm Deploy ran the hook $(runs) times"
[ "$(sql "SELECT host || ' ' || status || ' ' || result FROM deploys")" = "host-b success 0" ] ||
	fail "deploys row after: $(sql "SELECT host || ' ' || status || ' ' || result FROM deploys")"
# the deploy's states are in the store, each host's apart: host B's deploy, host A's Phase A (the merge)
[ "$(HOST=host-b deploy_state finalized)" = SUCCESS ] || fail "host B's finalized state: '$(HOST=host-b deploy_state finalized)'"
[ -z "$(HOST=host-a deploy_state initiated)$(HOST=host-a deploy_state finalized)" ] ||
	fail "host A holds states of host B's deploy: $(sql "SELECT group_concat(host || ':' || name) FROM deploy_marks")"

# host B vanishes mid-deploy: host A records it lost once it is past deploy_timeout_s, never starts it again
sql_exec "UPDATE tasks SET stage = 'development', blocked = 0"
# host B's deploy log is on the branch on the remote: a person working here takes it first
git -C "$WT" pull -q "$TMP/origin.git" "$BR" || fail "pull host B's commits into host A's workspace"
agent_commit "$WT" "work again" "src/two.py" "x = 2"
to_deploy two
mkfifo "$HOOK_GATE"
orch-issue -q set "$WI" "Confirm Deploy"
ORCH_HOME=$HOST_B expect_rc 0 orch-deploy --confirm "$WI"
until [ "$(runs)" = 2 ]; do sleep 0.01; done	# host B's hook runs (held by the gate)
expect_rc 0 orch-deploy --finalize
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'deploy_lost'")" = 0 ] || fail "a live deploy was recorded lost"
sql_exec "UPDATE deploys SET started_at = orch_now() - 100000 WHERE status = 'running'"
expect_rc 0 orch-deploy --finalize
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'deploy_lost'")" = 1 ] || fail "the lost deploy was not recorded: $OUT $ERR"
[ "$(sql "SELECT status || ' ' || finished_by FROM deploys WHERE attempt = 2")" = "lost host-a" ] ||
	fail "row: $(sql "SELECT attempt, status || ' ' || finished_by FROM deploys")"
contains "$(sql "SELECT message FROM outbox WHERE level = 'alert' AND message LIKE '%no result after%'")" "never started again"
lacks "$(sql "SELECT stage FROM tasks")" "deploy"	# FAILED: rolled back (deploy_failure: rollback)
[ "$(runs)" = 2 ] || fail "the hook ran again: $(runs)"
# host B comes back: its hook ends, its result is late and changes nothing but an alert
exec 7>"$HOOK_GATE"; exec 7>&-
until [ -e "$HOST_B/deploy-state/DEMO/$WI/result" ]; do sleep 0.01; done
stage=$(sql "SELECT stage FROM tasks")
ORCH_HOME=$HOST_B expect_rc 0 orch-deploy --finalize
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'deploy_late_result'")" = 1 ] || fail "no late-result alert: $OUT $ERR"
[ "$(sql "SELECT stage FROM tasks")" = "$stage" ] || fail "host B's late result moved the task"
[ "$(sql "SELECT status || ' ' || result || ' ' || finished_by FROM deploys WHERE attempt = 2")" = "late 0 host-a" ] ||
	fail "row after the late result: $(sql "SELECT status || ' ' || result || ' ' || finished_by FROM deploys WHERE attempt = 2")"
ORCH_HOME=$HOST_B expect_rc 0 orch-deploy --finalize	# once
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'deploy_late_result'")" = 1 ] || fail "the late result alerted twice"
[ "$(runs)" = 2 ] || fail "the hook ran $(runs) times"
echo "t-deploy-hosts: ok"
