"""Benchmark: the osv engine's audit of a 500-package lockfile against the fake OSV server.

The fake (tests/integration/fake_osv.py --generate 500) knows bench-pkg-0..499 at 1.0.0 and
one advisory for every tenth: 50 records.  A scratch project's main gets a requirements.txt
pinning all 500; each round runs `orch-scan --main` twice on a lockfile that changed:

  cold   the record cache (osv_vulns) emptied first: target one querybatch plus the 50
         uncached records, 51 requests
  warm   the cache kept: target one request (the querybatch)

and, beside them, curl making the same requests (one POST /v1/querybatch with the same
500 queries, then one curl fetching the 50 records over one connection).  Printed: the
requests the fake counted, the wall time of orch-scan --main (git, the gitleaks stand-in
and the audit), the time orch's HTTP client spent (tool_metrics row osv), and curl's wall
time; medians of the rounds.

usage: osv_audit.py BIN_DIR [RUNS]
"""
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

BIN = os.path.abspath(sys.argv[1])
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 5
TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PKGS = 500


def sh(*argv, cwd=None, env=None):
    return subprocess.run(argv, cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout.strip()


def admin(url, method, path):
    req = urllib.request.Request(url + path, method=method, data=b"{}" if method == "POST" else None)
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)


def main():
    tmp = tempfile.mkdtemp(prefix="orch-bench-osv.")
    fake = subprocess.Popen([sys.executable, os.path.join(TOP, "tests/integration/fake_osv.py"), "--records",
                             os.path.join(TOP, "tests/fixtures/osv"), "--generate", str(PKGS)],
                            stdout=subprocess.PIPE, text=True)
    try:
        run(tmp, "http://127.0.0.1:%s" % fake.stdout.readline().split()[1])
    finally:
        fake.terminate()
        fake.wait()
        subprocess.run(["rm", "-rf", tmp])


def run(tmp, url):
    home = os.path.join(tmp, "home")
    os.makedirs(home)
    sh("sh", "-c", '. "$1/scripts/pipeline-lib.sh" && make_sample_repo "$2" && write_config "$3/orch.yaml" "$2/repo"',
       "-", TOP, tmp, home)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORCH_")}
    env.update(ORCH_HOME=home, ORCH_SECURITY_DEP_ENGINE="osv", ORCH_SECURITY_OSV_URL=url,
               PATH=BIN + ":" + os.path.join(TOP, "tests/integration/standins") + ":" + env["PATH"])
    other = os.path.join(tmp, "other")
    sh("git", "clone", "-q", os.path.join(tmp, "origin.git"), other)
    sh(os.path.join(BIN, "orch-scan"), "--main", env=env)    # the bootstrap run audits nothing
    pins = "".join("bench-pkg-%d==1.0.0\n" % i for i in range(PKGS))
    db = sqlite3.connect(os.path.join(home, "orch.db"))

    def audit(rnd, cold):
        with open(os.path.join(other, "requirements.txt"), "w") as f:
            f.write("# round %d %s\n%s" % (rnd, cold, pins))
        sh("git", "-C", other, "add", "requirements.txt")
        sh("git", "-C", other, "commit", "-qm", "pins")
        sh("git", "-C", other, "push", "-q", "origin", "main")
        if cold:
            db.execute("DELETE FROM osv_vulns")
            db.commit()
        admin(url, "POST", "/_admin/reset")
        db.execute("DELETE FROM tool_metrics WHERE tool = 'osv'")
        db.commit()
        t0 = time.perf_counter()
        p = subprocess.run([os.path.join(BIN, "orch-scan"), "--main"], env=env, capture_output=True, text=True)
        wall = (time.perf_counter() - t0) * 1000
        if p.returncode not in (0, 1):
            sys.exit("osv_audit.py: orch-scan --main exited %d: %s" % (p.returncode, p.stderr[-500:]))
        row = db.execute("SELECT total_ms FROM tool_metrics WHERE tool = 'osv'").fetchone()
        return admin(url, "GET", "/_admin/stats")["requests"], wall, row[0] if row else 0

    queries = {"queries": [{"package": {"ecosystem": "PyPI", "name": "bench-pkg-%d" % i}, "version": "1.0.0"}
                           for i in range(PKGS)]}
    body = os.path.join(tmp, "batch.json")
    with open(body, "w") as f:
        json.dump(queries, f)
    vulns = ["%s/v1/vulns/PYSEC-2099-%d" % (url, k) for k in range(0, PKGS, 10)]

    def curl():
        t0 = time.perf_counter()
        sh("curl", "-sf", "-o", "/dev/null", "-H", "Content-Type: application/json", "--data-binary", "@" + body,
           url + "/v1/querybatch")
        sh("curl", "-sf", *sum((["-o", "/dev/null", u] for u in vulns), []))
        return (time.perf_counter() - t0) * 1000

    cold, warm, curls = [], [], []
    for rnd in range(RUNS):
        cold.append(audit(rnd, True))
        warm.append(audit(rnd, False))
        curls.append(curl())
    med = statistics.median
    print("osv audit of %d pins (50 advisories), medians of %d rounds:" % (PKGS, RUNS))
    print("  cold cache: %d requests (target 51), orch-scan --main %.0f ms, of which HTTP %.0f ms" %
          (med(c[0] for c in cold), med(c[1] for c in cold), med(c[2] for c in cold)))
    print("  warm cache: %d requests (target 1),  orch-scan --main %.0f ms, of which HTTP %.0f ms" %
          (med(w[0] for w in warm), med(w[1] for w in warm), med(w[2] for w in warm)))
    print("  curl, the same 51 requests (one POST, one curl for the 50 GETs): %.0f ms" % med(curls))


if __name__ == "__main__":
    main()
