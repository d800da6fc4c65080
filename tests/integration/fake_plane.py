"""A faithful fake of Plane's public REST API for orch's tests (python3 stdlib).

Built from shared/reference/plane-api.md: the list envelope, the cursor
"per_page:page:is_prev" recomputed from the request's per_page, per_page > 1000
is 400, a malformed cursor is 400 "Invalid cursor parameter.", 401 without a
key, 403 {"detail":"Given API token is not valid"} with a wrong one, a sliding
60 s rate limit per key with X-RateLimit-Remaining / X-RateLimit-Reset and a
429 {"error_code":5900,...} with Retry-After, PATCH/POST semantics, and
updated_at moving on every write (microseconds, in the key owner's offset).

usage: fake_plane.py --token T [--rate N] [--tz +05:30]
Prints "port N" on stdout once listening on 127.0.0.1, then serves until
killed.  Admin endpoints under /_admin/ are not counted or rate limited:
  POST /_admin/project {"id", "identifier", "omit_states": [names]}
  POST /_admin/item    {"project", "name", "state_name", "age_s"} -> the item
  POST /_admin/state   {"project", "seq", "state_name"}       (a human in the UI)
  POST /_admin/fault   {"mode", "count", "match"}             (see FAULTS)
  POST /_admin/legacy  {"on": true}                           (no work-items/: 404)
  POST /_admin/burn    {"n"}                                  (another client spends n)
  POST /_admin/reset                                          (counters, limiter, faults)
  GET  /_admin/stats   -> {"requests", "paths": [...]}
  GET  /_admin/items?project=P -> items with state names and comments
"""
import argparse
import json
import re
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

STATES = [("Backlog", "backlog"), ("Todo", "unstarted"), ("To Analyse", "unstarted"),
          ("Analysis", "started"), ("In Progress", "started"), ("Needs Input", "started"),
          ("In Review", "started"), ("Code Review", "started"), ("Approved", "started"),
          ("Rejected", "started"), ("Awaiting Deploy", "started"), ("Confirm Deploy", "started"),
          ("Deploying", "started"), ("Monitoring after Deploy", "started"), ("Blocked", "started"),
          ("Done", "completed"), ("Cancelled", "cancelled")]
FAULTS = {"invalid_json", "html", "envelope", "missing_field", "truncated", "redirect", "error500",
          "hang", "endless", "bad_timestamp"}

ap = argparse.ArgumentParser()
ap.add_argument("--token", required=True)
ap.add_argument("--rate", type=int, default=60)
ap.add_argument("--tz", default="+05:30")
args = ap.parse_args()
sign = 1 if args.tz[0] == "+" else -1
TZ = timezone(sign * timedelta(hours=int(args.tz[1:3]), minutes=int(args.tz[4:6])))

lock = threading.Lock()
projects = {}      # id -> {"identifier", "states": [...], "items": [...]}
stats = {"requests": 0, "paths": [], "limited": 0}
hits = []          # request times for the sliding window
faults = []        # [{"mode", "count", "match"}]
legacy = {"on": False}
clock = {"last": None}


def now_iso():
    """A strictly increasing timestamp with microseconds in the owner's offset."""
    t = datetime.now(TZ)
    if clock["last"] is not None and t <= clock["last"]:
        t = clock["last"] + timedelta(microseconds=1)
    clock["last"] = t
    return t.isoformat(timespec="microseconds")


def make_project(pid, identifier, omit=()):
    states = [{"id": str(uuid.uuid4()), "name": n, "group": g, "sequence": float(i * 1000),
               "color": "#888", "slug": n.lower().replace(" ", "-"), "project": pid, "workspace": "ws",
               "default": n == "Backlog", "is_triage": False, "description": "", "created_at": now_iso(),
               "updated_at": now_iso(), "deleted_at": None, "external_source": None, "external_id": None,
               "created_by": None, "updated_by": None}
              for i, (n, g) in enumerate(STATES) if n not in omit]
    projects[pid] = {"identifier": identifier, "states": states, "items": []}


def state_named(p, name):
    return next((s for s in p["states"] if s["name"] == name), None)


def new_item(pid, name, state_id):
    p = projects[pid]
    ts = now_iso()
    item = {"id": str(uuid.uuid4()), "name": name, "sequence_id": len(p["items"]) + 1, "project": pid,
            "workspace": "ws", "state": state_id, "priority": "none", "labels": [], "assignees": [],
            "created_at": ts, "updated_at": ts, "completed_at": None, "archived_at": None, "parent": None,
            "type_id": None, "external_id": None, "external_source": None, "description_html": "<p></p>",
            "comments": []}
    p["items"].append(item)
    return item


def public(item, fields):
    out = {k: v for k, v in item.items() if k != "comments"}
    if fields:
        out = {k: v for k, v in out.items() if k in fields}
    return out


def envelope(rows, per_page, page, total):
    more = (page + 1) * per_page < total
    return {"grouped_by": None, "sub_grouped_by": None, "total_count": total,
            "next_cursor": f"{per_page}:{page + 1}:0", "prev_cursor": f"{per_page}:{page - 1}:1",
            "next_page_results": more, "prev_page_results": page > 0, "count": len(rows),
            "total_pages": max(1, -(-total // per_page)), "total_results": total, "extra_stats": None,
            "results": rows}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as two writes

    def log_message(self, *a):
        pass

    def send(self, code, body, headers=None, raw=None):
        data = raw if raw is not None else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json" if raw is None else "text/html")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(n) or b"{}") if n else {}

    # ---- admin ----
    def admin(self, method, path, q):
        with lock:
            if path == "/_admin/stats":
                return self.send(200, stats)
            if path == "/_admin/items":
                p = projects[q["project"][0]]
                names = {s["id"]: s["name"] for s in p["states"]}
                return self.send(200, [dict(i, state_name=names.get(i["state"])) for i in p["items"]])
            b = self.body()
            if path == "/_admin/project":
                make_project(b["id"], b["identifier"], b.get("omit_states", []))
                return self.send(201, {"ok": True})
            if path == "/_admin/item":
                p = projects[b["project"]]
                it = new_item(b["project"], b["name"], state_named(p, b["state_name"])["id"])
                if b.get("age_s"):  # an item last changed long ago
                    it["updated_at"] = (datetime.now(TZ) - timedelta(seconds=b["age_s"])).isoformat(
                        timespec="microseconds")
                return self.send(201, it)
            if path == "/_admin/state":
                p = projects[b["project"]]
                it = p["items"][b["seq"] - 1]
                it["state"] = state_named(p, b["state_name"])["id"]
                it["updated_at"] = now_iso()
                return self.send(200, it)
            if path == "/_admin/fault":
                assert b["mode"] in FAULTS, b["mode"]
                faults.append({"mode": b["mode"], "count": b.get("count", 1), "match": b.get("match", "")})
                return self.send(200, {"ok": True})
            if path == "/_admin/legacy":
                legacy["on"] = bool(b.get("on"))
                return self.send(200, {"ok": True})
            if path == "/_admin/burn":  # another client of the same key spends n requests
                hits.extend([time.time()] * b["n"])
                return self.send(200, {"ok": True})
            if path == "/_admin/reset":
                stats["requests"], stats["paths"], stats["limited"] = 0, [], 0
                hits.clear()
                faults.clear()
                return self.send(200, {"ok": True})
        self.send(404, {"detail": "no such admin endpoint"})

    # ---- the API ----
    def fault_for(self, path):
        for f in faults:
            if f["count"] > 0 and f["match"] in path:
                f["count"] -= 1
                return f["mode"]
        return None

    def limited(self):
        """Sliding 60 s window per key; returns headers for an allowed request, or None."""
        t = time.time()
        while hits and hits[0] <= t - 60:
            hits.pop(0)
        if len(hits) >= args.rate:
            return None
        hits.append(t)
        return {"X-RateLimit-Remaining": str(args.rate - len(hits)), "X-RateLimit-Reset": str(int(t) + 60)}

    def handle_api(self, method):
        u = urlsplit(self.path)
        path, q = u.path, parse_qs(u.query)
        if path.startswith("/_admin/"):
            return self.admin(method, path, q)
        key = self.headers.get("X-API-Key")
        if key is None:
            return self.send(401, {"detail": "Authentication credentials were not provided."})
        if key != args.token:
            return self.send(403, {"detail": "Given API token is not valid"})
        with lock:
            rl = self.limited()
            if rl is None:
                stats["limited"] += 1
                return self.send(429, {"error_code": 5900, "error_message": "RATE_LIMIT_EXCEEDED"},
                                 {"Retry-After": "60"})
            stats["requests"] += 1
            stats["paths"].append(f"{method} {self.path}")
            mode = self.fault_for(self.path)
        if mode == "hang":
            time.sleep(30)
            return
        if mode == "redirect":
            return self.send(302, {}, {"Location": self.path})
        if mode == "error500":
            return self.send(500, {"detail": "Internal Server Error"}, rl)
        if mode == "html":
            return self.send(200, None, rl, raw=b"<html><body>Login</body></html>")
        if mode == "invalid_json":
            return self.send(200, None, rl, raw=b'{"results": [')
        if mode == "truncated":
            data = json.dumps({"results": []}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data) + 100))
            self.end_headers()
            self.wfile.write(data)
            self.close_connection = True
            return
        m = re.fullmatch(r"/api/v1/workspaces/([^/]+)/projects/([^/]+)/(states|work-items|issues)/"
                         r"(?:([^/]+)/(comments/)?)?", path)
        with lock:
            if not m or m.group(2) not in projects or (m.group(3) == "work-items" and legacy["on"]):
                return self.send(404, {"detail": "Not found."}, rl)
            p = projects[m.group(2)]
            kind, item_id, sub = m.group(3), m.group(4), m.group(5)
            if kind == "states":
                return self.listing(p["states"], q, rl, mode, None)
            if item_id is None and method == "GET":
                return self.listing(p["items"], q, rl, mode, q.get("fields", [""])[0])
            if item_id is None and method == "POST":
                b = self.body()
                if not b.get("name") or not any(s["id"] == b.get("state") for s in p["states"]):
                    return self.send(400, {"error": "bad name or state"}, rl)
                return self.send(201, public(new_item(m.group(2), b["name"], b["state"]), None), rl)
            it = next((i for i in p["items"] if i["id"] == item_id), None)
            if it is None:
                return self.send(404, {"detail": "Not found."}, rl)
            if sub and method == "POST":
                b = self.body()
                if "comment_html" not in b:
                    return self.send(400, {"error": "comment_html required"}, rl)
                it["comments"].append(b["comment_html"])
                return self.send(201, {"id": str(uuid.uuid4()), "comment_html": b["comment_html"]}, rl)
            if method == "PATCH":
                b = self.body()
                if "state" in b:
                    if not any(s["id"] == b["state"] for s in p["states"]):
                        return self.send(400, {"state": ["Invalid pk - object does not exist."]}, rl)
                    it["state"] = b["state"]
                it["updated_at"] = now_iso()
                return self.send(200, public(it, None), rl)
            out = public(it, None)
            if mode == "missing_field":
                out.pop("state")
            return self.send(200, out, rl)

    def listing(self, rows, q, rl, mode, fields):
        try:
            per_page = int(q.get("per_page", ["1000"])[0])
        except ValueError:
            return self.send(400, {"error": "per_page must be a number"}, rl)
        if per_page > 1000 or per_page < 1:
            return self.send(400, {"error": "per_page must be <= 1000"}, rl)
        page = 0
        if "cursor" in q:
            c = q["cursor"][0].split(":")
            if len(c) != 3 or not all(x.lstrip("-").isdigit() for x in c):
                return self.send(400, {"error": "Invalid cursor parameter."}, rl)
            page = int(c[1])
        order = q.get("order_by", ["-created_at"])[0]
        key = order.lstrip("-")
        if rows and key in rows[0]:
            parse = (lambda v: datetime.fromisoformat(v)) if key.endswith("_at") else (lambda v: v)
            rows = sorted(rows, key=lambda r: parse(r[key]), reverse=order.startswith("-"))
        flist = [f for f in (fields or "").split(",") if f]
        if mode == "endless":  # makeplane/plane#9340: next_page_results stays true
            page = min(page, max(0, (len(rows) - 1) // per_page))
        chunk = [public(r, flist) if "sequence_id" in r else r
                 for r in rows[page * per_page:(page + 1) * per_page]]
        env = envelope(chunk, per_page, page, len(rows))
        if mode == "endless":
            env["next_page_results"] = True
        if mode == "envelope":
            env = {"data": chunk}
        if mode == "missing_field" and chunk:
            chunk[0].pop("state", None)
        if mode == "bad_timestamp" and chunk:
            chunk[0]["updated_at"] = "yesterday"
        return self.send(200, env, rl)

    def do_GET(self):
        self.handle_api("GET")

    def do_POST(self):
        self.handle_api("POST")

    def do_PATCH(self):
        self.handle_api("PATCH")


srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
srv.daemon_threads = True
print(f"port {srv.server_address[1]}", flush=True)
try:
    srv.serve_forever()
except KeyboardInterrupt:
    pass
