# Issue 23 point 1, cancel after Confirm Deploy: orch-advance --cancel WI while the production deploy hook of
# a self_deploy project runs (it blocks on a FIFO).  The hook is not killed; the stop is recorded at once
# and its notice says the deploy runs on; when the hook ends its result is recorded under deploy-state and
# nothing after it runs: the item ends cancelled (not done, no watch, the tracker keeps Cancelled), and
# neither a finalize, a new Confirm Deploy nor --confirm deploys again.
. "$(dirname "$0")/lib.sh"
cat >"$TMP/hook.sh" <<'SH'
echo $$ >>"$HOOK_RUNS"
read -r _ <"$HOOK_GATE"
exit 0
SH
export HOOK_RUNS="$TMP/hook-runs" HOOK_GATE="$TMP/hook-gate"
standins gitleaks pip-audit	# a self-deploying project gets the security gate
pipeline_setup "self_deploy: true" "deploy_hook: [\"sh\", \"$TMP/hook.sh\"]" \
	"health_cmd: [\"true\"]"
runs() { [ -f "$HOOK_RUNS" ] && wc -l <"$HOOK_RUNS" | tr -d ' ' || echo 0; }
DS="$ORCH_HOME/deploy-state/DEMO/$WI"
agent_commit "$WT" "staging" "$D/15-staging-log.md" "$(verdict_doc staging_status SUCCESS ok)"
at_stage deploy-staging
expect_rc 0 orch-advance "$WI"
contains "$OUT" "deploy-staging -> deploy advanced"
[ "$(state_of "$WI")" = "Awaiting Deploy" ] || fail "not Awaiting Deploy: $(state_of "$WI")"

# Confirm Deploy: the hook starts detached and blocks on the FIFO
mkfifo "$HOOK_GATE"
orch-issue -q set "$WI" "Confirm Deploy"
expect_rc 0 orch-poll
contains "$OUT" "production deploy of"
i=0
until [ "$(runs)" = 1 ]; do i=$((i + 1)); [ $i -lt 1000 ] || fail "the hook never started"; sleep 0.01; done
hook=$(cat "$HOOK_RUNS")

# --cancel while it runs: recorded at once, the hook left running
expect_rc 0 orch-advance --cancel "$WI" --reason "wrong release"
[ "$(sql "SELECT stopped || blocked FROM tasks WHERE work_item = '$WI'")" = cancelled1 ] || fail "not stopped"
[ "$(state_of "$WI")" = Cancelled ] || fail "tracker shows $(state_of "$WI"), expected Cancelled"
kill -0 "$hook" 2>/dev/null || fail "--cancel killed the running deploy hook"
[ "$(sql "SELECT count(*) FROM outbox WHERE work_item = '$WI' AND message LIKE '%production deploy already runs: it is not stopped%'")" = 1 ] ||
	fail "no notice that the deploy runs on: $(sql "SELECT group_concat(message, ' | ') FROM outbox WHERE work_item = '$WI'")"
expect_rc 0 orch-deploy --finalize	# the hook still runs: nothing to record yet
kill -0 "$hook" 2>/dev/null || fail "a finalize killed the running deploy hook"
[ -e "$DS/result" ] && fail "a result before the hook ended"

# the hook ends on its own; its result is recorded and nothing after it runs
exec 7>"$HOOK_GATE"; exec 7>&-
i=0
until [ -e "$DS/result" ]; do i=$((i + 1)); [ $i -lt 1000 ] || fail "the hook's result never came"; sleep 0.01; done
[ "$(cat "$DS/result")" = 0 ] || fail "the hook's result: $(cat "$DS/result")"
expect_rc 0 orch-deploy
expect_rc 0 orch-deploy
orch-advance -q --all
[ "$(sql "SELECT stage || ' ' || stopped || blocked FROM tasks WHERE work_item = '$WI'")" = "deploy cancelled1" ] ||
	fail "after the hook: $(sql "SELECT stage || ' ' || stopped || blocked FROM tasks WHERE work_item = '$WI'")"
[ "$(state_of "$WI")" = Cancelled ] || fail "orch wrote over Cancelled: $(state_of "$WI")"
[ -n "$(deploy_state watch)" ] && fail "a stopped item's deploy was watched"

# nothing else deploys: a new Confirm Deploy and --confirm do nothing
orch-issue -q set "$WI" "Confirm Deploy"
orch-poll -q
orch-deploy -q
orch-deploy -q --confirm "$WI"
[ "$(runs)" = 1 ] || fail "the hook ran $(runs) times after the cancel"
[ "$(sql "SELECT stage || ' ' || stopped FROM tasks WHERE work_item = '$WI'")" = "deploy cancelled" ] ||
	fail "a Confirm Deploy after the cancel moved it"
expect_rc 1 orch-advance --unblock "$WI"
echo "ok t-cancel-deploy"
