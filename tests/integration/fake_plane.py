"""A faithful fake of Plane's public REST API for orch's tests (python3 stdlib).

Built from shared/reference/plane-api.md: the list envelope, the cursor
"per_page:page:is_prev" recomputed from the request's per_page, per_page > 1000
is 400, a malformed cursor is 400 "Invalid cursor parameter.", 401 without a
key, 403 {"detail":"Given API token is not valid"} with a wrong one, a sliding
60 s rate limit per key with X-RateLimit-Remaining / X-RateLimit-Reset and a
429 {"error_code":5900,...} with Retry-After, PATCH/POST semantics, and
updated_at moving on every write (microseconds, in the key owner's offset).

Also modelled from makeplane/plane's source (apps/api/plane/api, v1.3):
- permissions before throttling: a project the key's user is not a member
  of, or an unknown (well-formed) project uuid, is 403 "You do not have
  permission to perform this action." without X-RateLimit-* headers and not
  counted; a Guest reads and comments but gets that 403 on item writes;
- legacy mode (Plane before v1.1.0): every work-items/ path, the
  by-identifier one too, is 404 {"error": "Page not found."}; issues/ works;
- GET workspaces/<slug>/(work-items|issues)/<IDENT>-<seq>/ (by identifier)
  and GET .../projects/<id>/ (the project, with its identifier);
- 429's Retry-After is the sliding window's computed wait
  (ceil(60 - age of the oldest request)), absent on demand;
- timestamps as DRF renders them: "Z" for UTC, no fraction when the
  microseconds are 0;
- archived and draft items vanish from listings and detail GETs (PATCH
  still reaches an archived one);
- name over 255 characters: 400 with a field error;
- external_source + external_id on item and comment creates: a repeat is
  409 {"error": ..., "id": <the existing id>};
- fault "lost_answer": the POST is saved, then the connection closes with
  no answer;
- fault "echo_key": a 400 whose body quotes the request's headers, the
  X-API-Key among them (as a debugging proxy or a verbose error page does).

usage: fake_plane.py --token T [--rate N] [--tz +05:30|Z]
Prints "port N" on stdout once listening on 127.0.0.1, then serves until
killed.  Admin endpoints under /_admin/ are not counted or rate limited:
  POST /_admin/project {"id", "identifier", "omit_states": [names], "role": "member|guest|none"}
  POST /_admin/item    {"project", "name", "state_name", "age_s", "whole_s", "draft", "description_html"}
                       -> the item
                       (a negative age_s stamps it in the future: a server clock that ran ahead)
  POST /_admin/bulk    {"project", "n", "name", "state_name", "age_s"}  (n items at once)
  POST /_admin/archive {"project", "seq"}                     (archive an item)
  POST /_admin/state   {"project", "seq", "state_name"}       (a human in the UI)
  POST /_admin/fault   {"mode", "count", "match"}             (see FAULTS)
  POST /_admin/legacy  {"on": true, "no_ident": false}  (no work-items/: 404; no_ident: no lookup
                                                        by identifier either, before 2024-04)
  POST /_admin/burn    {"n", "age_s"}                 (another client spent n, age_s ago)
  POST /_admin/retry_after {"on": false}                      (429 without Retry-After)
  POST /_admin/reset                                          (counters, limiter, faults)
  GET  /_admin/stats   -> {"requests", "paths": [...], "limited", "unrouted": [404s of no route]}
  POST /_admin/comment {"project", "seq", "comment_html", "actor"}  (a person comments in the UI)
  GET  /_admin/items?project=P -> items with state names and comments
"""
import argparse
import json
import math
import re
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

STATES = [("Backlog", "backlog"), ("Todo", "unstarted"), ("To Analyse", "unstarted"),
          ("Analysis", "started"), ("In Progress", "started"), ("Needs Input", "started"),
          ("In Review", "started"), ("Code Review", "started"), ("Approved", "started"),
          ("Rejected", "started"), ("Awaiting Deploy", "started"), ("Confirm Deploy", "started"),
          ("Deploying", "started"), ("Monitoring after Deploy", "started"), ("Blocked", "started"),
          ("Done", "completed"), ("Cancelled", "cancelled")]
FAULTS = {"invalid_json", "html", "envelope", "missing_field", "truncated", "redirect", "error500",
          "hang", "endless", "bad_timestamp", "lost_answer", "echo_key"}
NO_PERMISSION = {"detail": "You do not have permission to perform this action."}
GONE = {"error": "The requested resource does not exist."}
NO_ROUTE = {"error": "Page not found."}

ap = argparse.ArgumentParser()
ap.add_argument("--token", required=True)
ap.add_argument("--rate", type=int, default=60)
ap.add_argument("--tz", default="+05:30")
args = ap.parse_args()
if args.tz == "Z":
    TZ = timezone.utc
else:
    sign = 1 if args.tz[0] == "+" else -1
    TZ = timezone(sign * timedelta(hours=int(args.tz[1:3]), minutes=int(args.tz[4:6])))

lock = threading.Lock()
projects = {}      # id -> {"identifier", "states": [...], "items": [...]}
stats = {"requests": 0, "paths": [], "limited": 0, "unrouted": []}
hits = []          # request times for the sliding window
faults = []        # [{"mode", "count", "match"}]
legacy = {"on": False, "no_ident": False}
retry_after = {"on": True}
clock = {"last": None}


def drf(t):
    """As Django REST framework renders a datetime: isoformat(), '+00:00' as 'Z'."""
    v = t.isoformat()
    return v[:-6] + "Z" if v.endswith("+00:00") else v


def now_iso():
    """A strictly increasing timestamp in the owner's offset."""
    t = datetime.now(TZ)
    if clock["last"] is not None and t <= clock["last"]:
        t = clock["last"] + timedelta(microseconds=1)
    clock["last"] = t
    return drf(t)


def make_project(pid, identifier, omit=(), role="member"):
    states = [{"id": str(uuid.uuid4()), "name": n, "group": g, "sequence": float(i * 1000),
               "color": "#888", "slug": n.lower().replace(" ", "-"), "project": pid, "workspace": "ws",
               "default": n == "Backlog", "is_triage": False, "description": "", "created_at": now_iso(),
               "updated_at": now_iso(), "deleted_at": None, "external_source": None, "external_id": None,
               "created_by": None, "updated_by": None}
              for i, (n, g) in enumerate(STATES) if n not in omit]
    projects[pid] = {"identifier": identifier, "states": states, "items": [], "role": role}


def state_named(p, name):
    return next((s for s in p["states"] if s["name"] == name), None)


def new_item(pid, name, state_id, ext=(None, None)):
    p = projects[pid]
    ts = now_iso()
    item = {"id": str(uuid.uuid4()), "name": name, "sequence_id": len(p["items"]) + 1, "project": pid,
            "workspace": "ws", "state": state_id, "priority": "none", "labels": [], "assignees": [],
            "created_at": ts, "updated_at": ts, "completed_at": None, "archived_at": None, "parent": None,
            "type_id": None, "external_source": ext[0], "external_id": ext[1], "description_html": "<p></p>",
            "is_draft": False, "comments": []}
    p["items"].append(item)
    return item


def new_comment(html, ext, actor):
    """A comment as Plane's IssueCommentSerializer renders it (comment_stripped: the text without tags)."""
    t = now_iso()
    return {"id": str(uuid.uuid4()), "comment_html": html, "comment_stripped": re.sub(r"<[^>]*>", "", html),
            "external_source": ext[0], "external_id": ext[1], "created_at": t, "updated_at": t,
            "created_by": actor, "actor": actor, "access": "INTERNAL"}


def visible(item):
    """Plane's issue_objects manager: no archived, draft or deleted items."""
    return item["archived_at"] is None and not item["is_draft"]


def public(item, fields, expand=()):
    """As the v1 serializer renders it: labels are ids, or {id, name, color} with expand=labels."""
    out = {k: v for k, v in item.items() if k not in ("comments", "is_draft", "label_objects")}
    out["labels"] = [dict(l) for l in item.get("label_objects", [])] if "labels" in expand else \
        [l["id"] for l in item.get("label_objects", [])]
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
        return json.loads(self.raw_body or b"{}")

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
                make_project(b["id"], b["identifier"], b.get("omit_states", []), b.get("role", "member"))
                return self.send(201, {"ok": True})
            if path == "/_admin/item":
                p = projects[b["project"]]
                it = new_item(b["project"], b["name"], state_named(p, b["state_name"])["id"])
                if b.get("age_s") or b.get("whole_s"):  # an item last changed long ago
                    t = datetime.now(TZ) - timedelta(seconds=b.get("age_s", 0))
                    it["updated_at"] = drf(t.replace(microsecond=0) if b.get("whole_s") else t)
                it["is_draft"] = bool(b.get("draft"))
                if "description_html" in b:  # as Plane's editor writes it; description_stripped is not in v1 answers
                    it["description_html"] = b["description_html"]
                return self.send(201, it)
            if path == "/_admin/comment":  # a person comments in Plane's UI: no external_source
                it = projects[b["project"]]["items"][b["seq"] - 1]
                c = new_comment(b["comment_html"], (b.get("external_source"), b.get("external_id")),
                                b.get("actor", "user-human"))
                it["comments"].append(c)
                return self.send(201, c)
            if path == "/_admin/bulk":  # n items "<name> i", item i last changed age_s - i seconds ago
                p = projects[b["project"]]
                sid = state_named(p, b["state_name"])["id"]
                for i in range(b["n"]):
                    it = new_item(b["project"], f"{b['name']} {i}", sid)
                    it["updated_at"] = drf(datetime.now(TZ) - timedelta(seconds=b["age_s"] - i))
                return self.send(201, {"ok": True})
            if path == "/_admin/label":  # a person adds (or removes) a label in Plane's UI: updated_at moves
                it = projects[b["project"]]["items"][b["seq"] - 1]
                objs = [l for l in it.setdefault("label_objects", []) if l["name"] != b["name"]]
                if b.get("on", True):
                    objs.append({"id": str(uuid.uuid4()), "name": b["name"], "color": "#888"})
                it["label_objects"] = objs
                it["updated_at"] = now_iso()
                return self.send(200, public(it, None))
            if path == "/_admin/archive":
                it = projects[b["project"]]["items"][b["seq"] - 1]
                it["archived_at"] = now_iso()
                return self.send(200, it)
            if path == "/_admin/retry_after":
                retry_after["on"] = bool(b.get("on"))
                return self.send(200, {"ok": True})
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
                legacy["on"], legacy["no_ident"] = bool(b.get("on")), bool(b.get("no_ident"))
                return self.send(200, {"ok": True})
            if path == "/_admin/burn":  # another client of the same key spent n requests age_s ago
                hits.extend([time.time() - b.get("age_s", 0)] * b["n"])
                hits.sort()
                return self.send(200, {"ok": True})
            if path == "/_admin/reset":
                stats["requests"], stats["paths"], stats["limited"], stats["unrouted"] = 0, [], 0, []
                hits.clear()
                faults.clear()
                retry_after["on"] = True
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
        """DRF's SimpleRateThrottle, 60 s sliding window per key: headers for an allowed request,
        or None.  self.wait is the computed Retry-After (None: DRF sends no header)."""
        t = time.time()
        while hits and hits[0] <= t - 60:
            hits.pop(0)
        if len(hits) >= args.rate:
            available = args.rate - len(hits) + 1
            self.wait = math.ceil((60 - (t - hits[0])) / available) if available > 0 else None
            return None
        hits.append(t)
        return {"X-RateLimit-Remaining": str(max(0, args.rate - len(hits))), "X-RateLimit-Reset": str(int(t) + 60)}

    def route(self, path):
        """(kind, project id, items path, item ref, sub) of an API path, or None."""
        m = re.fullmatch(r"/api/v1/workspaces/([^/]+)/(work-items|issues)/([^/]+)-([^/-]+)/", path)
        if m:  # by identifier (workspace level); Django's <str>-<str> splits at the last '-'
            ident = unquote(m.group(3))
            pid = next((k for k, p in projects.items() if p["identifier"] == ident), None)
            return "ident", pid, m.group(2), m.group(4), None
        m = re.fullmatch(r"/api/v1/workspaces/([^/]+)/projects/([^/]+)/(?:(states|work-items|issues)/"
                         r"(?:([^/]+)/(comments/)?)?)?", path)
        if not m:
            return None
        return m.group(3) or "project", m.group(2), m.group(3), m.group(4), m.group(5)

    def handle_api(self, method):
        n = int(self.headers.get("Content-Length") or 0)
        self.raw_body = self.rfile.read(n) if n else b""  # read before any answer: the connection is reused
        u = urlsplit(self.path)
        path, q = u.path, parse_qs(u.query)
        if path.startswith("/_admin/"):
            return self.admin(method, path, q)
        key = self.headers.get("X-API-Key")
        if key is None:
            return self.send(401, {"detail": "Authentication credentials were not provided."})
        if key != args.token:
            return self.send(403, {"detail": "Given API token is not valid"})
        r = self.route(path)
        with lock:
            if r is None or (legacy["on"] and r[2] == "work-items") or (r[0] == "ident" and legacy["no_ident"]):
                # Django's URL resolver answers before any view: no throttle, no rate headers
                stats["unrouted"].append(f"{method} {self.path}")
                return self.send(404, NO_ROUTE)
            # permissions come before the throttle: no rate headers, not counted.  ProjectEntityPermission
            # (items, states, by identifier): an active member, Member or Admin role to write;
            # ProjectLitePermission (comments): any member; the project itself: any workspace member.
            if r[0] != "project" and r[1] not in projects:
                return self.send(403, NO_PERMISSION)
            if r[0] != "project":
                role = projects[r[1]]["role"]
                write = method in ("POST", "PATCH") and r[4] is None
                if role == "none" or (role == "guest" and write):
                    return self.send(403, NO_PERMISSION)
            rl = self.limited()
            if rl is None:
                stats["limited"] += 1
                return self.send(429, {"error_code": 5900, "error_message": "RATE_LIMIT_EXCEEDED"},
                                 {"Retry-After": str(self.wait)} if retry_after["on"] and self.wait is not None
                                 else {})
            stats["requests"] += 1
            stats["paths"].append(f"{method} {self.path}")
            mode = self.fault_for(self.path)
        if mode == "hang":
            time.sleep(30)
            return
        if mode == "redirect":
            return self.send(302, {}, {"Location": self.path})
        if mode == "echo_key":
            key = self.headers.get("X-API-Key")
            return self.send(400, {"detail": f"X-API-Key {key} is not accepted for this request",
                                   "request_headers": dict(self.headers.items())}, rl)
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
        with lock:
            code, body = self.api(method, r, q, mode)
        if mode == "lost_answer" and method == "POST":
            self.close_connection = True  # saved, but the answer never reaches the client
            return
        if code == "listing":
            return self.listing(body[0], q, rl, mode, body[1])
        return self.send(code, body, rl)

    def api(self, method, r, q, mode):
        """The endpoints: (status, body), or ("listing", (rows, fields))."""
        kind, pid, _, ref, sub = r
        if kind == "ident":
            p = projects[pid]
            it = next((i for i in p["items"] if str(i["sequence_id"]) == ref and visible(i)), None)
            return (200, public(it, None)) if it else (404, GONE)
        if kind == "project" and pid not in projects:
            return 404, GONE
        p = projects[pid]
        if kind == "project":
            return 200, {"id": pid, "identifier": p["identifier"], "name": p["identifier"].title(),
                         "workspace": "ws", "archived_at": None}
        if kind == "states":
            return "listing", (p["states"], None)
        if ref is None and method == "GET":
            return "listing", ([i for i in p["items"] if visible(i)], q.get("fields", [""])[0])
        if ref is None and method == "POST":
            b = self.body()
            if not b.get("name"):
                return 400, {"name": ["This field is required."]}
            if len(b["name"]) > 255:
                return 400, {"name": ["Ensure this field has no more than 255 characters."]}
            if not any(s["id"] == b.get("state") for s in p["states"]):
                return 400, {"state": ["Invalid pk - object does not exist."]}
            ext = (b.get("external_source"), b.get("external_id"))
            dup = next((i for i in p["items"] if ext[0] and ext[1] and
                        (i["external_source"], i["external_id"]) == ext), None)
            if dup:
                return 409, {"error": "Issue with the same external id and external source already exists",
                             "id": dup["id"]}
            return 201, public(new_item(pid, b["name"], b["state"], ext), None)
        it = next((i for i in p["items"] if i["id"] == ref), None)
        if it is None or (method != "PATCH" and not visible(it)):
            return 404, GONE
        if sub and method == "POST":
            b = self.body()
            if "comment_html" not in b:
                return 400, {"comment_html": ["This field is required."]}
            ext = (b.get("external_source"), b.get("external_id"))
            dup = next((c for i in p["items"] for c in i["comments"] if ext[0] and ext[1] and
                        (c["external_source"], c["external_id"]) == ext), None)
            if dup:
                return 409, {"error": "Work item comment with the same external id and external source "
                             "already exists", "id": dup["id"]}
            c = new_comment(b["comment_html"], ext, "user-api-key")
            it["comments"].append(c)
            return 201, c
        if sub and method == "GET":  # paginated like every v1 listing
            return "listing", (it["comments"], None)
        if method == "PATCH":
            b = self.body()
            if "state" in b:
                if not any(s["id"] == b["state"] for s in p["states"]):
                    return 400, {"state": ["Invalid pk - object does not exist."]}
                it["state"] = b["state"]
            it["updated_at"] = now_iso()
            return 200, public(it, None)
        out = public(it, None)
        if mode == "missing_field":
            out.pop("state")
        return 200, out

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
        expand = (q.get("expand", [""])[0]).split(",")
        chunk = [public(r, flist, expand) if "sequence_id" in r else r
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
