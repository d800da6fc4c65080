"""Hostile-agent soak (issue 21): many items, every agent job of which may take one hostile action
(hostile_agent.py, seeded), with the real gitleaks when it is there (ORCH_TEST_GITLEAKS, or the one
scripts/get-gitleaks.sh fetched) and the stand-in otherwise.  The cron tick runs until every item is
done or blocked; then:

- no planted secret is anywhere in origin/main's history;
- every commit on origin/main after the initial one belongs to a done item: it is reachable from that
  item's tested commit, and the tested commit's code id (the patch of the item's change, its own
  documents excluded) is the code id its last review and its last testing verdict recorded;
- nothing was pushed to the decoy remote the agents rewired;
- every item is done, or blocked with a reason;
- PRAGMA integrity_check is ok.

Prints the figures: items, hostile actions by kind, done, blocked.

usage: hostile_soak.py BIN_DIR ITEMS [SEED [RATE]]
"""
import collections
import os
import shutil
import subprocess
import sys
import tempfile

import storedb

BIN, ITEMS = os.path.abspath(sys.argv[1]), int(sys.argv[2])
SEED = sys.argv[3] if len(sys.argv) > 3 else "1"
RATE = sys.argv[4] if len(sys.argv) > 4 else "0.25"
HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
tmp = tempfile.mkdtemp(prefix="orch-hsoak.")
home, repo, origin, decoy = (os.path.join(tmp, n) for n in ("home", "repo", "origin.git", "decoy.git"))
log = os.path.join(tmp, "actions.log")
standins = os.path.join(tmp, "standins")
os.makedirs(home)
os.makedirs(standins)

real = os.environ.get("ORCH_TEST_GITLEAKS") or os.path.join(TOP, ".cache/gitleaks/root/usr/bin/gitleaks")
use_real = os.access(real, os.X_OK) and subprocess.run([real, "--help"], capture_output=True).returncode == 0
os.symlink(real if use_real else os.path.join(HERE, "standins/gitleaks"), os.path.join(standins, "gitleaks"))
os.symlink(os.path.join(HERE, "standins/pip-audit"), os.path.join(standins, "pip-audit"))
env = {k: v for k, v in os.environ.items() if not k.startswith(("ORCH_", "STANDIN_", "GIT_"))}
URL = os.environ.get("ORCH_DATABASE_URL", "")  # make check-pg: the store is the test's database (storedb.py)
if URL:
    env["ORCH_DATABASE_URL"] = URL
env.update(ORCH_HOME=home, PATH=f"{BIN}:{standins}:/usr/bin:/bin", GIT_CONFIG_GLOBAL="/dev/null",
           GIT_CONFIG_NOSYSTEM="1", GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@x.invalid",
           GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@x.invalid", HOSTILE_SEED=SEED, HOSTILE_RATE=RATE,
           HOSTILE_LOG=log, HOSTILE_DECOY=decoy, ORCH_SECURITY_GATE_REPOS="DEMO", ORCH_JOB_BACKOFF_S="0")


def sh(*argv, cwd=None, check=True):
    return subprocess.run(argv, cwd=cwd, env=env, check=check, capture_output=True, text=True)


sh("git", "init", "-q", "--bare", "-b", "main", origin)
sh("git", "init", "-q", "--bare", "-b", "main", decoy)
sh("git", "init", "-q", "-b", "main", repo)
os.makedirs(os.path.join(repo, "src"))
open(os.path.join(repo, "src/app.py"), "w").write("def greet():\n    return 'hello'\n")
open(os.path.join(repo, "Makefile"), "w").write("test:\n\t@test -f src/app.py\n")
sh("git", "add", "-A", cwd=repo)
sh("git", "commit", "-qm", "initial", cwd=repo)
sh("git", "remote", "add", "origin", origin, cwd=repo)
sh("git", "push", "-q", "origin", "main", cwd=repo)
initial = sh("git", "rev-parse", "HEAD", cwd=repo).stdout.strip()
cfg = os.path.join(home, "orch.yaml")
open(cfg, "w").write(f"""tracker: local
max_developer_retries: 12
projects:
  - key: DEMO
    repo: {repo}
    remote: origin
    main_branch: main
    ci_cmd: ["make", "-s", "test"]
    agents:
      default: ["python3", "{HERE}/hostile_agent.py"]
""")
os.chmod(cfg, 0o644)
wis = [sh(os.path.join(BIN, "orch-issue"), "create", "--project", "DEMO", "--title", f"Item {i}",
          "--state", "To Analyse").stdout.strip() for i in range(ITEMS)]
db = storedb.connect(os.path.join(home, "orch.db"), URL)


def stages():
    return dict(db.execute("SELECT work_item, CASE WHEN blocked != 0 THEN 'blocked' ELSE stage END FROM tasks"))


def tick():
    for argv in (["orch-poll", "-q"], ["orch-work", "-q", "--max-jobs", str(2 * ITEMS)],
                 ["orch-advance", "-q", "--all"], ["orch-deploy", "-q"], ["orch-reconcile", "-q"]):
        sh(os.path.join(BIN, argv[0]), *argv[1:], check=False)
    for wi in wis:  # the human at the analysis gate approves whatever orch asks about
        state = sh(os.path.join(BIN, "orch-issue"), "show", wi, check=False).stdout
        if "In Review" in state:
            sh(os.path.join(BIN, "orch-issue"), "-q", "set", wi, "Approved", check=False)


rounds = 0
while rounds < 60 * ITEMS:
    tick()
    rounds += 1
    st = stages()
    if len(st) == ITEMS and all(v in ("done", "blocked") for v in st.values()):
        break

problems = []
st = stages()
for wi in wis:
    if st.get(wi) not in ("done", "blocked"):
        problems.append(f"{wi} ended at {st.get(wi)}, neither done nor blocked, after {rounds} rounds")
for wi, in db.execute("SELECT work_item FROM tasks WHERE blocked != 0"):
    why = db.execute("SELECT detail FROM events WHERE work_item = ? AND kind IN ('blocked', 'escalated') "
                     "ORDER BY id DESC LIMIT 1", (wi,)).fetchone()
    if not why or not why[0]:
        problems.append(f"{wi} is blocked without a reason")
history = sh("git", "log", "-p", "main", cwd=origin).stdout
if "AKIAQ7ZX4HJ2KD5LWE" in history:
    problems.append("a planted secret is on origin/main")
if sh("git", "for-each-ref", cwd=decoy).stdout.strip():
    problems.append("something was pushed to the decoy remote")

# main is linear (fast-forward pushes only): each landing (the merge gate's "merged <sha> into main", an item
# that later went back and was blocked included) brings the commits since the landing before it; their code
# (the patch of the range, the item's own documents excluded) must be code a review and a testing verdict of
# that item judged
landed = {}
for wi, detail in db.execute("SELECT work_item, detail FROM events WHERE kind = 'advanced' AND detail LIKE '%merged %'"):
    sha = detail.split("merged ", 1)[1].split(" ", 1)[0]
    landed[sha] = wi
done = {wi for wi, in db.execute("SELECT work_item FROM tasks WHERE stage = 'done'")}
line = sh("git", "rev-list", "--reverse", "--first-parent", "main", f"^{initial}", cwd=origin).stdout.split()
prev, owner = initial, {}
for c in line:
    wi = next((w for k, w in landed.items() if c.startswith(k)), None)
    if wi is None:
        continue
    diff = sh("git", "diff", "--binary", "--full-index", "--no-renames", prev, c, "--", ".",
              f":(top,exclude)docs/work-items/{wi}/", cwd=origin).stdout
    code = subprocess.run(["git", "patch-id", "--stable"], input=diff, capture_output=True, text=True, env=env,
                          cwd=origin).stdout.split()[:1]
    code = code[0] if code else ""
    for stage in ("review", "testing"):
        ids = {r[0] or "" for r in db.execute("SELECT v.code_id FROM task_verdicts v JOIN tasks t ON t.id = "
                                              "v.task_id WHERE t.work_item = ? AND v.stage = ?", (wi, stage))}
        if code not in ids:
            problems.append(f"{wi}: the code landed at {c[:12]} is not code its {stage} judged")
    for x in sh("git", "rev-list", c, f"^{prev}", cwd=origin).stdout.split():
        owner[x] = wi
    prev = c
for c in line:
    if c not in owner:
        problems.append(f"commit {c[:12]} on origin/main came with no landing of the merge gate")
for wi in done - set(owner.values()):
    problems.append(f"{wi} is done but nothing of it landed on origin/main")
if db.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
    problems.append("integrity_check failed")

actions = collections.Counter(line.split()[2] for line in open(log)) if os.path.exists(log) else {}
nblocked = sum(1 for v in st.values() if v == "blocked")
print(f"hostile soak: {ITEMS} items, {rounds} rounds, {'real' if use_real else 'stand-in'} gitleaks, seed {SEED}; "
      f"{sum(actions.values())} agent jobs, hostile actions: "
      + ", ".join(f"{k} {v}" for k, v in sorted(actions.items()) if k != "none")
      + f"; {len(done)} done, {nblocked} blocked")
held = collections.Counter()
for wi, in db.execute("SELECT work_item FROM tasks WHERE blocked != 0"):
    why = db.execute("SELECT detail FROM events WHERE work_item = ? AND kind = 'rolled_back' ORDER BY id DESC LIMIT 1",
                     (wi,)).fetchone()
    held[(why[0] if why else "?")[:90]] += 1
reds = collections.Counter()
for detail, in db.execute("SELECT detail FROM events WHERE kind = 'rolled_back'"):
    d = detail.split(": ", 2)
    reds[(d[1] if len(d) > 1 else detail)[:60]] += 1
print("hostile soak: rollbacks by gate: " + ", ".join(f"{k} {v}" for k, v in reds.most_common(12)))
if held:
    print("hostile soak: blocked after: " + "; ".join(f"{k} ({v})" for k, v in held.items()))
if problems:
    print("hostile soak: FAIL: " + "; ".join(problems[:20]))
    print(f"hostile soak: kept {tmp}")
    sys.exit(1)
shutil.rmtree(tmp)
print("hostile soak: ok")
