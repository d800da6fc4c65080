/*
 * store_pgschema: orch's store schema on PostgreSQL, as SQLite's migrations 1..23 (lib/store.c) leave it.
 *
 * Contract:
 *  1. store_pg_schema_v23 is one SQL script that PQexec runs in one call (one implicit transaction) on a
 *     database without orch's tables: it creates the tables, indexes, the row_counts table and the
 *     trigger functions and triggers that keep it; it never alters or drops.  Nothing is seeded: the
 *     tables start empty, as a new SQLite store's do.
 *  2. Table and column names and column order are SQLite's (PRAGMA table_info); INTEGER is BIGINT,
 *     INTEGER PRIMARY KEY an identity column, REAL DOUBLE PRECISION, TEXT TEXT.
 *  3. The schema version (SQLite's PRAGMA user_version, 23) is not recorded here: the driver keeps it.
 *     A change to the SQLite migrations needs its twin here (a new store_pg_schema_vN, or a PostgreSQL
 *     migration from this one).
 */
#ifndef ORCH_STORE_PGSCHEMA_H
#define ORCH_STORE_PGSCHEMA_H

extern const char store_pg_schema_v23[];

#endif
