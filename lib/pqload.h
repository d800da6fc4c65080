/*
 * pqload: libpq, loaded when the store is PostgreSQL (issue 27).
 *
 * Like libcurl (curlload.h), libpq and what it pulls in (TLS, Kerberos,
 * LDAP) would cost every command its start-up and memory, and the default
 * store is SQLite: most installations never talk to PostgreSQL.  So orch
 * links without libpq and dlopen()s libpq.so.5 the first time a store
 * opens a postgresql:// URL.  Only lib/store_pg.c uses this table.
 *
 * Calling sequence: pq_api_load() (cheap after the first); on NULL, *e
 * says why (EX_CONFIG); then every member of the table is safe to call.
 */
#ifndef ORCH_PQLOAD_H
#define ORCH_PQLOAD_H

#include <stddef.h>

#include <libpq-fe.h>

struct pq_api {
	PGconn *(*connectdb_params)(const char *const *keys, const char *const *values, int expand_dbname);
	ConnStatusType (*status)(const PGconn *c);
	char *(*error_message)(const PGconn *c);
	void (*finish)(PGconn *c);
	PGresult *(*exec)(PGconn *c, const char *sql);
	PGresult *(*exec_params)(PGconn *c, const char *sql, int n, const Oid *types,
	    const char *const *values, const int *lengths, const int *formats, int result_format);
	ExecStatusType (*result_status)(const PGresult *r);
	char *(*result_error_field)(const PGresult *r, int field);
	void (*clear)(PGresult *r);
	int (*ntuples)(const PGresult *r);
	int (*nfields)(const PGresult *r);
	char *(*fname)(const PGresult *r, int i);
	Oid (*ftype)(const PGresult *r, int i);
	char *(*getvalue)(const PGresult *r, int row, int col);
	int (*getisnull)(const PGresult *r, int row, int col);
	char *(*cmd_tuples)(PGresult *r);
	PGTransactionStatusType (*transaction_status)(const PGconn *c);
	PQnoticeProcessor (*set_notice_processor)(PGconn *c, PQnoticeProcessor p, void *arg);
	int (*server_version)(const PGconn *c);
	char *(*parameter_status)(const PGconn *c, const char *name);
};

struct orch_err;
/* The table, loading libpq once; NULL with *e when it cannot. */
const struct pq_api *pq_api_load(struct orch_err *e);

#endif
