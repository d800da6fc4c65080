# Issue 23 point 1: a person stops a live item, on the local tracker and on the fake Plane.
# orch-advance --cancel while the agent runs (its process group stopped, its job cancelled, Cancelled in
# the tracker), while ci_cmd runs (stopped, no red charged, nothing moves); Cancelled, Done and Blocked
# set by a person in the tracker stop the item, orch never writes its own status over them; To Analyse
# on a stopped or done item is one comment and the status set back; --unblock resumes a person's block.
. "$(dirname "$0")/lib.sh"
export ORCH_JOB_BACKOFF_S=0
mkfifo "$TMP/ready" "$TMP/never"
# an agent (or ci_cmd) that says it runs, with its pid, then waits for ever (until stopped)
cat >"$TMP/block.sh" <<EOF
echo \$\$ >"$TMP/ready"
read x <"$TMP/never"
EOF
notices() { sql "SELECT count(*) FROM outbox WHERE work_item = '$1' AND message LIKE '%$2%'"; }
events() { sql "SELECT count(*) FROM events WHERE work_item = '$1' AND kind = '$2'"; }
# wait_noted JOB: bounded wait for the runner to record the agent's process group (what --cancel stops)
wait_noted() {
	i=0
	while [ -z "$(sql "SELECT agent_pgid FROM jobs WHERE id = $1 AND agent_pgid IS NOT NULL")" ]; do
		i=$((i + 1)); [ $i -lt 500 ] || fail "job $1's agent was never noted"; sleep 0.01
	done
}

# cancel_running TRACKER WI: the analyst of WI runs; --cancel stops it and everything after
cancel_running() {
	orch-poll -q || fail "$1: poll"
	orch-work -q --once >"$TMP/work.out" 2>&1 &
	wpid=$!
	read -r agent <"$TMP/ready"
	job=$(sql "SELECT id FROM jobs WHERE status = 'running'")
	wait_noted "$job"
	expect_rc 0 orch-advance --cancel "$2" --reason "not needed any more"
	contains "$OUT" "cancelled at analysis"
	wait_gone "$agent" || fail "$1: the running agent $agent survived --cancel"
	wait "$wpid"
	[ "$(sql "SELECT status || ' ' || CASE WHEN cancelled_at IS NOT NULL THEN 1 ELSE 0 END FROM jobs WHERE id = $job")" = "done 1" ] ||
		fail "$1: the running job was not cancelled"
	[ "$(sql "SELECT stopped || blocked FROM tasks WHERE work_item = '$2'")" = cancelled1 ] || fail "$1: not stopped"
	[ "$(state_of "$2")" = Cancelled ] || fail "$1: tracker shows $(state_of "$2"), expected Cancelled"
	[ "$(events "$2" cancelled)" = 1 ] || fail "$1: expected one cancelled event"
	[ "$(notices "$2" "cancelled at analysis%not needed any more")" = 1 ] || fail "$1: expected one notice"
	# nothing runs after it: no job, no gate, no status of orch's
	cron_tick
	[ "$(sql "SELECT count(*) FROM jobs j JOIN tasks t ON t.id = j.task_id WHERE t.work_item = '$2' AND
	    j.status != 'done'")" = 0 ] || fail "$1: a job was enqueued after the cancel"
	[ "$(state_of "$2")" = Cancelled ] || fail "$1: orch wrote $(state_of "$2") over Cancelled"
	expect_rc 1 orch-advance --unblock "$2"
	contains "$OUT" "open a new issue"
	expect_rc 0 orch-status
	contains "$OUT" "STOPPED:cancelled"
	contains "$OUT" "0 blocked"
}

# to_analyse_finished WI STATUS: To Analyse on a finished item: one comment, the status set back
to_analyse_finished() {
	orch-issue -q set "$1" "To Analyse" || fail "set To Analyse"
	orch-poll -q || fail "poll"
	[ "$(state_of "$1")" = "$2" ] || fail "To Analyse on $1 left $(state_of "$1"), expected $2"
	orch-poll -q && orch-reconcile -q || fail "poll again"
	n=$(orch-issue show "$1" | grep -c "open a new issue")
	[ "$n" = 1 ] || fail "expected one 'open a new issue' comment on $1, got $n"
	[ "$(events "$1" resume_refused)" = 1 ] || fail "To Analyse on $1 answered more than once"
}

# --- the local tracker
agents_setup "  analyst: [\"sh\", \"$TMP/block.sh\"]" "  default: [\"sh\", \"$TOP/examples/agents/{stage}.sh\"]"
A=$(orch-issue create --project DEMO --title "cancel me" --state "To Analyse")
cancel_running local "$A"
to_analyse_finished "$A" Cancelled

# a person's Done on an unmerged item (development): stopped, a notice that nothing was merged
write_config "$ORCH_HOME/orch.yaml" "$TMP/repo" "agents:" "  default: [\"sh\", \"$TOP/examples/agents/{stage}.sh\"]"
B=$(orch-issue create --project DEMO --title "done by hand" --state "To Analyse")
orch-poll -q && orch-work -q --once || fail "analyst of $B"
sql_exec "UPDATE tasks SET stage = 'development' WHERE work_item = '$B'"
orch-issue -q set "$B" Done
expect_rc 0 orch-poll
[ "$(sql "SELECT stopped FROM tasks WHERE work_item = '$B'")" = done ] || fail "Done did not stop $B"
[ "$(notices "$B" "set Done by a person at development%nothing was merged")" = 1 ] || fail "no 'nothing was merged'"
cron_tick
[ "$(state_of "$B")" = Done ] || fail "orch wrote $(state_of "$B") over a person's Done"
[ "$(sql "SELECT stage FROM tasks WHERE work_item = '$B'")" = development ] || fail "$B moved after Done"
to_analyse_finished "$B" Done

# a person's Blocked: held (the agent's finished work is not judged), --unblock resumes
C=$(orch-issue create --project DEMO --title "hold it" --state "To Analyse")
orch-poll -q || fail "poll $C"
orch-issue -q set "$C" Blocked
orch-work -q --once >/dev/null 2>&1
expect_rc 0 orch-poll
[ "$(sql "SELECT stopped || blocked FROM tasks WHERE work_item = '$C'")" = blocked1 ] || fail "Blocked did not hold $C"
cron_tick
[ "$(state_of "$C")" = Blocked ] || fail "orch wrote $(state_of "$C") over a person's Blocked"
[ "$(events "$C" stopped_blocked)" = 1 ] || fail "no stopped_blocked event"
expect_rc 0 orch-advance --unblock "$C"
[ "$(sql "SELECT stopped || blocked FROM tasks WHERE work_item = '$C'")" = 0 ] || fail "--unblock left $C held"
[ "$(state_of "$C")" != Blocked ] || fail "--unblock left the tracker Blocked"

# a done item: To Analyse is one comment, the status back to Done
sql_exec "UPDATE tasks SET stage = 'done' WHERE work_item = '$C'"
orch-issue -q set "$C" Done
orch-poll -q || fail "poll done"
[ "$(sql "SELECT stopped FROM tasks WHERE work_item = '$C'")" = "" ] || fail "Done at done is orch's own"
to_analyse_finished "$C" Done

# --cancel while ci_cmd runs (development's gate): ci_cmd stopped, its result discarded (no red, no retry)
printf 'tracker: local\nprojects:\n  - key: DEMO\n    repo: %s\n    remote: origin\n    main_branch: main\n    ci_cmd: ["sh", "%s"]\n    agents:\n      default: ["sh", "%s"]\n' \
	"$TMP/repo" "$TMP/block.sh" "$TOP/examples/agents/{stage}.sh" >"$ORCH_HOME/orch.yaml"
chmod go-w "$ORCH_HOME/orch.yaml"
D=$(orch-issue create --project DEMO --title "cancel during ci" --state "To Analyse")
orch-poll -q || fail "poll $D"
sql_exec "UPDATE jobs SET status = 'done' WHERE status = 'queued'"
sql_exec "UPDATE tasks SET stage = 'development' WHERE work_item = '$D'"
agent_commit "$ORCH_HOME/worktrees/DEMO/$D" "code" src/cancel.txt "some code" || fail "commit code"
orch-advance "$D" >"$TMP/adv.out" 2>&1 &
apid=$!
read -r ci <"$TMP/ready"
i=0	# bounded wait for the claim to record ci_cmd's process group (what --cancel stops)
while [ "$(sql "SELECT child_pgid FROM leases WHERE name = 'task:$D'")" = 0 ]; do
	i=$((i + 1)); [ $i -lt 500 ] || fail "ci_cmd's group was never recorded"; sleep 0.01
done
expect_rc 0 orch-advance --cancel "$D"
wait_gone "$ci" || fail "ci_cmd $ci survived --cancel: $(sql "SELECT group_concat(kind || ':' || detail, ' / ') FROM events WHERE work_item = '$D'") $(sql "SELECT child_pgid || child_kind FROM leases")"
wait "$apid"
got=$(sql "SELECT stage || ' ' || retries || ' ' || stopped FROM tasks WHERE work_item = '$D'")
[ "$got" = "development 0 cancelled" ] || fail "after the cancel during ci: $got; $(cat "$TMP/adv.out")"
[ "$(events "$D" rolled_back)" = 0 ] || fail "the stopped ci_cmd was charged as a red"
[ "$(events "$D" child_stopped)" = 1 ] || fail "no event for the stopped ci_cmd"
[ "$(state_of "$D")" = Cancelled ] || fail "after the cancel during ci the tracker shows $(state_of "$D")"
echo ok-local
