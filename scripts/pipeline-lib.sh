# Shell helpers shared by `make demo` and tests/integration: a sample git
# project with a bare origin, an orch.yaml for it, and agents played by
# committing artifacts.  Sourced, never run.  POSIX sh.

# Git identity and config isolated from the machine's.
export GIT_AUTHOR_NAME="orch demo" GIT_AUTHOR_EMAIL="demo@orch.invalid"
export GIT_COMMITTER_NAME="orch demo" GIT_COMMITTER_EMAIL="demo@orch.invalid"
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1

# make_sample_repo DIR: DIR/origin.git (bare) and DIR/repo (clone, main pushed).
make_sample_repo() {
	git init -q --bare -b main "$1/origin.git" || return 1
	git init -q -b main "$1/repo" || return 1
	mkdir -p "$1/repo/src"
	printf 'def greet():\n    return "hello"\n' > "$1/repo/src/app.py"
	printf 'test:\n\t@test -f src/app.py\n\t@! grep -q BROKEN src/app.py\n' > "$1/repo/Makefile"
	git -C "$1/repo" add -A && git -C "$1/repo" commit -qm "initial commit" &&
	git -C "$1/repo" remote add origin "$1/origin.git" &&
	git -C "$1/repo" push -q origin main
}

# write_config FILE REPO [extra yaml lines for the project...]
write_config() {
	f=$1 repo=$2
	shift 2
	{
		echo "tracker: local"
		echo "projects:"
		echo "  - key: DEMO"
		echo "    repo: $repo"
		echo "    remote: origin"
		echo "    main_branch: main"
		echo '    ci_cmd: ["make", "-s", "test"]'
		for line in "$@"; do echo "    $line"; done
	} > "$f"
	chmod go-w "$f"	# orch refuses a config others can write, whatever the umask
}

# agent_commit WORKTREE MESSAGE PATH CONTENT [PATH CONTENT...]
agent_commit() {
	wt=$1 msg=$2
	shift 2
	while [ $# -ge 2 ]; do
		mkdir -p "$wt/$(dirname "$1")"
		printf '%s\n' "$2" > "$wt/$1"
		git -C "$wt" add -- "$1" || return 1
		shift 2
	done
	git -C "$wt" commit -qm "$msg"
}

# analyst_work WORKTREE WI: the four analysis artifacts.
analyst_work() {
	d="docs/work-items/$2"
	agent_commit "$1" "$2: analysis" \
		"$d/01-brd.md" "# Business requirements for $2" \
		"$d/02-trz.md" "# Technical requirements" \
		"$d/03-acceptance-criteria.md" "- greet() says hello to a name" \
		"$d/04-test-plan.yaml" "tests: [greet_name]"
}

verdict_doc() { printf -- '---\n%s: %s\n---\n%s\n' "$1" "$2" "$3"; }

# deployer_merge REPO WORKSPACE BRANCH: land the branch on main and push, from the item's workspace (a
# repository of its own), then bring REPO's main up to date.
deployer_merge() {
	git -C "$2" push -q "$(git -C "$1" remote get-url origin)" "HEAD:main" && git -C "$1" fetch -q origin &&
		git -C "$1" merge -q --ff-only origin/main
}
