# No store is created by accident (issue 23 point 8): a mistyped --home (a directory that does not exist)
# is refused with what to do and nothing is created; the first command in an existing home creates the
# store with one loud line naming it (also under -q); orch doctor reports a --home that differs from the
# config's home: and a home without a store.
. "$(dirname "$0")/lib.sh"
mkdir -p "$ORCH_HOME"
make_sample_repo "$TMP" >/dev/null
write_config "$ORCH_HOME/orch.yaml" "$TMP/repo"
printf 'home: %s\n' "$ORCH_HOME" >>"$ORCH_HOME/orch.yaml"
expect_rc 0 orch-issue create --project DEMO --title "first"
contains "$ERR" "created a new, empty store '$ORCH_HOME/orch.db'"
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
contains "$ERR" "created a new, empty store '$TMP/other/orch.db'"
# doctor: the home in use differs from the config's home:
expect_rc 1 orch doctor --config "$ORCH_HOME/orch.yaml" --home "$TMP/other"
contains "$OUT" "the config says home: $ORCH_HOME, but this run uses $TMP/other"
expect_rc 66 orch doctor --config "$ORCH_HOME/orch.yaml" --home "$TMP/other2"
contains "$ERR" "orch home '$TMP/other2' does not exist"
expect_rc 1 orch doctor
lacks "$OUT" "the config says home:"
contains "$OUT" "store: $ORCH_HOME/orch.db"
echo "ok t-store-home"
