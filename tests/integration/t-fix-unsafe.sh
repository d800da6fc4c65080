# orch-fix's bad input: each case a clear error, a recorded run, and nothing committed (the branch head
# does not move).  Hostile plans, a symlink, a pin for a missing requirement, a version that does not fix
# the advisory, policy blocks, a hung ci_cmd, the branch moving during validation.
. "$(dirname "$0")/lib.sh"
export ORCH_SECURITY_DEP_ENGINE=pip-audit
standins pip-audit
pipeline_setup
# the branch as the workspace has it: orch-fix imports it first and hands its commit back
head_of() { git -C "$WT" rev-parse HEAD; }
# ci_cmd can hang or move the branch on request (FIX_HANG / FIX_MOVE in its environment)
agent_commit "$WT" setup Makefile "$(printf 'test:\n\t@test -f src/app.py\n\t@if [ -n "$$FIX_HANG" ]; then sleep 60; fi\n\t@if [ -n "$$FIX_MOVE" ]; then git -C "$$FIX_MOVE" commit -q --allow-empty -m moved; fi\n')" \
	requirements.txt "$(printf 'foo==1.0\nrequests==2.0\n')" \
	src/util.py "$(printf 'import os\nimport sys\n')"
ln -s requirements.txt "$WT/requirements-dev.txt"
git -C "$WT" add requirements-dev.txt && git -C "$WT" commit -qm symlink
at_stage development

plan() {	# CATEGORY FILES OPERATIONS -> $TMP/plan.json
	printf '{"version": 1, "work_item": "%s", "category": "%s", "summary": "t", "confidence": 0.5, "files": [%s], "operations": [%s], "evidence": []}' \
		"$WI" "$1" "$2" "$3" >"$TMP/plan.json"
}
pin() { printf '{"type": "pin_dependency", "file": "%s", "details": {"package": "%s", "version": "%s"}}' "$1" "$2" "$3"; }
# refused RC STATUS TEXT [orch-fix args]: a clear error, one more fix run with STATUS, the branch as it was
refused() {
	want=$1 st=$2 text=$3
	shift 3
	n0=$(sql "SELECT count(*) FROM fix_runs")
	h0=$(head_of)
	expect_rc "$want" orch-fix "$@" "$WI"
	contains "$ERR" "$text"
	[ "$(head_of)" = "$h0" ] || fail "the branch moved on a refused fix ($text)"
	[ "$(sql "SELECT count(*) FROM fix_runs")" -eq $((n0 + 1)) ] || fail "no fix run recorded ($text)"
	[ "$(sql "SELECT status FROM fix_runs ORDER BY id DESC LIMIT 1")" = "$st" ] || fail "run status is not $st ($text)"
	[ -z "$(ls "$ORCH_HOME/scratch" 2>/dev/null)" ] || fail "a scratch repository was left ($text)"
}

# invalid JSON, prose around JSON, a ../ path, an unknown key: the schema rejects them, naming the field
printf '{"version": 1,' >"$TMP/plan.json"
refused 65 invalid "plan: invalid JSON" --plan "$TMP/plan.json"
plan dependency '"requirements.txt"' "$(pin requirements.txt foo 1.1)"
printf 'Here you go:\n%s\n' "$(cat "$TMP/plan.json")" >"$TMP/prose.json"
refused 65 invalid "text before the '{'" --plan "$TMP/prose.json"
printf '%s\nThanks!\n' "$(cat "$TMP/plan.json")" >"$TMP/prose.json"
refused 65 invalid "text after the '}'" --plan "$TMP/prose.json"
plan dependency '"../requirements.txt"' "$(pin ../requirements.txt foo 1.1)"
refused 65 invalid "files[0]: not a normalised relative path" --plan "$TMP/plan.json"
plan dependency '"requirements.txt"' '{"type": "pin_dependency", "file": "requirements.txt", "details": {"package": "foo", "version": "1.1", "shell": "rm -rf /"}}'
refused 65 invalid "operations[0].details.shell: unknown key" --plan "$TMP/plan.json"
# a plan path that is missing, a directory or a FIFO is refused before anything is claimed or recorded
early() {	# RC TEXT PATH
	n0=$(sql "SELECT count(*) FROM fix_runs")
	expect_rc "$1" timeout 60 orch-fix --plan "$3" "$WI"
	contains "$ERR" "$2"
	[ "$(sql "SELECT count(*) FROM fix_runs")" -eq "$n0" ] || fail "a run was recorded for the plan path $3"
}
early 66 "cannot read plan file '$TMP/missing.json': No such file or directory" "$TMP/missing.json"
early 64 "plan file '$TMP' is not a regular file" "$TMP"
mkfifo "$TMP/plan.fifo"
early 64 "plan file '$TMP/plan.fifo' is not a regular file" "$TMP/plan.fifo"
# a run stopped before it finished (signal, crash) is closed as interrupted by the item's next run
sql_exec "INSERT INTO fix_runs (work_item, source, status, started_at) VALUES (?, 'file', 'running', '2026-01-01T00:00:00.000000Z')" "$WI"
stuck=$(sql "SELECT max(id) FROM fix_runs")
printf '{' >"$TMP/bad.json"
refused 65 invalid "plan: invalid JSON" --plan "$TMP/bad.json"
[ "$(sql "SELECT status FROM fix_runs WHERE id = $stuck")" = interrupted ] || fail "the stopped run is still running"

# policy: a file outside the category, CI configuration, the pipeline's artifacts, a symlink, the thresholds
plan dependency '"src/util.py"' "$(pin src/util.py foo 1.1)"
refused 1 blocked "outside what a dependency fix may touch" --plan "$TMP/plan.json"
plan lint '".github/workflows/ci.py"' '{"type": "remove_unused", "file": ".github/workflows/ci.py", "details": {"module": "os"}}'
refused 1 blocked "CI configuration is never patched" --plan "$TMP/plan.json"
plan lint "\"docs/work-items/$WI/x.py\"" "{\"type\": \"remove_unused\", \"file\": \"docs/work-items/$WI/x.py\", \"details\": {\"module\": \"os\"}}"
refused 1 blocked "docs/work-items/ holds the pipeline's artifacts" --plan "$TMP/plan.json"
plan dependency '"requirements-dev.txt"' "$(pin requirements-dev.txt foo 1.1)"
refused 1 blocked "is a symlink" --plan "$TMP/plan.json"
plan dependency '"requirements.txt"' "$(pin requirements.txt foo 1.1), $(pin requirements.txt requests 2.1)"
ORCH_FIX_MAX_CHANGED_LINES=3 refused 1 blocked "over fix_max_changed_lines 3" --plan "$TMP/plan.json"
ORCH_FIX_MAX_DANGER=5 refused 1 blocked "over fix_max_danger 5" --plan "$TMP/plan.json"

# operations that cannot apply: a requirement line that does not exist, an import that is not there
plan dependency '"requirements.txt"' "$(pin requirements.txt flask 2.0)"
refused 65 invalid "no requirement line for 'flask'" --plan "$TMP/plan.json"
plan lint '"src/util.py"' '{"type": "remove_unused", "file": "src/util.py", "details": {"module": "json"}}'
refused 65 invalid "no import of 'json'" --plan "$TMP/plan.json"

# validation: a version that does not fix the advisory (VULN-0 is fixed in 1.1), a hung ci_cmd
plan dependency '"requirements.txt"' "$(pin requirements.txt foo 1.0.5)"
refused 1 failed "still reports VULN-0 for foo" --plan "$TMP/plan.json"
plan dependency '"requirements.txt"' "$(pin requirements.txt foo 1.1)"
FIX_HANG=1 ORCH_CI_TIMEOUT_S=1 refused 1 failed "ci_cmd timed out" --plan "$TMP/plan.json"

# another live process holds the task's claim (the engine at its gates): busy, recorded, nothing done
sql_exec "INSERT INTO leases(name, task_id, work_item, pid, acquired_at, host, expires_at) VALUES ('task:$WI', 1, '$WI', $$, 'now', '$(hostname)', 0)"
refused 75 busy "is being worked by pid $$" --plan "$TMP/plan.json"
sql_exec "DELETE FROM leases"

# the branch moves while the fix is validated: the validated commit is not landed
h0=$(head_of)
FIX_MOVE="$WT" expect_rc 1 orch-fix --plan "$TMP/plan.json" "$WI"
contains "$ERR" "moved from ${h0%"${h0#????????????}"}"
[ "$(git -C "$TMP/repo" log -1 --format=%s "refs/heads/$BR")" = moved ] || fail "the branch is not the mover's"
[ "$(git -C "$TMP/repo" show "refs/heads/$BR:requirements.txt" | head -1)" = "foo==1.0" ] || fail "the fix landed anyway"
[ "$(sql "SELECT status FROM fix_runs ORDER BY id DESC LIMIT 1")" = failed ] || fail "the moved run is not recorded"

# nothing ever reached the stage or the queue
[ "$(sql "SELECT stage FROM tasks")" = development ] || fail "a refused fix changed the stage"
[ "$(sql "SELECT count(*) FROM fix_runs WHERE commit_sha IS NOT NULL")" = 0 ] || fail "a refused run has a commit"
echo "t-fix-unsafe: ok"
