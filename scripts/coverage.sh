#!/bin/sh
# Line coverage of lib/ from the gcov data of a --coverage build (make coverage).
# usage: coverage.sh BUILD [MIN]
# Prints one line per lib module (lines executed / lines, percent), the total of lib/, and
# exits 1 when the total is below MIN percent (default 85); 2 when there is no coverage data.
# Reads gcov's JSON (gcov -j -t, GCC 9+), so the counts are exact integers, not rounded percents.
set -u
build=$1
min=${2:-85}
top=$(cd "$(dirname "$0")/.." && pwd) || exit 70
GCOV=${GCOV:-gcov}
cd "$top" || exit 70
if ! ls "$build"/lib/*.gcda >/dev/null 2>&1; then
	echo "coverage: no .gcda files under $build/lib: build with --coverage and run the tests first (make coverage)" >&2
	exit 2
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/orch-cov.XXXXXX") || exit 70
trap 'rm -rf "$tmp"' EXIT
for src in lib/*.c; do
	m=$(basename "$src" .c)
	[ -f "$build/lib/$m.gcno" ] || { echo "coverage: $build/lib/$m.gcno missing: rebuild with --coverage" >&2; exit 2; }
	# no .gcda: nothing ran the module, every line counts as missed
	$GCOV -j -t -o "$build/lib" "$src" >"$tmp/$m.json" 2>"$tmp/$m.err" ||
		{ echo "coverage: $GCOV failed on $src: $(cat "$tmp/$m.err")" >&2; exit 2; }
done
python3 - "$tmp" "$min" <<'PY'
import glob, json, os, sys
tmp, minimum = sys.argv[1], float(sys.argv[2])
rows, tot_run, tot_all = [], 0, 0
for path in sorted(glob.glob(os.path.join(tmp, "*.json"))):
    mod = os.path.basename(path)[:-5]
    run = total = 0
    # gcov -t prints one JSON document per line (a header may contain several sources)
    for line in open(path):
        line = line.strip()
        if not line.startswith("{"):
            continue
        for f in json.loads(line).get("files", []):
            if f["file"] != f"lib/{mod}.c" and not f["file"].endswith(f"/lib/{mod}.c"):
                continue  # inline functions of headers count in their own module
            for ln in f["lines"]:
                total += 1
                run += ln["count"] > 0
    rows.append((mod, run, total))
    tot_run += run
    tot_all += total
width = max(len(r[0]) for r in rows)
for mod, run, total in sorted(rows, key=lambda r: (r[1] / r[2] if r[2] else 1.0, r[0])):
    pct = 100.0 * run / total if total else 100.0
    print(f"  {mod:<{width}}  {run:5d} / {total:5d}  {pct:6.2f}%")
pct = 100.0 * tot_run / tot_all if tot_all else 0.0
print(f"lib/ line coverage: {tot_run} of {tot_all} lines, {pct:.2f}% (minimum {minimum:g}%)")
if pct < minimum:
    print(f"coverage: {pct:.2f}% is below {minimum:g}%: add tests for the modules at the top of the list", file=sys.stderr)
    sys.exit(1)
PY
