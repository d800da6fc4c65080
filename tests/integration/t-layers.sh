# The layer check (issue 14): the real lib objects pass; a planted upward call and a planted cycle fail,
# each named; a module missing from the layer table fails.
. "$(dirname "$0")/lib.sh"
expect_rc 0 sh "$TOP/scripts/check-layers.sh" "$BIN/../lib"
mkdir -p "$TMP/obj"
printf 'int high_fn(void);\nint low_fn(void) { return high_fn(); }\n' >"$TMP/low.c"
printf 'int high_fn(void) { return 1; }\n' >"$TMP/high.c"
printf 'int b_fn(void);\nint a_fn(void) { return b_fn(); }\n' >"$TMP/a.c"
printf 'int a_fn(void);\nint b_fn(void) { return a_fn(); }\n' >"$TMP/b.c"
for m in low high a b; do cc -c -o "$TMP/obj/$m.o" "$TMP/$m.c" || fail "cc $m"; done
printf '0 low a b\n1 high\n' >"$TMP/layers.txt"
expect_rc 1 sh "$TOP/scripts/check-layers.sh" "$TMP/obj" "$TMP/layers.txt"
contains "$OUT" "upward call: low (layer 0) -> high (layer 1) via high_fn"
contains "$OUT" "cycle: a -> b -> a"
printf '0 low a b\n' >"$TMP/layers.txt"
expect_rc 1 sh "$TOP/scripts/check-layers.sh" "$TMP/obj" "$TMP/layers.txt"
contains "$OUT" "module high has no layer"
