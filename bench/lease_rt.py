"""Benchmark (issue 27): the store round trips of one agent job, PostgreSQL beside SQLite.

bench/lease_rt (built by make bench from bench/lease_rt.c, linking liborch.a) enqueues a job, then
leases it (job_lease), records its run (job_run_start) and completes it (job_complete) on one open
connection, ROUNDS times, and prints each operation's median, p90 and mean in microseconds.  This
runs it on SQLite (orch.db in a temp dir, the baseline) and on a fresh PostgreSQL database (a
throwaway cluster, or ORCH_BENCH_PG) in the same invocation and prints the PG/SQLite ratio.

usage: lease_rt.py BIN_DIR [ROUNDS]     (lease_rt is looked for in BIN_DIR/../bench/)
"""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pglib  # noqa: E402

BIN = os.path.abspath(sys.argv[1])
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 500
TOOL = os.path.join(os.path.dirname(BIN), "bench", "lease_rt")


def run(store):
    p = subprocess.run([TOOL, store, str(ROUNDS)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        raise SystemExit(f"bench: lease_rt {store.split('@')[-1]} exited {p.returncode}: {p.stderr.strip()}")
    out = {}
    for line in p.stdout.splitlines():
        op, med, p90, mean = line.rsplit(" ", 3)
        out[op] = (float(med), float(p90), float(mean))
    return out


def main():
    if not os.path.exists(TOOL):
        sys.exit(f"bench: {TOOL} is missing (make bench builds it)")
    print(f"job round trips on one connection, {ROUNDS} rounds each (microseconds: median / p90)")
    with tempfile.TemporaryDirectory(prefix="orch-blrt.") as tmp:
        run(tmp)  # warm: the schema is created, the file cached
        lite = run(tmp)
    with pglib.cluster() as base:
        pg = run(pglib.new_db(base, "lrt")) if base else None
    print(f"{'operation':<16} {'SQLite':>18} {'PostgreSQL':>18} {'PG/SQLite':>10}")
    for op, (med, p90, _) in lite.items():
        if pg:
            pmed, pp90, _ = pg[op]
            print(f"{op:<16} {med:8.0f} / {p90:7.0f} {pmed:8.0f} / {pp90:7.0f} {pmed / med:9.2f}x")
        else:
            print(f"{op:<16} {med:8.0f} / {p90:7.0f} {'-':>18}")


main()
