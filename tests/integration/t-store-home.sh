# No store is created by accident (issue 23 point 8): a mistyped --home (a directory that does not exist)
# is refused with what to do and nothing is created; the first command in an existing home creates the
# store with one loud line naming it (also under -q); orch doctor reports a --home that differs from the
# config's home: and a home without a store.
. "$(dirname "$0")/lib.sh"
# created HOME: the command just run made the store, saying so: orch.db in HOME (a PostgreSQL store is
# not the home's: nothing is announced)
created() {
	if [ -n "${ORCH_DATABASE_URL:-}" ]; then lacks "$ERR" "created a new"
	else contains "$ERR" "created a new, empty store '$1/orch.db'"; fi
}
mkdir -p "$ORCH_HOME"
make_sample_repo "$TMP" >/dev/null
write_config "$ORCH_HOME/orch.yaml" "$TMP/repo"
printf 'home: %s\n' "$ORCH_HOME" >>"$ORCH_HOME/orch.yaml"
expect_rc 0 orch-issue create --project DEMO --title "first"
created "$ORCH_HOME"
expect_rc 0 orch-issue list
[ -z "$ERR" ] || fail "the existing store was announced again: $ERR"
# a mistyped home: refused, nothing created, for every kind of command
for cmd in "orch-poll" "orch-advance --all" "orch-status" "orch-issue list"; do
	expect_rc 66 $cmd --config "$ORCH_HOME/orch.yaml" --home "$TMP/hoem"
	contains "$ERR" "orch home '$TMP/hoem' does not exist"
	contains "$ERR" "mkdir -p '$TMP/hoem'"
	[ ! -e "$TMP/hoem" ] || fail "$cmd created the mistyped home"
done
ORCH_HOME="$TMP/hoem" expect_rc 66 orch-poll --config "$ORCH_HOME/orch.yaml"
# an existing but empty directory: created, loudly (also with -q)
mkdir "$TMP/other"
expect_rc 0 orch-status -q --config "$ORCH_HOME/orch.yaml" --home "$TMP/other"
created "$TMP/other"
# doctor: the home in use differs from the config's home:
expect_rc 1 orch doctor --config "$ORCH_HOME/orch.yaml" --home "$TMP/other"
contains "$OUT" "the config says home: $ORCH_HOME, but this run uses $TMP/other"
expect_rc 66 orch doctor --config "$ORCH_HOME/orch.yaml" --home "$TMP/other2"
contains "$ERR" "orch home '$TMP/other2' does not exist"
expect_rc 1 orch doctor
lacks "$OUT" "the config says home:"
if [ -n "${ORCH_DATABASE_URL:-}" ]; then contains "$OUT" "store: PostgreSQL"
else contains "$OUT" "store: $ORCH_HOME/orch.db"; fi
echo "ok t-store-home"
