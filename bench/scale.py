"""Benchmark: does a quiet cron tick grow with the history?  Builds stores of
1k, 10k and 100k work items (directly through the schema: 100 waiting on a
queued job, the rest done) and prints, per size, the median and p90 of a
no-op tick (orch-poll -q; orch-advance -q --all), of a tick with one changed
item (one issue touched before each run), and of orch-status --json, with
the peak RSS of each (GNU time), beside the python3 import reference
measured in the same run, and the floor: two runs of bench/sqlite_floor (a
process that does only what the SPEC asks of every command, reads orch.yaml,
takes a flock, opens orch.db, runs the one query a quiet advance needs and
writes its run record atomically; no tick of two commands can cost less).  On a shared machine wall times move with the
load, so where valgrind is installed it also prints the instructions each
measure executes (callgrind: the same count for the same binary and input,
whatever else runs).  The reference is Debian's /usr/bin/python3 when it
exists (a pyenv shim would add a bash start-up to it).  It prints figures;
it asserts nothing.

usage: scale.py BIN_DIR [RUNS] [SIZES]
"""
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.abspath(sys.argv[1])
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 11
SIZES = [int(x) for x in sys.argv[3].split(",")] if len(sys.argv) > 3 else [1000, 10_000, 100_000]
WAITING = 100
FLOOR = os.path.join(os.path.dirname(BIN), "bench", "sqlite_floor")


def spawn(argv, env):
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        pid = os.posix_spawnp(argv[0], argv, env, file_actions=[
            (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0), (os.POSIX_SPAWN_DUP2, err.fileno(), 2)])
        _, status = os.waitpid(pid, 0)
        ms = (time.perf_counter() - t0) * 1000
        if os.waitstatus_to_exitcode(status) not in (0, 2):
            err.seek(0)
            sys.exit(f"bench: {argv} exited {os.waitstatus_to_exitcode(status)}: {err.read().decode()}")
    return ms


def instructions(argvs, env):
    """Instructions executed by argvs (summed), or None without valgrind."""
    if not shutil.which("valgrind"):
        return None
    total = 0
    for argv in argvs:
        p = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"] + argv, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        m = re.search(rb"refs:\s+([0-9,]+)", p.stderr)
        if not m:
            return None
        total += int(m.group(1).replace(b",", b""))
    return total


def peak_rss(argv, env):
    if not os.path.exists("/usr/bin/time"):
        return None
    p = subprocess.run(["/usr/bin/time", "-f", "%M"] + argv, env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)
    return int(p.stderr.decode().strip().splitlines()[-1])


def populate(home, repo, n):
    os.makedirs(home)
    with open(os.path.join(home, "orch.yaml"), "w") as f:
        f.write(f"tracker: local\nprojects:\n  - key: BENCH\n    repo: {repo}\n    ci_cmd: [\"true\"]\n"
                f"    agents:\n      default: [\"true\"]\n")
    os.chmod(os.path.join(home, "orch.yaml"), 0o600)
    env = dict(os.environ, ORCH_HOME=home)
    subprocess.run([os.path.join(BIN, "orch-issue"), "states", "--project", "BENCH"], env=env,
                   stdout=subprocess.DEVNULL, check=True)
    db = sqlite3.connect(os.path.join(home, "orch.db"))
    now = "2026-01-01T00:00:00.000000Z"
    db.executemany(
        "INSERT INTO tracker_issues(id, project, seq, name, state_id, created_at, updated_at) "
        "VALUES (?, 'BENCH', ?, ?, ?, ?, ?)",
        ((f"issue{i}", i, f"item {i}", "BENCH:done" if i > WAITING else "BENCH:analysis", now, now)
         for i in range(1, n + 1)))
    db.executemany(
        "INSERT INTO tasks(id, project, work_item, issue_id, title, repo, branch, worktree, stage, "
        "created_at, updated_at) VALUES (?, 'BENCH', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ((i, f"BENCH-{i}", f"issue{i}", f"item {i}", repo, f"feature/BENCH-{i}-item",
          f"{home}/worktrees/BENCH/BENCH-{i}", "done" if i > WAITING else "analysis", now, now)
         for i in range(1, n + 1)))
    db.executemany("INSERT INTO jobs(task_id, agent, stage, status, created_at, updated_at) "
                   "VALUES (?, 'analyst', 'analysis', ?, ?, ?)",
                   ((i, "queued" if i <= WAITING else "done", now, now) for i in range(1, n + 1)))
    db.executemany("INSERT INTO events(ts, work_item, kind, stage_from, stage_to, detail) "
                   "VALUES (?, ?, 'advanced', 'deploy', 'done', 'x')", ((now, f"BENCH-{i}") for i in range(1, n + 1)))
    db.commit()
    db.close()
    return env


def touch_one(home, k):
    """One changed item: a waiting issue's updated_at moves (as a tracker edit does)."""
    db = sqlite3.connect(os.path.join(home, "orch.db"))
    db.execute("UPDATE tracker_issues SET updated_at = strftime('%Y-%m-%dT%H:%M:%f000Z', 'now') WHERE seq = ?",
               (1 + k % WAITING,))
    db.commit()
    db.close()


def measure(argvs, env, before=None):
    walls = []
    for k in range(RUNS):
        if before:
            before(k)
        walls.append(sum(spawn(a, env) for a in argvs))
    walls.sort()
    rss = [peak_rss(a, env) for a in argvs]
    if before:
        before(RUNS)  # the instruction count sees a changed item too
    return (statistics.median(walls), walls[max(0, int(len(walls) * 0.9) - 1)], (None if None in rss else max(rss)),
            instructions(argvs, env))


def fmt(m):
    med, p90, rss = m[:3]
    return f"{med:7.2f} {p90:7.2f} {rss / 1024 if rss else float('nan'):6.1f}"


def main():
    rows, floor = {}, None
    with tempfile.TemporaryDirectory(prefix="orch-scale.") as tmp:
        repo = os.path.join(tmp, "repo")
        subprocess.run(["git", "init", "-q", "-b", "main", repo], check=True)
        py = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else "python3"
        ref = measure([[py, "-c", "import sqlite3, json, subprocess"]], dict(os.environ))
        for n in SIZES:
            home = os.path.join(tmp, f"home{n}")
            env = populate(home, repo, n)
            poll = [os.path.join(BIN, "orch-poll"), "-q"]
            tick = [poll, [os.path.join(BIN, "orch-advance"), "-q", "--all"]]
            spawn(poll, env)  # the first poll lists everything and sets the watermark
            spawn(poll, env)
            rows[n] = (measure(tick, env), measure(tick, env, lambda k: touch_one(home, k)),
                       measure([[os.path.join(BIN, "orch-status"), "--json"]], env))
            if n == SIZES[-1] and os.path.exists(FLOOR):
                floor = measure([[FLOOR, home]] * 2, env)
        start = (measure([[os.path.join(BIN, "orch-advance"), "--version"]], dict(os.environ)),
                 measure([["/bin/true"]], dict(os.environ)))
    print(f"scale: {WAITING} items waiting on a job, the rest done; {RUNS} runs each; ms and MiB")
    print(f"{'items':>8} | {'no-op tick':^22} | {'one changed item':^22} | {'orch-status --json':^22}")
    print(f"{'':>8} | {'median     p90    RSS':^22} | {'median     p90    RSS':^22} | {'median     p90    RSS':^22}")
    for n, (a, b, c) in rows.items():
        print(f"{n:>8} | {fmt(a)} | {fmt(b)} | {fmt(c)}")
    print(f"reference python3 -c 'import sqlite3, json, subprocess': {fmt(ref)}")
    lo, hi = rows[SIZES[0]][0][0], rows[SIZES[-1]][0][0]
    print(f"no-op tick {SIZES[-1]} vs {SIZES[0]}: {hi / lo:.2f}x (target <= 1.2x); "
          f"reference / tick at {SIZES[-1]}: {ref[0] / hi:.2f}x (target >= 5x); "
          f"peak RSS at {SIZES[-1]}: {max(r[2] or 0 for r in rows[SIZES[-1]]) / 1024:.1f} MiB (target < 8)")
    print(f"start-up: orch-advance --version {fmt(start[0])}; /bin/true {fmt(start[1])}")
    if floor:
        print(f"floor: two commands doing only config, flock, orch.db, one query, run record (bench/sqlite_floor) "
              f"at {SIZES[-1]}: "
              f"{fmt(floor)}; reference / floor: {ref[0] / floor[0]:.2f}x (the 5x target needs a tick of at most "
              f"{ref[0] / 5:.2f} ms)")
    else:
        print(f"floor: {FLOOR} not built (make bench builds it)")
    if ref[3] is None or any(m[3] is None for r in rows.values() for m in r):
        print("instructions: valgrind not installed")
        return
    print("instructions (millions; callgrind)")
    print(f"{'items':>8} | {'no-op tick':>12} | {'one changed':>12} | {'status --json':>14}")
    for n, (a, b, c) in rows.items():
        print(f"{n:>8} | {a[3] / 1e6:12.2f} | {b[3] / 1e6:12.2f} | {c[3] / 1e6:14.2f}")
    lo, hi = rows[SIZES[0]][0][3], rows[SIZES[-1]][0][3]
    print(f"reference: {ref[3] / 1e6:.2f}; no-op tick {SIZES[-1]} vs {SIZES[0]}: {hi / lo:.2f}x; "
          f"reference / tick at {SIZES[-1]}: {ref[3] / hi:.2f}x; orch-status --json {SIZES[-1]} vs {SIZES[0]}: "
          f"{rows[SIZES[-1]][2][3] / rows[SIZES[0]][2][3]:.2f}x")


main()
