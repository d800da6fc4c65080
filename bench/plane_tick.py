"""Benchmark: the Plane backend against the fake Plane server, 40 projects x
500 work items.  Prints, for a quiet tick (orch-poll with nothing changed)
and a full listing (orch-issue list, every page of every project), the
number of requests and the wall time, beside the time curl takes to fetch
the same pages in the same run (the baseline ratio; target under 1.2x).

orch and curl run alternately (orch, curl, orch, curl, ...) after one
warm-up each, so that a machine shared with other work slows both alike;
the medians are compared.

usage: plane_tick.py BIN_DIR [RUNS]
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

BIN = os.path.abspath(sys.argv[1])
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 5
TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROJECTS, ITEMS, TOKEN = 40, 500, "bench-token"


def admin(url, path, body=None):
    req = urllib.request.Request(url + path, method="POST" if body is not None else "GET",
                                 data=json.dumps(body).encode() if body is not None else None)
    return json.loads(urllib.request.urlopen(req).read())


def timed(argv, env):
    t0 = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)
    return (time.perf_counter() - t0) * 1000


def report(name, url, argv, env, curl_urls, curl_cfg):
    curl = ["curl", "-sf", "-K", curl_cfg] + [a for u in curl_urls for a in ("-o", "/dev/null", u)]
    ms, curl_ms, reqs = [], [], set()
    timed(argv, env)  # warm-up: page cache, the server's first threads
    timed(curl, env)
    for _ in range(RUNS):
        admin(url, "/_admin/reset", {})
        ms.append(timed(argv, env))
        reqs.add(admin(url, "/_admin/stats")["requests"])
        curl_ms.append(timed(curl, env))
    m, c = statistics.median(ms), statistics.median(curl_ms)
    print(f"{name:<34} {'/'.join(map(str, sorted(reqs))):>5} requests  median {m:8.1f} ms   "
          f"curl, same {len(curl_urls)} pages: {c:8.1f} ms   ratio {m / c:.2f}x")


def main():
    with tempfile.TemporaryDirectory(prefix="orch-bench-plane.") as tmp:
        srv = subprocess.Popen(["python3", os.path.join(TOP, "tests/integration/fake_plane.py"), "--token", TOKEN,
                                "--rate", "1000000"], stdout=subprocess.PIPE, text=True)
        try:
            url = "http://127.0.0.1:" + srv.stdout.readline().split()[1]
            home, repo = os.path.join(tmp, "home"), os.path.join(tmp, "repo")
            os.makedirs(home)
            subprocess.run(["git", "init", "-q", "-b", "main", repo], check=True)
            lines = ["tracker: plane", f"plane_url: {url}", "plane_workspace: acme",
                     "plane_rate_limit_per_min: 100000", "projects:"]
            ids = []
            for p in range(PROJECTS):
                pid = f"00000000-0000-4000-8000-{p:012d}"
                ids.append(pid)
                admin(url, "/_admin/project", {"id": pid, "identifier": f"P{p}"})
                admin(url, "/_admin/bulk", {"project": pid, "n": ITEMS, "name": "item", "state_name": "Backlog",
                                            "age_s": 86400})
                lines += [f"  - key: P{p}", f"    plane_project_id: {pid}", f"    repo: {repo}"]
            with open(os.path.join(home, "orch.yaml"), "w") as f:
                f.write("\n".join(lines) + "\n")
            env = dict(os.environ, ORCH_HOME=home, ORCH_PLANE_API_TOKEN=TOKEN)
            cfg = os.path.join(tmp, "curl.cfg")
            with open(cfg, "w") as f:
                f.write(f'header = "X-API-Key: {TOKEN}"\n')
            os.chmod(cfg, 0o600)
            subprocess.run([os.path.join(BIN, "orch-poll"), "-q"], env=env, check=True)  # states, watermarks
            base = f"{url}/api/v1/workspaces/acme/projects"
            q = "per_page=100&order_by=-updated_at&fields=id,name,sequence_id,state,updated_at"
            first = [f"{base}/{pid}/work-items/?{q}" for pid in ids]
            every = [f"{base}/{pid}/work-items/?{q}" + (f"&cursor=100:{pg}:0" if pg else "")
                     for pid in ids for pg in range(ITEMS // 100)]
            print(f"plane backend: {PROJECTS} projects x {ITEMS} work items on the fake Plane server, "
                  f"{RUNS} runs each")
            report("quiet tick (orch-poll)", url, [os.path.join(BIN, "orch-poll"), "-q"], env, first, cfg)
            report("full listing (orch-issue list)", url, [os.path.join(BIN, "orch-issue"), "list"], env,
                   every, cfg)
        finally:
            srv.kill()


main()
