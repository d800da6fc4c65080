#include "pqload.h"

#include <dlfcn.h>
#include <stddef.h>
#include <string.h>

#include "err.h"

/* One table per process, filled once (curlload.c says why that is the one global state). */
static struct pq_api api;
static int loaded;

static int
sym(void *lib, const char *name, void *slot, struct orch_err *e)
{
	void *p = dlsym(lib, name);

	if (p == NULL)
		return err_set(
		    e, EX_CONFIG, "libpq.so.5 lacks %s; install a libpq5 of PostgreSQL 12 or later", name);
	memcpy(slot, &p, sizeof(p)); /* object pointer to function pointer, as POSIX allows */
	return 0;
}

const struct pq_api *
pq_api_load(struct orch_err *e)
{
	static const struct {
		const char *name;
		size_t off;
	} syms[] = {
		{ "PQconnectdbParams", offsetof(struct pq_api, connectdb_params) },
		{ "PQstatus", offsetof(struct pq_api, status) },
		{ "PQerrorMessage", offsetof(struct pq_api, error_message) },
		{ "PQfinish", offsetof(struct pq_api, finish) },
		{ "PQexec", offsetof(struct pq_api, exec) },
		{ "PQexecParams", offsetof(struct pq_api, exec_params) },
		{ "PQresultStatus", offsetof(struct pq_api, result_status) },
		{ "PQresultErrorField", offsetof(struct pq_api, result_error_field) },
		{ "PQclear", offsetof(struct pq_api, clear) },
		{ "PQntuples", offsetof(struct pq_api, ntuples) },
		{ "PQnfields", offsetof(struct pq_api, nfields) },
		{ "PQfname", offsetof(struct pq_api, fname) },
		{ "PQftype", offsetof(struct pq_api, ftype) },
		{ "PQgetvalue", offsetof(struct pq_api, getvalue) },
		{ "PQgetisnull", offsetof(struct pq_api, getisnull) },
		{ "PQcmdTuples", offsetof(struct pq_api, cmd_tuples) },
		{ "PQtransactionStatus", offsetof(struct pq_api, transaction_status) },
		{ "PQsetNoticeProcessor", offsetof(struct pq_api, set_notice_processor) },
		{ "PQserverVersion", offsetof(struct pq_api, server_version) },
		{ "PQparameterStatus", offsetof(struct pq_api, parameter_status) },
	};
	void *lib;
	size_t i;

	if (loaded)
		return &api;
	if ((lib = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL)) == NULL) {
		err_set(e, EX_CONFIG, "cannot load libpq.so.5 (%s); install libpq5 (apt-get install libpq5)",
		    dlerror());
		return NULL;
	}
	for (i = 0; i < sizeof(syms) / sizeof(syms[0]); i++)
		if (sym(lib, syms[i].name, (char *)&api + syms[i].off, e) < 0)
			return NULL; /* the library stays loaded: dlclose of half a table helps nothing */
	loaded = 1;
	return &api;
}
