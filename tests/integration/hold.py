"""Test helper: hold a flock or a SQLite write lock until stdin closes.

usage: hold.py lock|db PATH -- prints "held" once the lock is taken.
"""
import fcntl
import os
import sqlite3
import sys

kind, path = sys.argv[1], sys.argv[2]
if kind == "lock":
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
else:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("BEGIN IMMEDIATE")
print("held", flush=True)
sys.stdin.read()
