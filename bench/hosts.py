"""Benchmark (issue 27): items per hour with one, two and three hosts sharing one PostgreSQL store.

Each "host" is an ORCH_HOME of its own with its own `host:` name and its own clone of one bare
origin, all on this machine and all on one database, as tests/integration/t-lease-hosts.sh
simulates them.  ITEMS work items are filed as To Analyse; every host then runs SLOTS `orch-work
--slot N` runners side by side (each in a loop: a run works until no job is available, then the
slot waits 0.2 s), and a tick (`orch-poll -q; orch-advance -q --all`) every TICK seconds: on every
host (--tick all, the default) or on the first only (--tick one).  The agents sleep AGENT_S
seconds, then do their stage's work as the example agents do (bench/sleep_agent.sh), so each item
goes analysis, (a person approves: the benchmark sets In Review items to Approved, as the tests
and make demo do), architecture, development, review (which asks for changes once), development,
review, testing, deploy-staging, deploy, Done: nine agent runs per item.

Prints, per host count, the wall time until every item is Done (or the time limit), items per
hour, the ratio against one host measured in the same invocation, the agent runs per host, and
every command that failed (its exit code and first stderr line), and where the agent ran against
the workspace's home (a job a host ran in another host's ORCH_HOME: docs/multi-host.md, "What runs
where").  A benchmark, not a test: it exits 0 whatever the figures.

usage: hosts.py BIN_DIR [--items N] [--hosts 1,2,3] [--slots N] [--agent-s S] [--tick S]
                [--tick one|all] [--limit S] [--isolate]
--isolate runs each host's commands in a mount namespace of their own (unshare -m, root only) in
which the other hosts' ORCH_HOMEs are hidden under an empty tmpfs, as they are on real hosts.
"""
import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pglib  # noqa: E402

TOP = pglib.TOP
GIT_ENV = {"GIT_AUTHOR_NAME": "orch bench", "GIT_AUTHOR_EMAIL": "bench@orch.invalid",
           "GIT_COMMITTER_NAME": "orch bench", "GIT_COMMITTER_EMAIL": "bench@orch.invalid",
           "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"}


class Host:
    def __init__(self, n, tmp, bindir, url, args, homes):
        self.n, self.name = n, f"bench-h{n}"
        self.home = os.path.join(tmp, f"home-{n}")
        self.bindir, self.args = bindir, args
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("ORCH_")}
        self.env.update(GIT_ENV, ORCH_HOME=self.home, ORCH_DATABASE_URL=url,
                        PATH=f"{bindir}:{os.environ.get('PATH', '/usr/bin:/bin')}")
        self.others = [h for h in homes if h != self.home]
        self.failures = collections.Counter()
        self.commands = 0
        self.lock = threading.Lock()

    def argv(self, cmd):
        argv = [os.path.join(self.bindir, cmd[0])] + cmd[1:]
        if not self.args.isolate or not self.others:
            return argv
        # hide the other hosts' homes: this host sees only its own ORCH_HOME, as a real host does
        mounts = "; ".join(f"mount -t tmpfs -o size=1m,mode=0755 bench-hidden '{h}'" for h in self.others)
        return ["unshare", "-m", "--propagation", "private", "sh", "-c", f'{mounts}; exec "$@"', "sh"] + argv

    def run(self, cmd, check_output=False):
        p = subprocess.run(self.argv(cmd), env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
        with self.lock:
            self.commands += 1
            if p.returncode not in (0, 2):  # 2: orch-advance --all has an item waiting (a person)
                first = (p.stderr.strip().splitlines() or ["(no stderr)"])[0]
                self.failures[(cmd[0], p.returncode, first[:300])] += 1
        return p.stdout if check_output else p.returncode


def sh(script, *args, env=None):
    subprocess.run(["sh", "-c", script, "sh"] + list(args), check=True, env=env, stdout=subprocess.DEVNULL)


def setup(tmp, bindir, url, args, nhosts):
    env = dict(os.environ, **GIT_ENV)
    sh('. "$1/scripts/pipeline-lib.sh" && make_sample_repo "$2"', TOP, tmp, env=env)
    homes = [os.path.join(tmp, f"home-{n}") for n in range(1, nhosts + 1)]
    hosts = []
    agent = json.dumps(["sh", os.path.join(TOP, "bench", "sleep_agent.sh"), str(args.agent_s), "{stage}"])
    for n in range(1, nhosts + 1):
        h = Host(n, tmp, bindir, url, args, homes)
        repo = os.path.join(tmp, f"repo-{n}")
        subprocess.run(["git", "clone", "-q", os.path.join(tmp, "origin.git"), repo], check=True, env=env)
        os.makedirs(h.home)
        sh('. "$1/scripts/pipeline-lib.sh" && write_config "$2" "$3" "agents:" "  default: $4"',
           TOP, os.path.join(h.home, "orch.yaml"), repo, agent, env=env)
        with open(os.path.join(h.home, "orch.yaml"), "a") as f:
            f.write(f"host: {h.name}\nwork_slots: {args.slots}\n")
        hosts.append(h)
    return hosts


def states(host):
    out = host.run(["orch-issue", "list", "--json", "--project", "DEMO"], check_output=True)
    try:
        return {i["work_item"]: i["state"] for i in json.loads(out or "[]")}
    except ValueError:
        return {}


def measure(bindir, base, args, nhosts):
    url = pglib.new_db(base, f"h{nhosts}")
    tmp = tempfile.mkdtemp(prefix=f"orch-bh{nhosts}.", dir="/tmp")
    try:
        hosts = setup(tmp, bindir, url, args, nhosts)
        first = hosts[0]
        for i in range(1, args.items + 1):
            if first.run(["orch-issue", "create", "--project", "DEMO", "--title", f"bench item {i}",
                          "--state", "To Analyse"]) != 0:
                raise SystemExit(f"bench: cannot create item {i}: {first.failures}")
        stop = threading.Event()

        def slot(h, s):
            while not stop.is_set():
                h.run(["orch-work", "-q", "--slot", str(s)])
                stop.wait(0.2)

        def ticker(h):
            while not stop.is_set():
                h.run(["orch-poll", "-q"])
                h.run(["orch-advance", "-q", "--all"])
                stop.wait(args.tick)

        t0 = time.monotonic()
        threads = [threading.Thread(target=slot, args=(h, s)) for h in hosts for s in range(1, args.slots + 1)]
        threads += [threading.Thread(target=ticker, args=(h,))
                    for h in (hosts if args.tick_on == "all" else hosts[:1])]
        for t in threads:
            t.start()
        done_at, approved = None, set()
        while time.monotonic() - t0 < args.limit:
            st = states(first)
            for wi, s in st.items():
                if s == "In Review" and wi not in approved:  # the person of the tests and make demo
                    first.run(["orch-issue", "set", wi, "Approved"])
                    approved.add(wi)
            if st and sum(1 for s in st.values() if s == "Done") == args.items:
                done_at = time.monotonic()
                break
            time.sleep(0.5)
        stop.set()
        for t in threads:
            t.join()
        elapsed = (done_at or time.monotonic()) - t0
        st = states(first)
        done = sum(1 for s in st.values() if s == "Done")
        rows = pglib.psql(url, "SELECT j.host, t.project, t.work_item, j.status FROM jobs j "
                          "JOIN tasks t ON t.id = j.task_id")
        runs = collections.Counter()
        foreign = collections.Counter()
        homes = {h.name: h.home for h in hosts}
        for line in rows.splitlines():
            host, project, wi, status = line.split("|")
            if status != "done":
                continue
            runs[host] += 1
            # a host works an item in a workspace of its own (docs/multi-host.md): it must have one
            if host in homes and not os.path.isdir(os.path.join(homes[host], "worktrees", project, wi)):
                foreign[(host, "another host")] += 1
        left = collections.Counter(s for s in st.values() if s != "Done")
        job_errors = collections.Counter()
        for line in pglib.psql(url, "SELECT coalesce(host, '-') || '|' || status || '|' || "
                               "replace(last_error, chr(10), ' ') FROM jobs WHERE last_error IS NOT NULL").splitlines():
            host, status, why = line.split("|", 2)
            job_errors[(host, status, why[:300])] += 1
        trouble = {}  # event kind -> [count, first detail]
        for line in pglib.psql(url, "SELECT kind || '|' || replace(coalesce(detail, ''), chr(10), ' ') FROM events "
                               "WHERE kind IN ('job_failed', 'workspace_missing', 'workspace_sync_failed', "
                               "'blocked', 'job_dead', 'gate_error', 'branch_exchange_failed') "
                               "ORDER BY id").splitlines():
            kind, detail = line.split("|", 1)
            trouble.setdefault(kind, [0, detail[:300]])[0] += 1
        return {"hosts": nhosts, "elapsed": elapsed, "done": done, "finished": done_at is not None,
                "runs": runs, "foreign": foreign, "left": left, "job_errors": job_errors, "trouble": trouble,
                "failures": {h.name: h.failures for h in hosts}, "commands": sum(h.commands for h in hosts)}
    finally:
        if os.environ.get("BENCH_KEEP"):
            print(f"(kept {tmp})")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bindir")
    ap.add_argument("--items", type=int, default=int(os.environ.get("BENCH_HOSTS_ITEMS", "18")))
    ap.add_argument("--hosts", default="1,2,3")
    ap.add_argument("--slots", type=int, default=2)
    ap.add_argument("--agent-s", type=float, default=1.0)
    ap.add_argument("--tick", type=float, default=1.0)
    ap.add_argument("--tick-on", choices=("one", "all"), default="all")
    ap.add_argument("--limit", type=float, default=600.0)
    ap.add_argument("--isolate", action="store_true")
    args = ap.parse_args()
    bindir = os.path.abspath(args.bindir)
    counts = [int(x) for x in args.hosts.split(",")]
    print(f"items per hour: {args.items} items, agents sleeping {args.agent_s:g} s (9 runs an item), "
          f"{args.slots} orch-work slots a host, tick every {args.tick:g} s on {args.tick_on} host(s)"
          f"{', homes isolated (unshare)' if args.isolate else ''}, one PostgreSQL database")
    with pglib.cluster() as base:
        if base is None:
            return
        results = [measure(bindir, base, args, n) for n in counts]
    one = next((r for r in results if r["hosts"] == 1 and r["finished"]), None)
    for r in results:
        iph = r["done"] / r["elapsed"] * 3600
        ratio = f"{iph / (one['done'] / one['elapsed'] * 3600):.2f}x" if one else "n/a"
        state = "all Done" if r["finished"] else f"{r['done']} Done, time limit ({dict(r['left'])})"
        print(f"{r['hosts']} host(s): {r['elapsed']:7.1f} s  {iph:7.1f} items/hour  {ratio} of one host"
              f"  ({state}; agent runs by host: {dict(sorted(r['runs'].items()))})")
        for (host, owner), n in sorted(r["foreign"].items()):
            print(f"    {host} ran {n} jobs of items it has no workspace of its own for ({owner}'s?)")
        for (host, status, why), n in sorted(r["job_errors"].items()):
            print(f"    {n} job(s) last leased by {host}, now {status}, after a failed run: {why}")
        for kind, (n, detail) in sorted(r["trouble"].items()):
            print(f"    event {kind} x{n}, the first: {detail}")
        for name, fails in r["failures"].items():
            for (cmd, rc, first), n in sorted(fails.items()):
                print(f"    {name}: {cmd} exited {rc} x{n}: {first}")
    if one and len(results) > 1:
        print("target: near-linear (N hosts about N x one host)")


main()
