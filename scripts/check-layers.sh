#!/bin/sh
# The layer check (docs/architecture.md): every call between lib objects goes down the layer order, never
# up and never in a cycle; and only the store module prepares SQL (the others use store_prepare).  Reads the defined and undefined symbols of each object with nm, so a call
# through a header or a macro counts exactly like a direct one.
# usage: check-layers.sh OBJDIR [LAYERS [SRCDIR]]   (LAYERS: lines "layer module...", default scripts/layers.txt;
# SRCDIR, default the objects' lib/ sources: their #include "x.h" lines must not go up the layers either, but
# for the "# includes A B -> C" exceptions the layer file names)
set -u
dir=$1
layers=${2:-$(dirname "$0")/layers.txt}
src=${3:-$(dirname "$0")/../lib}
NM=${NM:-nm}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/orch-layers.XXXXXX") || exit 70
trap 'rm -rf "$tmp"' EXIT
for o in "$dir"/*.o; do
	m=$(basename "$o" .o)
	$NM --defined-only -g "$o" | awk -v m="$m" 'NF == 3 && $2 ~ /[TDBRC]/ { print $3, m }' >>"$tmp/defs"
	$NM -u "$o" | awk -v m="$m" '{ print $NF, m }' >>"$tmp/uses"
done
python3 - "$tmp/defs" "$tmp/uses" "$layers" "$src" <<'PY'
import glob, os, re, sys
defs = dict(l.split() for l in open(sys.argv[1]))
layer = {}
allowed = set()
for l in open(sys.argv[3]):
    m = re.match(r"#\s*includes\s+(.*?)\s*->\s*(\S+)", l)
    if m:
        allowed.update((u, m.group(2)) for u in m.group(1).split())
    l = l.split("#")[0].split()
    if l:
        for m in l[1:]:
            layer[m] = int(l[0])
edges, bad = {}, []
for l in open(sys.argv[2]):
    sym, user = l.split()
    owner = defs.get(sym)
    if owner is None or owner == user:
        continue
    edges.setdefault(user, {}).setdefault(owner, sym)
for m in sorted(set(edges) | set(defs.values())):
    if m not in layer:
        bad.append(f"module {m} has no layer in {sys.argv[3]}: add it")
for u, outs in sorted(edges.items()):
    for o, sym in sorted(outs.items()):
        if u in layer and o in layer and layer[o] > layer[u]:
            bad.append(f"upward call: {u} (layer {layer[u]}) -> {o} (layer {layer[o]}) via {sym}")
# includes: a module's sources include no header of a higher layer (declarations follow the calls)
for f in sorted(glob.glob(os.path.join(sys.argv[4], "*.[ch]"))):
    u = os.path.basename(f).rsplit(".", 1)[0]
    for n, line in enumerate(open(f, errors="replace"), 1):
        m = re.match(r'#include "([a-z_0-9]+)\.h"', line)
        o = m.group(1) if m else None
        if o and u in layer and o in layer and layer[o] > layer[u] and (u, o) not in allowed:
            bad.append(f"upward include: {os.path.basename(f)}:{n} ({u}, layer {layer[u]}) includes {o}.h "
                       f"(layer {layer[o]})")
# cycles (within a layer too)
state = {}
def visit(m, path):
    state[m] = 1
    for o in edges.get(m, {}):
        if state.get(o) == 1:
            cyc = path[path.index(o):] + [o] if o in path else [m, o]
            bad.append("cycle: " + " -> ".join(cyc))
        elif not state.get(o):
            visit(o, path + [o])
    state[m] = 2
for m in sorted(edges):
    if not state.get(m):
        visit(m, [m])
# one owner of the database handle: only the store module prepares or executes SQL text directly
for l in open(sys.argv[2]):
    sym, user = l.split()
    if sym in ("sqlite3_prepare_v2", "sqlite3_prepare_v3", "sqlite3_exec") and user != "store":
        bad.append(f"{user} calls {sym}: go through store_prepare()/store_exec(), which report errors")
for b in bad:
    print("layers: " + b)
sys.exit(1 if bad else 0)
PY
