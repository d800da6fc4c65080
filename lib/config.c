#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "err.h"
#include "sizes.h"
#include "util.h"
#include "wi.h"

enum stype { S_INT, S_BOOL, S_STR, S_ARGV };

struct setting {
	const char *name;
	enum stype type;
	size_t off;
	long long min, max;
	const char *def;
};

#define I(n, lo, hi, d) \
	{ \
#n, S_INT, offsetof(struct config, n), lo, hi, d \
	}
#define B(n, d) \
	{ \
#n, S_BOOL, offsetof(struct config, n), 0, 1, d \
	}
#define S(n, d) \
	{ \
#n, S_STR, offsetof(struct config, n), 0, 0, d \
	}
#define A(n) \
	{ \
#n, S_ARGV, offsetof(struct config, n), 0, 0, NULL \
	}

static const struct setting settings[] = {
	S(tracker, "local"),
	S(agent_user, NULL),
	S(store, NULL),
	S(host, NULL),
	S(plane_url, NULL),
	S(plane_workspace, NULL),
	S(plane_api_token_file, NULL),
	I(plane_states_ttl_s, 0, 86400 * 365, "300"),
	I(plane_rate_limit_per_min, 1, 100000, "60"),
	I(http_timeout_s, 1, 3600, "30"),
	I(max_developer_retries, 0, 1000, "3"),
	I(job_max_attempts, 1, 1000, "3"),
	I(job_timeout_s, 1, 86400 * 7, "3600"),
	I(job_backoff_s, 0, 86400, "30"),
	I(job_lease_s, 2, 86400, "120"),
	I(work_slots, 1, 64, "1"),
	I(ci_timeout_s, 1, 86400, "1800"),
	I(db_busy_timeout_ms, 0, 600000, "5000"),
	B(security_gate_enabled, "true"),
	S(security_gate_repos, ""),
	S(security_dep_block_severity, "HIGH"),
	I(security_scan_timeout_s, 1, 86400, "300"),
	B(security_dep_audit_fail_closed, "false"),
	B(security_secrets_block, "true"),
	S(security_dep_engine, "osv"),
	S(security_osv_url, "https://api.osv.dev"),
	I(security_osv_budget, 1, 100000, "1000"),
	S(security_dep_block, "severity"),
	S(security_dep_exclude, "vendor,node_modules,third_party,testdata,fixtures"),
	B(security_dep_unpinned_block, "false"),
	S(security_gitleaks_config, NULL),
	S(security_gitleaks_ignore, NULL),
	B(deploy_require_manual_approve, "true"),
	B(reconcile_enabled, "true"),
	B(reconcile_tracker_enabled, "true"),
	I(reconcile_grace_s, 0, 86400, "120"),
	I(reconcile_full_list_s, 0, 86400, "600"),
	B(reconcile_notify_unblock, "true"),
	B(reaper_enabled, "true"),
	I(reaper_max_running_s, 0, 86400 * 7, "0"),
	I(deploy_timeout_s, 60, 86400 * 7, "3600"),
	I(worktree_retention_s, 0, 86400 * 3650, "604800"),
	I(deploy_watch_checks, 1, 1000, "3"),
	S(scan_rewrite_policy, "reset_warn"),
	I(scan_single_max, 1, 100000, "8"),
	I(scan_chunked_max, 1, 100000, "25"),
	I(scan_chunk_size, 1, 100000, "5"),
	I(scan_fetch_retries, 1, 10, "3"),
	S(main_review_block_severity, "HIGH"),
	S(telegram_chat_id, NULL),
	A(notify_cmd),
	/* notification delivery (lib/notify.h) */
	I(notify_timeout_s, 1, 300, "5"),
	I(notify_budget_s, 1, 3600, "10"),
	I(notify_max_attempts, 1, 100, "8"),
	I(notify_backoff_s, 0, 86400, "60"),
	S(telegram_api_url, "https://api.telegram.org"),
	S(telegram_bot_token_file, NULL),
	I(fix_max_files, 1, 10, "5"),
	I(fix_max_changed_lines, 1, 100000, "40"),
	I(fix_max_diff_bytes, 64, 16 * 1024 * 1024, "16384"),
	I(fix_max_danger, 1, 1000000, "150"),
};
#define NSETTINGS (sizeof(settings) / sizeof(settings[0]))

static const char *const project_keys[] = {
	"key",
	"tracker",
	"plane_project_id",
	"repo",
	"remote",
	"main_branch",
	"self_deploy",
	"ci_cmd",
	"deploy_hook",
	"health_cmd",
	"health_url",
	"rollback_hook",
	"agents",
	"auto_fix",
	"main_review",
	"repo_browse_url",
	"security_gitleaks_config",
	"security_gitleaks_ignore",
	"docs_only",
	"deploy_failure",
	"land",
	"deploy_host",
	NULL,
};

struct loader {
	const char *file;
	yaml_document_t doc;
	struct orch_err *e;
};

static int
lerr(struct loader *l, yaml_node_t *n, const char *key, const char *fmt, const char *detail)
{
	char what[512];

	snprintf(what, sizeof(what), fmt, detail ? detail : "");
	if (l->file)
		return err_set(l->e, EX_CONFIG, "%s:%lu: key '%s': %s", l->file,
		    n ? (unsigned long)n->start_mark.line + 1 : 0UL, key, what);
	return err_set(l->e, EX_CONFIG, "environment ORCH_%s: %s", key, what);
}

static const char *
scalar(yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static int
parse_bool(const char *v, int *out)
{
	if (str_ieq(v, "true") || str_ieq(v, "yes") || str_ieq(v, "on") || strcmp(v, "1") == 0)
		*out = 1;
	else if (str_ieq(v, "false") || str_ieq(v, "no") || str_ieq(v, "off") || strcmp(v, "0") == 0)
		*out = 0;
	else
		return -1;
	return 0;
}

static char **
node_argv(struct loader *l, yaml_node_t *n, const char *key)
{
	yaml_node_item_t *it;
	char **argv;
	size_t i = 0, cnt;

	if (n->type != YAML_SEQUENCE_NODE) {
		lerr(l, n, key, "expected a list of strings (an argv, never a shell string)%s", NULL);
		return NULL;
	}
	cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (cnt == 0) {
		lerr(l, n, key, "the command list is empty%s", NULL);
		return NULL;
	}
	if ((argv = calloc(cnt + 1, sizeof(*argv))) == NULL) {
		lerr(l, n, key, "out of memory%s", NULL);
		return NULL;
	}
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		const char *v = scalar(yaml_document_get_node(&l->doc, *it));
		if (v == NULL || (argv[i] = strdup(v)) == NULL) {
			argv_free(argv);
			lerr(l, n, key, "every element must be a string%s", NULL);
			return NULL;
		}
		i++;
	}
	return argv;
}

static int
set_value(struct loader *l, const struct setting *s, void *base, yaml_node_t *n, const char *text)
{
	char *field = (char *)base + s->off;
	long long v;

	if (s->type == S_ARGV) {
		char **argv = n ? node_argv(l, n, s->name) : NULL;
		if (argv == NULL) {
			if (n == NULL) { /* environment text */
				struct orch_err sub;
				if ((argv = config_parse_argv(text, &sub)) == NULL)
					return lerr(l, NULL, s->name, "%s", sub.msg);
			} else {
				return -1;
			}
		}
		argv_free(*(char ***)field);
		*(char ***)field = argv;
		return 0;
	}
	if (n && (text = scalar(n)) == NULL)
		return lerr(l, n, s->name, "expected a single value, not a list or map%s", NULL);
	switch (s->type) {
	case S_INT:
		if (num_parse(text, s->min, s->max, &v) < 0) {
			char range[96];
			snprintf(range, sizeof(range), "'%.40s' is not an integer in %lld..%lld", text,
			    s->min, s->max);
			return lerr(l, n, s->name, "%s", range);
		}
		*(int *)field = (int)v;
		break;
	case S_BOOL:
		if (parse_bool(text, (int *)field) < 0)
			return lerr(l, n, s->name, "'%s' is not true or false", text);
		break;
	case S_STR: {
		char *dup = strdup(text);
		if (dup == NULL)
			return lerr(l, n, s->name, "out of memory%s", NULL);
		free(*(char **)field);
		*(char **)field = dup;
		break;
	}
	case S_ARGV: break;
	}
	return 0;
}

static int
load_agents(struct loader *l, struct project *p, yaml_node_t *n)
{
	yaml_node_pair_t *pr;
	size_t cnt;

	if (n->type != YAML_MAPPING_NODE)
		return lerr(l, n, "agents", "expected a map from agent name to command list%s", NULL);
	if (p->agents) /* the duplicate-key check catches this first; never reuse the old count */
		return lerr(l, n, "agents", "agents: is given twice in this project%s", NULL);
	cnt = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
	if ((p->agents = calloc(cnt ? cnt : 1, sizeof(*p->agents))) == NULL)
		return lerr(l, n, "agents", "out of memory%s", NULL);
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = yaml_document_get_node(&l->doc, pr->key);
		const char *name = scalar(k);
		struct agent_cmd *a = &p->agents[p->nagents];
		if (name == NULL)
			return lerr(l, k, "agents", "agent names must be strings%s", NULL);
		if ((a->argv = node_argv(l, yaml_document_get_node(&l->doc, pr->value), name)) == NULL)
			return -1;
		if ((a->name = strdup(name)) == NULL)
			return lerr(l, k, "agents", "out of memory%s", NULL);
		p->nagents++;
	}
	return 0;
}

/* A repo_browse_url goes into the page's href: an http(s) address with {path}, nothing that leaves the
 * attribute. */
static int
browse_url_ok(const char *u)
{
	const unsigned char *p;

	if ((strncmp(u, "https://", 8) != 0 && strncmp(u, "http://", 7) != 0) || strstr(u, "{path}") == NULL)
		return 0;
	for (p = (const unsigned char *)u; *p; p++)
		if (*p <= ' ' || *p == 0x7f || strchr("\"'<>\\`", *p))
			return 0;
	return 1;
}

/*
 * A branch or remote name orch puts into refs and git argv: the rules of
 * git check-ref-format that matter here, checked at load so the error names
 * the line instead of a git failure at the first gate.
 */
static int
ref_name_ok(const char *s)
{
	size_t n = strlen(s);
	const unsigned char *p;

	if (n == 0 || n > 200 || strchr("-/.", s[0]) || s[n - 1] == '/' || s[n - 1] == '.' ||
	    strcmp(s, "@") == 0 || (n >= 5 && strcmp(s + n - 5, ".lock") == 0) || strstr(s, "..") ||
	    strstr(s, "@{") || strstr(s, "//") || strstr(s, "/."))
		return 0;
	for (p = (const unsigned char *)s; *p; p++)
		if (*p <= ' ' || *p == 0x7f || strchr("~^:?*[\\", *p))
			return 0;
	return 1;
}

/* The checks a value can fail by itself, at its own line; what a project lacks is checked after its map. */
static int
project_value_ok(struct loader *l, const char *key, const char *text, yaml_node_t *v)
{
	if (strcmp(key, "key") == 0 && !wi_project_key_valid(text))
		return lerr(l, v, key, "project key '%s' is not valid: " WI_KEY_RULE, text);
	if (strcmp(key, "repo") == 0 && text[0] != '/')
		return lerr(
		    l, v, key, "project needs repo: an absolute path to its git repository (got '%s')", text);
	if (strncmp(key, "security_gitleaks_", 18) == 0 && text[0] != '/')
		return lerr(l, v, key,
		    "'%s' is not an absolute path: name the operator's gitleaks file from /", text);
	if (strcmp(key, "deploy_host") == 0 && !config_host_name_ok(text))
		return lerr(
		    l, v, key, "'%s' is not a host name (letters, digits, '.', '-', '_'; at most 64)", text);
	if (strcmp(key, "tracker") == 0 && strcmp(text, "local") != 0 && strcmp(text, "plane") != 0)
		return lerr(l, v, key, "'%s' is not local or plane", text);
	if ((strcmp(key, "main_branch") == 0 || strcmp(key, "remote") == 0) && !ref_name_ok(text))
		return lerr(l, v, key,
		    "'%s' is not a usable git name: no spaces, control characters, '..', '@{', "
		    "'~^:?*[' or a backslash, no leading '-', '/' or '.', no trailing '/', '.' or '.lock'",
		    text);
	return 0;
}

static int
project_field(struct loader *l, struct project *p, const char *key, yaml_node_t *v)
{
	char ***argvp = NULL, **strp = NULL;
	const char *text;

	if (strcmp(key, "agents") == 0)
		return load_agents(l, p, v);
	if (strcmp(key, "ci_cmd") == 0)
		argvp = &p->ci_cmd;
	else if (strcmp(key, "deploy_hook") == 0)
		argvp = &p->deploy_hook;
	else if (strcmp(key, "health_cmd") == 0)
		argvp = &p->health_cmd;
	else if (strcmp(key, "rollback_hook") == 0)
		argvp = &p->rollback_hook;
	else if (strcmp(key, "main_review") == 0)
		argvp = &p->main_review;
	if (argvp) {
		argv_free(*argvp);
		return (*argvp = node_argv(l, v, key)) ? 0 : -1;
	}
	if ((text = scalar(v)) == NULL)
		return lerr(l, v, key, "expected a single value%s", NULL);
	if (strcmp(key, "self_deploy") == 0 || strcmp(key, "auto_fix") == 0 ||
	    strcmp(key, "docs_only") == 0) {
		if (parse_bool(text,
			key[0] == 'a'       ? &p->auto_fix
			    : key[0] == 'd' ? &p->docs_only
					    : &p->self_deploy) < 0)
			return lerr(l, v, key, "'%s' is not true or false", text);
		return 0;
	}
	if (strcmp(key, "land") == 0) {
		if (strcmp(text, "ff") != 0 && strcmp(text, "squash") != 0)
			return lerr(l, v, key, "'%s' is not ff or squash", text);
		p->land_squash = strcmp(text, "squash") == 0;
		return 0;
	}
	if (strcmp(key, "deploy_failure") == 0) {
		if (strcmp(text, "rollback") != 0 && strcmp(text, "hold") != 0)
			return lerr(l, v, key, "'%s' is not rollback or hold", text);
		p->deploy_failure_hold = strcmp(text, "hold") == 0;
		return 0;
	}
	if (strcmp(key, "repo_browse_url") == 0) {
		if (!browse_url_ok(text))
			return lerr(l, v, key,
			    "'%s' must be an http(s):// address with {path} (and optionally {branch}), "
			    "without spaces, quotes or angle brackets",
			    text);
		strp = &p->repo_browse_url;
	} else if (project_value_ok(l, key, text, v) < 0)
		return -1;
	else if (strcmp(key, "key") == 0)
		strp = &p->key;
	else if (strcmp(key, "tracker") == 0)
		strp = &p->tracker;
	else if (strcmp(key, "plane_project_id") == 0)
		strp = &p->plane_project_id;
	else if (strcmp(key, "repo") == 0)
		strp = &p->repo;
	else if (strcmp(key, "remote") == 0)
		strp = &p->remote;
	else if (strcmp(key, "deploy_host") == 0)
		strp = &p->deploy_host;
	else if (strcmp(key, "health_url") == 0)
		strp = &p->health_url;
	else if (strcmp(key, "security_gitleaks_config") == 0)
		strp = &p->security_gitleaks_config;
	else if (strcmp(key, "security_gitleaks_ignore") == 0)
		strp = &p->security_gitleaks_ignore;
	else
		strp = &p->main_branch;
	free(*strp);
	if ((*strp = strdup(text)) == NULL)
		return lerr(l, v, key, "out of memory%s", NULL);
	return 0;
}

static int
load_project(struct loader *l, struct project *p, yaml_node_t *n)
{
	yaml_node_pair_t *pr;
	size_t i;

	p->line = (int)n->start_mark.line + 1;
	if (n->type != YAML_MAPPING_NODE)
		return lerr(l, n, "projects", "each project must be a map with key, repo, ...%s", NULL);
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = yaml_document_get_node(&l->doc, pr->key);
		const char *key = scalar(k);
		int known = 0;
		if (key == NULL)
			return lerr(l, k, "projects", "keys must be strings%s", NULL);
		for (i = 0; project_keys[i]; i++)
			known |= strcmp(project_keys[i], key) == 0;
		if (!known)
			return lerr(l, k, key, "unknown project setting; see orch.yaml(5)%s", NULL);
		if (project_field(l, p, key, yaml_document_get_node(&l->doc, pr->value)) < 0)
			return -1;
	}
	if (p->key == NULL)
		return lerr(
		    l, n, "key", "project needs key: its work items are KEY-N; " WI_KEY_RULE "%s", NULL);
	if (p->repo == NULL || p->repo[0] != '/')
		return lerr(l, n, "repo",
		    "project needs repo: an absolute path to its git repository (got '%s')",
		    p->repo ? p->repo : "(missing)");
	/* no tracker: the global one, filled in once the environment is applied (inherit_tracker) */
	if (p->tracker && strcmp(p->tracker, "local") != 0 && strcmp(p->tracker, "plane") != 0)
		return lerr(l, n, "tracker", "'%s' is not local or plane", p->tracker);
	if (p->main_branch == NULL && (p->main_branch = strdup("main")) == NULL)
		return lerr(l, n, "main_branch", "out of memory%s", NULL);
	return 0;
}

static int
load_projects(struct loader *l, struct config *c, yaml_node_t *n)
{
	yaml_node_item_t *it;
	size_t cnt, i;

	if (n->type != YAML_SEQUENCE_NODE)
		return lerr(l, n, "projects", "expected a list of project maps%s", NULL);
	if (c->projects) /* the duplicate-key check catches this first; never reuse the old count */
		return lerr(l, n, "projects", "projects: is given twice%s", NULL);
	cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if ((c->projects = calloc(cnt ? cnt : 1, sizeof(*c->projects))) == NULL)
		return lerr(l, n, "projects", "out of memory%s", NULL);
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		yaml_node_t *pn = yaml_document_get_node(&l->doc, *it);
		struct project *p = &c->projects[c->nprojects++];
		char what[64];
		if (load_project(l, p, pn) < 0)
			return -1;
		for (i = 0; i + 1 < c->nprojects; i++)
			if (strcmp(c->projects[i].key, p->key) == 0) {
				snprintf(what, sizeof(what), "'%.20s' (first at line %d)", p->key,
				    c->projects[i].line);
				return lerr(l, pn, "key",
				    "project %s is defined twice: give each project its own key", what);
			}
	}
	return 0;
}

static int
load_root(struct loader *l, struct config *c, int home_fixed)
{
	yaml_node_t *root = yaml_document_get_root_node(&l->doc);
	yaml_node_pair_t *pr;
	size_t i;

	if (root == NULL)
		return 0; /* empty file: defaults */
	if (root->type != YAML_MAPPING_NODE)
		return lerr(l, root, "(top)", "the file must be a map of settings%s", NULL);
	for (pr = root->data.mapping.pairs.start; pr < root->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = yaml_document_get_node(&l->doc, pr->key);
		yaml_node_t *v = yaml_document_get_node(&l->doc, pr->value);
		const char *key = scalar(k);
		const struct setting *s = NULL;

		if (key == NULL)
			return lerr(l, k, "(top)", "keys must be strings%s", NULL);
		if (strcmp(key, "projects") == 0) {
			if (load_projects(l, c, v) < 0)
				return -1;
			continue;
		}
		if (strcmp(key, "home") == 0) {
			const char *h = scalar(v);
			if (h == NULL || h[0] != '/')
				return lerr(l, v, key, "home must be an absolute path%s", NULL);
			free(c->file_home);
			if ((c->file_home = strdup(h)) == NULL)
				return lerr(l, v, key, "out of memory%s", NULL);
			if (!home_fixed) {
				free(c->home);
				if ((c->home = strdup(h)) == NULL)
					return lerr(l, v, key, "out of memory%s", NULL);
			}
			continue;
		}
		if (strcmp(key, "plane_api_token") == 0)
			return lerr(l, k, key,
			    "secrets are not read from the config file; use the environment "
			    "variable ORCH_PLANE_API_TOKEN or plane_api_token_file (mode 0600)%s",
			    NULL);
		if (strcmp(key, "telegram_bot_token") == 0)
			return lerr(l, k, key,
			    "secrets are not read from the config file; use the environment "
			    "variable ORCH_TELEGRAM_BOT_TOKEN or telegram_bot_token_file (mode 0600)%s",
			    NULL);
		for (i = 0; i < NSETTINGS; i++)
			if (strcmp(settings[i].name, key) == 0)
				s = &settings[i];
		if (s == NULL)
			return lerr(l, k, key, "unknown setting; see orch.yaml(5)%s", NULL);
		if (set_value(l, s, c, v, NULL) < 0)
			return -1;
	}
	return 0;
}

/* The file as text, if it is safe to act on (see config.h); refusals say what to run. */
static int
read_safe(struct config *c, const char *file, int flags, char **text, size_t *len, struct orch_err *e)
{
	struct stat sb;
	ssize_t n = 0;
	int fd;

	/* O_NONBLOCK: opening a FIFO must not wait for a writer */
	if ((fd = open(file, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) < 0)
		return err_set(e, EX_CONFIG, "cannot read config '%s': %s", file, strerror(errno));
	if (fstat(fd, &sb) < 0) {
		close(fd);
		return err_set(e, EX_CONFIG, "cannot read config '%s': %s", file, strerror(errno));
	}
	if (!S_ISREG(sb.st_mode)) {
		close(fd);
		return err_set(e, EX_CONFIG,
		    "config '%s' is not a regular file (%s); point --config or ORCH_HOME at "
		    "the YAML file",
		    file,
		    S_ISDIR(sb.st_mode)        ? "a directory"
			: S_ISFIFO(sb.st_mode) ? "a FIFO"
					       : "a device or socket");
	}
	if (sb.st_uid != 0 && sb.st_uid != geteuid())
		snprintf(c->unsafe, sizeof(c->unsafe),
		    "config '%s' is owned by uid %u, neither you (uid %u) nor root, "
		    "and it names commands orch runs; run: chown %u '%s'",
		    file, (unsigned)sb.st_uid, (unsigned)geteuid(), (unsigned)geteuid(), file);
	else if (sb.st_mode & 022)
		snprintf(c->unsafe, sizeof(c->unsafe),
		    "config '%s' is writable by group or others (mode %03o) and it "
		    "names commands orch runs; run: chmod go-w '%s'",
		    file, (unsigned)(sb.st_mode & 0777), file);
	if (c->unsafe[0] && !(flags & CONFIG_UNSAFE_OK)) {
		close(fd);
		return err_set(e, EX_CONFIG, "%s", c->unsafe);
	}
	if (sb.st_size > CONFIG_MAX_BYTES) {
		close(fd);
		return err_set(e, EX_CONFIG,
		    "config '%s' is %lld bytes, over the limit of %d; it is a settings file, "
		    "not data: trim it",
		    file, (long long)sb.st_size, CONFIG_MAX_BYTES);
	}
	if ((*text = malloc((size_t)sb.st_size + 1)) == NULL) {
		close(fd);
		return err_set(e, EX_SOFTWARE, "out of memory");
	}
	*len = 0;
	/* read to EOF, but never past the cap, even if the file grows meanwhile */
	while (*len <= (size_t)sb.st_size && (n = read(fd, *text + *len, (size_t)sb.st_size + 1 - *len)) > 0)
		*len += (size_t)n;
	close(fd);
	if (*len > (size_t)sb.st_size || n < 0) {
		free(*text);
		return err_set(e, EX_CONFIG, "config '%s' changed while it was read; try again", file);
	}
	(*text)[*len] = '\0';
	return 0;
}

/*
 * Walk the event stream once before building the document: nesting beyond
 * CONFIG_MAX_DEPTH is refused here, before libyaml's composer spends seconds
 * on deeply nested flow collections.
 */
static int
check_depth(const char *file, const char *text, size_t len, struct orch_err *e)
{
	yaml_parser_t p;
	yaml_event_t ev;
	int depth = 0, rc = 0, done = 0;

	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	while (!done) {
		if (!yaml_parser_parse(&p, &ev))
			break; /* the loader reports the syntax error with its line */
		if (ev.type == YAML_SEQUENCE_START_EVENT || ev.type == YAML_MAPPING_START_EVENT)
			depth++;
		else if (ev.type == YAML_SEQUENCE_END_EVENT || ev.type == YAML_MAPPING_END_EVENT)
			depth--;
		done = ev.type == YAML_STREAM_END_EVENT;
		if (depth > CONFIG_MAX_DEPTH) {
			rc = err_set(e, EX_CONFIG,
			    "%s:%lu: nested more than %d levels deep; orch.yaml needs at most 5 "
			    "(see orch.yaml(5))",
			    file, (unsigned long)ev.start_mark.line + 1, CONFIG_MAX_DEPTH);
			done = 1;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	return rc;
}

struct keyref {
	const char *key;
	unsigned long line;
};

static int
keyref_cmp(const void *a, const void *b)
{
	const struct keyref *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c ? c : (x->line > y->line) - (x->line < y->line);
}

/* Any key twice in one map, anywhere in the document; sorted, so linear after n log n. */
static int
check_duplicates(struct loader *l)
{
	yaml_node_t *n;
	yaml_node_pair_t *pr;
	struct keyref *v;
	size_t cnt, k, i;
	int rc = 0;

	for (n = l->doc.nodes.start; rc == 0 && n < l->doc.nodes.top; n++) {
		if (n->type != YAML_MAPPING_NODE)
			continue;
		cnt = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
		if (cnt < 2)
			continue;
		if ((v = calloc(cnt, sizeof(*v))) == NULL)
			return err_set(l->e, EX_SOFTWARE, "out of memory");
		for (k = 0, pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
			yaml_node_t *kn = yaml_document_get_node(&l->doc, pr->key);
			const char *key = scalar(kn);
			if (key)
				v[k++] = (struct keyref){ key, (unsigned long)kn->start_mark.line + 1 };
		}
		qsort(v, k, sizeof(*v), keyref_cmp);
		for (i = 1; i < k; i++)
			if (strcmp(v[i - 1].key, v[i].key) == 0) {
				rc = err_set(l->e, EX_CONFIG,
				    "%s:%lu: key '%.100s' is given twice (lines %lu and %lu); "
				    "keep one",
				    l->file, v[i].line, v[i].key, v[i - 1].line, v[i].line);
				break;
			}
		free(v);
	}
	return rc;
}

static int
load_file(struct config *c, const char *file, int flags, struct orch_err *e)
{
	struct loader l = { .file = file, .e = e };
	yaml_parser_t p;
	size_t len = 0;
	char *text = NULL;
	int rc;

	if (read_safe(c, file, flags, &text, &len, e) < 0)
		return -1;
	if (check_depth(file, text, len, e) < 0) {
		free(text);
		return -1;
	}
	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	if (!yaml_parser_load(&p, &l.doc)) {
		rc = err_set(e, EX_CONFIG, "%s:%lu: invalid YAML: %s; fix the file (see orch.yaml(5))", file,
		    (unsigned long)(p.problem_mark.line + 1), p.problem ? p.problem : "parse error");
		yaml_parser_delete(&p);
		free(text);
		return rc;
	}
	rc = check_duplicates(&l);
	if (rc == 0)
		rc = load_root(&l, c, flags & CONFIG_HOME_FIXED);
	yaml_document_delete(&l.doc);
	yaml_parser_delete(&p);
	free(text);
	return rc;
}

char **
config_parse_argv(const char *text, struct orch_err *e)
{
	struct loader l = { .file = NULL, .e = e };
	yaml_parser_t p;
	yaml_node_t *root;
	char **argv = NULL;

	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)text, strlen(text));
	if (!yaml_parser_load(&p, &l.doc)) {
		yaml_parser_delete(&p);
		err_set(e, EX_CONFIG, "expected a list like [\"cmd\", \"arg\"]: invalid YAML");
		return NULL;
	}
	root = yaml_document_get_root_node(&l.doc);
	if (root == NULL || root->type != YAML_SEQUENCE_NODE)
		err_set(e, EX_CONFIG, "expected a list like [\"cmd\", \"arg\"], not a shell string");
	else
		argv = node_argv(&l, root, "value");
	yaml_document_delete(&l.doc);
	yaml_parser_delete(&p);
	return argv;
}

/* ORCH_<KEY> in upper case: the variable that overrides setting key. */
static const char *
env_name(char *out, size_t n, const char *key)
{
	size_t j;

	snprintf(out, n, "ORCH_%s", key);
	for (j = 5; out[j]; j++)
		out[j] = (char)toupper((unsigned char)out[j]);
	return out;
}

static int
apply_env(struct config *c, struct orch_err *e)
{
	struct loader l = { .file = NULL, .e = e };
	char name[96];
	size_t i;

	for (i = 0; i < NSETTINGS; i++) {
		const char *v;
		if ((v = getenv(env_name(name, sizeof(name), settings[i].name))) == NULL)
			continue;
		/* name without ORCH_ for the message */
		{
			struct setting s = settings[i];
			s.name = name + 5;
			if (set_value(&l, &s, c, NULL, v) < 0)
				return -1;
		}
	}
	return 0;
}

static int
apply_defaults(struct config *c, struct orch_err *e)
{
	struct loader l = { .file = "(defaults)", .e = e };
	size_t i;

	for (i = 0; i < NSETTINGS; i++)
		if (settings[i].def && set_value(&l, &settings[i], c, NULL, settings[i].def) < 0)
			return -1;
	return 0;
}

static int
one_of(const struct config *c, const char *key, const char *v, const char *const *allowed, struct orch_err *e)
{
	char list[256] = "", env[96];
	size_t i;

	for (i = 0; allowed[i]; i++) {
		if (str_ieq(v, allowed[i]))
			return 0;
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "", allowed[i]);
	}
	if (getenv(
		env_name(env, sizeof(env), key))) /* the environment overrides the file: blame the variable */
		return err_set(
		    e, EX_CONFIG, "environment %s: '%s' is not one of %s; fix or unset it", env, v, list);
	return err_set(e, EX_CONFIG, "%s: key '%s': '%s' is not one of %s", c->path ? c->path : "environment",
	    key, v, list);
}

/*
 * The reaper must never judge a live agent: a run may last job_timeout_s
 * plus the kill grace, so a shorter reaper limit would requeue work that is
 * still running (two agents in one worktree).  0 means job_timeout_s + 300.
 */
static int
check_limits(struct config *c, struct orch_err *e)
{
	if (c->reaper_max_running_s == 0)
		c->reaper_max_running_s = c->job_timeout_s + 300;
	if (c->reaper_max_running_s < c->job_timeout_s + 120)
		return err_set(e, EX_CONFIG,
		    "%s: key 'reaper_max_running_s': %d is below job_timeout_s (%d) plus "
		    "120 s; raise it to at least %d or leave it 0 (job_timeout_s + 300)",
		    c->path ? c->path : "environment", c->reaper_max_running_s, c->job_timeout_s,
		    c->job_timeout_s + 120);
	return 0;
}

/*
 * A project without tracker: takes the global one as it stands after the
 * file and the environment, wherever tracker: appears in the file and
 * whether ORCH_TRACKER overrides it (orch.yaml(5): every global setting).
 */
static int
inherit_tracker(struct config *c, struct orch_err *e)
{
	size_t i;

	/* check_choices took it in any case ("Plane"); the code compares the lower-case names */
	for (char *t = c->tracker; *t; t++)
		*t = (char)tolower((unsigned char)*t);
	for (i = 0; i < c->nprojects; i++)
		if (c->projects[i].tracker == NULL && (c->projects[i].tracker = strdup(c->tracker)) == NULL)
			return err_set(e, EX_SOFTWARE, "out of memory");
	return 0;
}

/* The operator's gitleaks files (scancfg.h) are absolute paths; an empty value means main's. */
static int
check_scanner_paths(const struct config *c, struct orch_err *e)
{
	const char *keys[] = { "security_gitleaks_config", "security_gitleaks_ignore" };
	const char *vals[] = { c->security_gitleaks_config, c->security_gitleaks_ignore };
	char env[96];
	int i;

	for (i = 0; i < 2; i++) {
		if (vals[i] == NULL || vals[i][0] == '\0' || vals[i][0] == '/')
			continue;
		if (getenv(env_name(env, sizeof(env), keys[i])))
			return err_set(e, EX_CONFIG,
			    "environment %s: '%s' is not an absolute path; name the operator's "
			    "gitleaks file from /, or unset it to use main's",
			    env, vals[i]);
		return err_set(e, EX_CONFIG,
		    "%s: key '%s': '%s' is not an absolute path; name the operator's gitleaks "
		    "file from /, or remove the key to use main's",
		    c->path ? c->path : "environment", keys[i], vals[i]);
	}
	return 0;
}

/* Settings that take one of a few words. */
static int
check_choices(const struct config *c, struct orch_err *e)
{
	static const char *const trackers[] = { "local", "plane", NULL };
	static const char *const engines[] = { "osv", "auto", "pip-audit", "osv-scanner", NULL };
	static const char *const blocks[] = { "severity", "fixable", "any", "none", NULL };
	static const char *const sevs[] = { "CRITICAL", "HIGH", "MEDIUM", "LOW", NULL };
	static const char *const policies[] = { "reset_warn", "since_date", "strict_fail", NULL };

	if (one_of(c, "tracker", c->tracker, trackers, e) < 0 ||
	    one_of(c, "security_dep_engine", c->security_dep_engine, engines, e) < 0 ||
	    one_of(c, "security_dep_block", c->security_dep_block, blocks, e) < 0 ||
	    one_of(c, "security_dep_block_severity", c->security_dep_block_severity, sevs, e) < 0 ||
	    one_of(c, "main_review_block_severity", c->main_review_block_severity, sevs, e) < 0 ||
	    one_of(c, "scan_rewrite_policy", c->scan_rewrite_policy, policies, e) < 0)
		return -1;
	return check_scanner_paths(c, e);
}

char *
config_home(const char *opt_home, struct orch_err *e)
{
	const char *v;
	char buf[4096];

	if (opt_home && *opt_home)
		v = opt_home;
	else if ((v = getenv("ORCH_HOME")) && *v)
		;
	else if ((v = getenv("XDG_STATE_HOME")) && *v) {
		if (str_fmt(buf, sizeof(buf), "%s/orch", v) < 0)
			goto toolong;
		v = buf;
	} else if ((v = getenv("HOME")) && *v) {
		if (str_fmt(buf, sizeof(buf), "%s/.local/state/orch", v) < 0)
			goto toolong;
		v = buf;
	} else {
		err_set(e, EX_CONFIG, "cannot find a home for orch: set ORCH_HOME or pass --home DIR");
		return NULL;
	}
	if (v[0] != '/') {
		err_set(e, EX_USAGE, "orch home '%s' must be an absolute path", v);
		return NULL;
	}
	if (strlen(v) > 3000)
		goto toolong;
	return strdup(v);
toolong:
	err_set(e, EX_USAGE, "orch home path is too long");
	return NULL;
}

/* Telegram needs both halves: one without the other would drop every alert silently. */
static int
check_telegram(const struct config *c, struct orch_err *e)
{
	const char *env = config_secret("ORCH_TELEGRAM_BOT_TOKEN");
	int token = (env && *env) || (c->telegram_bot_token_file && *c->telegram_bot_token_file);
	int chat = c->telegram_chat_id && *c->telegram_chat_id;

	if (token && !chat)
		return err_set(e, EX_CONFIG,
		    "%s: a Telegram bot token is set but telegram_chat_id is not; "
		    "set telegram_chat_id (or unset the token)",
		    c->path ? c->path : "environment");
	if (chat && !token)
		return err_set(e, EX_CONFIG,
		    "%s: key 'telegram_chat_id' is set but there is no bot token; set "
		    "ORCH_TELEGRAM_BOT_TOKEN or telegram_bot_token_file (mode 0600)",
		    c->path ? c->path : "environment");
	if (strncmp(c->telegram_api_url, "https://", 8) != 0 &&
	    strncmp(c->telegram_api_url, "http://", 7) != 0)
		return err_set(e, EX_CONFIG, "%s: key 'telegram_api_url': '%s' is not an http(s) URL",
		    c->path ? c->path : "environment", c->telegram_api_url);
	return 0;
}

/*
 * orch's tokens, taken out of the environment by config_load(): the value
 * is kept here, the variable is unset, and its bytes in the original
 * environment block (what /proc/<pid>/environ shows; unsetenv() does not
 * change it) are overwritten, so a process of the same user reading our
 * environ finds no token.
 */
static struct {
	const char *name;
	char *value;
} secrets[] = {
	{ "ORCH_PLANE_API_TOKEN", NULL }, { "ORCH_TELEGRAM_BOT_TOKEN", NULL },
	{ "ORCH_DATABASE_URL", NULL }, /* a PostgreSQL URL may hold a password */
};
#define NSECRETS (sizeof(secrets) / sizeof(secrets[0]))

static int
take_secrets(struct orch_err *e)
{
	size_t i;
	char *v, *copy;

	for (i = 0; i < NSECRETS; i++) {
		if ((v = getenv(secrets[i].name)) == NULL)
			continue;
		if ((copy = strdup(v)) == NULL)
			return err_set(e, EX_SOFTWARE, "out of memory");
		if (secrets[i].value) {
			explicit_bzero(secrets[i].value, strlen(secrets[i].value));
			free(secrets[i].value);
		}
		secrets[i].value = copy;
		/*
		 * getenv's pointer is into the block /proc/<pid>/environ shows (the
		 * process's initial environment): its bytes are overwritten there, not
		 * only unlinked from environ, which unsetenv alone does
		 */
		explicit_bzero(v, strlen(v));
		if (unsetenv(secrets[i].name) < 0)
			return err_set(e, EX_SOFTWARE, "cannot remove %s from the environment: %s",
			    secrets[i].name, strerror(errno));
	}
	return 0;
}

void
config_secrets_clear(void)
{
	size_t i;

	for (i = 0; i < NSECRETS; i++) {
		if (secrets[i].value)
			explicit_bzero(secrets[i].value, strlen(secrets[i].value));
		free(secrets[i].value);
		secrets[i].value = NULL;
	}
}

const char *
config_secret(const char *name)
{
	size_t i;

	for (i = 0; i < NSECRETS; i++)
		if (strcmp(name, secrets[i].name) == 0)
			return secrets[i].value ? secrets[i].value : getenv(name);
	return NULL;
}

/*
 * store: a postgresql:// URL (docs/multi-host.md), from ORCH_DATABASE_URL
 * (which wins) or the file; unset is SQLite in ORCH_HOME.  A password
 * belongs in the environment or libpq's password file (0600), never in
 * the config file.
 */
static int
check_store(struct config *c, struct orch_err *e)
{
	const char *v = config_secret("ORCH_DATABASE_URL"), *scheme, *at;
	int from_env = v && *v;

	if (from_env) {
		free(c->store);
		if ((c->store = strdup(v)) == NULL)
			return err_set(e, EX_SOFTWARE, "out of memory");
	}
	if (c->store == NULL || *c->store == '\0') {
		free(c->store);
		c->store = NULL;
		return 0;
	}
	if (strncmp(c->store, "postgresql://", 13) != 0 && strncmp(c->store, "postgres://", 11) != 0)
		return err_set(e, EX_CONFIG,
		    "%s: store must be a postgresql:// URL (SQLite in ORCH_HOME is the default: leave it "
		    "unset)",
		    from_env      ? "environment ORCH_DATABASE_URL"
			: c->path ? c->path
				  : "environment ORCH_STORE");
	scheme = strstr(c->store, "://") + 3;
	at = strchr(scheme, '@');
	if (!from_env && at && memchr(scheme, ':', (size_t)(at - scheme)))
		return err_set(e, EX_CONFIG,
		    "%s: key 'store': the URL holds a password; secrets are not read from the config file: "
		    "use ORCH_DATABASE_URL, or libpq's password file (~/.pgpass or PGPASSFILE, mode 0600)",
		    c->path ? c->path : "environment ORCH_STORE");
	return 0;
}

int
config_host_name_ok(const char *name)
{
	const char *p;

	for (p = name; *p; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') && !(*p >= '0' && *p <= '9') &&
		    !strchr(".-_", *p))
			return 0;
	return name[0] != '\0' && p - name <= 64;
}

/* host: this host's name in the shared store (jobs, claims); default the system's host name. */
static int
check_host(struct config *c, struct orch_err *e)
{
	char name[256] = "";

	if (c->host == NULL) {
		if (gethostname(name, sizeof(name) - 1) < 0 || name[0] == '\0')
			str_copy(name, sizeof(name), "localhost");
		if ((c->host = strdup(name)) == NULL)
			return err_set(e, EX_SOFTWARE, "out of memory");
	}
	if (!config_host_name_ok(c->host))
		return err_set(e, EX_CONFIG,
		    "%s: key 'host': '%.80s' is not a host name (letters, digits, '.', '-', '_'; at most 64)",
		    c->path ? c->path : "environment ORCH_HOST", c->host);
	return 0;
}

int
config_load(struct config *c, const char *file, const char *home, int flags, struct orch_err *e)
{
	char cand[ORCH_PATH_MAX_1];

	memset(c, 0, sizeof(*c));
	if (take_secrets(e) < 0)
		return -1;
	if ((c->home = strdup(home)) == NULL)
		return err_set(e, EX_SOFTWARE, "out of memory");
	if (apply_defaults(c, e) < 0)
		return -1;
	if (file == NULL) {
		if (str_fmt(cand, sizeof(cand), "%s/orch.yaml", home) == 0 && access(cand, F_OK) == 0)
			file = cand;
		else if (access("/etc/orch/orch.yaml", F_OK) == 0)
			file = "/etc/orch/orch.yaml";
	}
	if (file) {
		if ((c->path = strdup(file)) == NULL)
			return err_set(e, EX_SOFTWARE, "out of memory");
		if (load_file(c, file, flags, e) < 0)
			return -1;
	}
	if (apply_env(c, e) < 0)
		return -1;
	if (check_telegram(c, e) < 0 || check_store(c, e) < 0 || check_host(c, e) < 0)
		return -1;
	return check_choices(c, e) < 0 || inherit_tracker(c, e) < 0 ? -1 : check_limits(c, e);
}

static void
project_free(struct project *p)
{
	size_t i;

	free(p->key);
	free(p->tracker);
	free(p->plane_project_id);
	free(p->repo);
	free(p->remote);
	free(p->deploy_host);
	free(p->main_branch);
	free(p->health_url);
	free(p->repo_browse_url);
	free(p->security_gitleaks_config);
	free(p->security_gitleaks_ignore);
	argv_free(p->ci_cmd);
	argv_free(p->deploy_hook);
	argv_free(p->health_cmd);
	argv_free(p->rollback_hook);
	argv_free(p->main_review);
	for (i = 0; i < p->nagents; i++) {
		free(p->agents[i].name);
		argv_free(p->agents[i].argv);
	}
	free(p->agents);
}

void
config_free(struct config *c)
{
	size_t i;

	for (i = 0; i < NSETTINGS; i++) {
		char *field = (char *)c + settings[i].off;
		if (settings[i].type == S_STR)
			free(*(char **)field);
		else if (settings[i].type == S_ARGV)
			argv_free(*(char ***)field);
	}
	for (i = 0; i < c->nprojects; i++)
		project_free(&c->projects[i]);
	free(c->projects);
	free(c->path);
	free(c->home);
	free(c->file_home);
	memset(c, 0, sizeof(*c));
}

const struct project *
config_project(const struct config *c, const char *key)
{
	size_t i;

	for (i = 0; i < c->nprojects; i++)
		if (strcmp(c->projects[i].key, key) == 0)
			return &c->projects[i];
	return NULL;
}

char *const *
config_agent(const struct project *p, const char *name)
{
	size_t i;
	char *const *def = NULL;

	for (i = 0; i < p->nagents; i++) {
		if (strcmp(p->agents[i].name, name) == 0)
			return p->agents[i].argv;
		if (strcmp(p->agents[i].name, "default") == 0)
			def = p->agents[i].argv;
	}
	return def;
}
