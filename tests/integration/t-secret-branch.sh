# A secret found on a branch is an alert (issue 23 point 6), on both trackers: notify_cmd gets it at
# level alert (as Telegram would: alerts only), and its text, the developer's task and the tracker
# comment say to rotate the secret, to rewrite the branch's history (with the command), and that the
# scan covers every commit of the branch.
. "$(dirname "$0")/lib.sh"
export ORCH_SECURITY_GATE_REPOS=DEMO ORCH_PLANE_API_TOKEN=tok-123
standins gitleaks pip-audit
printf 'cat >>"%s/notified"; echo " level=$ORCH_NOTIFY_LEVEL" >>"%s/notified"\n' "$TMP" "$TMP" >"$TMP/notify.sh"
plane_start
P=11111111-1111-4111-8111-111111111111
plane_admin POST /_admin/project "{\"id\": \"$P\", \"identifier\": \"DEMO\"}" >/dev/null
KEY=$(aws_key)

for TRACKER in local plane; do
	new_home "$TMP/$TRACKER-home"
	mkdir -p "$ORCH_HOME" "$TMP/$TRACKER"
	make_sample_repo "$TMP/$TRACKER" >/dev/null || fail "sample repo"
	if [ "$TRACKER" = plane ]; then
		plane_config "$ORCH_HOME/orch.yaml" "$TMP/$TRACKER/repo" "$(plane_project DEMO $P "$TMP/$TRACKER/repo")"
	else
		write_config "$ORCH_HOME/orch.yaml" "$TMP/$TRACKER/repo" 'agents:' '  default: ["true"]'
	fi
	printf 'notify_cmd: ["sh", "%s/notify.sh"]\n' "$TMP" >>"$ORCH_HOME/orch.yaml"
	chmod go-w "$ORCH_HOME/orch.yaml"
	: >"$TMP/notified"
	WI=$(orch-issue create --project DEMO --title "secret on $TRACKER" --state "To Analyse") || fail "create"
	orch-poll -q || fail "poll on $TRACKER"
	WT="$ORCH_HOME/worktrees/DEMO/$WI"
	BR=$(git -C "$WT" rev-parse --abbrev-ref HEAD)
	agent_commit "$WT" oops src/config.py "AWS_KEY = \"$KEY\""
	agent_commit "$WT" "remove it again" src/config.py "AWS_KEY = None"	# deleting it is not enough
	agent_commit "$WT" staging "docs/work-items/$WI/15-staging-log.md" "$(verdict_doc staging_status SUCCESS ok)"
	sql_exec "UPDATE tasks SET stage = 'deploy-staging' WHERE work_item = ?" "$WI"
	sql_exec "UPDATE jobs SET status = 'done' WHERE status IN ('queued', 'running')"
	expect_rc 1 orch-advance "$WI"
	contains "$OUT" "security gate FAIL: 1 secret(s) found"
	# the alert, at level alert, through notify_cmd and on stderr (cron mail)
	contains "$ERR" "orch: alert: $WI: security gate: 1 secret(s) on branch $BR"
	alert=$(grep "secret(s) on branch" "$TMP/notified") || fail "$TRACKER: notify_cmd did not get the alert: $(cat "$TMP/notified")"
	contains "$alert" "rotate the secret now"
	contains "$alert" "rewrite the branch history without it: git -C '$WT' rebase -i"
	contains "$alert" "the scan covers every commit of"
	contains "$alert" "a commit that deletes it is not enough"
	[ "$(sql "SELECT count(*) FROM outbox WHERE level = 'alert' AND message LIKE '%secret(s) on branch%'")" = 1 ] ||
		fail "$TRACKER: the secret is not queued as one alert"
	# the developer's task and the tracker comment say the same
	desc=$(sql "SELECT description FROM jobs WHERE agent = 'developer' ORDER BY id DESC LIMIT 1")
	contains "$desc" "rotate the secret now"
	contains "$desc" "Rotate the secret, rewrite the history of branch $BR"
	lacks "$desc" "commit, and finish the stage"
	if [ "$TRACKER" = plane ]; then
		comments=$(plane_admin GET "/_admin/items?project=$P")
	else
		comments=$(orch-issue show "$WI")
	fi
	contains "$comments" "rewrite the branch history without it"
	lacks "$comments" "$KEY"
done
echo "ok t-secret-branch"
