"""Crash consistency: a scripted pipeline of three work items where orch-poll,
orch-work, orch-advance, orch-deploy and orch-reconcile are killed with
SIGKILL at random points (seeded: reproducible), then the cron sequence runs
to quiescence.  Passes when every item ends done (as an uninterrupted run
does), every human verdict was applied exactly once, no job ran twice at the
same time, the deploy hook ran at most once per deploy, PRAGMA
integrity_check is ok, and every notification reached the receiver (keyed
by ORCH_NOTIFY_ID: none lost; a redelivery after a crash is recognised).
Under make check-pg the store is the test's PostgreSQL database
(ORCH_DATABASE_URL; storedb.py reads it).

usage: crash.py BIN_DIR KILLS [SEED]
"""
import os
import random
import shutil
import subprocess
import sys
import tempfile

import storedb

BIN, KILLS = os.path.abspath(sys.argv[1]), int(sys.argv[2])
SEED = int(sys.argv[3]) if len(sys.argv) > 3 else 1234
HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
rng = random.Random(SEED)
tmp = tempfile.mkdtemp(prefix="orch-crash.")
home, repo, origin, runs = (os.path.join(tmp, d) for d in ("home", "repo", "origin.git", "runs"))
os.makedirs(home)
os.makedirs(runs)
standins = os.path.join(tmp, "standins")
os.makedirs(standins)
for t in ("gitleaks", "pip-audit"):
    os.symlink(os.path.join(HERE, "standins", t), os.path.join(standins, t))
env = {k: v for k, v in os.environ.items() if not k.startswith("ORCH_")}
URL = os.environ.get("ORCH_DATABASE_URL", "")  # make check-pg: the store is the test's database
if URL:
    env["ORCH_DATABASE_URL"] = URL
# a kill lands within WINDOW s of a command's start (CRASH_WINDOW_S; on PostgreSQL most commands take
# longer than 30 ms to connect, so most kills land before the work: 0.3 s reaches into it)
WINDOW = float(os.environ.get("CRASH_WINDOW_S", "0.03"))
env.update(ORCH_HOME=home, PATH=f"{standins}:{BIN}:{os.environ['PATH']}", GIT_AUTHOR_NAME="crash",
           GIT_AUTHOR_EMAIL="c@c.invalid", GIT_COMMITTER_NAME="crash", GIT_COMMITTER_EMAIL="c@c.invalid",
           GIT_CONFIG_GLOBAL="/dev/null", CRASH_RUNS=runs)


def sh(*argv, cwd=None):
    return subprocess.run(argv, cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout.strip()


sh("git", "init", "-q", "--bare", "-b", "main", origin)
sh("git", "init", "-q", "-b", "main", repo)
os.makedirs(os.path.join(repo, "src"))
open(os.path.join(repo, "src/app.py"), "w").write("def greet():\n    return 'hello'\n")
open(os.path.join(repo, "Makefile"), "w").write("test:\n\t@test -f src/app.py\n")
sh("git", "add", "-A", cwd=repo)
sh("git", "commit", "-qm", "init", cwd=repo)
sh("git", "remote", "add", "origin", origin, cwd=repo)
sh("git", "push", "-q", "origin", "main", cwd=repo)
agent = os.path.join(tmp, "agent.py")
open(agent, "w").write(f"""# runs the example agent for a stage; records overlapping runs of one job: each run holds a
# lock on the job's file, which dies with it (the reaper stops an orphaned agent by its process group)
import fcntl, os, subprocess, sys
lock = open(os.path.join(os.environ["CRASH_RUNS"], "job-" + os.environ["ORCH_JOB_ID"]), "w")
try:
    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
except OSError:
    with open(os.path.join(os.environ["CRASH_RUNS"], "overlap"), "a") as f:
        f.write(os.environ["ORCH_JOB_ID"] + "\\n")
sys.exit(subprocess.run(["sh", "{TOP}/examples/agents/" + sys.argv[1] + ".sh"]).returncode)
""")
hook = os.path.join(tmp, "hook.sh")
open(hook, "w").write('basename "$(pwd)" >>"$CRASH_RUNS/hooks"\n')
receiver = os.path.join(tmp, "receiver.sh")
open(receiver, "w").write('cat >/dev/null; echo "$ORCH_NOTIFY_ID" >>"$CRASH_RUNS/notified"\n')
open(os.path.join(home, "orch.yaml"), "w").write(f"""tracker: local
notify_cmd: ["sh", "{receiver}"]
job_backoff_s: 0
job_max_attempts: 50
max_developer_retries: 50
reconcile_grace_s: 0
reconcile_full_list_s: 0
projects:
  - key: DEMO
    repo: {repo}
    remote: origin
    ci_cmd: ["make", "-s", "test"]
    self_deploy: true
    deploy_hook: ["sh", "{hook}"]
    agents:
      default: ["python3", "{agent}", "{{stage}}"]
""")
ITEMS = ["DEMO-1", "DEMO-2", "DEMO-3"]
for i in range(3):
    sh(os.path.join(BIN, "orch-issue"), "create", "--project", "DEMO", "--title", f"item {i}", "--state", "To Analyse")
CMDS = [["orch-poll", "-q"], ["orch-work", "-q", "--once"], ["orch-advance", "-q", "--all"], ["orch-deploy", "-q"],
        ["orch-reconcile", "-q"]]
db_path = os.path.join(home, "orch.db")
approvals = 0


def states():
    c = storedb.connect(f"file:{db_path}?mode=ro", URL, uri=True, timeout=10)
    try:
        rows = c.execute("SELECT i.project || '-' || i.seq, s.name FROM tracker_issues i JOIN tracker_states s "
                         "ON s.id = i.state_id").fetchall()
        tasks = dict(c.execute("SELECT work_item, stage FROM tasks").fetchall())
    finally:
        c.close()
    return dict(rows), tasks


def human():
    """The human: approve analyses, confirm deploys; never killed."""
    global approvals
    st, tasks = states()
    for wi, name in st.items():
        if name == "In Review":
            subprocess.run([os.path.join(BIN, "orch-issue"), "--wait", "-q", "set", wi, "Approved"], env=env, check=True)
            approvals += 1
        elif name == "Awaiting Deploy" and tasks.get(wi) == "deploy":
            subprocess.run([os.path.join(BIN, "orch-deploy"), "--wait", "-q", "--confirm", wi], env=env,
                           capture_output=True)


kills = runs_total = 0
while kills < KILLS and runs_total < 20 * KILLS:
    argv = rng.choice(CMDS)
    p = subprocess.Popen([os.path.join(BIN, argv[0])] + argv[1:], env=env, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    runs_total += 1
    try:
        p.wait(timeout=rng.uniform(0.0, WINDOW))  # fault injection: where the kill lands
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        kills += 1
    if runs_total % 5 == 0:
        human()
print(f"crash: {kills} SIGKILLs over {runs_total} command runs (seed {SEED})")

for rnd in range(200):  # quiescence: the cron sequence, nobody killed
    for argv in CMDS + [["orch-work", "-q", "--max-jobs", "10"]]:
        subprocess.run([os.path.join(BIN, argv[0]), "--wait"] + argv[1:], env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    human()
    _, tasks = states()
    if all(tasks.get(wi) == "done" for wi in ITEMS):
        break
problems = []
_, tasks = states()
for wi in ITEMS:
    if tasks.get(wi) != "done":
        problems.append(f"{wi} ended at {tasks.get(wi)}, not done")
c = storedb.connect(db_path, URL)
if c.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
    problems.append("integrity_check failed")
applied = c.execute("SELECT count(*) FROM verdicts WHERE verdict = 'approved'").fetchone()[0]
if applied != approvals:
    problems.append(f"{approvals} approvals given, {applied} applied")
if os.path.exists(os.path.join(runs, "overlap")):
    problems.append("a job ran twice at the same time: " + open(os.path.join(runs, "overlap")).read().strip())
hooks = open(os.path.join(runs, "hooks")).read().split() if os.path.exists(os.path.join(runs, "hooks")) else []
for wi in ITEMS:
    deploys = c.execute("SELECT count(*) FROM events WHERE work_item = ? AND kind = 'deploy_initiated'",
                        (wi,)).fetchone()[0]
    if hooks.count(wi) > deploys or hooks.count(wi) == 0:
        problems.append(f"{wi}: the hook ran {hooks.count(wi)} times for {deploys} deploys")
ids = {r[0] for r in c.execute("SELECT id FROM outbox")}
undelivered = c.execute("SELECT count(*) FROM outbox WHERE delivered_at IS NULL").fetchone()[0]
got = open(os.path.join(runs, "notified")).read().split() if os.path.exists(os.path.join(runs, "notified")) else []
if undelivered or {int(x) for x in got} != ids:
    problems.append(f"notifications: {len(ids)} queued, {undelivered} undelivered, {len(set(got))} received")
print(f"crash: quiescent after {rnd + 1} rounds; {len(ids)} notifications, {len(got) - len(set(got))} "
      f"redelivered after a crash (recognised by ORCH_NOTIFY_ID)")
c.close()
if problems:
    print("crash: FAIL: " + "; ".join(problems))
    print(f"crash: kept {tmp}")
    sys.exit(1)
shutil.rmtree(tmp)
print("crash: ok")
