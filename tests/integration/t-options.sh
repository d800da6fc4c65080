# GNU option order for every command: options before and after operands, -- ends options,
# usage errors name the real problem and exit 64.
. "$(dirname "$0")/lib.sh"
standins gitleaks pip-audit
pipeline_setup
chmod 700 "$ORCH_HOME"

# orch-issue: every subcommand with its options after the operands
expect_rc 0 orch-issue show "$WI" --json
[ "$(printf "%s\n" "$OUT" | json_field '["work_item"]')" = "$WI" ] || fail "show WI --json: $OUT"
expect_rc 0 orch-issue show --json -- "$WI"
[ "$(printf "%s\n" "$OUT" | json_field '["work_item"]')" = "$WI" ] || fail "show --json -- WI: $OUT"
expect_rc 0 orch-issue create --title "Second item" --json --project DEMO
[ "$(printf "%s\n" "$OUT" | json_field '["work_item"]')" = DEMO-2 ] || fail "create with options in any order: $OUT"
expect_rc 0 orch-issue list --json --project DEMO --state Backlog
[ "$(printf "%s\n" "$OUT" | json_field '[0]["work_item"]')" = DEMO-2 ] || fail "list --state Backlog: $OUT"
expect_rc 0 orch-issue states --project DEMO --json
contains "$OUT" '"name":"Confirm Deploy"'
expect_rc 0 orch-issue comment DEMO-2 "a note" -q
[ -z "$OUT" ] || fail "-q after operands not applied: $OUT"
expect_rc 0 orch-issue set DEMO-2 Todo --json
[ "$(printf "%s\n" "$OUT" | json_field '["state"]')" = Todo ] || fail "set ... --json: $OUT"
# after --, a leading dash is an operand (a comment may start with one)
expect_rc 0 orch-issue comment DEMO-2 -- "--not-an-option"
expect_rc 0 orch-issue show DEMO-2
contains "$OUT" "comment "
contains "$OUT" " --not-an-option"

# usage errors name the problem, exit 64
expect_rc 64 orch-issue show "$WI" --jsn
contains "$ERR" "orch-issue: unknown option --jsn"
expect_rc 64 orch-issue show "$WI" DEMO-2
contains "$ERR" "orch-issue: show takes one WI, got 2"
expect_rc 64 orch-issue show
contains "$ERR" "show takes one WI, got 0"
expect_rc 64 orch-issue list --project
contains "$ERR" "orch-issue: missing argument for --project"
expect_rc 64 orch-issue list --json=yes
contains "$ERR" "option --json takes no argument"
expect_rc 64 orch-issue list -x
contains "$ERR" "unknown option -x"
expect_rc 64 orch-issue frobnicate
contains "$ERR" "unknown command 'frobnicate'"
expect_rc 64 orch-advance DEMO-1 --all
contains "$ERR" "give exactly one of WI..., --all, --start WI, --unblock WI"

# every other command: options after operands, or alone after its options
expect_rc 2 orch-advance "$WI" --dry-run --json
[ "$(printf "%s\n" "$OUT" | json_field '["dry_run"]')" = True ] || fail "advance WI --dry-run --json: $OUT"
expect_rc 66 orch-advance DEMO-2 "$WI" --dry-run --json
[ "$(printf "%s\n" "$OUT" | json_field '[1]["work_item"]')" = "$WI" ] || fail "advance two items then options: $OUT"
expect_rc 0 orch-advance --all -q
[ -z "$OUT" ] || fail "advance --all -q printed: $OUT"
expect_rc 0 orch-scan "$WI" --json
[ "$(printf "%s\n" "$OUT" | json_field '["work_item"]')" = "$WI" ] || fail "scan WI --json: $OUT"
expect_rc 64 orch-scan "$WI" DEMO-2
contains "$ERR" "orch-scan: orch-scan takes one WI, got 2"
expect_rc 64 orch-scan --main extra
contains "$ERR" "unexpected operand 'extra'"
expect_rc 0 orch-scan --json --main --project DEMO
contains "$OUT" '"project":"DEMO"'
expect_rc 0 orch-status --json
contains "$OUT" '"tasks"'
expect_rc 64 orch-status stray --json
contains "$ERR" "orch-status: unexpected operand 'stray': orch-status takes options only"
expect_rc 0 orch-poll --json --project DEMO
expect_rc 64 orch-poll --project demo
contains "$ERR" "project key 'demo' is not valid: a Plane project identifier: uppercase letters, digits"
expect_rc 0 orch-work --once --json
expect_rc 64 orch-work --slot x
contains "$ERR" "orch-work: --slot 'x' is not a number in 1..64"
expect_rc 0 orch-deploy --json --finalize
expect_rc 64 orch-deploy --finalize --monitor
contains "$ERR" "give at most one of --accept WI, --confirm WI, --finalize, --monitor, --retry WI"
expect_rc 0 orch-reconcile --json -q
expect_rc 64 orch-reconcile now
contains "$ERR" "unexpected operand 'now'"
OUT=$(orch-doctor --json)	# exit 0 or 1 depends on this machine's crontab; the options are the point
contains "$OUT" '"check":"git"'
expect_rc 64 orch-doctor --frob
contains "$ERR" "orch-doctor: unknown option --frob"
# the dispatcher passes options after operands through
expect_rc 0 orch issue show "$WI" --json
[ "$(printf "%s\n" "$OUT" | json_field '["work_item"]')" = "$WI" ] || fail "orch issue show WI --json: $OUT"
# ... and common options before the command name
expect_rc 0 orch --home "$ORCH_HOME" --json issue show "$WI"
[ "$(printf "%s\n" "$OUT" | json_field '["work_item"]')" = "$WI" ] || fail "orch --home DIR --json issue show WI: $OUT"
expect_rc 64 orch --json
contains "$ERR" "orch: no command given"
# --help and --version anywhere, exit 0
expect_rc 0 orch-issue show "$WI" --help
contains "$OUT" "usage: orch-issue"
expect_rc 0 orch-status --version
contains "$OUT" "orch-status 0.1.0"
# POSIXLY_CORRECT does not switch permutation off
POSIXLY_CORRECT=1 expect_rc 0 orch-issue show "$WI" --json
[ "$(printf "%s\n" "$OUT" | json_field '["work_item"]')" = "$WI" ] || fail "POSIXLY_CORRECT: $OUT"
