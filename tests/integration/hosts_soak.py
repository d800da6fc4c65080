"""Hosts soak (issue 27): three hosts on one machine share one PostgreSQL store and one bare origin.

Each host is a directory DIR/hN of its own holding its ORCH_HOME (home) and its own clones of the
two projects' origins (SELF-repo, EXT-repo), with `host: soak-hN` in its orch.yaml.  With
isolation (unshare -m, as bench/hosts.py --isolate) each host's commands run in a mount namespace
where the other hosts' directories are an empty tmpfs: a host that used another host's paths
would fail there, and every agent and hook also records where it ran.

Every host runs the cron sequence in a loop (orch-poll; orch-work --once --slot 1; orch-advance
--all; orch-deploy; orch-reconcile) and a second runner loop (orch-work --slot 2), all three hosts
at once; the loops' commands are killed with SIGKILL at random (seeded) points; the ci_cmd is slow.
Two projects: SELF (self_deploy: a human sets Confirm Deploy, half the time also racing an
orch-deploy --confirm from a random host) and EXT (deploy_hook run after the merge, then the
post-deploy watch).  Agents sleep, then do their stage's work as examples/agents/ do.

A host disappears mid-job: the first development agent of the item VANISH tells the harness it
runs; the harness freezes that host (its runner and the agent's process group SIGSTOPped, its loops
paused), ages the job's lease in the store's clock, waits until another host rescued and finished
the job, then thaws it: its heartbeat must find the lease lost, stop its agent, and its late
completion must change nothing.

Then quiescence (the sequence on one host at a time, round robin, nobody killed, bounded rounds)
and the invariants, all from the store and the runs directory (hook and agent records):

- every item is done, no job is left undone, no command crashed (exit 70, a signal we did not send);
- each item's stage changes form one chain analysis..done, each edge once, no transition recorded
  twice; a rollback only from deploy (a deploy interrupted by a kill is FAILED by design);
- every done job completed once (one job_done event per job);
- the deploy hook ran at most once per deploy attempt and once for the attempt that reached done;
  the post-deploy watch of each EXT item ended once;
- every Approved and Confirm Deploy the human set was applied once, none swallowed;
- no job's agent ran twice at the same time (a flock per job, across hosts);
- every agent and every hook ran in its own host's directory;
- every notification reached the receiver;
- the vanishing host: its job was rescued and finished by another host, its runner said "lost",
  its agent was stopped, and its completion changed nothing.

usage: hosts_soak.py BIN_DIR ITEMS KILLS SEED   (ORCH_DATABASE_URL: the store; HOSTS_SOAK_ISOLATE=0|1)
"""
import json
import os
import random
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import storedb

BIN = os.path.abspath(sys.argv[1])
ITEMS_N, KILLS, SEED = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
URL = os.environ["ORCH_DATABASE_URL"]
HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
NHOSTS = 3
AGENT_S = float(os.environ.get("HOSTS_SOAK_AGENT_S", "0.2"))
CHAOS_LIMIT = float(os.environ.get("HOSTS_SOAK_CHAOS_S", "420"))
started = time.monotonic()
tmp = tempfile.mkdtemp(prefix="orch-hsoak.", dir="/tmp")
runs = os.path.join(tmp, "runs")
os.makedirs(runs)
standins = os.path.join(tmp, "standins")
os.makedirs(standins)
for t in ("gitleaks", "pip-audit"):
    os.symlink(os.path.join(HERE, "standins", t), os.path.join(standins, t))
base_env = {k: v for k, v in os.environ.items() if not k.startswith("ORCH_")}
base_env.update(PATH=f"{standins}:{BIN}:{os.environ['PATH']}", GIT_AUTHOR_NAME="soak",
                GIT_AUTHOR_EMAIL="s@s.invalid", GIT_COMMITTER_NAME="soak", GIT_COMMITTER_EMAIL="s@s.invalid",
                GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_NOSYSTEM="1", SOAK_RUNS=runs,
                ORCH_DATABASE_URL=URL)


def sh(*argv, cwd=None):
    return subprocess.run(argv, cwd=cwd, env=base_env, check=True, capture_output=True, text=True).stdout.strip()


def script(name, text):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o755)
    return path


# isolation: does a private mount namespace with a tmpfs work here?
ISOLATE = os.environ.get("HOSTS_SOAK_ISOLATE", "1") == "1"
if ISOLATE:
    probe = os.path.join(tmp, "probe")
    os.makedirs(probe)
    p = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c",
                        f"mount -t tmpfs -o size=1m soak-probe '{probe}'"], capture_output=True, text=True)
    if p.returncode != 0:
        print(f"hosts-soak: unshare -m unavailable ({(p.stderr.strip() or 'exit %d' % p.returncode)[:200]}); "
              "running the hosts WITHOUT isolation (they could see each other's directories)", file=sys.stderr)
        ISOLATE = False

slow_ci = script("slow-ci.sh", "sleep 0.3\nexec make -s test\n")
# The agent: records where it ran and as which host; a flock per job (across hosts: one file system)
# catches two runs of one job at once.  The first development run of VANISH tells the harness it runs
# and then waits for a go that never comes (the harness freezes its host meanwhile).
agent = script("agent.py", f"""import fcntl, os, subprocess, sys, time
host, stage = sys.argv[1], sys.argv[2]
runs, wi, job = os.environ["SOAK_RUNS"], os.environ["ORCH_WORK_ITEM"], os.environ["ORCH_JOB_ID"]
with open(os.path.join(runs, "agents"), "a") as f:
    f.write(f"{{host}} {{job}} {{wi}} {{stage}} {{os.getcwd()}}\\n")
if wi == os.environ.get("SOAK_VANISH") and stage == "development":
    try:
        os.close(os.open(os.path.join(runs, "vanish.claimed"), os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        first = True
    except FileExistsError:
        first = False
    if first:
        with open(os.path.join(runs, "vanish.ready"), "w") as f:
            f.write(f"{{job}} {{os.getpgid(0)}} {{host}} {{os.getpid()}}\\n")
        with open(os.path.join(runs, "vanish.go")) as f:
            f.read()
        open(os.path.join(runs, "vanish.finished"), "w").close()
        sys.exit(0)
lock = open(os.path.join(runs, "job-" + job), "w")
try:
    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
except OSError:
    with open(os.path.join(runs, "overlap"), "a") as f:
        f.write(f"job {{job}} ({{wi}} {{stage}}) on {{host}} while another run of it held its lock\\n")
time.sleep({AGENT_S})
env = dict(os.environ)
if stage == "development":
    env["ORCH_TASK_DESC"] = "Must-fix findings: None"
sys.exit(subprocess.run(["sh", "{TOP}/examples/agents/" + stage + ".sh"], env=env).returncode)
""")
# The hook: one line per run -- host, work item, deploy attempt (times the item entered stage deploy),
# its directory, a unique id
hook = script("hook.py", f"""import os, sys, time
sys.path.insert(0, "{HERE}")
import storedb
host = sys.argv[1]
time.sleep(0.3)  # a slow deploy: a kill of the command running EXT's hook lands inside it
wi = os.environ["ORCH_WORK_ITEM"]
c = storedb.connect(None, "{URL}")
n = c.execute("SELECT count(*) FROM events WHERE work_item = ? AND kind = 'advanced' AND stage_to = 'deploy'",
              (wi,)).fetchone()[0]
c.close()
with open("{runs}/hooks", "a") as f:
    f.write(f"{{host}} {{wi}} {{n}} {{os.getcwd()}} {{os.getpid()}}-{{time.time_ns()}}\\n")
""")
receiver = script("receiver.sh", 'cat >/dev/null; echo "$ORCH_NOTIFY_ID" >>"$SOAK_RUNS/notified"\n')

PROJECTS = {"SELF": True, "EXT": False}  # key -> self_deploy
for key in PROJECTS:
    origin, seed_repo = os.path.join(tmp, f"{key}-origin.git"), os.path.join(tmp, f"{key}-seed")
    sh("git", "init", "-q", "--bare", "-b", "main", origin)
    sh("git", "init", "-q", "-b", "main", seed_repo)
    os.makedirs(os.path.join(seed_repo, "src"))
    open(os.path.join(seed_repo, "src/app.py"), "w").write("def greet():\n    return 'hello'\n")
    open(os.path.join(seed_repo, "Makefile"), "w").write("test:\n\t@test -f src/app.py\n")
    sh("git", "add", "-A", cwd=seed_repo)
    sh("git", "commit", "-qm", "init", cwd=seed_repo)
    sh("git", "push", "-q", origin, "main", cwd=seed_repo)
    shutil.rmtree(seed_repo)


class Host:
    def __init__(self, n):
        self.n, self.name = n, f"soak-h{n}"
        self.dir = os.path.join(tmp, f"h{n}")
        self.home = os.path.join(self.dir, "home")
        os.makedirs(self.home)
        for key in PROJECTS:
            sh("git", "clone", "-q", os.path.join(tmp, f"{key}-origin.git"), os.path.join(self.dir, f"{key}-repo"))
        self.env = dict(base_env, ORCH_HOME=self.home)
        self.others = [os.path.join(tmp, f"h{m}") for m in range(1, NHOSTS + 1) if m != n]
        self.present = threading.Event()  # cleared while the host has "disappeared"
        self.present.set()
        self.live = set()  # pids of its commands running now (a vanishing host loses them)
        projects = ""
        for key, self_deploy in PROJECTS.items():
            projects += f"""  - key: {key}
    repo: {self.dir}/{key}-repo
    remote: origin
    ci_cmd: ["sh", "{slow_ci}"]
    deploy_hook: ["python3", "{hook}", "{self.name}"]
    agents:
      default: ["python3", "{agent}", "{self.name}", "{{stage}}"]
"""
            projects += "    self_deploy: true\n" if self_deploy else '    health_cmd: ["true"]\n'
        path = os.path.join(self.home, "orch.yaml")
        with open(path, "w") as f:
            f.write(f"""tracker: local
host: {self.name}
notify_cmd: ["sh", "{receiver}"]
job_backoff_s: 0
job_max_attempts: 50
max_developer_retries: 50
job_lease_s: 20
job_timeout_s: 120
work_slots: 2
reconcile_grace_s: 0
reconcile_full_list_s: 0
projects:
{projects}""")
        os.chmod(path, 0o644)

    def argv(self, argv):
        full = [os.path.join(BIN, argv[0])] + argv[1:]
        if not ISOLATE:
            return full
        mounts = "; ".join(f"mount -t tmpfs -o size=1m,mode=0755 soak-hidden '{d}'" for d in self.others)
        return ["unshare", "-m", "--propagation", "private", "sh", "-c", f'{mounts} && exec "$@"', "sh"] + full


HOSTS = [Host(n) for n in range(1, NHOSTS + 1)]
H1 = HOSTS[0]

lock = threading.Lock()
fig = {"runs": 0, "kills": 0, "skipped": 0, "busy": 0, "approvals": 0, "confirms": 0, "operator": 0}
anomalies = []
outputs = {}  # pid -> (host, argv, rc, output) of the runner the vanish froze
frozen = set()  # pids never to kill (the frozen runner)
watch_pids = set()


def count(name, n=1):
    with lock:
        fig[name] += n


def run(host, argv, kill_after=None):
    """Run one orch command on host; SIGKILL it after kill_after seconds if still running. rc, out."""
    p = subprocess.Popen(host.argv(argv), env=host.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True)
    count("runs")
    killed = False
    with lock:  # a command that started as its host disappeared goes with it (vanisher)
        host.live.add(p.pid)
        if not host.present.is_set():
            p.kill()
    try:
        out, _ = p.communicate(timeout=kill_after)
    except subprocess.TimeoutExpired:
        if p.pid in frozen:  # the host that disappeared: its runner is the harness's, not the kills'
            out, _ = p.communicate()
        else:
            p.kill()
            out, _ = p.communicate()
            killed = True
            count("kills")
    with lock:
        host.live.discard(p.pid)
        gone = p.returncode == -signal.SIGKILL and not host.present.is_set()
    if p.pid in watch_pids:
        with lock:
            outputs[p.pid] = (host.name, argv, p.returncode, out)
    if gone:  # its host disappeared: not a crash of orch's
        return -9, out
    if killed:
        return -9, out
    if p.returncode < 0 or p.returncode == 70 or "Sanitizer" in out or "runtime error" in out:
        with lock:
            anomalies.append(f"{host.name}: {' '.join(argv)} exited {p.returncode}: {out.strip()[-300:]}")
    count("skipped", out.count("skipped"))
    count("busy", out.count("is being worked by"))
    return p.returncode, out


def db():
    return storedb.connect(None, URL)


def snapshot():
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


ITEMS = []
for i in range(ITEMS_N):
    key = "EXT" if i % 2 == 0 else "SELF"
    out = subprocess.run(H1.argv(["orch-issue", "create", "--project", key, "--title", f"soak item {i}",
                                  "--state", "To Analyse"]), env=H1.env, check=True, capture_output=True,
                         text=True).stdout
    ITEMS.append(out.split()[0])
VANISH = ITEMS[0]
for h in HOSTS:
    h.env["SOAK_VANISH"] = VANISH
base_env["SOAK_VANISH"] = VANISH

confirmed = set()
rng_human = random.Random(SEED * 1000 + 200)


def human():
    """Approve analyses; set Confirm Deploy once per deploy attempt of a SELF item. Never killed."""
    st, tasks, entries = snapshot()
    for wi, name in st.items():
        if name == "In Review" and tasks.get(wi) == "analysis":
            rc, out = run(H1, ["orch-issue", "--wait", "-q", "set", wi, "Approved"])
            if rc != 0:
                raise RuntimeError(f"orch-issue set {wi} Approved exited {rc}: {out}")
            count("approvals")
        elif (wi.startswith("SELF-") and tasks.get(wi) == "deploy" and name == "Awaiting Deploy" and
              (wi, entries.get(wi, 0)) not in confirmed):
            rc, out = run(H1, ["orch-issue", "--wait", "-q", "set", wi, "Confirm Deploy"])
            if rc != 0:
                raise RuntimeError(f"orch-issue set {wi} Confirm Deploy exited {rc}: {out}")
            confirmed.add((wi, entries.get(wi, 0)))
            count("confirms")
            if rng_human.random() < 0.5:  # and at once from a shell on some host, racing the loops' orch-poll
                run(rng_human.choice(HOSTS), ["orch-deploy", "--confirm", wi])
                count("operator")


def all_done():
    _, tasks, _ = snapshot()
    return all(tasks.get(wi) == "done" for wi in ITEMS)


stop = threading.Event()
kills_on = threading.Event()
kills_on.set()
failures = []


def guarded(fn):
    def body(*a):
        try:
            fn(*a)
        except Exception as ex:  # a broken helper must fail the test, not hang it
            failures.append(f"{fn.__name__}: {ex!r}")
            stop.set()
    return body


CRON = [["orch-poll"], ["orch-work", "--slot", "1", "--max-jobs", "2"], ["orch-advance", "--all"], ["orch-deploy"],
        ["orch-reconcile"]]
kill_budget = [KILLS]


def maybe_kill(rng):
    with lock:
        if not kills_on.is_set() or kill_budget[0] <= 0 or rng.random() >= 0.15:
            return None
        kill_budget[0] -= 1
    return rng.uniform(0.0, 0.3) if rng.random() < 0.5 else rng.uniform(0.3, 2.0)


@guarded
def tick_loop(h):
    rng = random.Random(SEED * 1000 + h.n)
    while not stop.is_set():
        for argv in CRON:
            h.present.wait()
            if stop.is_set():
                break
            run(h, argv[:1] + (["--wait"] if rng.random() < 0.5 else []) + argv[1:], maybe_kill(rng))


@guarded
def work_loop(h):
    rng = random.Random(SEED * 1000 + 10 + h.n)
    while not stop.is_set():
        h.present.wait()
        run(h, ["orch-work", "--slot", "2", "--max-jobs", "3"], maybe_kill(rng))
        stop.wait(0.2)  # a runner's pace between runs (as cron), not synchronisation


@guarded
def humans():
    while not stop.is_set():
        human()
        stop.wait(0.3)  # a human's pace, not synchronisation


vanish = {"state": "waiting"}


def wait_store(cond, what, limit=180):
    """Poll the store until cond(c) is true (bounded): a wait for a state, not a sleep as synchronisation."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        c = db()
        try:
            if cond(c):
                return True
        finally:
            c.close()
        time.sleep(0.2)
    raise RuntimeError(f"vanish: {what} did not happen within {limit} s")


@guarded
def vanisher():
    """VANISH's first development agent runs: its host disappears, another host rescues the job."""
    ready = os.path.join(runs, "vanish.ready")
    fd = os.open(ready, os.O_RDONLY | os.O_NONBLOCK)
    data = b""
    while not stop.is_set() and not data.endswith(b"\n"):
        r, _, _ = select.select([fd], [], [], 0.5)
        if r:
            data += os.read(fd, 200)
    os.close(fd)
    if not data:
        return
    job, pgid, hname, apid = data.decode().split()
    job, pgid, apid = int(job), int(pgid), int(apid)
    vanish["t0"] = time.monotonic()
    host = next(h for h in HOSTS if h.name == hname)
    c = db()
    row = c.execute("SELECT pid, host, lease_token, status FROM jobs WHERE id = ?", (job,)).fetchone()
    c.close()
    pid, jhost, token, status = row
    vanish.update(job=job, pgid=pgid, host=hname, pid=pid, token=token, apid=apid)
    if jhost != hname or status != "running":
        raise RuntimeError(f"vanish: job {job} is {status} on {jhost}, its agent runs on {hname}")
    with lock:
        frozen.add(pid)
        watch_pids.add(pid)
    # the host disappears: no new commands, its other commands gone (their connections close, their
    # store locks go), its runner and its agent frozen (no heartbeat, no exit)
    with lock:
        host.present.clear()
        for other in host.live - {pid}:
            try:
                os.kill(other, signal.SIGKILL)
            except ProcessLookupError:
                pass
    os.kill(pid, signal.SIGSTOP)
    os.killpg(pgid, signal.SIGSTOP)
    vanish["state"] = "frozen"
    # its lease runs out in the store's clock (set here, not waited for)
    c = db()
    aged = c.execute("UPDATE jobs SET lease_until = orch_now() - 1 WHERE id = ? AND status = 'running' AND "
                     "lease_token = ? RETURNING id", (job, token)).fetchall()
    c.close()
    if len(aged) != 1:
        raise RuntimeError(f"vanish: could not age job {job}'s lease")
    # another host's reaper requeues it, another host's runner finishes it
    wait_store(lambda c: c.execute("SELECT count(*) FROM jobs WHERE id = ? AND status = 'done'",
                                   (job,)).fetchone()[0] == 1, f"job {job} finished by another host")
    c = db()
    vanish["rescued_by"] = c.execute("SELECT host FROM jobs WHERE id = ?", (job,)).fetchone()[0]
    c.close()
    # the host comes back
    os.killpg(pgid, signal.SIGCONT)
    os.kill(pid, signal.SIGCONT)
    vanish["state"] = "thawed"
    vanish["frozen_s"] = time.monotonic() - vanish["t0"]
    host.present.set()


pg_fifo = [os.path.join(runs, "vanish.ready"), os.path.join(runs, "vanish.go")]
for f in pg_fifo:
    os.mkfifo(f)
threads = [threading.Thread(target=tick_loop, args=(h,)) for h in HOSTS]
threads += [threading.Thread(target=work_loop, args=(h,)) for h in HOSTS]
threads += [threading.Thread(target=humans), threading.Thread(target=vanisher)]
for t in threads:
    t.start()
def last_event():
    c = db()
    try:
        return c.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]
    finally:
        c.close()


STALL_S = float(os.environ.get("HOSTS_SOAK_STALL_S", "90"))
mark, mark_t = last_event(), time.monotonic()
while not stop.is_set():  # the chaos phase: until every item is done (or the time limit, or a stall)
    if time.monotonic() - started > CHAOS_LIMIT or (all_done() and vanish["state"] != "frozen"):
        break
    ev = last_event()
    if ev != mark:
        mark, mark_t = ev, time.monotonic()
    elif time.monotonic() - mark_t > STALL_S and vanish["state"] != "frozen":
        print(f"hosts-soak: nothing happened in the store for {STALL_S:.0f} s of ticks on all hosts: stalled",
              flush=True)
        break
    stop.wait(1.0)
chaos_s = time.monotonic() - started
kills_on.clear()
stop.set()
for h in HOSTS:
    h.present.set()
for t in threads:
    t.join()
print(f"hosts-soak: chaos {chaos_s:.0f} s: {fig['runs']} command runs on {NHOSTS} hosts, {fig['kills']} SIGKILLs "
      f"(seed {SEED}), {'isolated (unshare -m)' if ISOLATE else 'NOT isolated'}; {sum(1 for wi in ITEMS if snapshot()[1].get(wi) == 'done')}"
      f"/{len(ITEMS)} done", flush=True)


def stuck_deploys():
    """A deploy whose confirm was killed before its hook started has no result: age its row past
    deploy_timeout_s in the store's clock, so that a host records it lost (FAILED, never started again)."""
    c = db()
    try:
        return len(c.execute("UPDATE deploys SET started_at = orch_now() - 100000 WHERE status = 'running' "
                             "AND started_at < orch_now() - 30 RETURNING id").fetchall())
    finally:
        c.close()


aged = 0
rnd = 0
mark, still = last_event(), 0
for rnd in range(int(os.environ.get("HOSTS_SOAK_ROUNDS", "150"))):  # quiescence: one host at a time, no kills
    h = HOSTS[rnd % NHOSTS]
    for argv in CRON + [["orch-work", "-q", "--slot", "2", "--max-jobs", "10"], ["orch-deploy", "-q", "--monitor"]]:
        run(h, [argv[0], "--wait"] + argv[1:])
    human()
    if all_done():
        c = db()
        watching = c.execute("SELECT count(*) FROM events WHERE kind = 'post_deploy_healthy'").fetchone()[0]
        c.close()
        if watching >= sum(wi.startswith("EXT-") for wi in ITEMS):
            break
    if rnd % 10 == 9:
        aged += stuck_deploys()
    ev = last_event()
    still = still + 1 if ev == mark else 0
    mark = ev
    if still >= 15:  # five rounds on every host, an aging of the deploys among them, and nothing moved
        break

problems = list(failures) + anomalies
st, tasks, entries = snapshot()
why = {}  # what each host's orch-advance says about an item that is not done
if not all_done():
    for h in HOSTS:
        _, out = run(h, ["orch-advance", "--all"])
        for line in out.splitlines():
            wi = line.split(":", 1)[0]
            why.setdefault(wi, []).append(f"{h.name}: {line[len(wi) + 2:][:400]}")
for wi in ITEMS:
    if tasks.get(wi) != "done":
        problems.append(f"{wi} ended at {tasks.get(wi)} (tracker: {st.get(wi)}), not done after {rnd + 1} rounds: "
                        + "; ".join(why.get(wi, ["(no host says why)"])))
c = db()
for wi, agent_name, status, attempts, err in c.execute(
        "SELECT t.work_item, j.agent, j.status, j.attempts, j.last_error FROM jobs j JOIN tasks t ON "
        "t.id = j.task_id WHERE j.status != 'done'"):
    problems.append(f"{wi}: {agent_name} job left {status} after {attempts} attempts ({err})")

# the chain of stage changes: each transition once
STAGES = ["analysis", "architecture", "development", "review", "testing", "deploy-staging", "deploy", "done"]
rollbacks, rollback_why = 0, {}
for wi in ITEMS:
    rows = c.execute("SELECT kind, stage_from, stage_to, detail FROM events WHERE work_item = ? AND "
                     "kind IN ('advanced', 'rolled_back') AND stage_from IS DISTINCT FROM stage_to ORDER BY id",
                     (wi,)).fetchall()
    at, edges = "analysis", {}
    for kind, frm, to, detail in rows:
        if frm != at:
            problems.append(f"{wi}: {kind} {frm} -> {to} recorded while the item was at {at} (a double transition)")
        at = to
        edges[(frm, to)] = edges.get((frm, to), 0) + 1
        if kind == "rolled_back":
            rollbacks += 1
            why_back = re.sub(r"[0-9a-f]{7,40}|\d+", "N", (detail or "")[:70])
            rollback_why[why_back] = rollback_why.get(why_back, 0) + 1
            if frm != "deploy":
                problems.append(f"{wi}: rolled back {frm} -> {to} ({detail}); the agents never ask for it")
            elif "is missing" in (detail or ""):  # a deploy log committed on a stale copy of the branch
                problems.append(f"{wi}: rolled back from deploy ({detail}): the deploy log was lost")
    if not any(k == "rolled_back" for k, *_ in rows):
        path = list(zip(STAGES, STAGES[1:]))
        if sorted(edges) != sorted(path) or any(n != 1 for n in edges.values()):
            problems.append(f"{wi}: edges {edges}, expected each of analysis..done once")

# every job completed once
done_events = {}
for (detail,) in c.execute("SELECT detail FROM events WHERE kind = 'job_done'"):
    m = re.search(r"job (\d+) attempt", detail)
    if m:
        done_events[int(m.group(1))] = done_events.get(int(m.group(1)), 0) + 1
for (jid,) in c.execute("SELECT id FROM jobs WHERE status = 'done'"):
    if done_events.get(jid, 0) != 1:
        problems.append(f"job {jid}: done, {done_events.get(jid, 0)} job_done events (expected 1)")

# the hook: at most once per deploy attempt, once for the attempt that reached done, in its own host's dir
hooks = [l.split() for l in open(os.path.join(runs, "hooks"))] if os.path.exists(os.path.join(runs, "hooks")) else []
seen = {}
for hname, wi, attempt, cwd, hid in hooks:
    seen.setdefault((wi, int(attempt)), []).append(f"{hname}:{hid}")
    if not cwd.startswith(os.path.join(tmp, "h" + hname[-1]) + "/"):
        problems.append(f"{wi}: {hname}'s deploy hook ran in {cwd}, not under its own host's directory")
for (wi, attempt), ids in seen.items():
    if len(ids) > 1:
        problems.append(f"{wi}: the deploy hook ran {len(ids)} times for deploy attempt {attempt}: {ids}")
for wi in ITEMS:
    if tasks.get(wi) == "done" and (wi, entries.get(wi, 0)) not in seen:
        problems.append(f"{wi}: done, but the hook never ran for its last deploy (attempt {entries.get(wi, 0)})")
    if wi.startswith("EXT-"):
        n = c.execute("SELECT count(*) FROM events WHERE work_item = ? AND kind = 'post_deploy_healthy'",
                      (wi,)).fetchone()[0]
        if n != 1:
            problems.append(f"{wi}: the post-deploy watch ended {n} times")

# every agent ran in its own host's directory
agent_runs = [l.split() for l in open(os.path.join(runs, "agents"))] if os.path.exists(os.path.join(runs, "agents")) else []
by_host = {}
for hname, job, wi, stage, cwd in agent_runs:
    by_host[hname] = by_host.get(hname, 0) + 1
    if not cwd.startswith(os.path.join(tmp, "h" + hname[-1]) + "/"):
        problems.append(f"{wi}: {hname}'s {stage} agent (job {job}) ran in {cwd}, not under its own host's directory")

# the human's verdicts, each applied once
applied = c.execute("SELECT count(*) FROM verdicts WHERE verdict = 'approved'").fetchone()[0]
if applied != fig["approvals"]:
    problems.append(f"{fig['approvals']} Approved set by the human, {applied} applied")
applied = c.execute("SELECT count(*) FROM verdicts WHERE verdict = 'confirm_deploy'").fetchone()[0]
seen_confirms = c.execute("SELECT e.work_item, (SELECT count(*) FROM events d WHERE d.work_item = e.work_item AND "
                          "d.kind = 'advanced' AND d.stage_to = 'deploy' AND d.id < e.id) FROM events e "
                          "WHERE e.kind = 'confirm_deploy'").fetchall()
seen_confirms = [tuple(x) for x in seen_confirms]
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

# the host that disappeared mid-job
if vanish["state"] != "thawed":
    problems.append(f"vanish: the host never disappeared mid-job (state {vanish['state']})")
else:
    job, pid = vanish["job"], vanish["pid"]
    row = c.execute("SELECT status, host FROM jobs WHERE id = ?", (job,)).fetchone()
    if row[0] != "done" or row[1] == vanish["host"]:
        problems.append(f"vanish: job {job} is {row[0]} on {row[1]}, expected done by another host than {vanish['host']}")
    deadline = time.monotonic() + 60  # the thawed runner ends on its own (its heartbeat: a quarter of the lease)
    while pid not in outputs and time.monotonic() < deadline:
        time.sleep(0.2)
    if pid not in outputs:
        problems.append(f"vanish: {vanish['host']}'s runner (pid {pid}) did not end after it was thawed")
    else:
        hname, argv, rc, out = outputs[pid]
        if "lost" not in out:
            problems.append(f"vanish: {hname}'s runner ({' '.join(argv)}, exit {rc}) did not report its lease lost: "
                            f"{out.strip()[-400:]}")
    try:  # the frozen agent waits for a go: if it still runs, its runner did not stop it
        fd = os.open(os.path.join(runs, "vanish.go"), os.O_WRONLY | os.O_NONBLOCK)
        os.write(fd, b"go\n")
        os.close(fd)
        try:
            state = [l for l in open(f"/proc/{vanish['apid']}/status") if l.startswith("State")]
        except OSError:
            state = "gone"
        problems.append(f"vanish: {vanish['host']}'s agent of job {job} (pid {vanish['apid']}, group {vanish['pgid']}, "
                        f"{state}) still ran after its lease was lost")
    except OSError:
        pass  # no reader: the agent was stopped
    if os.path.exists(os.path.join(runs, "vanish.finished")):
        problems.append(f"vanish: {vanish['host']}'s agent of job {job} finished after its lease was lost")
    runs_of = c.execute("SELECT status FROM agent_runs WHERE job_id = ? ORDER BY id", (job,)).fetchall()
    vanish["agent_runs"] = [r[0] for r in runs_of]
c.close()

print(f"hosts-soak: {len(ITEMS)} items, quiescent after {rnd + 1} rounds; agent runs by host {dict(sorted(by_host.items()))}; "
      f"{len(hooks)} hook runs, {rollbacks} rollbacks after an interrupted deploy, {aged} lost deploys aged; "
      f"{fig['skipped']} skipped, {fig['busy']} busy; {fig['approvals']} approvals, {fig['confirms']} Confirm Deploy "
      f"({fig['operator']} raced by orch-deploy --confirm); {len(ids)} notifications; vanish: job {vanish.get('job')} "
      f"of {VANISH} frozen on {vanish.get('host')}, rescued by {vanish.get('rescued_by')}, its runs "
      f"{vanish.get('agent_runs')}, frozen {vanish.get('frozen_s', 0):.0f} s; {time.monotonic() - started:.0f} s in all")
if rollbacks > fig["kills"]:  # a rollback from deploy needs a deploy interrupted by one of our kills
    problems.append(f"{rollbacks} rollbacks from deploy for {fig['kills']} SIGKILLs: deploys fail without a fault")
for why_back, n in sorted(rollback_why.items(), key=lambda kv: -kv[1]):
    print(f"hosts-soak: {n} x rolled back from deploy: {why_back}")
if problems:
    print("hosts-soak: FAIL: " + "\n  ".join([""] + problems))
    print(f"hosts-soak: kept {tmp}")
    sys.exit(1)
shutil.rmtree(tmp)
print("hosts-soak: ok")
