#!/bin/sh
# The layer check (docs/architecture.md): every call between lib objects goes down the layer order, never
# up and never in a cycle.  Reads the defined and undefined symbols of each object with nm, so a call
# through a header or a macro counts exactly like a direct one.
# usage: check-layers.sh OBJDIR [LAYERS]   (LAYERS: lines "layer module...", default scripts/layers.txt)
set -u
dir=$1
layers=${2:-$(dirname "$0")/layers.txt}
NM=${NM:-nm}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/orch-layers.XXXXXX") || exit 70
trap 'rm -rf "$tmp"' EXIT
for o in "$dir"/*.o; do
	m=$(basename "$o" .o)
	$NM --defined-only -g "$o" | awk -v m="$m" 'NF == 3 && $2 ~ /[TDBRC]/ { print $3, m }' >>"$tmp/defs"
	$NM -u "$o" | awk -v m="$m" '{ print $NF, m }' >>"$tmp/uses"
done
python3 - "$tmp/defs" "$tmp/uses" "$layers" <<'PY'
import sys
defs = dict(l.split() for l in open(sys.argv[1]))
layer = {}
for l in open(sys.argv[3]):
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
for b in bad:
    print("layers: " + b)
sys.exit(1 if bad else 0)
PY
