"""Test helper: hold orch's cluster-wide lock NAME on PostgreSQL until stdin closes.

usage: pg_hold.py URL NAME -- prints "held" once the session advisory lock is taken, through a
psql session of its own (the key as store_lock_try computes it: FNV-1a of "orch:" NAME, signed).
"""
import subprocess
import sys

url, name = sys.argv[1], sys.argv[2]
key = 1469598103934665603
for b in ("orch:" + name).encode():
    key = ((key ^ b) * 1099511628211) % (1 << 64)
if key >= 1 << 63:
    key -= 1 << 64
p = subprocess.Popen(["psql", "-XAtq", url], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
p.stdin.write("SELECT pg_advisory_lock(%d);\nSELECT 'held';\n" % key)
p.stdin.flush()
while p.stdout.readline().strip() != "held":
    pass
print("held", flush=True)
sys.stdin.read()
p.stdin.close()
p.wait()
