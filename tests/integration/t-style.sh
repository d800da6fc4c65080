# make style's checker: the tree passes; each planted layout problem is named; a pending file only reports.
. "$(dirname "$0")/lib.sh"
expect_rc 0 make -s -C "$TOP" style
contains "$OUT" "style check: ok"
printf '/* x: a module. */\nint\nf(void)\n{\n        return(1);\n}\nvoid g(void){\n\tif(1) { x(); }else{ }\n\tx(); // no\n\ty(); \n}' >"$TMP/bad.c"
printf 'int x;\n' >"$TMP/bad.h"
expect_rc 1 sh "$TOP/scripts/checksrc.sh" "$TMP/bad.c" "$TMP/bad.h"
for want in "bad.c:5: indent with tabs" "bad.c:5: a space between a keyword" "bad.c:7: a space before an opening brace" \
    "bad.c:8: spaces around else" "bad.c:9: C comments only" "bad.c:10: trailing whitespace" \
    "bad.c: no newline at the end of the file" "bad.h:1: a header opens with its module contract comment"; do
	contains "$OUT" "$want"
done
expect_rc 0 sh "$TOP/scripts/checksrc.sh" --pending "$TMP/bad.c $TMP/bad.h" "$TMP/bad.c" "$TMP/bad.h"
contains "$OUT" "bad.c:9: C comments only: /* ... */ (pending: left for its owner)"
printf '/* fine: a module */\nint x = 1; /* "http://x" */\nconst char *u = "http://x";\n' >"$TMP/ok.c"
expect_rc 0 sh "$TOP/scripts/checksrc.sh" "$TMP/ok.c"

# the stage table is the only place stage names are compared; a function body is at most 80 lines; lib/ names
# its negative return codes (issue 22)
mkdir -p "$TMP/lib"
{
	printf '/* rules: a module. */\nint\nf(const char *stage)\n{\n\tif (strcmp(stage, "deploy") == 0)\n\t\treturn -2;\n'
	i=0
	while [ $i -lt 80 ]; do printf '\tx();\n'; i=$((i + 1)); done
	printf '\treturn 0;\n}\n'
} >"$TMP/lib/rules.c"
expect_rc 1 sh "$TOP/scripts/checksrc.sh" "$TMP/lib/rules.c"
contains "$OUT" "rules.c:5: a stage name compared as a string: read the stage table (lib/stages.h)"
contains "$OUT" "rules.c:6: a bare negative return code: name it"
contains "$OUT" "rules.c:88: a function body of 83 lines: at most 80"
printf '/* s: a module. */\nvoid\nf(void)\n{\n\tstore_step(s);\n\t(void)store_step(s);\n\tif (store_step(s) != 101)\n\t\treturn;\n}\n' >"$TMP/lib/step.c"
expect_rc 1 sh "$TOP/scripts/checksrc.sh" "$TMP/lib/step.c"
contains "$OUT" "step.c:5: store_step's result discarded"
contains "$OUT" "step.c:6: store_step's result discarded"
lacks "$OUT" "step.c:7:"
cp "$TMP/lib/rules.c" "$TMP/lib/stages.c"
expect_rc 1 sh "$TOP/scripts/checksrc.sh" "$TMP/lib/stages.c"
lacks "$OUT" "a stage name compared"

# one error shape: a new prototype with char *why, size_t outside lib/err.h's list fails
printf '/* judge: a module. */\nint judge_thing(const char *x, char *why, size_t wn);\nint fm_get(const char *t, char *why, size_t wn);\n' >"$TMP/lib/judge.h"
expect_rc 1 sh "$TOP/scripts/checksrc.sh" "$TOP/lib/err.h" "$TMP/lib/judge.h"
contains "$OUT" "judge.h:2: judge_thing takes char *why, size_t"
lacks "$OUT" "fm_get takes"

# 110 columns (issue 22); .clang-format is the layout: a stand-in clang-format 14 refuses one file
printf '/* wide: a module. */\nint x; /* %0120d */\n' 0 >"$TMP/wide.c"
printf '/* spaced: a module. */\nint  y;\n' >"$TMP/spaced.c"
mkdir -p "$TMP/cf"
cat >"$TMP/cf/clang-format" <<'SH'
#!/bin/sh
[ "$1" = --version ] && { echo "Debian clang-format version 14.0.6"; exit 0; }
for a; do last=$a; done
case "$last" in *spaced.c) echo "$last:2:4: warning: code should be clang-formatted" >&2; exit 1 ;; esac
exit 0
SH
chmod 755 "$TMP/cf/clang-format"
CLANG_FORMAT="$TMP/cf/clang-format" expect_rc 1 sh "$TOP/scripts/checksrc.sh" "$TMP/wide.c" "$TMP/spaced.c" "$TMP/ok.c"
contains "$OUT" "wide.c:2: line longer than 110 columns"
contains "$OUT" "spaced.c: not laid out as .clang-format says (run: clang-format -i $TMP/spaced.c)"
lacks "$OUT" "ok.c"
# another major formats differently: not asked, and said so
printf '#!/bin/sh\necho "clang-format version 19.1.7"\nexit 1\n' >"$TMP/cf/clang-format"
CLANG_FORMAT="$TMP/cf/clang-format" expect_rc 0 sh "$TOP/scripts/checksrc.sh" "$TMP/spaced.c"
contains "$ERR" "clang-format 14 not found"

# one store interface (issue 27): SQLite only in lib/store.c; store_step's result is checked too
printf '/* q: a module. */\n#include <sqlite3.h>\nint\nf(void)\n{\n\tstore_step(s);\n\treturn sqlite3_changes(db);\n}\n' >"$TMP/lib/q.c"
expect_rc 1 sh "$TOP/scripts/checksrc.sh" "$TMP/lib/q.c"
contains "$OUT" "q.c:2: SQLite called outside lib/store.c"
contains "$OUT" "q.c:6: store_step's result discarded"
contains "$OUT" "q.c:7: SQLite called outside lib/store.c"
cp "$TMP/lib/q.c" "$TMP/lib/store.c"
expect_rc 1 sh "$TOP/scripts/checksrc.sh" "$TMP/lib/store.c"
lacks "$OUT" "SQLite called outside"
