"""Benchmark: a no-op cron tick (orch-poll + orch-advance --all) with 10,000
tasks in the store and nothing to do, against a reference process
(python3 -c 'import sqlite3, json, subprocess') measured the same way in the
same run.  Prints wall time (median and p90 of N runs) and peak RSS.

usage: noop_tick.py BIN_DIR [RUNS]
"""
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

BIN = os.path.abspath(sys.argv[1])
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 20
TASKS = 10_000
WAITING = 100  # tasks waiting on a queued agent job; the rest are done


def peak_rss(argv, env):
    """Peak RSS (KiB) of argv, read by GNU time: a small forking parent, so the
    figure is the child's own (a child spawned from this interpreter would
    inherit its high-water mark)."""
    if not os.path.exists("/usr/bin/time"):
        return None
    p = subprocess.run(["/usr/bin/time", "-f", "%M"] + argv, env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, check=True)
    return int(p.stderr.decode().strip().splitlines()[-1])


def run(argv, env):
    """Wall ms of one child."""
    # posix_spawn (no fork of this interpreter), so ru_maxrss is the child's own
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


def populate(home, repo):
    os.makedirs(home)
    with open(os.path.join(home, "orch.yaml"), "w") as f:
        f.write(f"tracker: local\nprojects:\n  - key: BENCH\n    repo: {repo}\n    ci_cmd: [\"true\"]\n")
    env = dict(os.environ, ORCH_HOME=home)
    subprocess.run([os.path.join(BIN, "orch-issue"), "states", "--project", "BENCH"], env=env,
                   stdout=subprocess.DEVNULL, check=True)
    db = sqlite3.connect(os.path.join(home, "orch.db"))
    now = "2026-01-01T00:00:00.000000Z"
    db.executemany(
        "INSERT INTO tracker_issues(id, project, seq, name, state_id, created_at, updated_at) "
        "VALUES (?, 'BENCH', ?, ?, ?, ?, ?)",
        ((f"issue{i}", i, f"item {i}", "BENCH:done" if i > WAITING else "BENCH:analysis", now, now)
         for i in range(1, TASKS + 1)))
    db.executemany(
        "INSERT INTO tasks(id, project, work_item, issue_id, title, repo, branch, worktree, stage, "
        "created_at, updated_at) VALUES (?, 'BENCH', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ((i, f"BENCH-{i}", f"issue{i}", f"item {i}", repo, f"feature/BENCH-{i}-item",
          f"{home}/worktrees/BENCH/BENCH-{i}", "done" if i > WAITING else "analysis", now, now)
         for i in range(1, TASKS + 1)))
    db.executemany(
        "INSERT INTO jobs(task_id, agent, stage, status, created_at, updated_at) "
        "VALUES (?, 'analyst', 'analysis', 'queued', ?, ?)",
        ((i, now, now) for i in range(1, WAITING + 1)))
    db.commit()
    db.close()
    return env


def measure(name, argvs, env):
    walls = []
    for _ in range(RUNS):
        walls.append(sum(run(argv, env) for argv in argvs))
    rss = [peak_rss(argv, env) for argv in argvs]
    rss = None if None in rss else max(rss)
    walls.sort()
    med = statistics.median(walls)
    p90 = walls[int(len(walls) * 0.9) - 1]
    shown = f"{rss / 1024:6.1f} MiB" if rss else "n/a (install GNU time)"
    print(f"{name:<44} median {med:7.2f} ms   p90 {p90:7.2f} ms   peak RSS {shown}")
    return med, rss


def main():
    with tempfile.TemporaryDirectory(prefix="orch-bench.") as tmp:
        home, repo = os.path.join(tmp, "home"), os.path.join(tmp, "repo")
        subprocess.run(["git", "init", "-q", "-b", "main", repo], check=True)
        env = populate(home, repo)
        tick = [[os.path.join(BIN, "orch-poll"), "-q"], [os.path.join(BIN, "orch-advance"), "-q", "--all"]]
        run(tick[0], env)  # settle: the first run may checkpoint the WAL
        print(f"no-op tick: {TASKS} tasks ({WAITING} waiting on a queued job, the rest done), "
              f"{TASKS} tracker issues, {RUNS} runs each")
        poll_ms, _ = measure("orch-poll", tick[:1], env)
        adv_ms, _ = measure("orch-advance --all", tick[1:], env)
        tick_ms, tick_rss = measure("tick (orch-poll + orch-advance --all)", tick, env)
        ref_ms, ref_rss = measure("reference: python3 -c 'import sqlite3, json, subprocess'",
                                  [["python3", "-c", "import sqlite3, json, subprocess"]], env)
        rss_ratio = f"{tick_rss / ref_rss:.2f}x" if tick_rss and ref_rss else "n/a"
        print(f"ratio tick/reference: time {tick_ms / ref_ms:.2f}x, peak RSS {rss_ratio}")
        print(f"target: tick under 50 ms: {'met' if tick_ms < 50 else 'NOT met'} ({tick_ms:.2f} ms)")


main()
