#!/bin/sh
# run.sh CLI [ARG...]: run a coding CLI (an LLM agent) on orch's brief for this job, then check that
# the stage's artifacts were committed, and say what is missing.  docs/agents.md has the details.
#
# orch runs it in the item's workspace with the brief in $ORCH_BRIEF_FILE (and on stdin), the stage's
# artifacts in $ORCH_ARTIFACTS ("path[:key=value] ..."), and {brief} in orch.yaml already replaced by
# the brief's path.  An argument written @brief-text is replaced by the brief's text, for CLIs that
# take the prompt as an argument (claude -p, codex exec).  The CLI gets the brief on its stdin too.
#
# Exit: the CLI's status when it failed; 3 when it succeeded but an artifact is not committed (each
# one is named on stderr); 0 when everything the gate reads is committed (the gate still judges it).
set -u
me="llm/run.sh"
[ $# -ge 1 ] || { echo "$me: give the CLI to run, e.g. run.sh claude -p @brief-text" >&2; exit 64; }
[ -n "${ORCH_BRIEF_FILE:-}" ] && [ -r "$ORCH_BRIEF_FILE" ] ||
	{ echo "$me: ORCH_BRIEF_FILE is unset or unreadable: run me from orch-work (or set it to orch brief's output)" >&2; exit 66; }
cd "${ORCH_WORKTREE:-.}" || exit 66
start=$(git rev-parse -q --verify HEAD) || { echo "$me: $(pwd) is not a git work tree" >&2; exit 66; }

# the CLI's argv, @brief-text replaced by the brief's text
n=$#
while [ "$n" -gt 0 ]; do
	a=$1
	shift
	[ "$a" = @brief-text ] && a=$(cat "$ORCH_BRIEF_FILE")
	set -- "$@" "$a"
	n=$((n - 1))
done
"$@" <"$ORCH_BRIEF_FILE"
rc=$?
[ "$rc" -eq 0 ] || { echo "$me: '$1' exited $rc; the stage's artifacts were not checked" >&2; exit "$rc"; }

missing=0
miss() { echo "$me: $ORCH_WORK_ITEM $ORCH_STAGE: $*" >&2; missing=$((missing + 1)); }
head=$(git rev-parse HEAD)
branch=$(git rev-parse --abbrev-ref HEAD)
[ "$branch" = "${ORCH_BRANCH:-$branch}" ] ||
	miss "the workspace is on '$branch', not on $ORCH_BRANCH: commit the work on $ORCH_BRANCH"
for spec in ${ORCH_ARTIFACTS:-}; do
	path=${spec%%:*}
	key=
	case "$spec" in *:*) key=${spec#*:}; key=${key%%=*} ;; esac
	case "$path" in
	*'*'*)	# a pattern (06-adr/ADR-*.md): a committed file must match it
		found=
		for f in $(git ls-tree -r --name-only HEAD -- "$(dirname "$path")"); do
			case "$f" in $path) found=$f ;; esac
		done
		[ -n "$found" ] || miss "no committed file matches $path" ;;
	*)
		if ! git cat-file -e "HEAD:$path" 2>/dev/null; then
			if [ -e "$path" ]; then miss "$path is written but not committed: git add and commit it"
			else miss "$path is missing: write and commit it"; fi
		elif [ -n "$key" ] && ! git show "HEAD:$path" | sed -n '1{/^---$/!q};2,/^---$/p' | grep -q "^$key:"; then
			miss "$path has no '$key:' in its frontmatter (a first line ---, then $key: VALUE, then ---)"
		fi ;;
	esac
done
if [ -z "${ORCH_ARTIFACTS:-}" ] && [ "$head" = "$start" ]; then
	miss "nothing was committed: the $ORCH_STAGE stage needs a commit on $ORCH_BRANCH"
fi
[ -z "$(git status --porcelain --untracked-files=no)" ] ||
	echo "$me: note: uncommitted changes are left in the workspace; the gate never reads them" >&2
[ "$missing" -eq 0 ] || exit 3
echo "$me: $ORCH_WORK_ITEM $ORCH_STAGE: the artifacts are committed at $(git rev-parse --short HEAD)"
