#!/bin/sh
# Tester: runs the project's tests and reports PASS or FAIL.
. "$(dirname "$0")/lib.sh"
if make -s test >/dev/null 2>&1; then r=PASS; else r=FAIL; fi
put "$D/13-test-report.md" "$(verdict result "$r" "make test at $(git rev-parse --short HEAD): $r")"
commit "test report ($r)"
log "tests $r"
