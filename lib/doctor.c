#include "doctor.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "ctx.h"
#include "engine.h"
#include "err.h"
#include "merge.h"
#include "gate.h"
#include "git.h"
#include "osv.h"
#include "proc.h"
#include "scan.h"
#include "sizes.h"
#include "stages.h"
#include "store.h"
#include "tracker.h"
#include "util.h"

/* cron(8)'s PATH when the crontab sets none (Debian, crontab(5)); and the one cron/crontab.example sets. */
#define CRON_DEFAULT_PATH "/usr/bin:/bin"
#define CRON_EXAMPLE_PATH "/usr/local/bin:/usr/bin:/bin"

struct doc {
	doctor_line line;
	void *lctx;
	int fails;
};

static void say(struct doc *d, const char *level, const char *check, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
say(struct doc *d, const char *level, const char *check, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (strcmp(level, "FAIL") == 0)
		d->fails++;
	d->line(d->lctx, level, check, text);
}

/* A probe's spec: recorded in the tool metrics like every other run (SPEC 14). */
static struct proc_spec
probe_spec(struct orch_ctx *c, const char *const *argv, const char *cwd, size_t cap)
{
	struct proc_spec s = { .argv = argv,
		.cwd = cwd,
		.timeout_ms = 20000,
		.out_cap = cap,
		.observe = c->st ? store_tool_observe : NULL,
		.observe_ctx = c->st };
	return s;
}

/* Run argv; first line of its output in out; the proc status. */
static enum proc_status
run1(struct orch_ctx *c, const char *const *argv, char *out, size_t n)
{
	struct proc_spec s = probe_spec(c, argv, NULL, 64 * 1024);
	struct proc_result r;
	enum proc_status st;
	const char *o;

	proc_run(&s, &r);
	o = r.out.len ? buf_str(&r.out) : buf_str(&r.err);
	snprintf(out, n, "%.*s", (int)strcspn(o, "\n"), o);
	st = r.status;
	proc_result_free(&r);
	return st;
}

/*
 * Which dependency engine the gate runs and whether it can: the osv engine's endpoint is asked one empty
 * querybatch (osv_probe, what the gate sends first); a tool engine must be installed.  need: the security
 * gate applies to a project, so a failure here is every gate degraded.
 */
static void
dep_engine(struct orch_ctx *c, struct doc *d, int need, int pip, int osv)
{
	const char *engine = c->cfg->security_dep_engine, *bad = need ? "FAIL" : "WARN";
	char why[600];

	if (strcmp(engine, "osv") == 0) {
		if (osv_probe(c->cfg, why, sizeof(why)) == 0)
			say(d, "ok", "dependency audit", "engine osv (built in): %s answers the OSV API",
			    c->cfg->security_osv_url);
		else
			say(d, bad, "dependency audit",
			    "engine osv (built in): %s; every audit is degraded until it "
			    "answers (a mirror: docs/security-gate.md)",
			    why);
		return;
	}
	if (strcmp(engine, "auto") == 0)
		engine = osv ? "osv-scanner" : pip ? "pip-audit" : "auto";
	if (strcmp(engine, "osv-scanner") == 0 ? osv : strcmp(engine, "pip-audit") == 0 ? pip : 0)
		say(d, "ok", "dependency audit", "engine %s%s", engine,
		    strcmp(engine, "pip-audit") == 0 ? " (its findings have no severity: they only warn; "
						       "security_dep_engine: osv reads it)"
						     : "");
	else
		say(d, bad, "dependency audit",
		    "%s is installed (security_dep_engine: %s): every security gate runs "
		    "degraded; set security_dep_engine: osv (built in, nothing to install) or install it "
		    "(docs/security-gate.md)",
		    strcmp(engine, "auto") == 0            ? "neither pip-audit nor osv-scanner"
			: strcmp(engine, "pip-audit") == 0 ? "pip-audit not"
							   : "osv-scanner not",
		    c->cfg->security_dep_engine);
}

static void
tools(struct orch_ctx *c, struct doc *d)
{
	const char *gv[] = { "git", "--version", NULL };
	const char *pv[] = { "pip-audit", "--version", NULL }, *ov[] = { "osv-scanner", "--version", NULL };
	char out[600];
	struct gitleaks_probe gp;
	int maj = 0, min = 0, need = 0, pip, osv;
	size_t i;

	if (run1(c, gv, out, sizeof(out)) != PROC_OK || sscanf(out, "git version %d.%d", &maj, &min) != 2)
		say(d, "FAIL", "git", "git is not installed or does not answer; install git (2.30 or later)");
	else if (maj < 2 || (maj == 2 && min < 30))
		say(d, "FAIL", "git", "%s is too old; orch needs git 2.30 or later", out);
	else
		say(d, "ok", "git", "%s", out);
	for (i = 0; i < c->cfg->nprojects; i++)
		need |= gate_security_applies(c->cfg, &c->cfg->projects[i], NULL, 0);
	/* the very probe the gate runs: doctor never says ok while the gate refuses */
	scan_gitleaks_probe(c, &gp);
	scan_gitleaks_describe(&gp, out, sizeof(out));
	say(d,
	    gp.ok      ? "ok"
		: need ? "FAIL"
		       : "WARN",
	    "gitleaks", "%s%s", out,
	    gp.ok || !need ? "" : " (the security gate applies to a project: it would hold every branch)");
	pip = run1(c, pv, out, sizeof(out)) == PROC_OK;
	say(d, pip ? "ok" : "WARN", "pip-audit", pip ? "%s" : "pip-audit is not installed%s", pip ? out : "");
	osv = run1(c, ov, out, sizeof(out)) == PROC_OK;
	say(d, osv ? "ok" : "WARN", "osv-scanner", osv ? "%s" : "osv-scanner is not installed%s",
	    osv ? out : "");
	dep_engine(c, d, need, pip, osv);
}

/*
 * libpq's value of key for the URL: its query parameter (percent-decoded), else orch's default (def, which
 * store_pg.c passes before the URL's own: the URL wins).  1 from the URL, 0 the default.
 */
static int
url_param(const char *url, const char *key, const char *def, char *out, size_t n)
{
	const char *p = strchr(url, '?');
	size_t k = strlen(key), o;

	snprintf(out, n, "%s", def);
	for (p = p ? p + 1 : NULL; p && *p; p += strcspn(p, "&") + (p[strcspn(p, "&")] == '&')) {
		if (strncmp(p, key, k) != 0 || p[k] != '=')
			continue;
		for (p += k + 1, o = 0; *p && *p != '&' && o + 1 < n; p++) {
			unsigned hex;
			if (*p == '%' && sscanf(p + 1, "%2x", &hex) == 1 && isxdigit((unsigned char)p[1]) &&
			    isxdigit((unsigned char)p[2])) {
				out[o++] = (char)hex;
				p += 2;
			} else {
				out[o++] = *p;
			}
		}
		out[o] = '\0';
		return 1;
	}
	return 0;
}

/* The settings of this session's connection, as the server sees it (one row: see keepalives()). */
struct keep {
	char addr[64], idle[16], interval[16], count[16], check[32];
};

static int
keep_read(struct store *st, struct keep *k, struct orch_err *e)
{
	const struct {
		char *to;
		size_t n;
	} cols[] = { { k->addr, sizeof(k->addr) }, { k->idle, sizeof(k->idle) },
		{ k->interval, sizeof(k->interval) }, { k->count, sizeof(k->count) },
		{ k->check, sizeof(k->check) } };
	struct store_stmt *s;
	int rc, i;

	/* current_setting(), not SHOW: a SELECT is a read (store_pg.h 3); (name, true): NULL when unknown */
	if (store_prepare(st, &s,
		"SELECT COALESCE(host(inet_server_addr()), ''), current_setting('tcp_keepalives_idle'), "
		"current_setting('tcp_keepalives_interval'), current_setting('tcp_keepalives_count'), "
		"COALESCE(current_setting('client_connection_check_interval', true), '')",
		e) < 0)
		return -1;
	if ((rc = store_step(s)) == STORE_ROW)
		for (i = 0; i < 5; i++)
			snprintf(cols[i].to, cols[i].n, "%s",
			    store_column_text(s, i) ? store_column_text(s, i) : "");
	store_finalize(s);
	return rc == STORE_ROW ? 0 : store_fail(st, "read the connection's keepalive settings", e);
}

/*
 * A vanished host's session, and the cluster-wide locks it holds (the singletons), end when the server
 * notices: on an idle session by the server's TCP keepalives, during a statement by
 * client_connection_check_interval.  libpq's keepalives let a command notice a vanished server.  A
 * Unix-domain socket (a server on this host) has no keepalives: nothing to vanish between them.
 */
static void
keepalives(struct orch_ctx *c, struct doc *d)
{
	char on[16], idle[16], ival[16], cnt[16];
	long long si, sv, sc;
	struct orch_err e = { 0 };
	struct keep k;
	int from_url;

	if (keep_read(c->st, &k, &e) < 0) {
		say(d, "FAIL", "store keepalives", "%s", e.msg);
		return;
	}
	if (k.check[0] == '\0' || strcmp(k.check, "0") == 0)
		say(d, "WARN", "store keepalives",
		    "client_connection_check_interval is %s on this session: a vanished host's "
		    "statement runs on and keeps its locks until TCP notices; %s",
		    k.check[0] ? "0" : "not supported by the server",
		    k.check[0] ? "leave orch's default (10s): take it out of the URL's options"
			       : "use PostgreSQL 14 or later (docs/multi-host.md)");
	if (k.addr[0] == '\0') {
		say(d, "ok", "store keepalives",
		    "a Unix-domain socket (the server is on this host): TCP keepalives do not apply; "
		    "client_connection_check_interval %s",
		    k.check[0] ? k.check : "unsupported");
		return;
	}
	from_url = url_param(c->cfg->store, "keepalives", "1", on, sizeof(on)) |
	    url_param(c->cfg->store, "keepalives_idle", "30", idle, sizeof(idle)) |
	    url_param(c->cfg->store, "keepalives_interval", "10", ival, sizeof(ival)) |
	    url_param(c->cfg->store, "keepalives_count", "3", cnt, sizeof(cnt));
	if (strcmp(on, "0") == 0)
		say(d, "WARN", "store keepalives",
		    "libpq's keepalives are off (keepalives=0 in the URL): a command waits on a vanished "
		    "server until the kernel gives up; take keepalives=0 out of the URL");
	else
		say(d, "ok", "store keepalives",
		    "TCP to %s: libpq keepalives on (idle %s s, interval %s s, %s probes; %s); server: "
		    "tcp_keepalives_idle %s s, interval %s s, count %s; client_connection_check_interval %s",
		    k.addr, idle, ival, cnt, from_url ? "from the URL" : "orch's defaults", k.idle,
		    k.interval, k.count, k.check[0] ? k.check : "unsupported");
	if (num_parse(k.idle, 0, 1000000, &si) == 0 && num_parse(k.interval, 0, 1000000, &sv) == 0 &&
	    num_parse(k.count, 0, 1000000, &sc) == 0 && si + sv * sc > 600)
		say(d, "WARN", "store keepalives",
		    "the server notices a vanished host's idle session only after about %lld min (its "
		    "tcp_keepalives_idle %lld s + %lld x %lld s): until then that host's cluster-wide locks "
		    "stay held and orch-poll, orch-reconcile and orch-scan --main skip on every host; set "
		    "tcp_keepalives_idle = 30, tcp_keepalives_interval = 10 and tcp_keepalives_count = 3 "
		    "on the server (postgresql.conf, or ALTER ROLE ... SET)",
		    (si + sv * sc + 59) / 60, si, sc, sv);
}

/* A PostgreSQL store (docs/multi-host.md): reachable (or no command ran), its version, schema, session. */
static void
shared_store(struct orch_ctx *c, struct doc *d)
{
	struct store_info in;
	struct orch_err e = { 0 };

	if (c->st == NULL || store_describe(c->st, &in, &e) < 0) {
		say(d, "FAIL", "store", "%s", c->st ? e.msg : "the PostgreSQL store is not open");
		return;
	}
	say(d, "ok", "store", "%s at %s, schema %s (this orch's: %d), host '%s'", in.engine, in.where,
	    in.schema, STORE_SCHEMA_VERSION, c->cfg->host);
	if (!in.session_kept)
		say(d, "FAIL", "store",
		    "consecutive statements ran in different server sessions: a connection pooler in "
		    "transaction mode? orch's cluster-wide locks need session mode (PgBouncer "
		    "pool_mode = session) or a direct connection");
	keepalives(c, d);
}

/*
 * The configured home against the store in use: a --home or ORCH_HOME that
 * differs from the config's home: works on another store (a mistyped one
 * would start every item again), and a home without orch.db has none yet.
 */
static void
home_vs_store(struct orch_ctx *c, struct doc *d)
{
	char db[ORCH_PATH_MAX_1];
	struct stat sb;

	if (c->cfg->file_home && strcmp(c->cfg->file_home, c->cfg->home) != 0)
		say(d, "WARN", "store",
		    "the config says home: %s, but this run uses %s (from --home or ORCH_HOME): "
		    "cron and you may be using two stores; use one",
		    c->cfg->file_home, c->cfg->home);
	if (c->cfg->store) {
		shared_store(c, d);
		return;
	}
	if (str_fmt(db, sizeof(db), "%s/orch.db", c->cfg->home) < 0)
		return;
	if (stat(db, &sb) < 0 || sb.st_size == 0)
		say(d, "WARN", "store",
		    "no store at %s yet: the first command creates it (and says so); if you "
		    "expected one there, check --home and ORCH_HOME",
		    db);
	else
		say(d, "ok", "store", "%s (%lld bytes)", db, (long long)sb.st_size);
}

static void
perms(struct orch_ctx *c, struct doc *d)
{
	struct stat sb;

	home_vs_store(c, d);
	if (stat(c->cfg->home, &sb) < 0)
		say(d, "FAIL", "ORCH_HOME",
		    "%s does not exist: commands refuse it (no store is created by accident); "
		    "check --home and ORCH_HOME, or create it: mkdir -p -m 0700 '%s'",
		    c->cfg->home, c->cfg->home);
	else if (sb.st_mode & 022)
		say(d, "FAIL", "ORCH_HOME", "%s is writable by others (mode %03o); chmod 700 it",
		    c->cfg->home, (unsigned)(sb.st_mode & 0777));
	else
		say(d, "ok", "ORCH_HOME", "%s (mode %03o)", c->cfg->home, (unsigned)(sb.st_mode & 0777));
	if (c->cfg->plane_api_token_file) {
		if (lstat(c->cfg->plane_api_token_file, &sb) < 0 || !S_ISREG(sb.st_mode))
			say(d, "FAIL", "token file", "%s is missing or not a regular file",
			    c->cfg->plane_api_token_file);
		else if (sb.st_mode & 077)
			say(d, "FAIL", "token file", "%s has mode %03o; chmod 600 it",
			    c->cfg->plane_api_token_file, (unsigned)(sb.st_mode & 0777));
		else
			say(d, "ok", "token file", "%s (mode 600)", c->cfg->plane_api_token_file);
	}
}

/* Without agent_user: agents are orch's user, and read what orch reads (the token files first). */
static void
agents_same_user(struct orch_ctx *c, struct doc *d)
{
	const char *files[] = { c->cfg->plane_api_token_file, c->cfg->telegram_bot_token_file };
	int warned = 0;
	size_t i;

	for (i = 0; i < 2; i++)
		if (files[i] && access(files[i], R_OK) == 0 && ++warned)
			say(d, "WARN", "agent user",
			    "agents run as orch's own user (no agent_user), who can read the "
			    "token file %s; set agent_user to a user of their own (docs/operations.md, "
			    "Agents as "
			    "another user)",
			    files[i]);
	if (!warned)
		say(d, "ok", "agent user",
		    "agents run as orch's own user (no agent_user): they can read ORCH_HOME "
		    "and the store; see docs/operations.md, Agents as another user");
}

/* agent_user: a user of its own, and orch able to switch to it, with ORCH_HOME out of its reach. */
static void
agent_user(struct orch_ctx *c, struct doc *d)
{
	struct orch_err e = { 0 };
	struct proc_user u;
	struct stat sb;

	if (c->cfg->agent_user == NULL)
		agents_same_user(c, d);
	else if (proc_user_lookup(c->cfg->agent_user, &u, &e) < 0)
		say(d, "FAIL", "agent user", "%s", e.msg);
	else if (!proc_can_switch_user())
		say(d, "FAIL", "agent user",
		    "agent_user is '%s' but orch (uid %ld) cannot switch to it: every agent run "
		    "would fail; run orch as root or grant it CAP_SETUID and CAP_SETGID, or unset agent_user",
		    u.name, (long)geteuid());
	else if (u.uid == geteuid())
		say(d, "WARN", "agent user",
		    "agent_user '%s' is orch's own user: agents can read ORCH_HOME, the store "
		    "and the token files; create a user of their own (adduser --system)",
		    u.name);
	else if (stat(c->cfg->home, &sb) == 0 && (sb.st_mode & 077))
		say(d, "WARN", "agent user",
		    "ORCH_HOME %s has mode %03o: agent_user '%s' may read the store and the "
		    "logs; chmod 700 it",
		    c->cfg->home, (unsigned)(sb.st_mode & 0777), u.name);
	else
		say(d, "ok", "agent user", "agents run as '%s' (uid %ld); ORCH_HOME is out of their reach",
		    u.name, (long)u.uid);
}

/* The configured remote exists in the work tree (orch fetches and merges through it). */
static void
repo_remote(struct orch_ctx *c, struct doc *d, const struct project *p, const char *check)
{
	const char *argv[] = { "git", "remote", "get-url", p->remote, NULL };
	struct proc_spec s = probe_spec(c, argv, p->repo, 64 * 1024);
	struct proc_result r;

	if (p->remote == NULL) {
		say(d, "ok", check, "repo %s (no remote: main is local)", p->repo);
		return;
	}
	proc_run(&s, &r);
	struct orch_err e = { 0 };
	if (r.status == PROC_OK && merge_remote_trusted(c, p, 0, &e) < 0)
		say(d, "FAIL", check, "%s", e.msg);
	else if (r.status == PROC_OK)
		say(d, "ok", check, "repo %s, remote %s at %.*s", p->repo, p->remote,
		    (int)strcspn(buf_str(&r.out), "\n"), buf_str(&r.out));
	else
		say(d, "FAIL", check,
		    "repo %s has no remote '%s'; add it (git -C %s remote add %s URL) or fix remote: "
		    "in orch.yaml",
		    p->repo, p->remote, p->repo, p->remote);
	proc_result_free(&r);
}

/*
 * Where name would be found on path (a colon list); name with a slash is
 * taken as it is.  0 found and executable (full path in out), FIND_MISSING,
 * FIND_NOT_EXEC (found but not executable).
 */
enum { FIND_MISSING = -1, FIND_NOT_EXEC = -2 };

static int
path_find(const char *name, const char *path, char *out, size_t n)
{
	const char *dir = path, *end;
	int seen = 0;

	if (strchr(name, '/')) {
		snprintf(out, n, "%s", name);
		return access(name, X_OK) == 0 ? 0 : access(name, F_OK) == 0 ? FIND_NOT_EXEC : FIND_MISSING;
	}
	for (; dir && *dir; dir = *end ? end + 1 : end) {
		end = dir + strcspn(dir, ":");
		if (end == dir || str_fmt(out, n, "%.*s/%s", (int)(end - dir), dir, name) < 0)
			continue;
		if (access(out, X_OK) == 0)
			return 0;
		seen |= access(out, F_OK) == 0;
	}
	return seen ? FIND_NOT_EXEC : FIND_MISSING;
}

/* Each agent command can be started, from the shell's PATH (cron's is checked in cron_path). */
static void
agents(struct doc *d, const struct project *p, const char *check)
{
	const char *path = getenv("PATH");
	char where[1024];
	size_t i;
	int rc;

	for (i = 0; i < p->nagents; i++) {
		const char *cmd = p->agents[i].argv[0];
		if ((rc = path_find(cmd, path ? path : "/usr/bin:/bin", where, sizeof(where))) == 0)
			say(d, "ok", check, "agent %s: %s", p->agents[i].name, where);
		else
			say(d, "FAIL", check,
			    "agent %s: command '%s' %s; install it or fix agents: in orch.yaml",
			    p->agents[i].name, cmd,
			    rc == FIND_NOT_EXEC ? "is not executable (chmod +x it)" : "is not found");
	}
}

/*
 * The project's commands can be started too: a deploy hook that is not
 * there shows only when production is due.  A relative path is the
 * worktree's, checked against the repository (same tree).
 */
static void
commands(struct doc *d, const struct project *p, const char *check)
{
	const struct {
		const char *key;
		char **argv;
	} cmds[] = {
		{ "ci_cmd", p->ci_cmd },
		{ "deploy_hook", p->deploy_hook },
		{ "rollback_hook", p->rollback_hook },
		{ "health_cmd", p->health_cmd },
		{ "main_review", p->main_review },
	};
	const char *path = getenv("PATH");
	char where[1024], rel[1024];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		const char *cmd = cmds[i].argv ? cmds[i].argv[0] : NULL;
		int relative;
		if (cmd == NULL)
			continue;
		/* a branch may bring a relative script the checkout lacks: a warning, not a failure */
		relative = strchr(cmd, '/') && cmd[0] != '/' &&
		    str_fmt(rel, sizeof(rel), "%s/%s", p->repo, cmd) == 0;
		if ((rc = path_find(
			 relative ? rel : cmd, path ? path : "/usr/bin:/bin", where, sizeof(where))) != 0)
			say(d, relative ? "WARN" : "FAIL", check,
			    "%s: command '%s' %s%s; install it or fix %s: in orch.yaml", cmds[i].key, cmd,
			    rc == FIND_NOT_EXEC ? "is not executable (chmod +x it)" : "is not found",
			    relative ? " in the repository's checkout" : "", cmds[i].key);
	}
}

/* A Plane project's key must be its identifier, or ids differ from what people see in Plane. */
static void
plane_key(struct tracker *tr, const struct project *p, struct doc *d)
{
	struct orch_err e = { 0 };
	char check[64], ident[64];

	if (tr->ops != &tracker_plane_ops)
		return;
	snprintf(check, sizeof(check), "tracker %s", p->key);
	if (tracker_plane_identifier(tr, ident, sizeof(ident), &e) < 0)
		say(d, "FAIL", check, "%s", e.msg);
	else if (strcmp(ident, p->key) != 0)
		say(d, "FAIL", check,
		    "key %s is not the Plane project's identifier '%s': work item ids would differ from "
		    "Plane's (%s-12 in Plane, %s-12 in orch); set key: %s",
		    p->key, ident, ident, p->key, ident);
	else
		say(d, "ok", check, "key %s is the Plane project's identifier", p->key);
}

static void
projects(struct orch_ctx *c, struct doc *d)
{
	static const char *const need[] = { "to_analyse", "analysis", "in_review", "approved", "rejected",
		"blocked", "done", NULL };
	static const char *const deploy[] = { "awaiting_deploy", "confirm_deploy", "deploying", NULL };
	size_t i, k, ns;

	if (c->cfg->nprojects == 0)
		say(d, "WARN", "projects", "no projects configured in %s",
		    c->cfg->path ? c->cfg->path : "orch.yaml");
	for (i = 0; i < c->cfg->nprojects; i++) {
		const struct project *p = &c->cfg->projects[i];
		struct git g = { .dir = p->repo, .st = c->st };
		struct tracker_state *st = NULL;
		struct orch_err e = { 0 };
		struct tracker tr;
		char check[64], sha[ORCH_SHA_BUF], ref[300], missing[512] = "";

		snprintf(check, sizeof(check), "project %s", p->key);
		snprintf(ref, sizeof(ref), "refs/heads/%s", p->main_branch);
		if (access(p->repo, F_OK) < 0)
			say(d, "FAIL", check,
			    "repo %s does not exist; clone the project there or fix repo: in %s", p->repo,
			    c->cfg->path ? c->cfg->path : "orch.yaml");
		else if (git_rev_parse(&g, "HEAD", sha, &e) < 0)
			say(d, "FAIL", check, "repo %s is not a git repository; clone the project there",
			    p->repo);
		else
			repo_remote(c, d, p, check);
		agents(d, p, check);
		commands(d, p, check);
		if (p->ci_cmd == NULL)
			say(d, "FAIL", check, "no ci_cmd: nothing can leave development; set ci_cmd");
		if (p->self_deploy && p->deploy_hook == NULL)
			say(d, "FAIL", check,
			    "self_deploy without deploy_hook: Confirm Deploy cannot deploy; set deploy_hook");
		if (p->self_deploy && !c->cfg->deploy_require_manual_approve)
			say(d, "WARN", check,
			    "production is automatic (deploy_require_manual_approve is false): every merged "
			    "item deploys without Confirm Deploy");
		{
			/* information, not a failure: people work these stages */
			const struct stage *sd;
			char manual[200] = "";
			for (sd = stage_table(); sd->name; sd++)
				if (engine_stage_manual(c->cfg, p->key, sd->name))
					snprintf(manual + strlen(manual), sizeof(manual) - strlen(manual),
					    "%s%s", manual[0] ? ", " : "", sd->name);
			if (manual[0])
				say(d, "info", check, "manual stages (no agent command): %s", manual);
		}
		err_clear(&e);
		snprintf(check, sizeof(check), "tracker %s", p->key);
		if (tracker_open(&tr, c, p->key, &e) < 0 || tr.ops->states(&tr, p->key, &st, &ns, &e) < 0) {
			say(d, "FAIL", check, "%s", e.msg);
			if (tr.ops)
				tracker_close(&tr);
			continue;
		}
		for (k = 0; need[k]; k++)
			if (!tracker_state_by_key(st, ns, need[k]))
				snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing),
				    "%s'%s'", missing[0] ? ", " : "", tracker_name_for_key(need[k]));
		for (k = 0; p->self_deploy && deploy[k]; k++)
			if (!tracker_state_by_key(st, ns, deploy[k]))
				snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing),
				    "%s'%s'", missing[0] ? ", " : "", tracker_name_for_key(deploy[k]));
		if (missing[0])
			say(d, "FAIL", check, "%s tracker lacks the states %s; create them (docs/plane.md)",
			    tr.ops->kind, missing);
		else
			say(d, "ok", check, "%s tracker reachable, %zu states, all that orch needs",
			    tr.ops->kind, ns);
		plane_key(&tr, p, d);
		free(st);
		tracker_close(&tr);
	}
}

/* cron's PATH: the crontab's own PATH= line, else cron's built-in default. */
static void
crontab_path(const char *crontab, char *out, size_t n)
{
	const char *line;

	snprintf(out, n, "%s", CRON_DEFAULT_PATH);
	for (line = crontab; line && *line;
	     line += strcspn(line, "\n") + (line[strcspn(line, "\n")] != '\0')) {
		line += strspn(line, " \t");
		if (strncmp(line, "PATH=", 5) == 0)
			snprintf(out, n, "%.*s", (int)strcspn(line + 5, "\n"), line + 5);
	}
}

/* Append " word" to list (size n) when word is not found on path. */
static void
need_on(const char *path, const char *word, char *list, size_t n)
{
	char where[1024];
	size_t len = strlen(list);

	if (path_find(word, path, where, sizeof(where)) < 0 && len + strlen(word) + 2 < n)
		snprintf(list + len, n - len, " %s", word);
}

/*
 * The tools the tick runs must be on the PATH cron gives, not only on the
 * shell's: a command found here but not there works by hand and fails from cron.
 */
static void
cron_path(struct orch_ctx *c, struct doc *d, const char *crontab)
{
	static const char *const tick[] = { "orch-poll", "orch-work", "orch-advance", "orch-deploy",
		"orch-reconcile", "git", NULL };
	char path[1024], where[1024], missing[512] = "";
	int need = 0;
	size_t i, j;

	if (crontab)
		crontab_path(crontab, path, sizeof(path));
	else
		snprintf(path, sizeof(path), "%s", CRON_EXAMPLE_PATH);
	for (i = 0; i < c->cfg->nprojects; i++)
		need |= gate_security_applies(c->cfg, &c->cfg->projects[i], NULL, 0);
	for (i = 0; tick[i]; i++)
		need_on(path, tick[i], missing, sizeof(missing));
	if (need)
		need_on(path, "gitleaks", missing, sizeof(missing));
	if (need && strcmp(c->cfg->security_dep_engine, "osv") != 0 &&
	    path_find("pip-audit", path, where, sizeof(where)) < 0 &&
	    path_find("osv-scanner", path, where, sizeof(where)) < 0)
		need_on(path, "pip-audit|osv-scanner", missing, sizeof(missing));
	for (i = 0; i < c->cfg->nprojects; i++)
		for (j = 0; j < c->cfg->projects[i].nagents; j++)
			need_on(path, c->cfg->projects[i].agents[j].argv[0], missing, sizeof(missing));
	if (missing[0])
		say(d, "FAIL", "cron PATH",
		    "not found on cron's PATH=%s (%s):%s; install them there or set PATH in "
		    "the crontab",
		    path, crontab ? "from the crontab" : "cron/crontab.example's", missing);
	else
		say(d, "ok", "cron PATH", "every tool the tick runs is on PATH=%s", path);
}

/*
 * The crontab's text from ORCH_DOCTOR_CRONTAB_FILE instead of `crontab -l`
 * (tests: never the user's real crontab).  1 read into r->out, 0 no such
 * file (no crontab), -1 the variable is unset.
 */
static int
crontab_file(struct proc_result *r)
{
	const char *path = getenv("ORCH_DOCTOR_CRONTAB_FILE");
	char chunk[4096];
	ssize_t n;
	int fd;

	if (path == NULL || *path == '\0')
		return -1;
	memset(r, 0, sizeof(*r));
	buf_init(&r->out, BUF_MIB);
	buf_init(&r->err, BUF_MIB);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		buf_addn(&r->out, chunk, (size_t)n);
	close(fd);
	return n == 0 && !buf_failed(&r->out);
}

static void
cron(struct orch_ctx *c, struct doc *d)
{
	static const char *const cmds[] = { "orch-poll", "orch-work", "orch-advance", "orch-deploy",
		"orch-reconcile", NULL };
	const char *argv[] = { "crontab", "-l", NULL };
	struct proc_spec s = probe_spec(c, argv, NULL, BUF_MIB);
	struct proc_result r;
	char missing[256] = "";
	size_t i;
	int from_file = crontab_file(&r);

	s.expected_codes = 1u << 1; /* "no crontab for USER": an answer, not a broken crontab(1) */
	if (from_file < 0)
		proc_run(&s, &r);
	else
		r.status = from_file ? PROC_OK : PROC_EXIT_NONZERO;
	if (r.status != PROC_OK) {
		say(d, "FAIL", "cron",
		    "no crontab for this user (%s: %s); install cron/crontab.example or the "
		    "systemd units in cron/",
		    from_file < 0 ? "crontab -l" : "ORCH_DOCTOR_CRONTAB_FILE",
		    r.status == PROC_NOT_FOUND ? "not installed"
			: from_file == 0       ? "no file to read"
					       : "empty");
		cron_path(c, d, NULL);
		proc_result_free(&r);
		return;
	}
	for (i = 0; cmds[i]; i++)
		if (!strstr(buf_str(&r.out), cmds[i]))
			snprintf(
			    missing + strlen(missing), sizeof(missing) - strlen(missing), " %s", cmds[i]);
	if (missing[0])
		say(d, "FAIL", "cron", "the crontab does not run:%s; see cron/crontab.example", missing);
	else
		say(d, "ok", "cron", "crontab runs every command of a tick");
	cron_path(c, d, buf_str(&r.out));
	proc_result_free(&r);
}

int
doctor_accept_remote(struct orch_ctx *c, const char *key, char *url, size_t n, struct orch_err *e)
{
	const struct project *p = config_project(c->cfg, key);

	if (p == NULL)
		return err_set(
		    e, EX_USAGE, "no project '%s' in the config; see orch doctor's project lines", key);
	return merge_remote_accept(c, p, url, n, e);
}

int
doctor_run(struct orch_ctx *c, doctor_line line, void *lctx)
{
	struct doc d = { .line = line, .lctx = lctx };

	if (c->cfg->unsafe[0])
		say(&d, "FAIL", "config", "%s (every other command refuses it)", c->cfg->unsafe);
	else
		say(&d, "ok", "config", "%s",
		    c->cfg->path ? c->cfg->path : "built-in defaults (no orch.yaml)");
	tools(c, &d);
	perms(c, &d);
	agent_user(c, &d);
	projects(c, &d);
	cron(c, &d);
	return d.fails;
}
