# The PostgreSQL store (issue 27): two "hosts" (homes) share one database; the cluster-wide lock of a
# singleton; what a bad URL, a password in the config file and a newer schema get.  Runs on the
# check-pg cluster, else on a throwaway cluster of its own; without PostgreSQL it says so and passes.
. "$(dirname "$0")/lib.sh"
pg_store t-store-pg
HOST_A=$ORCH_HOME HOST_B="$TMP/home-b"
pipeline_setup "agents:" "  default: [\"sh\", \"$TMP/agent.sh\"]"
printf 'env >"%s/agent-env"\n' "$TMP" >"$TMP/agent.sh"
[ ! -e "$ORCH_HOME/orch.db" ] || fail "a PostgreSQL store left an orch.db in ORCH_HOME"
# host B: its own home and config, the same database: it sees host A's item and state
mkdir -p "$HOST_B" && cp "$HOST_A/orch.yaml" "$HOST_B/orch.yaml"
ORCH_HOME=$HOST_B expect_rc 0 orch-issue --json show DEMO-1
contains "$OUT" '"work_item":"DEMO-1"'
ORCH_HOME=$HOST_B expect_rc 0 orch-status --json
contains "$OUT" '"work_item":"DEMO-1"'
# the agent runs on host A: the database URL is not in its environment
expect_rc 0 orch-work --once
[ -s "$TMP/agent-env" ] || fail "the agent did not run: $OUT $ERR"
if grep -q "ORCH_DATABASE_URL\|127.0.0.1:[0-9]*/" "$TMP/agent-env"; then fail "the agent saw the database URL"; fi

# orch doctor names the shared store, its schema and this host
printf 'host: host-b\n' >>"$HOST_B/orch.yaml"
ORCH_HOME=$HOST_B orch doctor >"$TMP/doctor.out" 2>&1
contains "$(cat "$TMP/doctor.out")" "ok   store: PostgreSQL"
v=$(sed -n 's/^#define STORE_SCHEMA_VERSION \([0-9]*\)$/\1/p' "$TOP/lib/store.h")
contains "$(cat "$TMP/doctor.out")" "schema $v (this orch's: $v), host 'host-b'"
# a singleton (orch-poll) runs once in the cluster: held elsewhere, both hosts skip, loudly
mkfifo "$TMP/pg.in" "$TMP/pg.out"
python3 "$TOP/tests/integration/pg_hold.py" "$ORCH_DATABASE_URL" orch-poll <"$TMP/pg.in" >"$TMP/pg.out" &
exec 7>"$TMP/pg.in"
read -r ready <"$TMP/pg.out"
[ "$ready" = held ] || fail "could not hold the cluster lock"
expect_rc 0 orch-poll
contains "$OUT" "orch-poll: previous run still active on another host; skipped"
ORCH_HOME=$HOST_B expect_rc 0 orch-poll --json
contains "$OUT" '"reason":"previous run still active on another host"'
expect_rc 0 orch-issue list	# not a singleton: runs beside it
exec 7>&-
wait
expect_rc 0 orch-poll
lacks "$OUT" "skipped"

# hostile and wrong settings: each a clear error, no password shown, nothing created
URL=$ORCH_DATABASE_URL
ORCH_DATABASE_URL="postgresql://orch:hunter2-pw@127.0.0.1:1/orch" expect_rc 69 orch-issue list
contains "$ERR" "cannot connect to the database 'postgresql://orch:****@127.0.0.1:1/orch'"
lacks "$ERR$OUT" "hunter2-pw"
ORCH_DATABASE_URL="mysql://x" expect_rc 78 orch-issue list
contains "$ERR" "environment ORCH_DATABASE_URL: store must be a postgresql:// URL"
ORCH_DATABASE_URL="postgresql://%zz:%%/%00" expect_rc 69 orch-issue list
contains "$ERR" "cannot connect to the database"
unset ORCH_DATABASE_URL
printf 'store: postgresql://orch:pw-in-file@127.0.0.1/orch\n' >>"$HOST_B/orch.yaml"
ORCH_HOME=$HOST_B expect_rc 78 orch-issue list
contains "$ERR" "the URL holds a password; secrets are not read from the config file"
lacks "$ERR" "pw-in-file"
sed -i "s|^store: .*|store: $URL|" "$HOST_B/orch.yaml"
ORCH_HOME=$HOST_B expect_rc 0 orch-issue list	# store: in the file, no variable
contains "$OUT" "DEMO-1"
# a database a newer orch migrated: refused, naming both versions
ORCH_DATABASE_URL=$URL sql_exec "INSERT INTO orch_schema VALUES (9999)"
ORCH_HOME=$HOST_B expect_rc 78 orch-issue list
contains "$ERR" "has schema 9999, newer than this orch"
echo "t-store-pg: ok"
