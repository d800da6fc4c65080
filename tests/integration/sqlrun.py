#!/usr/bin/env python3
"""The tests' window on the store: sqlrun.py query|exec SQL [PARAM...].

SQLite (the default): ORCH_HOME/orch.db with Python's sqlite3.  PostgreSQL
(make check-pg sets ORCH_DATABASE_URL): through psql, the parameters
(?1 ?2 ... or ?) quoted as SQL literals, as a test's SQL needs nothing more.
query prints column 0 of the first row ("" when none); exec runs the SQL
(several statements when no parameters are given) and commits.
"""
import os
import re
import sqlite3
import subprocess
import sys


def literal(v):
    return "'" + v.replace("'", "''") + "'"


def pg(mode, sql, params):
    n = [0]

    def sub(m):
        if m.group(1):
            return literal(params[int(m.group(1)) - 1])
        n[0] += 1
        return literal(params[n[0] - 1])

    if params:
        sql = re.sub(r"\?([0-9]*)", sub, sql)
    out = subprocess.run(["psql", "-XAtq", "-v", "ON_ERROR_STOP=1", os.environ["ORCH_DATABASE_URL"], "-c", sql],
                         stdout=subprocess.PIPE, check=True, text=True).stdout
    if mode == "query":
        first = out.split("\n", 1)[0]
        print(first.split("|", 1)[0] if first else "")


def lite(mode, sql, params):
    c = sqlite3.connect(os.path.join(os.environ["ORCH_HOME"], "orch.db"))
    if mode == "query":
        r = c.execute(sql, params).fetchone()
        print(r[0] if r else "")
        return
    if params:
        c.execute(sql, params)
    else:
        c.executescript(sql)
    c.commit()


def main():
    mode, sql, params = sys.argv[1], sys.argv[2], sys.argv[3:]
    (pg if os.environ.get("ORCH_DATABASE_URL") else lite)(mode, sql, params)


main()
