#!/bin/sh
# Run the libFuzzer targets (make fuzz).  usage: run.sh BUILD_DIR TARGET...
# FUZZ_SECONDS empty: replay the seed corpus tests/fuzz/corpus/<t> once (the
# regression cases).  FUZZ_SECONDS=N: fuzz each target N seconds, new inputs
# in BUILD_DIR/corpus/<t> (the seeds stay read-only), a crash or a slow input
# (FUZZ_TIMEOUT s) saved as BUILD_DIR/crashes/<t>-* and the run failed.
# FUZZ_JOBS=K runs K processes per target.  One summary line per target.
set -u
build=$1
shift
secs=${FUZZ_SECONDS:-}
tmo=${FUZZ_TIMEOUT:-10}
jobs=${FUZZ_JOBS:-}
fail=0
mkdir -p "$build/crashes" "$build/logs"
for t in "$@"; do
	seeds=tests/fuzz/corpus/$t
	bin=$build/fuzz/$t
	log=$build/logs/$t.log
	mkdir -p "$seeds" "$build/corpus/$t"
	if [ -z "$secs" ]; then
		"$bin" -runs=0 -timeout="$tmo" -rss_limit_mb=2048 -artifact_prefix="$build/crashes/$t-" "$seeds" >"$log" 2>&1
		rc=$?
	else
		"$bin" -max_total_time="$secs" -timeout="$tmo" -rss_limit_mb=2048 -print_final_stats=1 \
		    -artifact_prefix="$build/crashes/$t-" ${jobs:+-fork=$jobs} \
		    "$build/corpus/$t" "$seeds" >"$log" 2>&1
		rc=$?
	fi
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
	if [ "$rc" -ne 0 ]; then
		fail=1
		echo "FAIL fuzz $t (exit $rc): see $log"
		grep -m 5 -E 'ERROR|invariant broken|Test unit written|SUMMARY' "$log" | sed 's/^/    /'
	else
		echo "ok   fuzz $t ${secs:+${secs}s }${execs:+execs $execs }${cov:-}"
	fi
done
exit $fail
