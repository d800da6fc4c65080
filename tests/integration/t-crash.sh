# Crash consistency: 200 SIGKILLs at random (seeded) points of poll, work, advance, deploy and reconcile,
# then quiescence; see crash.py for what must hold.
. "$(dirname "$0")/lib.sh"
python3 "$TOP/tests/integration/crash.py" "$BIN" "${CRASH_KILLS:-200}" "${CRASH_SEED:-1234}" || fail "crash consistency"
