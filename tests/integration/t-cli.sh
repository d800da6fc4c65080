# The dispatcher, --help/--version, and man pages that match --help.
. "$(dirname "$0")/lib.sh"
expect_rc 0 orch --version
contains "$OUT" "orch 0.1.0"
expect_rc 0 orch advance --version
contains "$OUT" "orch-advance 0.1.0"
expect_rc 64 orch nosuch
contains "$ERR" "'nosuch' is not an orch command"
expect_rc 64 orch '../x'
expect_rc 64 orch
for cmd in orch-advance orch-deploy orch-doctor orch-issue orch-poll orch-reconcile orch-scan orch-status orch-work; do
	expect_rc 0 "$cmd" --help
	help=$OUT
	man="$TOP/man/man1/$cmd.1"
	[ -f "$man" ] || fail "no man page for $cmd"
	for opt in $(printf '%s\n' "$help" | grep -o -- '--[a-z-]*' | sort -u); do
		grep -q -- "$(printf '%s' "$opt" | sed 's/-/\\\\-/g')" "$man" || fail "$cmd(1) does not document $opt"
	done
	grep -q "$cmd" "$TOP/README.md" || fail "README does not list $cmd"
done
[ -f "$TOP/man/man1/orch.1" ] && [ -f "$TOP/man/man5/orch.yaml.5" ] || fail "orch(1) or orch.yaml(5) missing"

# An operand with control characters is quoted escaped: no raw ESC or newline reaches the terminal.
mkdir -p "$ORCH_HOME"
expect_rc 64 orch-advance "$(printf 'NU-1\033[31m\nX')"
contains "$ERR" "work item 'NU-1\\x1b[31m\\nX' is not of the form ABC-123"
case "$ERR" in *"$(printf '\033')"*) fail "a raw ESC in the message" ;; esac
[ "$(printf '%s\n' "$ERR" | grep -c 'orch-advance:')" -eq 1 ] || fail "the message split over lines: $ERR"
