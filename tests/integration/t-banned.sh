# The one-spawner rule on the objects (issue 16): the real build passes; a planted object that calls
# fork directly, one that only takes fork's address (`f = fork; f();`, which a grep of the sources
# walks past), one that runs system() and a command object that execs all fail, each named; the
# same calls inside lib/proc.o pass; an empty build dir is refused loudly, not passed.
. "$(dirname "$0")/lib.sh"
REAL=$(cd "$BIN/.." && pwd)
expect_rc 0 sh "$TOP/scripts/check-banned.sh" "$REAL"
contains "$OUT" "banned-call check: ok"

B="$TMP/build"
mkdir -p "$B/lib" "$B/cmd" "$B/tests"
cat >"$TMP/proc.c" <<'EOF'
#include <unistd.h>
int run(void) { return fork() == 0 ? execlp("true", "true", (char *)0) : 0; }
EOF
cat >"$TMP/okmod.c" <<'EOF'
#include <string.h>
int okmod(const char *s) { return (int)strlen(s); }
EOF
cc -c -o "$B/lib/proc.o" "$TMP/proc.c" || fail "cc proc"
cc -c -o "$B/lib/okmod.o" "$TMP/okmod.c" || fail "cc okmod"
expect_rc 0 sh "$TOP/scripts/check-banned.sh" "$B"
contains "$OUT" "banned-call check: ok (2 objects"

# the function-pointer form: no call of fork( anywhere in the text
cat >"$TMP/sneaky.c" <<'EOF'
#include <sys/types.h>
#include <unistd.h>
typedef pid_t (*spawner)(void);
int sneaky(void) { spawner f = fork; return (int)f(); }
EOF
grep -q 'fork[[:space:]]*(' "$TMP/sneaky.c" && fail "the planted source must not spell a call of fork"
cc -c -o "$B/lib/sneaky.o" "$TMP/sneaky.c" || fail "cc sneaky"
expect_rc 1 sh "$TOP/scripts/check-banned.sh" "$B"
contains "$ERR" "$B/lib/sneaky.o references fork: only lib/proc.c may create processes"
lacks "$ERR" "proc.o"
lacks "$ERR" "okmod.o"
rm "$B/lib/sneaky.o"

cat >"$TMP/shell.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
int shell(void) { FILE *p = popen("id", "r"); return system("true") + (p != NULL); }
EOF
cc -c -o "$B/tests/shell.o" "$TMP/shell.c" || fail "cc shell"
printf '#include <unistd.h>\nint main(int c, char **v) { (void)c; return execvp(v[0], v); }\n' >"$TMP/orch-x.c"
cc -c -o "$B/cmd/orch-x.o" "$TMP/orch-x.c" || fail "cc orch-x"
expect_rc 1 sh "$TOP/scripts/check-banned.sh" "$B"
contains "$ERR" "$B/tests/shell.o references popen system"
contains "$ERR" "$B/cmd/orch-x.o references execvp"

# nothing to check is no pass
mkdir -p "$TMP/empty"
expect_rc 2 sh "$TOP/scripts/check-banned.sh" "$TMP/empty"
contains "$ERR" "no objects under $TMP/empty/lib"
