# The hostile-agent soak, short (issue 21): 4 items whose agent jobs take hostile actions at random (seeded);
# at quiescence no planted secret is on origin/main, every commit there is a done item's tested commit whose
# code its review and testing judged, nothing went to the decoy remote, every item is done or blocked with a
# reason.  make soak runs it longer (bench/soak.sh).
G=${ORCH_TEST_GITLEAKS:-}	# read before lib.sh clears every ORCH_* variable
. "$(dirname "$0")/lib.sh"
[ -n "$G" ] && export ORCH_TEST_GITLEAKS="$G"
python3 "$TOP/tests/integration/hostile_soak.py" "$BIN" "${HSOAK_ITEMS:-4}" "${HSOAK_SEED:-1}" ||
	fail "hostile soak"
