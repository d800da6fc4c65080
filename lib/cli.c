#include "cli.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "deploystate.h"
#include "engine.h"
#include "lock.h"
#include "notify.h"
#include "proc.h"
#include "sizes.h"
#include "task.h"
#include "util.h"

static void stopped(void *ctx, int sig);

void
cli_init(struct cli *cl, const char *prog, const char *usage)
{
	memset(cl, 0, sizeof(*cl));
	cl->prog = prog;
	cl->usage = usage;
	cl->lock_fd = -1;
	cl->t0 = time_mono_ms();
	/* every command: no child outlives its run, and SIGTERM/SIGINT stop the running one (proc.h) */
	if (proc_supervise() < 0)
		fprintf(stderr,
		    "%s: warning: cannot become a child subreaper (%s): a child that leaves its process "
		    "group may outlive its run; use Linux 3.4 or later\n",
		    prog, strerror(errno));
	proc_on_stop(stopped, cl);
}

int
cli_usage(struct cli *cl)
{
	fprintf(stderr, "usage: %s\n", cl->usage);
	return EX_USAGE;
}

/*
 * One "prog: message" line on stderr, control characters escaped: a
 * message quotes operands and tool output, and an ESC or a newline in an
 * argument must not reach the operator's terminal raw.
 */
static void
say(const struct cli *cl, const char *msg)
{
	char out[4 * 1024 + 8];

	str_escape_ctl(out, sizeof(out), msg);
	fprintf(stderr, "%s: %s\n", cl->prog, out);
}

int
cli_usage_error(struct cli *cl, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	say(cl, msg);
	return cli_usage(cl);
}

int
cli_operands(struct cli *cl, const char *verb, int min, int max, const char *what)
{
	if (cl->nargs >= min && (max < 0 || cl->nargs <= max))
		return 0;
	if (max == 0)
		return cli_usage_error(
		    cl, "unexpected operand '%s': %s takes options only", cl->args[0], verb);
	return cli_usage_error(cl, "%s takes %s, got %d", verb, what, cl->nargs);
}

static const struct option common_opts[] = {
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "home", required_argument, NULL, OPT_HOME },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "quiet", no_argument, NULL, 'q' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "wait", no_argument, NULL, OPT_WAIT },
	{ NULL, 0, NULL, 0 },
};

/* The command's options then the common ones, in cl->lopts; glibc's getopt reset. */
static void
getopt_start(struct cli *cl, char **argv, const struct option *opts)
{
	int i;

	for (i = 0; opts && opts[i].name && cl->nlopts < CLI_MAX_OPTS; i++)
		cl->lopts[cl->nlopts++] = opts[i];
	for (i = 0; common_opts[i].name; i++)
		cl->lopts[cl->nlopts++] = common_opts[i];
	memset(&cl->lopts[cl->nlopts], 0, sizeof(cl->lopts[0]));
	memset(cl->given, 0, sizeof(cl->given));
	cl->args = argv + 1;
	cl->nargs = 0;
	opterr = 0; /* our own messages name the option */
	optind = 0; /* glibc: a full re-initialisation, for callers that parse twice */
}

/* The option as the user typed it, without "=value". */
static void
bad_option(struct cli *cl, char **argv, const char *why)
{
	const char *a = argv[optind - 1];
	char opt[64];

	if (optopt > ' ' && optopt < 127 && strncmp(a, "--", 2) != 0)
		snprintf(opt, sizeof(opt), "-%c", optopt);
	else
		snprintf(opt, sizeof(opt), "%.*s", (int)strcspn(a, "="), a);
	if (optopt && strncmp(a, "--", 2) == 0 && strchr(a, '=')) /* a known option given a value */
		cl->exit = cli_usage_error(cl, "option %s takes no argument", opt);
	else
		cl->exit = cli_usage_error(cl, "%s %s", why, opt);
}

/* An option with a value, given once and not empty: 0, or -1 with cl->exit set. */
static int
value_once(struct cli *cl, int opt, const char *arg)
{
	int i;

	for (i = 0; i < cl->nlopts; i++) {
		if (cl->lopts[i].val != opt || cl->lopts[i].has_arg != required_argument)
			continue;
		if (cl->given[i]) {
			cl->exit = cli_usage_error(
			    cl, "option --%s is given twice; give it once", cl->lopts[i].name);
			return -1;
		}
		cl->given[i] = 1;
		if (arg == NULL || *arg == '\0') {
			cl->exit = cli_usage_error(
			    cl, "option --%s needs a value, not an empty one", cl->lopts[i].name);
			return -1;
		}
		return 0;
	}
	return 0;
}

/* A common option: 0 handled, -1 stop (cl->exit set). */
static int
common_opt(struct cli *cl, int opt, const char *arg)
{
	switch (opt) {
	case OPT_CONFIG: cl->config_file = arg; return 0;
	case OPT_HOME: cl->home_opt = arg; return 0;
	case OPT_JSON: cl->json = 1; return 0;
	case OPT_WAIT: cl->wait = 1; return 0;
	case 'q': cl->quiet = 1; return 0;
	case OPT_HELP:
		printf("usage: %s\nOptions may come before or after operands; -- ends them.  See %s(1).\n",
		    cl->usage, cl->prog);
		break;
	default: printf("%s %s\n", cl->prog, ORCH_VERSION); break;
	}
	cl->exit = 0;
	return -1;
}

int
cli_getopt(struct cli *cl, int argc, char **argv, const struct option *opts)
{
	int opt, i;

	if (cl->nlopts == 0)
		getopt_start(cl, argv, opts);
	/*
	 * "-": operands come back in order as option 1, whatever POSIXLY_CORRECT
	 * says; they are packed at the front of argv, behind the scan, so no
	 * allocation is needed.  ":": a missing argument is told from an unknown option.
	 */
	while ((opt = getopt_long(argc, argv, "-:q", cl->lopts, NULL)) != -1) {
		if (opt == 1) {
			cl->args[cl->nargs++] = optarg;
			continue;
		}
		if (opt == '?') {
			bad_option(cl, argv, "unknown option");
			return -1;
		}
		if (opt == ':') {
			bad_option(cl, argv, "missing argument for");
			return -1;
		}
		if (value_once(cl, opt, optarg) < 0)
			return -1;
		if (opt == 'q' || (opt >= OPT_CONFIG && opt < OPT_CMD_BASE)) {
			if (common_opt(cl, opt, optarg) < 0)
				return -1;
			continue;
		}
		cl->optarg = optarg;
		return opt;
	}
	for (i = optind; i < argc; i++) /* after "--" */
		cl->args[cl->nargs++] = argv[i];
	cl->args[cl->nargs] = NULL;
	return 0;
}

int
cli_error(struct cli *cl, const struct orch_err *e)
{
	say(cl, e->msg[0] ? e->msg : "internal error");
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
	if (config_load(&cl->cfg, cl->config_file, home,
		(fixed ? CONFIG_HOME_FIXED : 0) | (cl->config_unsafe_ok ? CONFIG_UNSAFE_OK : 0), e) < 0) {
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
	struct orch_err e = { 0 };

	if (load_config(cl, &e) < 0)
		return abandon(cl, cli_error(cl, &e));
	return 0;
}

/*
 * The home must exist: the README's set-up and make demo create it (mkdir
 * -p, with the config in it), systemd's StateDirectory too.  A missing one
 * is refused, so a mistyped --home never becomes a second, empty store.
 * 0, or -1 with e (66).
 */
static int
home_exists(const struct cli *cl, struct orch_err *e)
{
	struct stat sb;

	if (stat(cl->cfg.home, &sb) == 0 && S_ISDIR(sb.st_mode))
		return 0;
	if (errno == ENOENT || errno == ENOTDIR || stat(cl->cfg.home, &sb) == 0)
		return err_set(e, EX_NOINPUT,
		    "orch home '%s' does not exist (or is not a directory): no store is created "
		    "there by accident; check --home, ORCH_HOME and home: in the config, or create it for a "
		    "new store: "
		    "mkdir -p '%s'",
		    cl->cfg.home, cl->cfg.home);
	return err_set(e, EX_IOERR,
	    "cannot read orch home '%s': %s; set ORCH_HOME to a directory you can use", cl->cfg.home,
	    strerror(errno));
}

/* 1 when the store at db is about to be created (missing or empty: store_open initialises it). */
static int
store_is_new(const char *db)
{
	struct stat sb;

	return stat(db, &sb) < 0 ? errno == ENOENT : sb.st_size == 0;
}

/* The one line (or JSON object) of a run that skips because another holds its lock; CLI_SKIPPED. */
static int
skipped(struct cli *cl, const char *reason)
{
	if (cl->json) { /* stdout stays JSON for a pipe into jq, also when skipped */
		cJSON *o = cJSON_CreateObject();
		cJSON_AddBoolToObject(o, "skipped", 1);
		cJSON_AddStringToObject(o, "reason", reason);
		cli_print_json(o);
	} else if (!cl->quiet) {
		printf("%s: %s; skipped\n", cl->prog, reason);
	}
	return abandon(cl, CLI_SKIPPED);
}

int
cli_open(struct cli *cl)
{
	struct orch_err e = { 0 };
	char db[ORCH_PATH_MAX_1], name[64];
	int rc, fresh;

	if (load_config(cl, &e) < 0)
		return abandon(cl, cli_error(cl, &e));
	/* no store is created by accident: a home that does not exist is a mistyped one (docs/decisions.md)
	 */
	if (home_exists(cl, &e) < 0)
		return abandon(cl, cli_error(cl, &e));
	snprintf(name, sizeof(name), "%s", cl->lock_name ? cl->lock_name : cl->prog);
	rc = lock_take(cl->cfg.home, name, cl->wait, &cl->lock_fd, &e);
	if (rc < 0)
		return abandon(cl, cli_error(cl, &e));
	if (rc == LOCK_BUSY)
		return skipped(cl, "previous run still active");
	if (str_fmt(db, sizeof(db), "%s/orch.db", cl->cfg.home) < 0) {
		err_set(&e, EX_USAGE, "orch home path is too long");
		return abandon(cl, cli_error(cl, &e));
	}
	fresh = cl->cfg.store == NULL && store_is_new(db);
	/* store: a PostgreSQL URL shared by every host (docs/multi-host.md), else orch.db in ORCH_HOME */
	if (store_open(&cl->st, cl->cfg.store ? cl->cfg.store : db, cl->cfg.db_busy_timeout_ms, &e) < 0)
		return abandon(cl, cli_error(cl, &e));
	cl->store_open = 1;
	store_set_host(&cl->st, cl->cfg.host);
	task_local_paths(&cl->cfg);
	cl->ctxv.cfg = &cl->cfg;
	cl->ctxv.st = &cl->st;
	cl->ctx = &cl->ctxv;
	if (deploy_import_files(cl->ctx, &e) < 0) /* once per host, after the upgrade to deploy_marks */
		return abandon(cl, cli_error(cl, &e));
	if (cl->host_part) /* what every host does, also when another host's run holds the cluster lock */
		cl->host_part(cl);
	/* a shared store: the cluster-wide half of the lock (another host's run) */
	if (cl->cluster_singleton && (rc = store_lock_try(&cl->st, name, &e)) <= 0)
		return rc < 0 ? abandon(cl, cli_error(cl, &e))
			      : skipped(cl, "previous run still active on another host");
	if (fresh) /* one loud line, also under -q: a new store starts every item again */
		fprintf(stderr,
		    "%s: created a new, empty store '%s' (first run in this home; if you meant another, "
		    "check --home, ORCH_HOME and home: in the config)\n",
		    cl->prog, db);
	return 0;
}

/* runs/command-<prog>.json: when this command last ran, its exit code and duration. */
static int
record_run(struct cli *cl, int rc, struct orch_err *e)
{
	char dir[ORCH_PATH_MAX_1], path[ORCH_PATH_MAX_2], now[32], body[512];

	time_iso_us(time_now_us(), now);
	if (str_fmt(dir, sizeof(dir), "%s/runs", cl->cfg.home) < 0 || mkdir_p(dir, 0700) < 0 ||
	    str_fmt(path, sizeof(path), "%s/command-%s.json", dir, cl->prog) < 0)
		return err_set(e, EX_IOERR, "cannot create '%s/runs'", cl->cfg.home);
	snprintf(body, sizeof(body),
	    "{\"name\":\"%s\",\"last_run\":\"%s\",\"result\":%d,\"duration_ms\":%lld%s%s%s}\n", cl->prog, now,
	    rc, (long long)(time_mono_ms() - cl->t0), proc_interrupted() ? ",\"interrupted\":\"" : "",
	    proc_interrupted() ? sigabbrev_np(proc_interrupted()) : "", proc_interrupted() ? "\"" : "");
	return atomic_write(path, body, strlen(body), 0600, e);
}

/*
 * The run's row in host_commands, for every host's orch-status (docs/multi-host.md, One view).  Only on a
 * shared store: a SQLite store is one host's, and its run records are the files (docs/decisions.md 14).
 * The row is rewritten only when it would say something new (no row yet, another result, or older than
 * CLI_HOST_ROW_REFRESH_S), so that a quiet tick still writes nothing and takes no writer lock.  0 / -1.
 */
#define CLI_HOST_ROW_REFRESH_S 300

static int
host_row_fresh(struct cli *cl, const char *result, int64_t now_us, int *fresh, struct orch_err *e)
{
	struct store_stmt *s;
	int64_t at;
	int rc;

	*fresh = 0;
	if (store_prepare(&cl->st, &s,
		"SELECT result, last_run FROM host_commands WHERE host = ?1 AND name = ?2", e) < 0)
		return -1;
	store_bind_text(s, 1, cl->cfg.host);
	store_bind_text(s, 2, cl->prog);
	if ((rc = store_step(s)) == STORE_ROW && store_column_text(s, 0) && store_column_text(s, 1))
		*fresh = strcmp(store_column_text(s, 0), result) == 0 &&
		    time_parse_iso(store_column_text(s, 1), &at) == 0 && at <= now_us &&
		    now_us - at < CLI_HOST_ROW_REFRESH_S * 1000000LL;
	store_finalize(s);
	if (rc != STORE_ROW && rc != STORE_DONE)
		return store_fail(&cl->st, "read this host's run record", e);
	return 0;
}

static int
record_host_row(struct cli *cl, int rc, struct orch_err *e)
{
	int64_t now_us = time_now_us();
	struct store_stmt *s;
	char now[32], result[16];
	int fresh;

	if (cl->cfg.store == NULL)
		return 0;
	/* a write transaction left open ends in store_close()'s rollback, and this row with it */
	if (store_in_transaction(&cl->st) && !cl->st.snapshot)
		return err_set(e, EX_SOFTWARE,
		    "the command left a transaction open, so its run is not recorded in the store; report "
		    "this "
		    "as a bug");
	time_iso_us(now_us, now);
	snprintf(result, sizeof(result), "%d", rc);
	if (host_row_fresh(cl, result, now_us, &fresh, e) < 0 || fresh)
		return fresh ? 0 : -1;
	if (store_prepare(&cl->st, &s,
		"INSERT INTO host_commands (host, name, last_run, result, duration_ms, pid) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (host, name) DO UPDATE SET "
		"last_run = excluded.last_run, result = excluded.result, duration_ms = excluded.duration_ms, "
		"pid = excluded.pid",
		e) < 0)
		return -1;
	store_bind_text(s, 1, cl->cfg.host);
	store_bind_text(s, 2, cl->prog);
	store_bind_text(s, 3, now);
	store_bind_text(s, 4, result);
	store_bind_int64(s, 5, time_mono_ms() - cl->t0);
	store_bind_int64(s, 6, (int64_t)getpid());
	return store_step_done(&cl->st, s, "record this run for the other hosts (host_commands)", e);
}

/*
 * proc's stop hook: a SIGTERM/SIGINT stopped a running child, and the
 * process ends by that signal once this returns.  Say so, and record the
 * run (result 128 + signal, "interrupted"); the store's transaction in
 * progress, if any, is rolled back by SQLite, as after any kill.
 */
static void
stopped(void *ctx, int sig)
{
	struct cli *cl = ctx;
	struct orch_err e = { 0 };

	fprintf(stderr,
	    "%s: stopped by SIG%s: its running child and that child's descendants were stopped; "
	    "the next run starts over\n",
	    cl->prog, sigabbrev_np(sig));
	if (cl->cfg_loaded && cl->cfg.home && record_run(cl, 128 + sig, &e) < 0)
		fprintf(stderr, "%s: warning: %s\n", cl->prog, e.msg);
}

int
cli_close(struct cli *cl, int rc)
{
	struct orch_err e = { 0 };

	ctx_close(cl->ctx);
	if (cl->store_open) {
		if (notify_deliver(&cl->cfg, &cl->st, cl->quiet, &e) < 0)
			fprintf(stderr, "%s: warning: notifications not delivered: %s\n", cl->prog, e.msg);
		err_clear(&e);
		/* best effort, as the file below: the command's own result stands */
		if (record_host_row(cl, rc, &e) < 0)
			fprintf(stderr,
			    "%s: warning: other hosts' orch-status shows this command's previous run: %s\n",
			    cl->prog, e.msg);
		store_close(&cl->st);
		if (record_run(cl, rc, &e) < 0)
			fprintf(stderr, "%s: warning: %s\n", cl->prog, e.msg);
	}
	if (cl->cfg_loaded)
		config_free(&cl->cfg);
	lock_release(cl->lock_fd);
	errno = 0; /* an error flag from an earlier write leaves errno stale */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: cannot write output: %s\n", cl->prog,
		    errno ? strerror(errno) : "a write to standard output failed");
		return EX_IOERR;
	}
	return rc;
}

void
cli_print_json(void *json)
{
	char *s = cJSON_PrintUnformatted(json), *clean;
	size_t n;

	if (s && utf8_valid(s, strlen(s))) {
		puts(s);
	} else if (s) {
		/* bytes >= 0x80 only occur inside JSON strings: replacing bad ones keeps the document valid
		 */
		n = strlen(s) * 3 + 1;
		if ((clean = malloc(n)) != NULL) {
			utf8_sanitize(clean, n, s);
			puts(clean);
			free(clean);
		}
	}
	free(s);
	cJSON_Delete(json);
}

void
cli_json_str(void *obj, const char *key, const char *val)
{
	size_t n = strlen(val) * 3 + 1; /* each bad byte may grow to U+FFFD's three */
	char small[1024], *clean = n <= sizeof(small) ? small : malloc(n);

	if (clean == NULL)
		return;
	utf8_sanitize(clean, n, val);
	cJSON_AddStringToObject(obj, key, clean);
	if (clean != small)
		free(clean);
}

void
cli_put_text(const char *text)
{
	size_t n = strlen(text) * 4 + 1; /* \xHH per byte at worst */
	char small[2048], *esc = n <= sizeof(small) ? small : malloc(n);

	if (esc == NULL)
		return;
	str_escape_ctl(esc, n, text);
	fputs(esc, stdout);
	if (esc != small)
		free(esc);
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
	cli_json_str(o, "reason", r->err.code ? r->err.msg : r->reason);
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
		say(cl, r->err.msg);
		return;
	}
	if (cl->quiet)
		return;
	printf("%s: %s -> %s %s%s", r->work_item, r->stage_before, r->stage_after,
	    engine_outcome_name(r->outcome), r->dry_run ? " (dry run)" : "");
	if (r->gate[0] || r->reason[0]) {
		printf(" (%s%s", r->gate, r->gate[0] ? ": " : "");
		cli_put_text(r->reason); /* reasons quote artifacts and tool output */
		putchar(')');
	}
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
cli_report_tagged(
    struct cli *cl, void *arr, const char *field, const char *label, const struct advance_result *r)
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
