# Hostile agents in their own workspace (issue 21, docs/security-model.md): git config, hooks, fsmonitor and
# remotes written there never run inside orch's git or steer its push; a detached HEAD or another branch is
# a red gate, and what it points at never reaches main.  The agents' moves are played in the workspace,
# after their honest commits, so any hook that fires afterwards can only be orch's doing.
. "$(dirname "$0")/lib.sh"
export ORCH_SECURITY_GATE_REPOS=DEMO ORCH_MAX_DEVELOPER_RETRIES=50
standins gitleaks pip-audit
pipeline_setup
on_main() { git -C "$TMP/origin.git" log -p main 2>/dev/null; }
AWS=$(aws_key)

# the workspace is a repository of its own: none of its config is orch's
[ -d "$WT/.git" ] || fail "the workspace $WT is not a repository of its own (.git is not a directory)"
git -C "$WT" config core.hooksPath /nowhere
[ -z "$(git -C "$TMP/repo" config --get core.hooksPath)" ] || fail "the workspace's config reached orch's repository"
git -C "$WT" config --unset core.hooksPath

base=$(git -C "$WT" rev-parse HEAD)
# a staging agent plants a secret, then every hook and fsmonitor it can name in its own config
agent_commit "$WT" leak src/keys.py "AWS_ACCESS_KEY_ID = \"$AWS\"" \
	"$D/15-staging-log.md" "$(verdict_doc staging_status SUCCESS ok)"
mkdir -p "$WT/.evil"
for h in post-commit pre-commit reference-transaction post-checkout post-rewrite post-merge pre-push; do
	printf '#!/bin/sh\necho %s >>"%s/hook-ran"\n' "$h" "$TMP" >"$WT/.evil/$h"
	chmod +x "$WT/.evil/$h"
done
printf '#!/bin/sh\necho fsmonitor >>"%s/hook-ran"\n' "$TMP" >"$WT/.evil/fsmon"
chmod +x "$WT/.evil/fsmon"
git -C "$WT" config core.hooksPath "$WT/.evil"
git -C "$WT" config core.fsmonitor "$WT/.evil/fsmon"
at_stage deploy-staging
expect_rc 1 orch-advance --json "$WI"
contains "$(echo "$OUT" | json_field '["reason"]')" "security gate FAIL: 1 secret(s) found"
[ "$(echo "$OUT" | json_field '["outcome"]')" = rolled_back ] || fail "a planted secret did not roll back: $OUT"
[ -e "$TMP/hook-ran" ] && fail "a hook from the workspace ran inside orch's git: $(cat "$TMP/hook-ran")"
contains "$(git -C "$TMP/repo" show "refs/heads/$BR:$D/17-security-report.md")" "security_status: FAIL"
# orch's report reached the workspace without running its hooks (the sync is hardened too)
contains "$(git -C "$WT" -c core.hooksPath=/dev/null -c core.fsmonitor=false show "HEAD:$D/17-security-report.md")" \
	"security_status: FAIL"
[ -e "$TMP/hook-ran" ] && fail "the workspace sync ran the workspace's hooks: $(cat "$TMP/hook-ran")"
lacks "$(on_main)" "$AWS"
git -C "$WT" config --unset core.hooksPath
git -C "$WT" config --unset core.fsmonitor

# a detached HEAD at a commit no gate read, with a forged security report: red, and nothing of it lands
git -C "$WT" checkout -q --detach
agent_commit "$WT" "late leak" src/late.py "KEY = \"$AWS\"" \
	"$D/17-security-report.md" "$(verdict_doc security_status PASS forged)"
at_stage deploy-staging
expect_rc 1 orch-advance --json "$WI"
contains "$(echo "$OUT" | json_field '["reason"]')" "detached HEAD"
lacks "$(git -C "$TMP/repo" log --format=%H "refs/heads/$BR")" "$(git -C "$WT" rev-parse HEAD)"
lacks "$(on_main)" "$AWS"

# another branch checked out: red, naming it
git -C "$WT" checkout -q -b other
at_stage deploy-staging
expect_rc 1 orch-advance --json "$WI"
contains "$(echo "$OUT" | json_field '["reason"]')" "has refs/heads/other checked out"
lacks "$(on_main)" "$AWS"

# back on the branch at the clean commit: a remote rewired in the workspace steers nothing; orch pushes to
# the project's remote and verifies the merge there
git -C "$WT" checkout -q "$BR"
git -C "$WT" reset -q --hard "$base"
agent_commit "$WT" staged "$D/15-staging-log.md" "$(verdict_doc staging_status SUCCESS clean)"
git init -q --bare "$TMP/decoy.git"
git -C "$WT" remote set-url orch "$TMP/decoy.git"
git -C "$WT" remote add origin "$TMP/decoy.git"
at_stage deploy-staging
expect_rc 0 orch-advance --json "$WI"
[ "$(echo "$OUT" | json_field '["stage_after"]')" = deploy ] || fail "the clean branch did not merge: $OUT"
tested=$(sql "SELECT tested_sha FROM tasks WHERE work_item = '$WI'")
git -C "$TMP/origin.git" merge-base --is-ancestor "$tested" main || fail "the tested commit is not on origin's main"
[ -z "$(git -C "$TMP/decoy.git" for-each-ref)" ] || fail "orch pushed to the workspace's decoy remote"
lacks "$(on_main)" "$AWS"
[ -e "$TMP/hook-ran" ] && fail "a hook ran: $(cat "$TMP/hook-ran")"

# fsmonitor set in one item's workspace never runs while orch works another item
orch-issue create --project DEMO --title "Second" >/dev/null
expect_rc 0 orch-advance --start DEMO-2
W2="$ORCH_HOME/worktrees/DEMO/DEMO-2"
analyst_work "$W2" DEMO-2 || fail "analysis commit"
git -C "$W2" config core.fsmonitor "$WT/.evil/fsmon"
git -C "$W2" config core.hooksPath "$WT/.evil"
sql_exec "UPDATE jobs SET status = 'done' WHERE status IN ('queued', 'running')"
orch-advance --all >/dev/null 2>&1
expect_rc 2 orch-advance DEMO-2
contains "$(git -C "$TMP/repo" ls-tree -r --name-only "refs/heads/$(git -C "$W2" rev-parse --abbrev-ref HEAD)")" \
	"docs/work-items/DEMO-2/01-brd.md"
[ -e "$TMP/hook-ran" ] && fail "another item's fsmonitor or hook ran: $(cat "$TMP/hook-ran")"
git -C "$W2" config --unset core.fsmonitor
git -C "$W2" config --unset core.hooksPath

# the artifact directory replaced by a symlink to a directory outside: the security report is refused, red
# with the reason, and nothing is written there
mkdir "$TMP/outside"
git -C "$W2" rm -rq docs/work-items/DEMO-2
ln -s "$TMP/outside" "$W2/docs/work-items/DEMO-2"
git -C "$W2" add docs/work-items/DEMO-2 && git -C "$W2" commit -qm "symlinked"
expect_rc 1 orch-scan DEMO-2
contains "$OUT" "docs/work-items/DEMO-2 on branch"
contains "$OUT" "is a symlink or a file, not a directory"
[ -z "$(ls "$TMP/outside")" ] || fail "orch wrote through the symlink: $(ls "$TMP/outside")"
git -C "$W2" rm -q docs/work-items/DEMO-2 && git -C "$W2" commit -qm "unlinked"
analyst_work "$W2" DEMO-2 || fail "analysis again"

# the project's remote rewired in orch's repository itself (not reachable from a workspace; a person or a
# same-user process beyond its workspace): recorded at first use, a change holds the item with one alert
# and orch doctor names it; --accept-remote records the new one when the change was meant
git -C "$TMP/repo" remote set-url origin "$TMP/decoy.git"
sql_exec "UPDATE tasks SET stage = 'deploy-staging' WHERE work_item = 'DEMO-2'"
sql_exec "UPDATE jobs SET status = 'done' WHERE status IN ('queued', 'running')"
agent_commit "$W2" staged "docs/work-items/DEMO-2/15-staging-log.md" "$(verdict_doc staging_status SUCCESS ok)" \
	src/two.py "x = 2"
expect_rc 78 orch-advance DEMO-2
contains "$ERR" "remote 'origin' of '$TMP/repo' changed since orch recorded it"
contains "$ERR" "orch doctor --accept-remote DEMO"
[ "$(sql "SELECT stage FROM tasks WHERE work_item = 'DEMO-2'")" = deploy-staging ] || fail "a changed remote moved the item"
[ -z "$(git -C "$TMP/decoy.git" for-each-ref)" ] || fail "orch pushed to the rewired remote"
orch-doctor >"$TMP/doctor" 2>&1
contains "$(cat "$TMP/doctor")" "changed since orch recorded it"
expect_rc 0 orch-doctor --accept-remote DEMO
contains "$OUT" "DEMO: remote recorded as trusted: remote.origin.url $TMP/decoy.git"
expect_rc 64 orch-doctor --accept-remote NOPE
contains "$ERR" "no project 'NOPE'"
git -C "$TMP/repo" remote set-url origin "$TMP/origin.git"
expect_rc 0 orch-doctor --accept-remote DEMO
expect_rc 0 orch-advance DEMO-2
[ "$(sql "SELECT stage FROM tasks WHERE work_item = 'DEMO-2'")" = deploy ] || fail "DEMO-2 did not merge after the accept"

# a person's git operation in the workspace is respected (issue 23 point 7): a rebase stopped on a conflict is
# "busy", no gate runs and no retry is charged; an index.lock counts only while someone works there
orch-issue create --project DEMO --title "Third" >/dev/null
expect_rc 0 orch-advance --start DEMO-3
W3="$ORCH_HOME/worktrees/DEMO/DEMO-3"
B3=$(git -C "$W3" rev-parse --abbrev-ref HEAD)
sql_exec "UPDATE jobs SET status = 'done' WHERE status IN ('queued', 'running')"
analyst_work "$W3" DEMO-3 || fail "analysis of DEMO-3"
git -C "$W3" checkout -q -b side && agent_commit "$W3" side f.txt side && git -C "$W3" checkout -q "$B3"
agent_commit "$W3" mine f.txt mine
git -C "$W3" rebase -q side >/dev/null 2>&1 && fail "the rebase did not stop on its conflict"
r0=$(sql "SELECT retries FROM tasks WHERE work_item = 'DEMO-3'")
expect_rc 2 orch-advance DEMO-3
contains "$OUT" "busy: a rebase is in progress in $W3"
[ "$(sql "SELECT retries FROM tasks WHERE work_item = 'DEMO-3'")" = "$r0" ] || fail "a person's rebase was charged"
git -C "$W3" rebase --abort
touch "$W3/.git/index.lock"	# left by a git that was killed: nobody works there
expect_rc 2 orch-advance DEMO-3
lacks "$OUT" "busy"
mkfifo "$TMP/inside"
(cd "$W3" && exec cat "$TMP/inside" >/dev/null) &
inside=$!
exec 7>"$TMP/inside"	# the reader is in the workspace once the open returns
expect_rc 2 orch-advance DEMO-3
contains "$OUT" "busy: a git command (index.lock is held) is in progress in $W3"
exec 7>&-
wait "$inside"
exit 0
