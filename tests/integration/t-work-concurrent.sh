# Several runners started at once never run the same job twice; a runner killed mid-job leaves
# what the reaper needs (pid, lease deadline, an open run record).
. "$(dirname "$0")/lib.sh"
cat >"$TMP/count.sh" <<'SH'
echo "$ORCH_JOB_ID" >>"$COUNT_FILE"
SH
export COUNT_FILE="$TMP/ran" ORCH_WORK_SLOTS=4
agents_setup "  default: [\"sh\", \"$TMP/count.sh\"]"
i=0
while [ $i -lt 12 ]; do
	i=$((i + 1))
	orch-issue create --project DEMO --title "item $i" --state "To Analyse" >/dev/null
done
orch-poll -q
[ "$(sql "SELECT count(*) FROM jobs WHERE status = 'queued'")" = 12 ] || fail "12 analyst jobs expected"
for s in 1 2 3 4; do orch-work -q --slot $s --max-jobs 3 & done
wait
[ "$(wc -l <"$COUNT_FILE")" -eq 12 ] || fail "expected 12 runs (4 runners x 3), got $(wc -l <"$COUNT_FILE")"
[ "$(sort "$COUNT_FILE" | uniq -d | wc -l)" -eq 0 ] || fail "a job ran twice: $(sort "$COUNT_FILE" | uniq -d)"
[ "$(sql "SELECT count(*) || '/' || count(DISTINCT job_id) FROM agent_runs")" = 12/12 ] || fail "12 runs of 12 jobs expected"
expect_rc 64 orch-work --slot 5
contains "$ERR" "above work_slots (4)"
hold lock "$ORCH_HOME/locks/orch-work.slot-2.lock"
expect_rc 0 orch-work --slot 2
[ "$OUT" = "orch-work: previous run still active; skipped" ] || fail "slot overlap not skipped: $OUT"
release

# SIGKILL the runner mid-job
cat >"$TMP/block.sh" <<'SH'
echo "$PPID $$" >"$BLOCK_PIDS"
read -r _ <"$BLOCK_FIFO"
SH
mkfifo "$TMP/fifo"
export BLOCK_PIDS="$TMP/pids" BLOCK_FIFO="$TMP/fifo"
write_config "$ORCH_HOME/orch.yaml" "$TMP/repo" "agents:" "  default: [\"sh\", \"$TMP/block.sh\"]"
sql_exec "UPDATE jobs SET status = 'queued' WHERE id = 1"
orch-work --once 8>&- >/dev/null 2>&1 &
exec 9>"$TMP/fifo"	# the agent's read returns only when we close this
until [ -s "$BLOCK_PIDS" ]; do sleep 0.01; done
read -r runner agent <"$BLOCK_PIDS"
kill -9 "$runner"
wait_gone "$runner" || fail "runner survived SIGKILL"
exec 9>&-
now=$(date +%s)
row=$(sql "SELECT status || ' ' || pid || ' ' || CASE WHEN lease_until > $now THEN 1 WHEN lease_until <= $now THEN 0 END
	FROM jobs WHERE id = 1")
[ "$row" = "running $runner 1" ] || fail "killed runner's job should be running with pid $runner and a lease: $row"
[ "$(sql "SELECT count(*) FROM agent_runs WHERE job_id = 1 AND pid = $runner AND finished_at IS NULL")" = 1 ] ||
	fail "no open run record for the killed runner"
