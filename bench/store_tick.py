"""Benchmark (issue 27): the quiet cron tick (orch-poll + orch-advance --all, nothing to do) on
SQLite and on PostgreSQL, in the same invocation.  The store of each holds TASKS tasks (WAITING of
them waiting on a queued agent job, the rest done), each with a tracker issue, as in noop_tick.py;
the PostgreSQL one is a fresh database on a throwaway cluster (or ORCH_BENCH_PG) on this machine,
reached over TCP on 127.0.0.1.  Prints the median and p90 wall time of RUNS runs of each command
and of the tick, and the PG/SQLite ratio; SQLite is the baseline.

usage: store_tick.py BIN_DIR [RUNS] [TASKS]
"""
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pglib  # noqa: E402

BIN = os.path.abspath(sys.argv[1])
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 20
TASKS = int(sys.argv[3]) if len(sys.argv) > 3 else 10_000
WAITING = 100
NOW = "2026-01-01T00:00:00.000000Z"


def run(argv, env):
    """Wall ms of one child (posix_spawn, stdout to /dev/null)."""
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        pid = os.posix_spawnp(argv[0], argv, env, file_actions=[
            (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
            (os.POSIX_SPAWN_DUP2, err.fileno(), 2)])
        _, status = os.waitpid(pid, 0)
        ms = (time.perf_counter() - t0) * 1000
        if os.waitstatus_to_exitcode(status) != 0:
            err.seek(0)
            sys.exit(f"bench: {argv[0]} exited {os.waitstatus_to_exitcode(status)}: {err.read().decode()}")
    return ms


def home(tmp, name, url):
    h = os.path.join(tmp, name)
    os.makedirs(h)
    repo = os.path.join(tmp, "repo")
    with open(os.path.join(h, "orch.yaml"), "w") as f:
        f.write(f"tracker: local\nprojects:\n  - key: BENCH\n    repo: {repo}\n    ci_cmd: [\"true\"]\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORCH_")}
    env["ORCH_HOME"] = h
    if url:
        env["ORCH_DATABASE_URL"] = url
    subprocess.run([os.path.join(BIN, "orch-issue"), "states", "--project", "BENCH"], env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)  # the schema
    return h, repo, env


def fill_sqlite(h, repo):
    db = sqlite3.connect(os.path.join(h, "orch.db"))
    db.executemany(
        "INSERT INTO tracker_issues(id, project, seq, name, state_id, created_at, updated_at) "
        "VALUES (?, 'BENCH', ?, ?, ?, ?, ?)",
        ((f"issue{i}", i, f"item {i}", "BENCH:done" if i > WAITING else "BENCH:analysis", NOW, NOW)
         for i in range(1, TASKS + 1)))
    db.executemany(
        "INSERT INTO tasks(id, project, work_item, issue_id, title, repo, branch, worktree, stage, "
        "created_at, updated_at) VALUES (?, 'BENCH', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ((i, f"BENCH-{i}", f"issue{i}", f"item {i}", repo, f"feature/BENCH-{i}-item",
          f"{h}/worktrees/BENCH/BENCH-{i}", "done" if i > WAITING else "analysis", NOW, NOW)
         for i in range(1, TASKS + 1)))
    db.executemany("INSERT INTO jobs(task_id, agent, stage, status, created_at, updated_at) "
                   "VALUES (?, 'analyst', 'analysis', 'queued', ?, ?)", ((i, NOW, NOW) for i in range(1, WAITING + 1)))
    db.commit()
    db.close()


def fill_pg(url, h, repo):
    pglib.psql(url, f"""
INSERT INTO tracker_issues(id, project, seq, name, state_id, created_at, updated_at)
  SELECT 'issue' || i, 'BENCH', i, 'item ' || i, CASE WHEN i > {WAITING} THEN 'BENCH:done' ELSE 'BENCH:analysis' END,
         '{NOW}', '{NOW}' FROM generate_series(1, {TASKS}) AS i;
INSERT INTO tasks(id, project, work_item, issue_id, title, repo, branch, worktree, stage, created_at, updated_at)
  SELECT i, 'BENCH', 'BENCH-' || i, 'issue' || i, 'item ' || i, '{repo}', 'feature/BENCH-' || i || '-item',
         '{h}/worktrees/BENCH/BENCH-' || i, CASE WHEN i > {WAITING} THEN 'done' ELSE 'analysis' END, '{NOW}', '{NOW}'
  FROM generate_series(1, {TASKS}) AS i;
INSERT INTO jobs(task_id, agent, stage, status, created_at, updated_at)
  SELECT i, 'analyst', 'analysis', 'queued', '{NOW}', '{NOW}' FROM generate_series(1, {WAITING}) AS i;
ANALYZE;""")


def measure(argvs, env):
    walls = sorted(sum(run(a, env) for a in argvs) for _ in range(RUNS))
    return statistics.median(walls), walls[int(len(walls) * 0.9) - 1]


def main():
    poll = [os.path.join(BIN, "orch-poll"), "-q"]
    adv = [os.path.join(BIN, "orch-advance"), "-q", "--all"]
    rows = [("orch-poll", [poll]), ("orch-advance --all", [adv]), ("tick (poll + advance --all)", [poll, adv])]
    print(f"quiet tick: {TASKS} tasks ({WAITING} waiting on a queued job, the rest done), {RUNS} runs each, "
          f"SQLite (the baseline) and PostgreSQL on this machine")
    with tempfile.TemporaryDirectory(prefix="orch-bst.") as tmp:
        subprocess.run(["git", "init", "-q", "-b", "main", os.path.join(tmp, "repo")], check=True)
        h, repo, env = home(tmp, "lite", None)
        fill_sqlite(h, repo)
        run(poll, env)  # settle: the first run may checkpoint the WAL
        lite = {name: measure(a, env) for name, a in rows}
        pg = None
        with pglib.cluster() as base:
            if base:
                url = pglib.new_db(base, "tick")
                h, repo, env = home(tmp, "pg", url)
                fill_pg(url, h, repo)
                run(poll, env)
                pg = {name: measure(a, env) for name, a in rows}
    print(f"{'':<30} {'SQLite median / p90':>22} {'PostgreSQL median / p90':>26} {'PG/SQLite':>10}")
    for name, _ in rows:
        lm, lp = lite[name]
        if pg:
            pm, pp = pg[name]
            print(f"{name:<30} {lm:9.2f} / {lp:7.2f} ms {pm:12.2f} / {pp:7.2f} ms {pm / lm:9.2f}x")
        else:
            print(f"{name:<30} {lm:9.2f} / {lp:7.2f} ms {'-':>26}")


main()
