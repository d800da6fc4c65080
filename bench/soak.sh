#!/bin/sh
# The crash-consistency test as a longer soak: SOAK_KILLS SIGKILLs (default 1000) for each of
# SOAK_SEEDS seeds (default "1 2 3"); then the overlap test (commands running concurrently) with
# SOAK_OVERLAP_KILLS SIGKILLs (default 150) over SOAK_OVERLAP_ITEMS items per project and wave
# (default 3) for each seed; then the hostile-agent soak (SOAK_HOSTILE_ITEMS items, default 24, each agent
# job taking a hostile action at random) for each seed; prints each run's figures; exits 1 on the first
# failure.
set -eu
BIN=$(cd "${1:-build/bin}" && pwd)
for seed in ${SOAK_SEEDS:-1 2 3}; do
	python3 "$(dirname "$0")/../tests/integration/crash.py" "$BIN" "${SOAK_KILLS:-1000}" "$seed"
done
for seed in ${SOAK_SEEDS:-1 2 3}; do
	python3 "$(dirname "$0")/../tests/integration/overlap.py" "$BIN" "${SOAK_OVERLAP_KILLS:-150}" "$seed" \
		"${SOAK_OVERLAP_ITEMS:-3}" 3
done
for seed in ${SOAK_SEEDS:-1 2 3}; do
	python3 "$(dirname "$0")/../tests/integration/hostile_soak.py" "$BIN" "${SOAK_HOSTILE_ITEMS:-24}" "$seed"
done
