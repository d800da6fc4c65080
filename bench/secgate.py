"""Benchmark: the security gate's own overhead on a 200-commit branch.

Runs `orch-scan WI` (the gate: gitleaks stand-in over origin/main..branch,
pip-audit stand-in on requirements.txt, the report written, committed and
read back) and prints the wall time, the scanners' time as orch measured
it (tool_metrics: fork to exit of the stand-ins), and the difference: what
orch itself adds.

usage: secgate.py BIN_DIR [RUNS]
"""
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

BIN = os.path.abspath(sys.argv[1])
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 5
TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COMMITS = 200


def sh(*argv, cwd=None, env=None):
    return subprocess.run(argv, cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout.strip()


def tool_ms(db):
    c = sqlite3.connect(db)
    r = c.execute("SELECT COALESCE(sum(total_ms), 0) FROM tool_metrics WHERE tool IN "
                  "('gitleaks', 'pip-audit', 'osv-scanner')").fetchone()[0]
    c.close()
    return r


with tempfile.TemporaryDirectory(prefix="orch-bench-gate.") as tmp:
    standins = os.path.join(tmp, "standins")
    os.makedirs(standins)
    for t in ("gitleaks", "pip-audit"):
        os.symlink(os.path.join(TOP, "tests/integration/standins", t), os.path.join(standins, t))
    home = os.path.join(tmp, "home")
    env = dict(os.environ, ORCH_HOME=home, PATH=f"{standins}:{BIN}:{os.environ['PATH']}",
               ORCH_SECURITY_GATE_REPOS="DEMO", GIT_AUTHOR_NAME="b", GIT_AUTHOR_EMAIL="b@b.invalid",
               GIT_COMMITTER_NAME="b", GIT_COMMITTER_EMAIL="b@b.invalid", GIT_CONFIG_GLOBAL="/dev/null")
    origin, repo = os.path.join(tmp, "origin.git"), os.path.join(tmp, "repo")
    sh("git", "init", "-q", "--bare", "-b", "main", origin, env=env)
    sh("git", "init", "-q", "-b", "main", repo, env=env)
    with open(os.path.join(repo, "requirements.txt"), "w") as f:
        f.write("requests==2.32.3\nidna==3.7\n")
    sh("git", "add", "-A", cwd=repo, env=env)
    sh("git", "commit", "-qm", "init", cwd=repo, env=env)
    sh("git", "remote", "add", "origin", origin, cwd=repo, env=env)
    sh("git", "push", "-q", "origin", "main", cwd=repo, env=env)
    os.makedirs(home)
    with open(os.path.join(home, "orch.yaml"), "w") as f:
        f.write(f"projects:\n  - key: DEMO\n    repo: {repo}\n    remote: origin\n    ci_cmd: [\"true\"]\n")
    wi = sh(os.path.join(BIN, "orch-issue"), "create", "--project", "DEMO", "--title", "bench", env=env)
    sh(os.path.join(BIN, "orch-advance"), "--start", wi, env=env)
    wt = os.path.join(home, "worktrees/DEMO", wi)
    for i in range(COMMITS):
        with open(os.path.join(wt, f"f{i % 20}.py"), "a") as f:
            f.write(f"value_{i} = {i}\n")
        sh("git", "add", "-A", cwd=wt, env=env)
        sh("git", "commit", "-qm", f"change {i}", cwd=wt, env=env)
    db = os.path.join(home, "orch.db")
    walls, tools = [], []
    for _ in range(RUNS):
        before = tool_ms(db)
        t0 = time.perf_counter()
        subprocess.run([os.path.join(BIN, "orch-scan"), "-q", wi], env=env, check=True)
        walls.append((time.perf_counter() - t0) * 1000)
        tools.append(tool_ms(db) - before)
    w, t = statistics.median(walls), statistics.median(tools)
    print(f"security gate on a {COMMITS}-commit branch ({RUNS} runs): orch-scan {w:.1f} ms, "
          f"stand-in scanners {t:.1f} ms, gate overhead {w - t:.1f} ms ({(w - t) / w * 100:.0f}% of the total)")
