"""Shared by the PostgreSQL benchmarks (hosts.py, lease_rt.py, store_tick.py): a PostgreSQL
server to measure against, and a fresh database per run.

ORCH_BENCH_PG, when set, is the base URL of a running server (postgresql://USER@HOST:PORT, no
database; bench/run.sh starts one throwaway cluster and passes it to all three); otherwise
cluster() starts a throwaway cluster of its own with scripts/pg-cluster.sh and stops it at the end.
Without PostgreSQL's server binaries cluster() yields None and the benchmark prints SQLite alone.
"""
import contextlib
import os
import subprocess
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@contextlib.contextmanager
def cluster():
    base = os.environ.get("ORCH_BENCH_PG")
    if base:
        yield base.rstrip("/")
        return
    tmp = tempfile.mkdtemp(prefix="orch-bpg.", dir="/tmp")
    os.rmdir(tmp)  # pg-cluster.sh wants an absent or empty DIR reachable by nobody (as root)
    script = os.path.join(TOP, "scripts", "pg-cluster.sh")
    p = subprocess.run(["sh", script, "start", tmp], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    if p.returncode == 77:
        print("(PostgreSQL not installed: apt-get install postgresql; SQLite only)")
        yield None
        return
    if p.returncode != 0:
        raise SystemExit(f"bench: the throwaway PostgreSQL cluster did not start: {p.stderr.strip()}")
    try:
        yield p.stdout.strip().rsplit("/", 1)[0]
    finally:
        subprocess.run(["sh", script, "stop", tmp], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


_seq = [0]


def new_db(base, stem):
    """A new, empty database on the server at base: its URL."""
    _seq[0] += 1
    name = f"bench_{stem}_{os.getpid()}_{_seq[0]}"
    psql(base, f"CREATE DATABASE {name}")
    return f"{base}/{name}"


def psql(url_or_base, sql, db="postgres"):
    """Run sql (psql -XAtq); its output.  url_or_base without a database gets db."""
    url = url_or_base if url_or_base.count("/") > 2 else f"{url_or_base}/{db}"
    p = subprocess.run(["psql", "-XAtq", "-v", "ON_ERROR_STOP=1", url, "-c", sql], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        raise SystemExit(f"bench: psql: {p.stderr.strip()}")
    return p.stdout
