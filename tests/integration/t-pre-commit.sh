# scripts/pre-commit (issue 16): installed as a hook it runs `make banned style unit` before each
# commit and a failure stops the commit, naming the targets; with ORCH_PRECOMMIT_INDEX=1 it checks what
# is staged, not the work tree (a fix left unstaged does not let a broken commit through).  make is a
# stand-in here that fails when the checked tree holds a file 'bad': the real targets run in CI.
. "$(dirname "$0")/lib.sh"
mkdir -p "$TMP/fake"
cat >"$TMP/fake/make" <<'SH'
#!/bin/sh
printf '%s|%s\n' "$PWD" "$*" >>"$MAKE_LOG"
[ ! -e bad ] || { echo "banned: bad references fork" >&2; exit 2; }
SH
chmod +x "$TMP/fake/make"
export ORCH_PRECOMMIT_MAKE="$TMP/fake/make" MAKE_LOG="$TMP/make.log"
R="$TMP/clone"
git init -q "$R" && git -C "$R" config user.email t@t && git -C "$R" config user.name t
ln -s "$TOP/scripts/pre-commit" "$(git -C "$R" rev-parse --absolute-git-dir)/hooks/pre-commit"

echo one >"$R/a" && git -C "$R" add a
expect_rc 0 git -C "$R" commit -qm one
contains "$ERR" "pre-commit: banned, style and unit suites ok"
contains "$(cat "$MAKE_LOG")" "$R|-s --no-print-directory -j2 banned style unit"

: >"$MAKE_LOG"
echo x >"$R/bad" && git -C "$R" add bad
expect_rc 1 git -C "$R" commit -qm broken
contains "$ERR" "banned: bad references fork"
contains "$ERR" "pre-commit: '$TMP/fake/make banned style unit' failed"
[ "$(git -C "$R" rev-list --count HEAD)" = 1 ] || fail "a failed hook let the commit through"

# the fix only in the work tree: the index mode still sees the staged violation
rm "$R/bad"
ORCH_PRECOMMIT_INDEX=1 expect_rc 1 git -C "$R" commit -qm "still broken in the index"
contains "$ERR" "banned: bad references fork"
lacks "$(tail -n 1 "$MAKE_LOG")" "$R|"
[ "$(git -C "$R" rev-list --count HEAD)" = 1 ] || fail "the index mode let a staged violation through"
ls -d "${TMPDIR:-/tmp}"/orch-precommit.* 2>/dev/null | while read -r d; do
	[ -e "$d/bad" ] && fail "the index copy $d was left behind"
done
git -C "$R" rm -q --cached bad && echo two >"$R/a" && git -C "$R" add a
ORCH_PRECOMMIT_INDEX=1 expect_rc 0 git -C "$R" commit -qm fixed
[ "$(git -C "$R" rev-list --count HEAD)" = 2 ] || fail "the fixed commit was not made"
