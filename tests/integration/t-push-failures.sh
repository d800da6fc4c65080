# Push failures by cause (issue 24 point 4): a push the remote refuses for another reason than main moving (a
# server-side hook) is a gate error with git's message and one alert, and the next tick pushes the same
# tested commit again without a new rebase or ci_cmd; a refused fast-forward (main moved) goes back through
# the merge gate as before.
. "$(dirname "$0")/lib.sh"
export ORCH_SECURITY_GATE_REPOS=NONE
pipeline_setup
printf '#!/bin/sh\necho "ci ran" >>"%s/ci-runs"\nexec make -s test\n' "$TMP" >"$TMP/ci.sh"
sed -i "s|ci_cmd: \\[\"make\", \"-s\", \"test\"\\]|ci_cmd: [\"sh\", \"$TMP/ci.sh\"]|" "$ORCH_HOME/orch.yaml"
agent_commit "$WT" code src/two.py "y = 2"
agent_commit "$WT" staging "$D/15-staging-log.md" "$(verdict_doc staging_status SUCCESS ok)"
at_stage deploy-staging
# the server refuses every push to main (a pre-receive hook): not "main moved"
printf '#!/bin/sh\necho "main is frozen for the release" >&2\nexit 1\n' >"$TMP/origin.git/hooks/pre-receive"
chmod +x "$TMP/origin.git/hooks/pre-receive"
expect_rc 69 orch-advance "$WI"
contains "$ERR" "push of"
contains "$ERR" "main is frozen for the release"
lacks "$OUT$ERR" "main moved since it was tested"
[ "$(sql "SELECT stage FROM tasks")" = deploy-staging ] || fail "the item moved on a failed push"
[ "$(sql "SELECT count(*) FROM outbox WHERE level = 'alert' AND message LIKE '%frozen%'")" = 1 ] || fail "no alert"
expect_rc 0 orch-status
contains "$OUT" "1 degraded"	# the attention line: orch-advance's last run could not push
contains "$OUT" "orch-advance: last run exited 69"
runs=$(wc -l <"$TMP/ci-runs")
expect_rc 69 orch-advance "$WI"	# the next tick: the same tested commit, no rebase and no ci_cmd
[ "$(wc -l <"$TMP/ci-runs")" = "$runs" ] || fail "ci_cmd ran again although the tested commit still holds"
[ "$(sql "SELECT count(*) FROM outbox WHERE level = 'alert' AND message LIKE '%frozen%'")" = 1 ] || fail "alerted twice"
rm "$TMP/origin.git/hooks/pre-receive"
expect_rc 0 orch-advance "$WI"
contains "$OUT" "deploy-staging -> deploy advanced"
[ "$(wc -l <"$TMP/ci-runs")" = "$runs" ] || fail "ci_cmd ran again for the push that could go through"
git -C "$TMP/origin.git" merge-base --is-ancestor "$(sql "SELECT tested_sha FROM tasks")" main || fail "not landed"
exit 0
