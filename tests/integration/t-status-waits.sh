# orch-status: each task shows its tracker status and what it waits for, in the engine's words, per kind:
# a job, a backoff with its next attempt (and orch-work saying it skipped it), a missing artifact, a human
# verdict, a dead job, a blocked task, a manual stage; the JSON carries the same.
. "$(dirname "$0")/lib.sh"
pipeline_setup "agents:" "  analyst: [\"true\"]" "  developer: [\"true\"]"
waits() {	# the waits object of DEMO-1, as "kind|detail|next_attempt"
	expect_rc 0 orch-status --json
	printf '%s' "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); t=[i for i in d["tasks"]["items"] if i["work_item"]=="DEMO-1"][0]; w=t["waits"]; print("%s|%s|%s|%s" % (w["kind"], w["detail"], w["next_attempt"], t["tracker_status"]))'
}
# 1. the analyst's job is queued
w=$(waits)
case "$w" in "job|analyst job "*" queued for orch-work|None|Analysis") ;; *) fail "queued job: $w" ;; esac
[ "$(sql "SELECT status FROM tracker_seen WHERE work_item = 'DEMO-1'")" = Analysis ] ||
	fail "the status orch set was not remembered"
# 2. it failed once: a backoff until a known instant; orch-work skips it and says so
next=$(($(date +%s) + 7200))
sql_exec "UPDATE jobs SET attempts = 1, available_at = ? WHERE status = 'queued'" "$next"
iso=$(date -u -d "@$next" +%Y-%m-%dT%H:%M:%SZ)
w=$(waits)
case "$w" in "backoff|analyst job "*" failed 1 time: next attempt after its backoff|$iso|Analysis") ;;
*) fail "backoff: $w (want $iso)" ;; esac
expect_rc 0 orch-status
contains "$OUT" "DEMO-1 analysis retries 0; tracker 'Analysis'; waits for backoff: analyst job"
contains "$OUT" "(next attempt $iso)"
expect_rc 0 env TZ=JST-9 orch-work --once
contains "$OUT" "skipped 1 job in backoff; the next attempt at $(TZ=JST-9 date -d "@$next" '+%Y-%m-%d %H:%M:%S') JST ($iso)"
[ "$(sql "SELECT attempts FROM jobs WHERE status = 'queued'")" = 1 ] || fail "a job in backoff was run"
expect_rc 0 orch-work -q --once
[ -z "$OUT" ] || fail "-q printed: $OUT"
# 3. the agent finished without its artifacts: the first missing one is named (read at the branch head)
sql_exec "UPDATE jobs SET status = 'done'"
w=$(waits)
case "$w" in "artifact|docs/work-items/DEMO-1/01-brd.md MISSING|None|"*) ;; *) fail "artifact: $w" ;; esac
# 4. the artifacts are in: the human verdict
analyst_work "$WT" DEMO-1 || fail "analyst commit"
w=$(waits)
case "$w" in "verdict|a human verdict: tracker status Approved (or Rejected)|None|"*) ;; *) fail "verdict: $w" ;; esac
# 5. a dead job at the stage
sql_exec "UPDATE jobs SET status = 'dead', attempts = 3"
w=$(waits)
case "$w" in "dead_job|analyst job "*" dead after 3 attempts: fix the agent, then orch-advance --unblock DEMO-1 requeues it|None|"*) ;;
*) fail "dead job: $w" ;; esac
expect_rc 0 orch-status
contains "$OUT" "attention: 0 secrets on main, 0 blocked, 1 dead jobs"
# 6. blocked
sql_exec "UPDATE tasks SET blocked = 1, retries = 4"
w=$(waits)
case "$w" in "blocked|blocked after 4 retries: orch-advance --unblock DEMO-1 resumes it|None|"*) ;; *) fail "blocked: $w" ;; esac
# 7. architecture has no agent in this project: people work it, and owe the ADR
sql_exec "UPDATE tasks SET blocked = 0, retries = 0"
at_stage architecture
w=$(waits)
case "$w" in "manual|people work this stage: docs/work-items/DEMO-1/06-adr/ADR-*.md MISSING|None|"*) ;; *) fail "manual: $w" ;; esac
# 8. hostile input: an artifact whose value carries control characters and markup is quoted, never obeyed
at_stage review
agent_commit "$WT" "review" "docs/work-items/DEMO-1/11-review.md" "$(printf -- '---\nreview_verdict: "<b>x\033[2J"\n---\n')" ||
	fail "review commit"
expect_rc 0 orch-status
contains "$OUT" "waits for"
lacks "$OUT" "$(printf '\033')"
# 9. bounded: past STATUS_BRANCH_READS live tasks, the branch is not read and the status says so
sql_exec "INSERT INTO tasks(project, work_item, issue_id, repo, branch, worktree, stage, created_at, updated_at)
	SELECT project, 'DEMO-' || k.n, issue_id || '-' || k.n, repo, branch, worktree, 'testing', created_at, updated_at
	FROM tasks, ($(seq 2 39 | sed 's/.*/SELECT & AS n/' | paste -sd'|' | sed 's/|/ UNION ALL /g')) k
	WHERE work_item = 'DEMO-1' ORDER BY k.n"
expect_rc 0 orch-status --json
printf '%s' "$OUT" | python3 -c '
import json, sys
d = json.load(sys.stdin)
kinds = [i["waits"]["kind"] + ":" + i["waits"]["detail"] for i in d["tasks"]["items"] if i["stage"] != "done"]
assert len(kinds) == 39, len(kinds)
skipped = [k for k in kinds if "branch not examined" in k]
assert len(skipped) == 39 - 20, (len(skipped), kinds)
' || fail "the branch reads are not capped"
echo ok
