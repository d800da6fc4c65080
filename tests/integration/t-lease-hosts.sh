# Leases that survive hosts (issue 27): host A's runner leases a job and then vanishes (frozen: no
# heartbeat); its lease runs out in the store's clock; host B's reaper rescues the job and host B's
# runner finishes it; when host A comes back its heartbeat finds the lease lost, stops its agent, and
# its completion changes nothing.  Two homes on this machine share one PostgreSQL database (the
# check-pg cluster, else a throwaway one; without PostgreSQL the test says so and passes).
. "$(dirname "$0")/lib.sh"
PG_TRAP_FIRST='kill -CONT $WA 2>/dev/null'
pg_store t-lease-hosts
mkfifo "$TMP/a.ready" "$TMP/a.go"
# host A's agent says it runs (its pid: its process group), then waits for a go that never comes
cat >"$TMP/agent-a.sh" <<SH
echo \$\$ >"$TMP/a.ready"
read -r go <"$TMP/a.go"
touch "$TMP/a.finished"
SH
printf 'touch "%s/b.ran"\n' "$TMP" >"$TMP/agent-b.sh"
pipeline_setup "agents:" "  default: [\"sh\", \"$TMP/agent-a.sh\"]"
printf 'host: host-a\njob_lease_s: 4\n' >>"$ORCH_HOME/orch.yaml"
HOST_A=$ORCH_HOME HOST_B="$TMP/home-b"
mkdir -p "$HOST_B"
sed "s|$TMP/agent-a.sh|$TMP/agent-b.sh|; s|^host: host-a|host: host-b|" "$HOST_A/orch.yaml" >"$HOST_B/orch.yaml"

orch-work --once >"$TMP/a.out" 2>&1 &
WA=$!
read -r APID <"$TMP/a.ready"
[ "$(sql "SELECT host FROM jobs WHERE status = 'running'")" = host-a ] || fail "the job is not host-a's"
ORCH_HOME=$HOST_B expect_rc 0 orch-status	# one view: host B sees where the job runs
contains "$OUT" "job 1 DEMO-1 analyst running attempts 1 on host-a"
ORCH_HOME=$HOST_B expect_rc 0 orch-status --json
contains "$OUT" '"host":"host-a"'
# host A vanishes: its runner and its agent stop (no heartbeat, no exit)
kill -STOP $WA
kill -STOP "-$APID" || fail "cannot stop the agent group $APID"
# host B's reaper leaves a live lease alone (the store's clock set here, not waited for: a live lease,
# then one that ran out); once it ran out it rescues the job
sql_exec "UPDATE jobs SET lease_until = orch_now() + 600 WHERE status = 'running'"
ORCH_HOME=$HOST_B expect_rc 0 orch-reconcile
[ "$(sql "SELECT status FROM jobs")" = running ] || fail "host B reaped a job whose lease is live"
sql_exec "UPDATE jobs SET lease_until = orch_now() - 1 WHERE status = 'running'"
ORCH_HOME=$HOST_B expect_rc 0 orch-reconcile
contains "$OUT" "its lease ran out in the store's clock"
contains "$OUT" "on host-a"
[ "$(sql "SELECT status FROM jobs")" = queued ] || fail "the job was not requeued: $OUT"
ORCH_HOME=$HOST_B expect_rc 0 orch-work --once
[ -e "$TMP/b.ran" ] || fail "host B's agent did not run: $OUT $ERR"
[ "$(sql "SELECT status || ' ' || host FROM jobs")" = "done host-b" ] || fail "not done by host-b: $(sql "SELECT status || ' ' || host FROM jobs"): $OUT $ERR"
# host A comes back: its heartbeat finds the lease lost and stops the agent; nothing it says counts
kill -CONT "-$APID"
kill -CONT $WA
wait $WA
contains "$(cat "$TMP/a.out")" "lost"
[ ! -e "$TMP/a.finished" ] || fail "host A's agent ran on after its lease was lost"
[ "$(sql "SELECT status || ' ' || host FROM jobs")" = "done host-b" ] || fail "host A's late completion changed the job"
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'job_done'")" = 1 ] || fail "job_done recorded $(sql "SELECT count(*) FROM events WHERE kind = 'job_done'") times"
[ "$(sql "SELECT count(*) FROM agent_runs")" = 2 ] || fail "agent runs: $(sql "SELECT count(*) FROM agent_runs")"
[ "$(sql "SELECT group_concat(host, ' ') FROM (SELECT host FROM agent_runs ORDER BY id) r")" = "host-a host-b" ] ||
	fail "each run names its host: $(sql "SELECT group_concat(host, ' ') FROM agent_runs")"
echo "t-lease-hosts: ok"
