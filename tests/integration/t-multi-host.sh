# Work moves through the remote (issue 27 point 4): two hosts, each with its own clone and ORCH_HOME,
# share one PostgreSQL store and one bare origin.  Host A starts an item; host B's runner works its
# agent job in host B's own workspace (made from the branch on the remote), pushes the result and
# records its commit in the job; host A's gate waits until that commit reached it, then judges it.  A
# host that never pushed (the hostile case: a commit nobody has) keeps the gate waiting with the reason.
# Without PostgreSQL the test says so and passes.
. "$(dirname "$0")/lib.sh"
pg_store t-multi-host
# every agent notes where it ran, then does its stage's work as the example agents do
cat >"$TMP/agent.sh" <<SH
pwd >>"$TMP/cwd.log"
exec sh "$TOP/examples/agents/\$1.sh"
SH
agents_setup "  default: [\"sh\", \"$TMP/agent.sh\", \"{stage}\"]"
printf 'host: host-a\n' >>"$ORCH_HOME/orch.yaml"
HOST_A=$ORCH_HOME HOST_B="$TMP/home-b"
mkdir -p "$HOST_B"
git clone -q "$TMP/origin.git" "$TMP/repo-b"
sed "s|repo: $TMP/repo\$|repo: $TMP/repo-b|; s|^host: host-a|host: host-b|" "$HOST_A/orch.yaml" >"$HOST_B/orch.yaml"
grep -q "repo: $TMP/repo-b" "$HOST_B/orch.yaml" || fail "host B's config does not name its clone"

WI=$(orch-issue create --project DEMO --title "Greet by name" --state "To Analyse") || fail "create"
expect_rc 0 orch-poll
expect_rc 2 orch-advance "$WI"	# started on host A, the branch pushed
BR=$(git -C "$HOST_A/worktrees/DEMO/$WI" rev-parse --abbrev-ref HEAD)
[ -n "$(git -C "$TMP/origin.git" rev-parse -q --verify "refs/heads/$BR")" ] || fail "branch $BR not on the remote"

# host B works the analyst's job in a workspace of its own, made from the remote's branch
ORCH_HOME=$HOST_B expect_rc 0 orch-work --once
[ -d "$HOST_B/worktrees/DEMO/$WI" ] || fail "host B has no workspace of its own: $OUT $ERR"
[ "$(cat "$TMP/cwd.log")" = "$HOST_B/worktrees/DEMO/$WI" ] || fail "the agent ran in $(cat "$TMP/cwd.log")"
SHA=$(sql "SELECT result_sha FROM jobs WHERE agent = 'analyst'")
[ "$(git -C "$TMP/origin.git" rev-parse "refs/heads/$BR")" = "$SHA" ] ||
	fail "host B did not push its agent's commit ($SHA) to the remote: $OUT $ERR"
[ "$(sql "SELECT host FROM jobs WHERE agent = 'analyst'")" = host-b ] || fail "the job is not host-b's"
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'workspace_created'")" = 1 ] || fail "workspace_created not recorded"

# host A judges what host B's agent committed: fetched, handed to A's workspace, the analysis complete
expect_rc 2 orch-advance "$WI"
contains "$OUT" "waiting for a human"
[ "$(git -C "$TMP/repo" rev-parse "refs/heads/$BR")" = "$SHA" ] || fail "host A's branch is not host B's commit"
[ "$(git -C "$HOST_A/worktrees/DEMO/$WI" rev-parse HEAD)" = "$SHA" ] || fail "host A's workspace did not get it"
# the record stays for the other hosts (one host's fetch is not another's)
[ "$(sql "SELECT result_sha FROM jobs WHERE agent = 'analyst'")" = "$SHA" ] || fail "the job's commit was forgotten"

# hostile: a job says host B committed something that never reached the remote; host A waits, says why
sql_exec "UPDATE jobs SET result_sha = 'deadbeefdeadbeefdeadbeefdeadbeefdeadbeef' WHERE agent = 'analyst'"
expect_rc 2 orch-advance "$WI"
contains "$OUT" "waiting for deadbeefdead, which job"
contains "$OUT" "on host host-b"
expect_rc 0 orch-advance --explain "$WI"
contains "$OUT" "deadbeefdead"
sql_exec "UPDATE jobs SET result_sha = NULL WHERE agent = 'analyst'"
expect_rc 2 orch-advance "$WI"
contains "$OUT" "waiting for a human"

# the remote out of reach from host B: its runner does not start the architect on a stale branch (its
# work would be left for the remote's); the job waits, no attempt charged, and runs once it is back
expect_rc 0 orch-issue set "$WI" Approved
expect_rc 0 orch-advance "$WI"
: >"$TMP/cwd.log"
mv "$TMP/origin.git" "$TMP/origin.away"
ORCH_HOME=$HOST_B expect_rc 0 orch-work --once
[ ! -s "$TMP/cwd.log" ] || fail "the architect ran without the remote's branch: $OUT $ERR"
contains "$OUT" "not started: the workspace could not be brought to the remote's branch"
contains "$OUT" "check that remote 'origin'"
[ "$(sql "SELECT status || ' ' || attempts FROM jobs WHERE agent = 'architect'")" = "queued 0" ] ||
	fail "the job is $(sql "SELECT status || ' ' || attempts FROM jobs WHERE agent = 'architect'")"
mv "$TMP/origin.away" "$TMP/origin.git"
ORCH_HOME=$HOST_B expect_rc 0 orch-work --once
[ "$(cat "$TMP/cwd.log")" = "$HOST_B/worktrees/DEMO/$WI" ] || fail "the architect did not run on host B: $OUT $ERR"
[ "$(sql "SELECT status || ' ' || attempts FROM jobs WHERE agent = 'architect'")" = "done 1" ] ||
	fail "the job is $(sql "SELECT status || ' ' || attempts FROM jobs WHERE agent = 'architect'")"

# the item done: host A's reconciler cleans it (its workspace and branch); host B's caches of it go at
# host B's next orch-reconcile, also while another host holds the reconciler's cluster-wide lock, and
# not while host B's post-deploy watch of it runs
sql_exec "UPDATE tasks SET stage = 'done', updated_at = '2000-01-01T00:00:00.000000Z'"
sql_exec "UPDATE jobs SET status = 'done'"
[ -d "$HOST_B/worktrees/DEMO/$WI" ] || fail "host B has no cache to clean"
expect_rc 0 orch-reconcile
[ -d "$HOST_A/worktrees/DEMO/$WI" ] && fail "host A's reconciler kept its workspace"
[ "$(sql "SELECT cleaned FROM tasks")" = 1 ] || fail "the task is not marked cleaned"
mkfifo "$TMP/pg.in" "$TMP/pg.out"
python3 "$TOP/tests/integration/pg_hold.py" "$ORCH_DATABASE_URL" orch-reconcile <"$TMP/pg.in" >"$TMP/pg.out" &
exec 7>"$TMP/pg.in"
read -r ready <"$TMP/pg.out"
[ "$ready" = held ] || fail "could not hold the cluster lock"
deploy_state_put watch "$WI" "1 0" host-b
ORCH_HOME=$HOST_B expect_rc 0 orch-reconcile
contains "$OUT" "previous run still active on another host; skipped"
[ -d "$HOST_B/worktrees/DEMO/$WI" ] || fail "host B's cache went during its post-deploy watch"
deploy_state_put watched "$WI" HEALTHY host-b
# hostile agent: it left its workspace a symlink to a directory of someone's (with a .git of its own):
# the link goes, what it points to stays
mkdir -p "$TMP/precious/.git" && echo keep >"$TMP/precious/data"
rm -rf "$HOST_B/worktrees/DEMO/$WI" && ln -s "$TMP/precious" "$HOST_B/worktrees/DEMO/$WI"
ORCH_HOME=$HOST_B expect_rc 0 orch-reconcile
contains "$OUT" "removed 1 workspace cache(s) of items cleaned on another host"
[ -e "$HOST_B/worktrees/DEMO/$WI" ] || [ -L "$HOST_B/worktrees/DEMO/$WI" ] &&
	fail "host B's cache of a cleaned item stayed"
[ "$(cat "$TMP/precious/data" 2>/dev/null)" = keep ] && [ -d "$TMP/precious/.git" ] ||
	fail "removing the cache removed what its symlink pointed to"
git -C "$TMP/repo-b" show-ref --verify --quiet "refs/heads/$BR" && fail "host B's branch of it stayed"
git -C "$TMP/origin.git" show-ref --verify --quiet "refs/heads/$BR" || fail "the remote's branch was removed"
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'worktree_removed' AND detail LIKE 'host host-b %'")" = 1 ] ||
	fail "no event names host B's removal"
ORCH_HOME=$HOST_B expect_rc 0 orch-reconcile
lacks "$OUT" "removed"
exec 7>&-
wait

# host B's reaper leaves host A's processes alone: a claim of host A's with a pid unknown here stays
sql_exec "INSERT INTO leases(name, task_id, work_item, pid, acquired_at, host, expires_at, token) VALUES ('task:$WI', 1, '$WI', 999999999, 'x', 'host-a', orch_now() + 600, 't')"
ORCH_HOME=$HOST_B expect_rc 0 orch-reconcile
[ "$(sql "SELECT count(*) FROM leases WHERE host = 'host-a'")" = 1 ] || fail "host B's reaper dropped host A's claim"
# (task_claim_across_hosts in tests/unit/test_job.c: another host's claim holds until its expiry)
echo "t-multi-host: ok"
