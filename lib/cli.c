#include "cli.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "atomic.h"
#include "engine.h"
#include "lock.h"
#include "notify.h"
#include "util.h"

void
cli_init(struct cli *cl, const char *prog, const char *usage)
{
	memset(cl, 0, sizeof(*cl));
	cl->prog = prog;
	cl->usage = usage;
	cl->lock_fd = -1;
	cl->t0 = time_mono_ms();
}

int
cli_usage(struct cli *cl)
{
	fprintf(stderr, "usage: %s\n", cl->usage);
	return EX_USAGE;
}

int
cli_common_opt(struct cli *cl, int opt, const char *arg)
{
	switch (opt) {
	case OPT_CONFIG: cl->config_file = arg; return 0;
	case OPT_HOME: cl->home_opt = arg; return 0;
	case OPT_JSON: cl->json = 1; return 0;
	case OPT_WAIT: cl->wait = 1; return 0;
	case 'q': cl->quiet = 1; return 0;
	case OPT_HELP:
		printf("usage: %s\nSee %s(1).\n", cl->usage, cl->prog);
		return CLI_EXIT_NOW;
	case OPT_VERSION:
		printf("%s %s\n", cl->prog, ORCH_VERSION);
		return CLI_EXIT_NOW;
	default:
		return cli_usage(cl);
	}
}

int
cli_error(struct cli *cl, const struct orch_err *e)
{
	fprintf(stderr, "%s: %s\n", cl->prog, e->msg[0] ? e->msg : "internal error");
	return e->code ? e->code : EX_SOFTWARE;
}

static int
load_config(struct cli *cl, struct orch_err *e)
{
	char *home;
	int fixed = (cl->home_opt && *cl->home_opt) || (getenv("ORCH_HOME") && *getenv("ORCH_HOME"));

	if ((home = config_home(cl->home_opt, e)) == NULL)
		return -1;
	cl->cfg_loaded = 1;
	if (config_load(&cl->cfg, cl->config_file, home, fixed, e) < 0) {
		free(home);
		return -1;
	}
	free(home);
	return 0;
}

/* Undo what cli_open did when it does not hand the command a working set-up. */
static int
abandon(struct cli *cl, int rc)
{
	if (cl->store_open)
		store_close(&cl->st);
	if (cl->cfg_loaded)
		config_free(&cl->cfg);
	lock_release(cl->lock_fd);
	cl->store_open = cl->cfg_loaded = 0;
	cl->lock_fd = -1;
	return rc;
}

int
cli_open_nolock(struct cli *cl)
{
	struct orch_err e = {0};

	if (load_config(cl, &e) < 0)
		return abandon(cl, cli_error(cl, &e));
	return 0;
}

int
cli_open(struct cli *cl)
{
	struct orch_err e = {0};
	char db[4200], name[64];
	int rc;

	if (load_config(cl, &e) < 0)
		return abandon(cl, cli_error(cl, &e));
	if (mkdir_p(cl->cfg.home, 0700) < 0) {
		err_set(&e, EX_IOERR, "cannot create orch home '%s': %s; set ORCH_HOME to a writable directory",
		    cl->cfg.home, strerror(errno));
		return abandon(cl, cli_error(cl, &e));
	}
	snprintf(name, sizeof(name), "%s", cl->lock_name ? cl->lock_name : cl->prog);
	rc = lock_take(cl->cfg.home, name, cl->wait, &cl->lock_fd, &e);
	if (rc < 0)
		return abandon(cl, cli_error(cl, &e));
	if (rc == LOCK_BUSY) {
		if (!cl->quiet)
			printf("%s: previous run still active; skipped\n", cl->prog);
		return abandon(cl, CLI_SKIPPED);
	}
	if (str_fmt(db, sizeof(db), "%s/orch.db", cl->cfg.home) < 0) {
		err_set(&e, EX_USAGE, "orch home path is too long");
		return abandon(cl, cli_error(cl, &e));
	}
	if (store_open(&cl->st, db, cl->cfg.db_busy_timeout_ms, &e) < 0)
		return abandon(cl, cli_error(cl, &e));
	cl->store_open = 1;
	cl->ctxv.cfg = &cl->cfg;
	cl->ctxv.st = &cl->st;
	cl->ctx = &cl->ctxv;
	return 0;
}

/* runs/command-<prog>.json: when this command last ran, its exit code and duration. */
static int
record_run(struct cli *cl, int rc, struct orch_err *e)
{
	char dir[4200], path[4300], now[32], body[512];

	time_iso_us(time_now_us(), now);
	if (str_fmt(dir, sizeof(dir), "%s/runs", cl->cfg.home) < 0 || mkdir_p(dir, 0700) < 0 ||
	    str_fmt(path, sizeof(path), "%s/command-%s.json", dir, cl->prog) < 0)
		return err_set(e, EX_IOERR, "cannot create '%s/runs'", cl->cfg.home);
	snprintf(body, sizeof(body), "{\"name\":\"%s\",\"last_run\":\"%s\",\"result\":%d,\"duration_ms\":%lld}\n",
	    cl->prog, now, rc, (long long)(time_mono_ms() - cl->t0));
	return atomic_write(path, body, strlen(body), 0600, e);
}

int
cli_close(struct cli *cl, int rc)
{
	struct orch_err e = {0};

	ctx_close(cl->ctx);
	if (cl->store_open) {
		if (notify_deliver(&cl->cfg, &cl->st, cl->quiet, &e) < 0)
			fprintf(stderr, "%s: warning: notifications not delivered: %s\n", cl->prog, e.msg);
		store_close(&cl->st);
		if (record_run(cl, rc, &e) < 0)
			fprintf(stderr, "%s: warning: %s\n", cl->prog, e.msg);
	}
	if (cl->cfg_loaded)
		config_free(&cl->cfg);
	lock_release(cl->lock_fd);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: cannot write output: %s\n", cl->prog, strerror(errno));
		return EX_IOERR;
	}
	return rc;
}

void
cli_print_json(void *json)
{
	char *s = cJSON_PrintUnformatted(json);

	if (s) {
		puts(s);
		free(s);
	}
	cJSON_Delete(json);
}

void *
cli_advance_json(const struct advance_result *r)
{
	cJSON *o = cJSON_CreateObject(), *enq, *retry;

	cJSON_AddStringToObject(o, "work_item", r->work_item);
	cJSON_AddStringToObject(o, "stage_before", r->stage_before);
	cJSON_AddStringToObject(o, "stage_after", r->stage_after);
	cJSON_AddStringToObject(o, "outcome", r->err.code ? "error" : engine_outcome_name(r->outcome));
	if (r->gate[0])
		cJSON_AddStringToObject(o, "gate", r->gate);
	else
		cJSON_AddNullToObject(o, "gate");
	cJSON_AddBoolToObject(o, "passed", r->passed);
	cJSON_AddStringToObject(o, "reason", r->err.code ? r->err.msg : r->reason);
	if (r->enq_agent[0]) {
		enq = cJSON_AddObjectToObject(o, "enqueued");
		cJSON_AddStringToObject(enq, "agent", r->enq_agent);
		if (r->job_id)
			cJSON_AddNumberToObject(enq, "job_id", (double)r->job_id);
		else
			cJSON_AddNullToObject(enq, "job_id");
	} else {
		cJSON_AddNullToObject(o, "enqueued");
	}
	retry = cJSON_AddObjectToObject(o, "retry");
	cJSON_AddNumberToObject(retry, "count", r->retry_count);
	cJSON_AddNumberToObject(retry, "max", r->retry_max);
	if (r->dry_run)
		cJSON_AddBoolToObject(o, "dry_run", 1);
	if (r->err.code)
		cJSON_AddNumberToObject(o, "exit_code", r->err.code);
	return o;
}

void
cli_advance_text(struct cli *cl, const struct advance_result *r)
{
	if (r->err.code) {
		fprintf(stderr, "%s: %s\n", cl->prog, r->err.msg);
		return;
	}
	if (cl->quiet)
		return;
	printf("%s: %s -> %s %s%s", r->work_item, r->stage_before, r->stage_after,
	    engine_outcome_name(r->outcome), r->dry_run ? " (dry run)" : "");
	if (r->gate[0] || r->reason[0])
		printf(" (%s%s%s)", r->gate, r->gate[0] ? ": " : "", r->reason);
	if (r->enq_agent[0]) {
		if (r->job_id)
			printf("; enqueued %s job %lld", r->enq_agent, (long long)r->job_id);
		else
			printf("; would enqueue %s", r->enq_agent);
	}
	if (r->outcome == OUT_ROLLED_BACK || r->outcome == OUT_BLOCKED)
		printf("; retry %d/%d", r->retry_count, r->retry_max);
	putchar('\n');
}

void
cli_report_tagged(struct cli *cl, void *arr, const char *field, const char *label, const struct advance_result *r)
{
	if (arr) {
		cJSON *j = cli_advance_json(r);
		cJSON_AddStringToObject(j, field, label);
		cJSON_AddItemToArray(arr, j);
		return;
	}
	if (!cl->quiet && !r->err.code)
		printf("[%s] ", label);
	cli_advance_text(cl, r);
}
