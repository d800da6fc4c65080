"""Benchmark: what the security gate costs beyond its scanners, on a 200-commit branch.

Each round runs `orch-scan WI` (the gate: fetch, gitleaks over origin/main..branch,
the dependency audit of requirements.txt, the report written, committed and read
back) and, alternating with it, the same two scanner commands by themselves (the
argv orch passes, on the same range and manifest).  The difference is orch's own
cost.  Printed side by side: wall time and CPU time (user + system of the whole
process tree, less disturbed than wall time on a shared machine), medians of the
rounds, and the processes each side starts (counted with strace when it is
installed, else orch's own count from tool_metrics).  Also timed alone, in the
same rounds: the git steps the gate cannot drop (SPEC section 10: fetch main
for the range, commit the report to the branch, read it back), each the argv
orch runs, on a scratch clone, so their share bounds what any gate can reach.

gitleaks is the real one when it is available (ORCH_TEST_GITLEAKS, else what
scripts/get-gitleaks.sh fetched into .cache/gitleaks, as t-gitleaks-real finds
it), the stand-in of the test tree otherwise; pip-audit is always the stand-in.
The output says which.

usage: secgate.py BIN_DIR [RUNS]
"""
import os
import resource
import shutil
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


def real_gitleaks():
    g = os.environ.get("ORCH_TEST_GITLEAKS") or os.path.join(TOP, ".cache/gitleaks/root/usr/bin/gitleaks")
    try:
        ok = subprocess.run([g, "--help"], capture_output=True, timeout=30).returncode == 0
    except OSError:
        ok = False
    return g if ok else None


def timed(argv, env, cwd=None, ok=(0,), stdin=None):
    """Wall and CPU milliseconds of one run (CPU: the whole tree, from the children's rusage)."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, input=stdin)
    wall = (time.perf_counter() - t0) * 1000
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode not in ok:
        sys.exit(f"secgate.py: {argv[0]} exited {p.returncode}: {p.stderr.decode(errors='replace')[-500:]}")
    return wall, (r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime) * 1000


def processes(cmds, env, tmp):
    """Processes the commands start (their own included), by strace; None without it."""
    if not shutil.which("strace"):
        return None
    n = 0
    for argv, cwd, ok in cmds:
        out = os.path.join(tmp, "strace.out")
        p = subprocess.run(["strace", "-f", "-qq", "-e", "trace=execve", "-o", out] + argv, env=env, cwd=cwd,
                           capture_output=True)
        if p.returncode not in ok:
            return None
        pids = set()
        with open(out) as f:  # a threaded parent's child may log "<... execve resumed>) = 0" on its own line
            for line in f:
                if ("execve(" in line or "execve resumed" in line) and line.rstrip().endswith("= 0"):
                    pids.add(line.split()[0])
        n += len(pids)
    return n


def orch_spawns(db):
    c = sqlite3.connect(db)
    r = c.execute("SELECT COALESCE(sum(runs), 0) FROM tool_metrics").fetchone()[0]
    c.close()
    return r


def main():
    with tempfile.TemporaryDirectory(prefix="orch-bench-gate.") as tmp:
        standins = os.path.join(tmp, "standins")
        os.makedirs(standins)
        real = real_gitleaks()
        os.symlink(real or os.path.join(TOP, "tests/integration/standins/gitleaks"), os.path.join(standins, "gitleaks"))
        os.symlink(os.path.join(TOP, "tests/integration/standins/pip-audit"), os.path.join(standins, "pip-audit"))
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
        branch = sh("git", "rev-parse", "--abbrev-ref", "HEAD", cwd=wt, env=env)
        manifest = os.path.join(tmp, "requirements.txt")
        shutil.copy(os.path.join(repo, "requirements.txt"), manifest)
        report = os.path.join(tmp, "gitleaks.json")
        help_text = sh("gitleaks", "--help", env=env)
        sub = ["git"] if "\n  git " in help_text else ["detect", "--source"]

        def scanner_cmds():
            base = sh("git", "rev-parse", "refs/remotes/origin/main", cwd=repo, env=env)
            head = sh("git", "rev-parse", f"refs/heads/{branch}", cwd=repo, env=env)
            return [(["gitleaks"] + sub + [wt, "--log-opts", f"{base}..{head}", "--report-format", "json",
                      "--report-path", report, "--exit-code", "2", "--redact", "--no-banner"], wt, (0,)),
                    (["pip-audit", "-r", manifest, "-f", "json", "--progress-spinner", "off"], None, (0, 1))]
        scratch = os.path.join(tmp, "scratch")
        sh("git", "clone", "-q", repo, scratch, env=env)
        art = "docs/work-items/X-1/17-security-report.md"
        os.makedirs(os.path.join(scratch, os.path.dirname(art)))

        def git_steps(k):
            """The argv orch runs for fetch, report commit and read-back (secgate.c, git.c)."""
            with open(os.path.join(scratch, art), "w") as f:
                f.write(f"---\nsecurity_status: PASS\nround: {k}\n---\n")
            return [(["git", "-c", "maintenance.auto=false", "fetch", "--quiet", "--no-tags", "--", "origin",
                      "+refs/heads/main:refs/remotes/origin/main"], repo, None),
                    (["git", "add", "--", art], scratch, None),
                    (["git", "-c", "maintenance.auto=false", "commit", "-q", "--no-verify", "-m",
                      "orch: security report", "--", art], scratch, None),
                    (["git", "cat-file", "--batch"], scratch,
                     f"HEAD^{{tree}}\nHEAD:{os.path.dirname(art)}\nHEAD:{art}\n".encode())]
        gate = [os.path.join(BIN, "orch-scan"), "-q", wi]
        timed(gate, env)  # the first gate run probes gitleaks and sets up runs/: not a steady tick
        walls, cpus = {"gate": [], "scan": [], "git": []}, {"gate": [], "scan": [], "git": []}
        for i in range(RUNS):
            for side in (("gate", "scan", "git") if i % 2 == 0 else ("git", "scan", "gate")):
                if side == "gate":
                    w, c = timed(gate, env)
                elif side == "git":
                    w = c = 0.0
                    for argv, cwd, stdin in git_steps(i):
                        dw, dc = timed(argv, env, cwd, stdin=stdin)
                        w, c = w + dw, c + dc
                else:
                    w = c = 0.0
                    for argv, cwd, ok in scanner_cmds():
                        dw, dc = timed(argv, env, cwd, ok)
                        w, c = w + dw, c + dc
                walls[side].append(w)
                cpus[side].append(c)
        db = os.path.join(home, "orch.db")
        before = orch_spawns(db)
        procs_gate = processes([(gate, None, (0,))], env, tmp)
        procs_scan = processes(scanner_cmds(), env, tmp)
        procs_git = processes([(a, d, (0,)) for a, d, _ in git_steps(RUNS)], env, tmp)
        how = "strace"
        if procs_gate is None or procs_scan is None:
            timed(gate, env)
            procs_gate, procs_scan, how = orch_spawns(db) - before, 2, "orch's own spawns (tool_metrics)"
            procs_git = "?"

    med = {k: (statistics.median(walls[k]), statistics.median(cpus[k])) for k in walls}
    ow, oc = med["gate"][0] - med["scan"][0], med["gate"][1] - med["scan"][1]
    which = f"the real gitleaks ({real})" if real else "the gitleaks stand-in (no real gitleaks: scripts/get-gitleaks.sh)"
    print(f"security gate on a {COMMITS}-commit branch, {RUNS} rounds (medians); {which}, the pip-audit stand-in")
    print(f"  {'':<22}{'wall ms':>10}{'cpu ms':>10}{'processes':>11}")
    print(f"  {'orch-scan (the gate)':<22}{med['gate'][0]:>10.1f}{med['gate'][1]:>10.1f}{procs_gate:>11}")
    print(f"  {'scanners alone':<22}{med['scan'][0]:>10.1f}{med['scan'][1]:>10.1f}{procs_scan:>11}")
    print(f"  {'orch overhead':<22}{ow:>10.1f}{oc:>10.1f}{procs_gate - procs_scan:>11}")
    print(f"  overhead / scanners: wall {ow / med['scan'][0] * 100:.1f}%, cpu {oc / med['scan'][1] * 100:.1f}% "
          f"(processes counted by {how})")
    print(f"  {'git steps alone':<22}{med['git'][0]:>10.1f}{med['git'][1]:>10.1f}{procs_git:>11}"
          f"   (fetch, add, commit, read-back: the gate's floor)")
    print(f"  git steps / scanners: wall {med['git'][0] / med['scan'][0] * 100:.1f}%, "
          f"cpu {med['git'][1] / med['scan'][1] * 100:.1f}% (no gate that runs them can be under this)")


main()
