"""A fake of the OSV API for orch's tests (python3 stdlib), from shared/reference/osv-api.md.

- POST /v1/querybatch {"queries": [{"package": {"name", "ecosystem"}, "version", "page_token"?}]}:
  more than 1000 queries is 400; answers {"results": [{"vulns": [{"id", "modified"}],
  "next_page_token"?}]} in query order, ids and modified only.  With --page-size N a query
  matching more than N records gets N and a next_page_token; asked again with page_token, the next N.
- GET /v1/vulns/<id>: the record as stored, or 404 {"code": 5, "message": "Bug not found."}.
- Matching: ecosystem exact (case-sensitive), PyPI names normalised (PEP 503); the version is
  affected when listed in "versions" or inside a range (introduced <= v < fixed, or <= last_affected),
  versions compared numerically part by part.  Withdrawn records are still answered (the client
  must drop them).

usage: fake_osv.py --records DIR [--page-size N] [--generate N]
Prints "port N" on stdout once listening on 127.0.0.1.  --generate N adds N synthetic PyPI
packages bench-pkg-0..N-1 at 1.0.0 with one advisory each for every tenth (the benchmark).
Admin (not counted):
  POST /_admin/fault {"status": 429|500|503, "count": n, "path": "querybatch"|"vulns"}
  POST /_admin/reset                      (counters and faults)
  GET  /_admin/stats -> {"requests", "batch", "vulns", "queries", "faults_served"}
"""
import argparse
import json
import os
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATE = {"requests": 0, "batch": 0, "vulns": 0, "queries": 0, "faults_served": 0, "faults": []}
RECORDS = {}


def norm(eco, name):
    return re.sub(r"[-_.]+", "-", name).lower() if eco == "PyPI" else name


def vkey(v):
    parts = re.findall(r"\d+|[A-Za-z]+", v.lstrip("vV"))
    return [(1, int(p), "") if p.isdigit() else (0, 0, p.lower()) for p in parts] + [(0.5, 0, "")]


def affected(rec, eco, name, version):
    for a in rec.get("affected", []):
        pk = a.get("package", {})
        if pk.get("ecosystem") != eco or norm(eco, pk.get("name", "")) != norm(eco, name):
            continue
        if version in a.get("versions", []):
            return True
        for r in a.get("ranges", []):
            lo, hit = None, False
            for ev in r.get("events", []):
                if "introduced" in ev:
                    lo = ev["introduced"]
                elif lo is not None and ("fixed" in ev or "last_affected" in ev):
                    hi = ev.get("fixed", ev.get("last_affected"))
                    above = lo == "0" or vkey(version) >= vkey(lo)
                    below = vkey(version) < vkey(hi) if "fixed" in ev else vkey(version) <= vkey(hi)
                    hit = hit or (above and below)
                    lo = None
            if lo is not None and (lo == "0" or vkey(version) >= vkey(lo)):
                hit = True
            if hit:
                return True
    return False


def matches(q):
    pk = q.get("package") or {}
    eco, name, version = pk.get("ecosystem"), pk.get("name"), q.get("version")
    if not isinstance(eco, str) or not isinstance(name, str) or not isinstance(version, str):
        return None
    return sorted(i for i, r in RECORDS.items() if affected(r, eco, name, version))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def fault(self, kind):
        with LOCK:
            for f in STATE["faults"]:
                if f["path"] == kind and f["count"] > 0:
                    f["count"] -= 1
                    STATE["faults_served"] += 1
                    return f["status"]
        return None

    def do_GET(self):
        if self.path == "/_admin/stats":
            with LOCK:
                return self.send(200, {k: v for k, v in STATE.items() if k != "faults"})
        m = re.fullmatch(r"/v1/vulns/([A-Za-z0-9._:-]+)", self.path)
        with LOCK:
            STATE["requests"] += 1
            STATE["vulns"] += 1
        st = self.fault("vulns")
        if st:
            return self.send(st, {"code": 14, "message": "unavailable"})
        if m and m.group(1) in RECORDS:
            return self.send(200, RECORDS[m.group(1)])
        return self.send(404, {"code": 5, "message": "Bug not found."})

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n)
        if self.path.startswith("/_admin/"):
            return self.admin(json.loads(raw or b"{}"))
        if self.path != "/v1/querybatch":
            return self.send(404, {"code": 5, "message": "Not Found"})
        with LOCK:
            STATE["requests"] += 1
            STATE["batch"] += 1
        st = self.fault("querybatch")
        if st:
            return self.send(st, {"code": 14, "message": "unavailable"})
        try:
            queries = json.loads(raw)["queries"]
            assert isinstance(queries, list)
        except Exception:
            return self.send(400, {"code": 3, "message": "Invalid query."})
        if len(queries) > 1000:
            return self.send(400, {"code": 3, "message": "Too many queries."})
        results = []
        for q in queries:
            ids = matches(q) if isinstance(q, dict) else None
            if ids is None:
                return self.send(400, {"code": 3, "message": "Invalid query."})
            start = int(q.get("page_token", "0") or 0)
            page = ids[start:start + ARGS.page_size] if ARGS.page_size else ids[start:]
            res = {"vulns": [{"id": i, "modified": RECORDS[i]["modified"]} for i in page]} if page else {}
            if ARGS.page_size and start + ARGS.page_size < len(ids):
                res["next_page_token"] = str(start + ARGS.page_size)
            results.append(res)
        with LOCK:
            STATE["queries"] += len(queries)
        return self.send(200, {"results": results})

    def admin(self, body):
        with LOCK:
            if self.path == "/_admin/fault":
                STATE["faults"].append({"status": int(body["status"]), "count": int(body.get("count", 1)),
                                        "path": body.get("path", "querybatch")})
            elif self.path == "/_admin/reset":
                for k in ("requests", "batch", "vulns", "queries", "faults_served"):
                    STATE[k] = 0
                STATE["faults"] = []
            else:
                return self.send(404, {})
        return self.send(200, {"ok": True})


def generate(n):
    for k in range(0, n, 10):
        rid = "PYSEC-2099-%d" % k
        RECORDS[rid] = {"id": rid, "modified": "2025-01-01T00:00:00Z", "aliases": ["CVE-2099-%d" % k],
                        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"}],
                        "affected": [{"package": {"ecosystem": "PyPI", "name": "bench-pkg-%d" % k},
                                      "ranges": [{"type": "ECOSYSTEM",
                                                  "events": [{"introduced": "0"}, {"fixed": "1.0.1"}]}]}]}


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", required=True)
    ap.add_argument("--page-size", type=int, default=0)
    ap.add_argument("--generate", type=int, default=0)
    ARGS = ap.parse_args()
    for f in sorted(os.listdir(ARGS.records)):
        if f.endswith(".json"):
            with open(os.path.join(ARGS.records, f)) as fh:
                rec = json.load(fh)
            RECORDS[rec["id"]] = rec
    generate(ARGS.generate)
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print("port", srv.server_address[1], flush=True)
    sys.stdout.close()
    srv.serve_forever()


if __name__ == "__main__":
    main()
