# Shared by the example agents.  orch runs an agent in the task's worktree
# with ORCH_WORK_ITEM, ORCH_STAGE, ORCH_WORKTREE, ORCH_BRANCH, ORCH_AGENT,
# ORCH_JOB_ID and ORCH_TASK_DESC set, and the task description on stdin.
# An agent does its stage's work, commits its artifacts to the branch, and
# exits 0; orch's gate then reads the committed verdicts.
set -eu
: "${GIT_AUTHOR_NAME:=orch example agent}" "${GIT_AUTHOR_EMAIL:=agent@orch.invalid}"
: "${GIT_COMMITTER_NAME:=$GIT_AUTHOR_NAME}" "${GIT_COMMITTER_EMAIL:=$GIT_AUTHOR_EMAIL}"
export GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL
cd "$ORCH_WORKTREE"
D="docs/work-items/$ORCH_WORK_ITEM"
mkdir -p "$D"

# put PATH CONTENT: write a file (parents made) and stage it.
put() {
	mkdir -p "$(dirname "$1")"
	printf '%s\n' "$2" >"$1"
	git add -- "$1"
}

# commit MESSAGE: commit what is staged (nothing staged is fine).
commit() {
	git diff --cached --quiet || git commit -qm "$ORCH_WORK_ITEM: $1"
}

# verdict KEY VALUE BODY: a frontmatter verdict document.
verdict() { printf -- '---\n%s: %s\n---\n%s' "$1" "$2" "$3"; }

log() { echo "$ORCH_AGENT on $ORCH_WORK_ITEM: $*"; }
