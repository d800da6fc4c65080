#!/usr/bin/env python3
"""The tests' window on the store: sqlrun.py query|exec SQL [PARAM...], or sqlrun.py dump.

SQLite (the default): ORCH_HOME/orch.db with Python's sqlite3.  PostgreSQL
(make check-pg sets ORCH_DATABASE_URL): through psql, the parameters
(?1 ?2 ... or ?) quoted as SQL literals, as a test's SQL needs nothing more.
query prints column 0 of the first row ("" when none, None for NULL, also on
PostgreSQL); exec runs the SQL (several statements when no parameters are
given) and commits; dump prints every row of the store as text (SQLite's
iterdump, pg_dump --data-only): what a test compares or searches.

A test's SQL means the same on both engines.  The one thing it cannot say in
both is SQLite's group_concat(x [, sep]): on PostgreSQL it is rewritten to
string_agg(CAST(x AS TEXT), sep), sep ',' when not given, as in SQLite.
"""
import os
import re
import sqlite3
import subprocess
import sys


def literal(v):
    return "'" + v.replace("'", "''") + "'"


def group_concat(sql):
    """SQLite's group_concat(x [, sep]) as PostgreSQL's string_agg (the module's doc says why)."""
    out, i = [], 0
    low = sql.lower()
    while True:
        j = low.find("group_concat(", i)
        if j < 0:
            return "".join(out) + sql[i:]
        out.append(sql[i:j])
        k, depth, quote, args, start = j + len("group_concat("), 1, None, [], j + len("group_concat(")
        while depth:
            c = sql[k]
            if quote:
                quote = None if c == quote else quote
            elif c in "'\"":
                quote = c
            elif c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
            elif c == "," and depth == 1:
                args.append(sql[start:k])
                start = k + 1
            k += 1
        args.append(sql[start:k - 1])
        sep = args[1].strip() if len(args) > 1 else "','"
        out.append("string_agg(CAST((%s) AS TEXT), %s)" % (group_concat(args[0]), sep))
        i = k


def pg(mode, sql, params):
    n = [0]

    if mode == "dump":  # without pg_dump's \restrict lines: a random key each run
        out = subprocess.run(["pg_dump", "--data-only", os.environ["ORCH_DATABASE_URL"]], stdout=subprocess.PIPE,
                             check=True, text=True).stdout
        print("".join(l for l in out.splitlines(True) if not l.startswith(("\\restrict ", "\\unrestrict "))), end="")
        return

    def sub(m):
        if m.group(1):
            return literal(params[int(m.group(1)) - 1])
        n[0] += 1
        return literal(params[n[0] - 1])

    if params:
        sql = re.sub(r"\?([0-9]*)", sub, sql)
    # fields and rows apart by ASCII's unit and record separators, NULL as SUB: a value may hold "|" or
    # a newline
    out = subprocess.run(["psql", "-XAtq", "-v", "ON_ERROR_STOP=1", "-F", "\x1f", "-R", "\x1e", "-P",
                          "null=\x1a", os.environ["ORCH_DATABASE_URL"], "-c", group_concat(sql)],
                         stdout=subprocess.PIPE, check=True, text=True).stdout
    if mode == "query":
        first = out.split("\x1e", 1)[0].rstrip("\n").split("\x1f", 1)[0]
        print("None" if first == "\x1a" else first)


def lite(mode, sql, params):
    c = sqlite3.connect(os.path.join(os.environ["ORCH_HOME"], "orch.db"))
    if mode == "dump":
        for line in c.iterdump():
            print(line)
        return
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
    mode, sql, params = sys.argv[1], (sys.argv[2:3] or [""])[0], sys.argv[3:]
    (pg if os.environ.get("ORCH_DATABASE_URL") else lite)(mode, sql, params)


main()
