#!/bin/sh
# Run every tests/integration/t-*.sh against the binaries in $1.
# ORCH_VALGRIND=1 runs each orch binary under valgrind (leaks are errors).
# Prints "N passed, N failed" and exits 1 when any test failed.
BIN=$(cd "${1:-build/bin}" && pwd) || exit 70
HERE=$(cd "$(dirname "$0")" && pwd)
pass=0 fail=0 failed=""
if [ "${ORCH_VALGRIND:-0}" = 1 ]; then
	wrap=$(mktemp -d "${TMPDIR:-/tmp}/orch-vg.XXXXXX")
	for b in "$BIN"/*; do
		n=$(basename "$b")
		printf '#!/bin/sh\nexec valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect --trace-children=no "%s" "$@"\n' "$b" > "$wrap/$n"
		chmod +x "$wrap/$n"
	done
	BIN=$wrap
	export OVERLAP_CHAOS=0	# t-overlap: its deterministic part only; SIGKILLed runs report nothing
fi
for t in "$HERE"/t-*.sh; do
	name=$(basename "$t" .sh)
	# a process killed with SIGKILL reports nothing: the crash test adds no valgrind evidence, only hours
	[ -n "${wrap:-}" ] && [ "$name" = t-crash ] && { echo "skip $name (valgrind)"; continue; }
	out=$(timeout 600 sh "$t" "$BIN" 2>&1)
	rc=$?
	if [ $rc -eq 0 ]; then
		pass=$((pass + 1))
		echo "ok   $name"
		printf '%s\n' "$out" | grep '^real gitleaks: '	# a test that fell back to stand-ins says so loudly
	else
		fail=$((fail + 1))
		failed="$failed $name"
		echo "FAIL $name (exit $rc)"
		printf '%s\n' "$out" | tail -n 25 | sed 's/^/     /'
	fi
done
[ -n "${wrap:-}" ] && rm -rf "$wrap"
echo "integration: $pass passed, $fail failed"
[ $fail -eq 0 ]
