"""A fake of the Telegram Bot API's sendMessage for orch's tests (python3 stdlib).

Like the real one: POST /bot<token>/sendMessage with a JSON body {chat_id,
text, ...}; 200 {"ok": true, "result": {...}}; a wrong token is 401
{"ok": false, "error_code": 401, "description": "Unauthorized"}; any other
path 404; a missing chat_id or text 400; a rate limit is 429 with
{"parameters": {"retry_after": N}} (and a Retry-After header).

usage: fake_telegram.py --token T
Prints "port N" on stdout once listening on 127.0.0.1, then serves until
killed.  Answers follow a plan, one step per sendMessage (then 200):
  POST /_admin/plan  "500,429:120,echo,hang:5,200"   (replaces the plan)
     500      500 Internal Server Error
     429:N    429 with retry_after N
     echo     400 whose description repeats the request path (token included:
              a hostile server, to prove orch masks what it is told)
     hang:S   answer 200 after S seconds
  GET  /_admin/requests -> [{"status", "chat_id", "text"}] (bodies only: no paths)
"""
import argparse
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ap = argparse.ArgumentParser()
ap.add_argument("--token", required=True)
args = ap.parse_args()

lock = threading.Lock()
plan = []
requests = []


def next_step():
    with lock:
        return plan.pop(0) if plan else "200"


class H(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def reply(self, code, obj, headers=None):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/_admin/requests":
            with lock:
                return self.reply(200, list(requests))
        self.reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == "/_admin/plan":
            with lock:
                plan[:] = [s for s in raw.decode().split(",") if s]
            return self.reply(200, {"plan": plan})
        if not self.path.startswith("/bot") or not self.path.endswith("/sendMessage"):
            return self.reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        if self.path != f"/bot{args.token}/sendMessage":
            return self.reply(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        try:
            msg = json.loads(raw)
            chat, text = msg["chat_id"], msg["text"]
        except (ValueError, KeyError, TypeError):
            return self.reply(400, {"ok": False, "error_code": 400, "description": "Bad Request: message text is empty"})
        step = next_step()
        status = 200
        if step == "500":
            status = 500
            self.reply(500, {"ok": False, "error_code": 500, "description": "Internal Server Error"})
        elif step.startswith("429:"):
            status, n = 429, int(step[4:])
            self.reply(429, {"ok": False, "error_code": 429, "description": f"Too Many Requests: retry after {n}",
                             "parameters": {"retry_after": n}}, {"Retry-After": str(n)})
        elif step == "echo":
            status = 400
            self.reply(400, {"ok": False, "error_code": 400,
                             "description": f"Bad Request: cannot route {self.path} for {args.token}"})
        else:
            if step.startswith("hang:"):
                time.sleep(float(step[5:]))
            self.reply(200, {"ok": True, "result": {"message_id": len(requests) + 1, "chat": {"id": chat},
                                                    "text": text}})
        with lock:
            requests.append({"status": status, "chat_id": chat, "text": text})


srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
srv.daemon_threads = True
print(f"port {srv.server_address[1]}", flush=True)
srv.serve_forever()
