# The multi-host acceptance test of issue 27: three homes on this machine (three hosts with their own
# clones and host names) share one PostgreSQL database and one bare origin per project; the cron ticks
# run on all three at once with random SIGKILLs and a slow ci_cmd, ORCH_SOAK_ITEMS items (default 50)
# with sleeping agents over both deploy modes (self_deploy with Confirm Deploy, and a deploy_hook run
# after the merge), and a host that disappears mid-job (its lease ages out in the store's clock,
# another host finishes the job, its late completion is discarded).  At quiescence hosts_soak.py checks
# the overlap test's invariants (one hook run per deploy, each transition once, no job run twice at
# once, nothing lost) from the store and the hook and agent records.  Each host's commands run in a
# mount namespace where the other hosts' directories are hidden (unshare -m), when that works.
# The check-pg cluster's database, else a throwaway cluster; without PostgreSQL the test says so and
# passes.  ORCH_SOAK_KILLS (default 12) and ORCH_SOAK_SEED (default 27) vary the chaos.
SOAK_ITEMS=${ORCH_SOAK_ITEMS:-50} SOAK_KILLS=${ORCH_SOAK_KILLS:-12} SOAK_SEED=${ORCH_SOAK_SEED:-27}	# lib.sh clears ORCH_*
SOAK_ON=${ORCH_SOAK_HOSTS:-0}
. "$(dirname "$0")/lib.sh"
# It runs under make check-pg (and make soak-hosts, which starts its own cluster); the SQLite suite has
# no shared store to test, so make check says so instead of passing it quietly.
if [ "$SOAK_ON" != 1 ] && [ -z "$TEST_PG" ]; then
	echo "SKIP t-hosts-soak: NOT RUN on SQLite — make check-pg (or make soak-hosts) runs it" >&2
	exit 0
fi
pg_store t-hosts-soak
for v in "$SOAK_ITEMS" "$SOAK_KILLS" "$SOAK_SEED"; do
	case $v in '' | *[!0-9]*) fail "ORCH_SOAK_ITEMS, _KILLS and _SEED must be numbers, got '$v'" ;; esac
done
[ "$SOAK_ITEMS" -ge 2 ] || fail "ORCH_SOAK_ITEMS must be at least 2 (both projects)"
python3 "$TOP/tests/integration/hosts_soak.py" "$BIN" "$SOAK_ITEMS" "$SOAK_KILLS" "$SOAK_SEED" || fail "hosts soak"
echo "t-hosts-soak: ok"
