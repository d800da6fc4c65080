#!/bin/sh
# The crash-consistency test as a longer soak: SOAK_KILLS SIGKILLs (default 1000) for each of
# SOAK_SEEDS seeds (default "1 2 3"); prints each run's figures; exits 1 on the first failure.
set -eu
BIN=$(cd "${1:-build/bin}" && pwd)
for seed in ${SOAK_SEEDS:-1 2 3}; do
	python3 "$(dirname "$0")/../tests/integration/crash.py" "$BIN" "${SOAK_KILLS:-1000}" "$seed"
done
