"""The harnesses' window on the store (crash.py, overlap.py, hostile_soak.py): connect(home, url, ...).

SQLite (url empty, the default): sqlite3's own connection to home/orch.db, opened with the
keyword arguments given, as the harnesses always did.  PostgreSQL (make check-pg: the test's
ORCH_DATABASE_URL): a connection through libpq (ctypes; orch loads the same libpq.so.5) with the
part of sqlite3's interface the harnesses use: execute(sql, params) -> fetchone(), fetchall() and
iteration; commit() and close().  Each statement commits by itself.  Parameters are ? (in order);
values come back as SQLite gives them: integers as int (booleans 1 and 0), NULL as None, else str.
PRAGMA integrity_check is SQLite's: on PostgreSQL it answers "ok" (the server keeps its own pages).
"""
import ctypes
import sqlite3

_INTS = {16, 20, 21, 23, 1700}  # bool, int8, int2, int4, numeric (an integer sum or count)
_FLOATS = {700, 701}


class _Rows:
    def __init__(self, rows):
        self.rows = rows

    def fetchone(self):
        return self.rows[0] if self.rows else None

    def fetchall(self):
        return list(self.rows)

    def __iter__(self):
        return iter(self.rows)


class _Pg:
    def __init__(self, url):
        pq = self.pq = ctypes.CDLL("libpq.so.5")
        pq.PQconnectdb.restype = ctypes.c_void_p
        pq.PQconnectdb.argtypes = [ctypes.c_char_p]
        pq.PQstatus.argtypes = [ctypes.c_void_p]
        pq.PQerrorMessage.restype = ctypes.c_char_p
        pq.PQerrorMessage.argtypes = [ctypes.c_void_p]
        pq.PQexecParams.restype = ctypes.c_void_p
        pq.PQexecParams.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_void_p,
                                    ctypes.POINTER(ctypes.c_char_p), ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int]
        for f in ("PQresultStatus", "PQntuples", "PQnfields", "PQclear"):
            getattr(pq, f).argtypes = [ctypes.c_void_p]
        pq.PQresultErrorMessage.restype = ctypes.c_char_p
        pq.PQresultErrorMessage.argtypes = [ctypes.c_void_p]
        pq.PQftype.restype = ctypes.c_uint
        pq.PQftype.argtypes = [ctypes.c_void_p, ctypes.c_int]
        pq.PQgetisnull.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
        pq.PQgetvalue.restype = ctypes.c_char_p
        pq.PQgetvalue.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
        pq.PQfinish.argtypes = [ctypes.c_void_p]
        self.conn = pq.PQconnectdb(url.encode())
        if pq.PQstatus(self.conn) != 0:
            raise RuntimeError("cannot connect: " + pq.PQerrorMessage(self.conn).decode())

    def _value(self, r, row, col):
        if self.pq.PQgetisnull(r, row, col):
            return None
        v, t = self.pq.PQgetvalue(r, row, col).decode(), self.pq.PQftype(r, col)
        if t == 16:
            return 1 if v == "t" else 0
        if t in _INTS and "." not in v:
            return int(v)
        if t in _FLOATS or t == 1700:
            return float(v)
        return v

    def execute(self, sql, params=()):
        if sql.strip().upper() == "PRAGMA INTEGRITY_CHECK":
            return _Rows([("ok",)])
        parts = sql.split("?")
        sql = parts[0] + "".join("$%d%s" % (i + 1, p) for i, p in enumerate(parts[1:]))
        vals = (ctypes.c_char_p * max(len(params), 1))(
            *[None if v is None else str(v).encode() for v in params])
        r = self.pq.PQexecParams(self.conn, sql.encode(), len(params), None, vals, None, None, 0)
        try:
            if self.pq.PQresultStatus(r) not in (1, 2):  # PGRES_COMMAND_OK, PGRES_TUPLES_OK
                raise RuntimeError(self.pq.PQresultErrorMessage(r).decode().strip() + ": " + sql)
            return _Rows([tuple(self._value(r, i, j) for j in range(self.pq.PQnfields(r)))
                          for i in range(self.pq.PQntuples(r))])
        finally:
            self.pq.PQclear(r)

    def commit(self):
        pass

    def close(self):
        if self.conn:
            self.pq.PQfinish(self.conn)
            self.conn = None


def connect(path, url="", **kwargs):
    """sqlite3.connect(path, **kwargs), or the PostgreSQL database at url when it is given."""
    return _Pg(url) if url else sqlite3.connect(path, **kwargs)
