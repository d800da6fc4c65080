#!/bin/sh
# Benchmarks print figures; they assert nothing about speed (see docs/decisions.md).
set -eu
BIN=$(cd "${1:-build/bin}" && pwd)
python3 "$(dirname "$0")/noop_tick.py" "$BIN" "${BENCH_RUNS:-20}"
echo
python3 "$(dirname "$0")/plane_tick.py" "$BIN" "${BENCH_PLANE_RUNS:-9}"
echo
python3 "$(dirname "$0")/secgate.py" "$BIN" "${BENCH_GATE_RUNS:-5}"
echo
python3 "$(dirname "$0")/scale.py" "$BIN" "${BENCH_SCALE_RUNS:-11}"
echo
python3 "$(dirname "$0")/osv_audit.py" "$BIN" "${BENCH_OSV_RUNS:-5}"
