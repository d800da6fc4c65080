"""Overlap: the tick's commands running at the same time, with SIGKILLs.

Several loops run the cron sequence (orch-poll; orch-work --once;
orch-advance --all; orch-deploy; orch-reconcile) concurrently, some with
--wait (they queue on the per-command lock and overlap inside the library
with the other commands) and some without (a second instance of a command
exits 0 "skipped"); operators run orch-advance WI and orch-deploy --confirm
WI at random moments; a human approves analyses and sets Confirm Deploy in
the tracker.  The ci_cmd is slow, the remote is slow (upload-pack and
receive-pack wrappers that pause before exec), and the loops' commands are
killed with SIGKILL at random (seeded) points.  Two projects: SELF
(self_deploy, Confirm Deploy) and EXT (deploy_hook run by the deploy gate,
then a post-deploy watch).  Then quiescence (the sequence, one at a time,
nobody killed) and the checks:

- every item is done, PRAGMA integrity_check is ok;
- the stage changes of each item (events advanced / rolled_back) form one
  chain from analysis to done: no edge recorded twice in a row (a double
  advance), and without a rollback each edge exactly once; the only
  rollbacks allowed are from deploy after a deploy that was interrupted or
  lost (a kill while EXT's hook ran, a confirm killed before the hook
  started: both recorded as FAILED by design);
- the deploy hook ran at most once per deploy attempt (the hook records the
  work item, the attempt -- how many times the item entered stage deploy --
  and a unique id) and exactly once for the attempt that reached done; the
  post-deploy watch ended once per EXT item;
- every Approved and every Confirm Deploy the human set was applied exactly
  once (verdicts table), and no Confirm Deploy was swallowed (an item left
  waiting at deploy while its tracker says Confirm Deploy);
- no agent job ran twice at the same time; every notification reached the
  receiver (keyed by ORCH_NOTIFY_ID).

The kill schedule and the operators' choices come from the seed; the
interleaving of the threads is the machine's.  Under make check-pg the store
is the test's PostgreSQL database (ORCH_DATABASE_URL; storedb.py reads it).

usage: overlap.py BIN_DIR KILLS [SEED [ITEMS_PER_PROJECT [LOOPS]]]
"""
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import storedb

BIN, KILLS = os.path.abspath(sys.argv[1]), int(sys.argv[2])
SEED = int(sys.argv[3]) if len(sys.argv) > 3 else 1234
PER_PROJECT = int(sys.argv[4]) if len(sys.argv) > 4 else 2
LOOPS = int(sys.argv[5]) if len(sys.argv) > 5 else 3
HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
started = time.monotonic()
tmp = tempfile.mkdtemp(prefix="orch-overlap.")
home, runs = os.path.join(tmp, "home"), os.path.join(tmp, "runs")
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
env.update(ORCH_HOME=home, PATH=f"{standins}:{BIN}:{os.environ['PATH']}", GIT_AUTHOR_NAME="overlap",
           GIT_AUTHOR_EMAIL="o@o.invalid", GIT_COMMITTER_NAME="overlap", GIT_COMMITTER_EMAIL="o@o.invalid",
           GIT_CONFIG_GLOBAL="/dev/null", CRASH_RUNS=runs)
db_path = os.path.join(home, "orch.db")


def sh(*argv, cwd=None):
    return subprocess.run(argv, cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout.strip()


def script(name, text):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o755)
    return path


# slow tools: the pause happens inside the child, as a slow network or test suite would
slow_upload = script("slow-upload-pack", "#!/bin/sh\nsleep 0.15\nexec git upload-pack \"$@\"\n")
slow_receive = script("slow-receive-pack", "#!/bin/sh\nsleep 0.15\nexec git receive-pack \"$@\"\n")
slow_ci = script("slow-ci.sh", "sleep 0.3\nexec make -s test\n")
agent = script("agent.py", f"""# the example agents; the developer handles None at once, so the reviewer never asks
# for changes (no rollback by design).  Two runs of one job at the same time are recorded: each run
# holds a lock on the job's file, which dies with it (the reaper stops an orphaned agent by its group)
import fcntl, os, subprocess, sys
lock = open(os.path.join(os.environ["CRASH_RUNS"], "job-" + os.environ["ORCH_JOB_ID"]), "w")
try:
    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
except OSError:
    with open(os.path.join(os.environ["CRASH_RUNS"], "overlap"), "a") as f:
        f.write(os.environ["ORCH_JOB_ID"] + "\\n")
stage = sys.argv[1]
env = dict(os.environ)
if stage == "development":
    env["ORCH_TASK_DESC"] = "Must-fix findings: None"
sys.exit(subprocess.run(["sh", "{TOP}/examples/agents/" + stage + ".sh"], env=env).returncode)
""")
# the hook: one line per run -- work item, deploy attempt (times the item entered stage deploy), unique id
hook = script("hook.py", f"""import os, sys, time
sys.path.insert(0, "{HERE}")
import storedb
time.sleep(0.3)  # a slow deploy: a kill of the command running EXT's hook lands inside it
wi = os.path.basename(os.getcwd())
c = storedb.connect("file:{db_path}?mode=ro", "{URL}", uri=True, timeout=60)
n = c.execute("SELECT count(*) FROM events WHERE work_item = ? AND kind = 'advanced' AND stage_to = 'deploy'",
              (wi,)).fetchone()[0]
with open("{runs}/hooks", "a") as f:
    f.write(f"{{wi}} {{n}} {{os.getpid()}}-{{time.time_ns()}}\\n")
""")
receiver = script("receiver.sh", 'cat >/dev/null; echo "$ORCH_NOTIFY_ID" >>"$CRASH_RUNS/notified"\n')

PROJECTS = {"SELF": True, "EXT": False}  # key -> self_deploy
for key in PROJECTS:
    repo, origin = os.path.join(tmp, f"{key}-repo"), os.path.join(tmp, f"{key}-origin.git")
    sh("git", "init", "-q", "--bare", "-b", "main", origin)
    sh("git", "init", "-q", "-b", "main", repo)
    os.makedirs(os.path.join(repo, "src"))
    open(os.path.join(repo, "src/app.py"), "w").write("def greet():\n    return 'hello'\n")
    open(os.path.join(repo, "Makefile"), "w").write("test:\n\t@test -f src/app.py\n")
    sh("git", "add", "-A", cwd=repo)
    sh("git", "commit", "-qm", "init", cwd=repo)
    sh("git", "remote", "add", "origin", origin, cwd=repo)
    sh("git", "push", "-q", "origin", "main", cwd=repo)
    sh("git", "config", "remote.origin.uploadpack", slow_upload, cwd=repo)
    sh("git", "config", "remote.origin.receivepack", slow_receive, cwd=repo)
open(os.path.join(home, "orch.yaml"), "w").write(f"""tracker: local
notify_cmd: ["sh", "{receiver}"]
job_backoff_s: 0
job_max_attempts: 50
max_developer_retries: 50
reconcile_grace_s: 0
reconcile_full_list_s: 0
projects:
  - key: SELF
    repo: {tmp}/SELF-repo
    remote: origin
    ci_cmd: ["sh", "{slow_ci}"]
    self_deploy: true
    deploy_hook: ["python3", "{hook}"]
    agents:
      default: ["python3", "{agent}", "{{stage}}"]
  - key: EXT
    repo: {tmp}/EXT-repo
    remote: origin
    ci_cmd: ["sh", "{slow_ci}"]
    deploy_hook: ["python3", "{hook}"]
    health_cmd: ["true"]
    agents:
      default: ["python3", "{agent}", "{{stage}}"]
""")
ITEMS = []


def wave():
    """PER_PROJECT new items per project, as the tracker's To Analyse."""
    for key in PROJECTS:
        for _ in range(PER_PROJECT):
            out = sh(os.path.join(BIN, "orch-issue"), "create", "--project", key, "--title", "an item", "--state",
                     "To Analyse")
            ITEMS.append(out.split()[0])


wave()
CRON = [["orch-poll"], ["orch-work", "--once"], ["orch-advance", "--all"], ["orch-deploy"], ["orch-reconcile"]]

lock = threading.Lock()
fig = {"runs": 0, "kills": 0, "skipped": 0, "busy": 0, "operator": 0, "approvals": 0, "confirms": 0}
outputs = []  # (argv, rc, stdout) of the operators' commands, for the busy check
anomalies = []  # runs that crashed or failed inside (exit 70, a signal we did not send, a sanitizer)


def count(name, n=1):
    with lock:
        fig[name] += n


def run(argv, kill_after=None):
    """Run one orch command; kill it with SIGKILL after kill_after seconds if still running. rc, out."""
    p = subprocess.Popen([os.path.join(BIN, argv[0])] + argv[1:], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    count("runs")
    try:
        out, _ = p.communicate(timeout=kill_after)
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate()
        count("kills")
        return -9, out
    if p.returncode < 0 or p.returncode == 70 or "Sanitizer" in out or "runtime error" in out:
        with lock:  # a crash, an internal error, a sanitizer report: never an outcome
            anomalies.append(f"{' '.join(argv)} exited {p.returncode}: {out.strip()[-300:]}")
    count("skipped", out.count("previous run still active; skipped"))
    count("busy", out.count("is being worked by"))
    return p.returncode, out


def db():
    return storedb.connect(f"file:{db_path}?mode=ro", URL, uri=True, timeout=60)


def snapshot():
    """Tracker status, task stage and deploy entries of every item."""
    c = db()
    try:
        st = dict(c.execute("SELECT i.project || '-' || i.seq, s.name FROM tracker_issues i JOIN tracker_states s "
                            "ON s.id = i.state_id").fetchall())
        tasks = dict(c.execute("SELECT work_item, stage FROM tasks").fetchall())
        entries = dict(c.execute("SELECT work_item, count(*) FROM events WHERE kind = 'advanced' AND "
                                 "stage_to = 'deploy' GROUP BY work_item").fetchall())
    finally:
        c.close()
    return st, tasks, entries


confirmed = set()  # (item, deploy attempt) the human set Confirm Deploy for
rng_human = random.Random(SEED * 1000 + 200)


def human():
    """Approve analyses; set Confirm Deploy once per deploy attempt of a SELF item. Never killed."""
    st, tasks, entries = snapshot()
    for wi, name in st.items():
        if name == "In Review" and tasks.get(wi) == "analysis":
            subprocess.run([os.path.join(BIN, "orch-issue"), "--wait", "-q", "set", wi, "Approved"], env=env,
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            count("approvals")
        elif (wi.startswith("SELF-") and tasks.get(wi) == "deploy" and name == "Awaiting Deploy" and
              (wi, entries.get(wi, 0)) not in confirmed):
            subprocess.run([os.path.join(BIN, "orch-issue"), "--wait", "-q", "set", wi, "Confirm Deploy"], env=env,
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            confirmed.add((wi, entries.get(wi, 0)))
            count("confirms")
            if rng_human.random() < 0.5:  # and at once from the shell too, racing the loops' orch-poll
                run(["orch-deploy", "--confirm", wi])


def all_done():
    _, tasks, _ = snapshot()
    return all(tasks.get(wi) == "done" for wi in ITEMS)


stop = threading.Event()
failures = []


def guarded(fn):
    def body(*a):
        try:
            fn(*a)
        except Exception as ex:  # a broken helper must fail the test, not hang it
            failures.append(f"{fn.__name__}: {ex!r}")
            stop.set()
    return body


@guarded
def tick_loop(i, budget):
    rng = random.Random(SEED * 1000 + i)
    wait = i % 2 == 0  # even loops queue on the command locks, odd ones skip a busy command
    kills = 0
    while not stop.is_set():
        for argv in CRON:
            kill_after = None
            if kills < budget and rng.random() < 0.3:
                # fault injection: where the kill lands (early, or deep in a merge or deploy)
                kill_after = rng.uniform(0.0, 0.3) if rng.random() < 0.5 else rng.uniform(0.3, 2.5)
            rc, _ = run([argv[0]] + (["--wait"] if wait or rng.random() < 0.3 else []) + argv[1:], kill_after)
            kills += rc == -9


@guarded
def operator(i):
    rng = random.Random(SEED * 1000 + 100 + i)
    while not stop.is_set():
        wi = rng.choice(ITEMS)
        argv = rng.choice([["orch-advance", "--json", wi], ["orch-advance", "--wait", wi],
                           ["orch-deploy", "--wait", "--confirm", wi], ["orch-deploy", "--json", "--confirm", wi]])
        rc, out = run(argv)
        count("operator")
        with lock:
            outputs.append((argv, rc, out))
        time.sleep(rng.uniform(0.1, 0.8))  # an operator's pace, not synchronisation


@guarded
def humans():
    while not stop.is_set():
        human()
        time.sleep(0.1)  # a human's pace, not synchronisation


budget = [KILLS // LOOPS + (1 if i < KILLS % LOOPS else 0) for i in range(LOOPS)]
threads = [threading.Thread(target=tick_loop, args=(i, budget[i])) for i in range(LOOPS)]
threads += [threading.Thread(target=operator, args=(i,)) for i in range(2)]
threads += [threading.Thread(target=humans)]
for t in threads:
    t.start()
CHAOS_LIMIT = float(os.environ.get("OVERLAP_CHAOS_S", "600"))
waves = 1
while not stop.is_set():  # the chaos phase: waves of items until the kills are spent (or the time limit)
    if time.monotonic() - started > CHAOS_LIMIT:
        break
    if all_done():
        if fig["kills"] >= KILLS:
            break
        wave()
        waves += 1
    stop.wait(0.5)
stop.set()
for t in threads:
    t.join()
chaos_s = time.monotonic() - started
print(f"overlap: {fig['kills']} SIGKILLs over {fig['runs']} command runs in {chaos_s:.0f} s "
      f"({LOOPS} loops, {waves} waves of items, {fig['operator']} operator commands; seed {SEED})")


def initiated(wi):
    """WI's initiated record of its current deploy (deploy_marks, lib/deploystate.h): (key, value) or None."""
    c = db()
    try:
        return c.execute("SELECT m.task_id, m.attempt, m.host, m.value FROM deploy_marks m JOIN tasks t ON "
                         "t.id = m.task_id WHERE t.work_item = ? AND m.name = 'initiated' ORDER BY m.attempt "
                         "DESC", (wi,)).fetchone()
    finally:
        c.close()


def age_initiated(row, secs):
    """The record as if its deploy started secs earlier on both its clocks (lib/deploystate.h)."""
    lines = row[3].split("\n")
    aged = [f"{k} {int(v) - secs}" if k in ("wall", "boottime") else l
            for l in lines[1:] for k, _, v in [l.partition(" ")]]
    c = storedb.connect(db_path, URL, timeout=60)
    try:
        c.execute("UPDATE deploy_marks SET value = ? WHERE task_id = ? AND attempt = ? AND host = ? AND "
                  "name = 'initiated'", ("\n".join(lines[:1] + aged), row[0], row[1], row[2]))
        c.commit()
    finally:
        c.close()


def stuck_confirms():
    """Age the initiated record of a confirm killed before its hook started: deploy_timeout_s passes."""
    aged = 0
    _, tasks, _ = snapshot()
    for wi in ITEMS:
        d = os.path.join(home, "deploy-state", wi.split("-")[0], wi)
        if (tasks.get(wi) == "deploy" and not os.path.exists(os.path.join(d, "wrapper-pid")) and
                not os.path.exists(os.path.join(d, "result")) and (row := initiated(wi)) is not None):
            age_initiated(row, 7200)
            aged += 1
    return aged


aged = 0
for rnd in range(300):  # quiescence: the cron sequence one at a time, nobody killed
    for argv in CRON + [["orch-work", "-q", "--max-jobs", "10"], ["orch-deploy", "-q", "--monitor"]]:
        run([argv[0], "--wait"] + argv[1:])
    human()
    if all_done():
        c = db()
        watching = c.execute("SELECT count(*) FROM events WHERE kind = 'post_deploy_healthy'").fetchone()[0]
        c.close()
        if watching >= sum(wi.startswith("EXT-") for wi in ITEMS):
            break
    if rnd % 10 == 9:
        aged += stuck_confirms()

problems = list(failures) + anomalies
st, tasks, entries = snapshot()
for wi in ITEMS:
    if tasks.get(wi) != "done":
        problems.append(f"{wi} ended at {tasks.get(wi)} (tracker: {st.get(wi)}), not done")
c = storedb.connect(db_path, URL, timeout=60)
if c.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
    problems.append("integrity_check failed")
for wi, agent, attempts in c.execute("SELECT t.work_item, j.agent, j.attempts FROM jobs j JOIN tasks t ON "
                                     "t.id = j.task_id WHERE j.status NOT IN ('done')"):
    problems.append(f"{wi}: {agent} job left not done after {attempts} attempts")

# the chain of stage changes
STAGES = ["analysis", "architecture", "development", "review", "testing", "deploy-staging", "deploy", "done"]
rollbacks = 0
for wi in ITEMS:
    rows = c.execute("SELECT kind, stage_from, stage_to, detail FROM events WHERE work_item = ? AND "
                     "kind IN ('advanced', 'rolled_back') AND stage_from IS DISTINCT FROM stage_to ORDER BY id", (wi,)).fetchall()
    at, edges = "analysis", {}
    for kind, frm, to, detail in rows:
        if frm != at:
            problems.append(f"{wi}: {kind} {frm} -> {to} recorded while the item was at {at} (a double transition)")
        at = to
        edges[(frm, to)] = edges.get((frm, to), 0) + 1
        if kind == "rolled_back":
            rollbacks += 1
            if frm != "deploy":
                problems.append(f"{wi}: rolled back {frm} -> {to} ({detail}); the agents never ask for it")
    if not any(k == "rolled_back" for k, *_ in rows):
        path = list(zip(STAGES, STAGES[1:]))
        if sorted(edges) != sorted(path) or any(n != 1 for n in edges.values()):
            problems.append(f"{wi}: edges {edges}, expected each of analysis..done once")

# the hook: at most once per deploy attempt, once for the attempt that reached done
hooks = [l.split() for l in open(os.path.join(runs, "hooks"))] if os.path.exists(os.path.join(runs, "hooks")) else []
seen = {}
for wi, attempt, hid in hooks:
    seen.setdefault((wi, int(attempt)), []).append(hid)
for (wi, attempt), ids in seen.items():
    if len(ids) > 1:
        problems.append(f"{wi}: the deploy hook ran {len(ids)} times for deploy attempt {attempt}")
for wi in ITEMS:
    if tasks.get(wi) == "done" and (wi, entries.get(wi, 0)) not in seen:
        problems.append(f"{wi}: done, but the hook never ran for its last deploy (attempt {entries.get(wi, 0)})")
for wi in ITEMS:
    if wi.startswith("EXT-"):
        n = c.execute("SELECT count(*) FROM events WHERE work_item = ? AND kind = 'post_deploy_healthy'",
                      (wi,)).fetchone()[0]
        if n != 1:
            problems.append(f"{wi}: the post-deploy watch ended {n} times")

# the human's verdicts: each applied once; a Confirm Deploy unapplied only when a confirm from the shell
# (the human's own or an operator's) deployed first and orch's status change (Deploying) replaced it
# before a poll saw it
applied = c.execute("SELECT count(*) FROM verdicts WHERE verdict = 'approved'").fetchone()[0]
if applied != fig["approvals"]:
    problems.append(f"{fig['approvals']} Approved set by the human, {applied} applied")
applied = c.execute("SELECT count(*) FROM verdicts WHERE verdict = 'confirm_deploy'").fetchone()[0]
seen_confirms = c.execute("SELECT e.work_item, (SELECT count(*) FROM events d WHERE d.work_item = e.work_item AND "
                          "d.kind = 'advanced' AND d.stage_to = 'deploy' AND d.id < e.id) FROM events e "
                          "WHERE e.kind = 'confirm_deploy'").fetchall()
if applied != len(seen_confirms) or len(set(seen_confirms)) != len(seen_confirms):
    problems.append(f"Confirm Deploy: {applied} verdicts, confirm events per attempt {sorted(seen_confirms)}")
for key in set(seen_confirms) - confirmed:
    problems.append(f"{key[0]}: a Confirm Deploy applied to deploy attempt {key[1]}, which the human never confirmed")
overtaken = confirmed - set(seen_confirms)
for wi, attempt in overtaken:
    if (wi, attempt) not in seen:
        problems.append(f"{wi}: Confirm Deploy for deploy attempt {attempt} lost: never applied, no deploy")
for wi in ITEMS:
    if tasks.get(wi) == "deploy" and st.get(wi) == "Confirm Deploy":
        problems.append(f"{wi}: Confirm Deploy swallowed: the tracker says Confirm Deploy, the item waits at deploy")

if os.path.exists(os.path.join(runs, "overlap")):
    problems.append("a job ran twice at the same time: " + open(os.path.join(runs, "overlap")).read().strip())
ids = {r[0] for r in c.execute("SELECT id FROM outbox")}
undelivered = c.execute("SELECT count(*) FROM outbox WHERE delivered_at IS NULL").fetchone()[0]
got = open(os.path.join(runs, "notified")).read().split() if os.path.exists(os.path.join(runs, "notified")) else []
if undelivered or {int(x) for x in got} != ids:
    problems.append(f"notifications: {len(ids)} queued, {undelivered} undelivered, {len(set(got))} received")

# the operators saw busy as an outcome, never as an error
for argv, rc, out in outputs:
    if "busy" in out and (rc != 0 or "skipped this tick" not in out):
        problems.append(f"{' '.join(argv)}: busy printed badly (exit {rc}): {out.strip()[:200]}")
c.close()
if os.environ.get("OVERLAP_SHOW_BUSY"):
    for argv, rc, out in outputs:
        if "busy" in out:
            print(f"  {' '.join(argv)} -> {rc}: {out.strip()}")
print(f"overlap: {len(ITEMS)} items, quiescent after {rnd + 1} rounds; {len(hooks)} hook runs, {rollbacks} "
      f"rollbacks after an interrupted deploy, {aged} lost confirms aged past deploy_timeout_s; {fig['skipped']} "
      f"skipped (lock held), {fig['busy']} busy (claim held); {fig['approvals']} approvals, {fig['confirms']} "
      f"Confirm Deploy ({len(overtaken)} overtaken by a confirm from the shell); {len(ids)} notifications, {len(got) - len(set(got))} redelivered; "
      f"{time.monotonic() - started:.0f} s in all")
if problems:
    print("overlap: FAIL: " + "\n  ".join([""] + problems))
    print(f"overlap: kept {tmp}")
    sys.exit(1)
shutil.rmtree(tmp)
print("overlap: ok")
