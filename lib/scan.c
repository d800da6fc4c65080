#include "scan.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "config.h"
#include "ctx.h"
#include "err.h"
#include "git.h"
#include "osv.h"
#include "proc.h"
#include "scancfg.h"
#include "sizes.h"
#include "store.h"
#include "util.h"

static const char *const sev_names[] = { "UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL" };

const char *
sev_name(enum sev s)
{
	return sev_names[s];
}

int
sev_parse(const char *s)
{
	int i;

	for (i = 0; i < 5; i++)
		if (str_ieq(s, sev_names[i]))
			return i;
	if (str_ieq(s, "MODERATE"))
		return SEV_MEDIUM; /* GHSA's word for it */
	return -1;
}

void
secrets_result_free(struct secrets_result *r)
{
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

void
deps_result_free(struct deps_result *r)
{
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

/* A private temp dir under $ORCH_HOME/runs/tmp for reports and manifests. */
static int
tmp_path(struct orch_ctx *c, const char *name, char *out, size_t n, struct orch_err *e)
{
	char dir[ORCH_PATH_MAX_1], rnd[17];

	if (str_fmt(dir, sizeof(dir), "%s/runs/tmp", c->cfg->home) < 0 || mkdir_p(dir, 0700) < 0 ||
	    random_hex(rnd, 8) < 0 || str_fmt(out, n, "%s/%s-%s", dir, rnd, name) < 0)
		return err_set(e, EX_IOERR, "cannot make a temp file under '%s/runs/tmp'", c->cfg->home);
	return 0;
}

/* A private (0700) directory $ORCH_HOME/runs/tmp/<name>-XXXXXX into out. */
static int
tmp_dir(struct orch_ctx *c, const char *name, char *out, size_t n, struct orch_err *e)
{
	char dir[ORCH_PATH_MAX_1];

	if (str_fmt(dir, sizeof(dir), "%s/runs/tmp", c->cfg->home) < 0 || mkdir_p(dir, 0700) < 0 ||
	    str_fmt(out, n, "%s/%s-XXXXXX", dir, name) < 0 || mkdtemp(out) == NULL)
		return err_set(e, EX_IOERR,
		    "cannot make a private directory under '%s/runs/tmp': %s; check the disk "
		    "and the directory's owner",
		    c->cfg->home, strerror(errno));
	return 0;
}

static int
read_capped(const char *path, struct buf *b, char *why, size_t wn)
{
	char chunk[65536];
	ssize_t k;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		snprintf(why, wn, "no report file (%s)", strerror(errno));
		return -1;
	}
	while ((k = read(fd, chunk, sizeof(chunk))) > 0)
		if (buf_append(b, chunk, (size_t)k) < 0) {
			close(fd);
			snprintf(why, wn, "the report is over %d MiB", SCAN_REPORT_CAP >> 20);
			return -1;
		}
	close(fd);
	return 0;
}

static struct proc_spec
tool_spec(struct orch_ctx *c, const char *const *argv, const char *cwd, const char *tool)
{
	struct proc_spec s = {
		.argv = argv,
		.cwd = cwd,
		.timeout_ms = c->cfg->security_scan_timeout_s * 1000,
		.env_extra = git_hardened_env, /* gitleaks runs git: the same hardening as orch's own */
		.out_cap = SCAN_REPORT_CAP,
		.tool = tool,
		.observe = c->st ? store_tool_observe : NULL,
		.observe_ctx = c->st,
	};
	return s;
}

/*
 * Copy src into dst as one printable line: control characters (newlines,
 * ANSI colour escapes) become spaces, runs of spaces collapse, the ends are
 * trimmed.  Nothing else is dropped, so a message quotes a tool exactly.
 */
static void
one_line(char *dst, size_t n, const char *src)
{
	size_t k = 0;
	int space = 1;

	for (; *src && k + 1 < n; src++) {
		unsigned char ch = (unsigned char)*src;
		if (ch == 0x1b && src[1] == '[') { /* a colour escape: skip to its final letter */
			for (src += 2; *src && !(*src >= '@' && *src <= '~'); src++)
				;
			if (*src == '\0')
				break;
			continue;
		}
		if (ch < 0x20 || ch == 0x7f || ch == ' ') {
			if (!space)
				dst[k++] = ' ';
			space = 1;
			continue;
		}
		dst[k++] = (char)ch;
		space = 0;
	}
	while (k > 0 && dst[k - 1] == ' ')
		k--;
	dst[k] = '\0';
}

/* Run `gitleaks ARGS...`; its stdout and stderr (cobra prints help on either). */
static enum proc_status
gitleaks_run(struct orch_ctx *c, const char *const *argv, struct buf *text, char *why, size_t wn)
{
	struct proc_spec s = tool_spec(c, argv, NULL, "gitleaks");
	struct proc_result r;
	enum proc_status st;

	s.timeout_ms = 30000;
	s.out_cap = 256 * 1024;
	proc_run(&s, &r);
	st = r.status;
	proc_describe(&r, why, wn);
	buf_add(text, buf_str(&r.out));
	buf_add(text, "\n");
	buf_add(text, buf_str(&r.err));
	proc_result_free(&r);
	return st;
}

/* 1 when help lists the subcommand name under "Available Commands:". */
static int
help_has_command(const char *help, const char *name)
{
	const char *p = strstr(help, "Available Commands:");
	size_t nl = strlen(name);

	if (p == NULL)
		return 0;
	for (p = strchr(p, '\n'); p && p[1] == ' '; p = strchr(p + 1, '\n')) {
		const char *w = p + 1;
		while (*w == ' ')
			w++;
		if (strncmp(w, name, nl) == 0 && (w[nl] == ' ' || w[nl] == '\n' || w[nl] == '\0'))
			return 1;
	}
	return 0;
}

/* 1 when help documents the long flag (e.g. "--log-opts" followed by a space, '=', ',' or the end). */
static int
help_has_flag(const char *help, const char *flag)
{
	size_t fl = strlen(flag);
	const char *p;

	for (p = help; (p = strstr(p, flag)) != NULL; p += fl)
		if ((p == help || p[-1] == ' ' || p[-1] == ',' || p[-1] == '\n') &&
		    (p[fl] == '\0' || p[fl] == ' ' || p[fl] == '=' || p[fl] == ',' || p[fl] == '\n' ||
			p[fl] == '['))
			return 1;
	return 0;
}

/* The flags orch passes, whichever subcommand. */
static const char *const needed_flags[] = {
	"--log-opts",
	"--report-format",
	"--report-path",
	"--exit-code",
	"--redact",
	"--no-banner",
	"--config",
	NULL,
};

/* `gitleaks version`: shown and used to refine only; an unreadable one is no failure. */
static void
probe_version(struct orch_ctx *c, struct gitleaks_probe *p)
{
	const char *argv[] = { "gitleaks", "version", NULL };
	char why[256], line[128];
	struct buf out;
	const char *v;
	int maj, min;

	buf_init(&out, 512 * 1024);
	if (gitleaks_run(c, argv, &out, why, sizeof(why)) == PROC_OK) {
		one_line(line, sizeof(line), buf_str(&out));
		snprintf(p->version, sizeof(p->version), "%.60s", line);
		v = line[0] == 'v' ? line + 1 : line;
		if (sscanf(v, "%d.%d", &maj, &min) == 2 && maj >= 0 && min >= 0) {
			p->major = maj;
			p->minor = min;
		}
	}
	buf_free(&out);
}

int
scan_gitleaks_probe(struct orch_ctx *c, struct gitleaks_probe *p)
{
	const char *top[] = { "gitleaks", "--help", NULL }, *sub[] = { "gitleaks", NULL, "--help", NULL };
	char why[256];
	struct buf help;
	enum proc_status st;
	size_t i;

	memset(p, 0, sizeof(*p));
	p->major = p->minor = -1;
	buf_init(&help, 512 * 1024);
	st = gitleaks_run(c, top, &help, why, sizeof(why));
	if (st == PROC_NOT_FOUND) {
		snprintf(p->error, sizeof(p->error),
		    "gitleaks is not installed (not on PATH); install gitleaks 8 "
		    "(Debian 13: apt install gitleaks; see docs/security-gate.md)");
		goto out;
	}
	if (st != PROC_OK) {
		snprintf(p->error, sizeof(p->error), "'gitleaks --help' %s; check the gitleaks binary", why);
		goto out;
	}
	/* 8.19+ lists `git` (and hides `detect`); up to 8.18 only `detect` */
	if (help_has_command(buf_str(&help), "git"))
		p->use_git = 1;
	else if (!help_has_command(buf_str(&help), "detect")) {
		snprintf(p->error, sizeof(p->error),
		    "'gitleaks --help' lists neither the 'git' nor the 'detect' "
		    "subcommand; install gitleaks 8 (docs/security-gate.md)");
		goto out;
	}
	probe_version(c, p);
	if (p->major >= 0 && p->major < 8) {
		snprintf(p->error, sizeof(p->error), "gitleaks %s is older than 8; install gitleaks 8",
		    p->version);
		goto out;
	}
	sub[1] = p->use_git ? "git" : "detect";
	buf_reset(&help);
	if ((st = gitleaks_run(c, sub, &help, why, sizeof(why))) != PROC_OK) {
		snprintf(p->error, sizeof(p->error), "'gitleaks %s --help' %s; check the gitleaks binary",
		    sub[1], why);
		goto out;
	}
	for (i = 0; needed_flags[i]; i++)
		if (!help_has_flag(buf_str(&help), needed_flags[i]))
			break;
	p->ignore_flag = help_has_flag(buf_str(&help), "--gitleaks-ignore-path");
	if (needed_flags[i] || (!p->use_git && !help_has_flag(buf_str(&help), "--source"))) {
		snprintf(p->error, sizeof(p->error),
		    "'gitleaks %s --help' does not list %s, which orch passes; "
		    "install gitleaks 8 (docs/security-gate.md)",
		    sub[1], needed_flags[i] ? needed_flags[i] : "--source");
		goto out;
	}
	p->ok = 1;
out:
	buf_free(&help);
	return p->ok ? 0 : -1;
}

/*
 * The probe is cached in $ORCH_HOME/runs/gitleaks-probe, keyed by what its
 * answer depends on: the program file a run would execute (path, device,
 * inode, size, mtime, ctime) and the environment the child would get.  An
 * upgrade, a PATH change or another environment re-probes; so does a scan
 * that fails with a cached probe (scan_secrets).  Only a passing probe is
 * kept: a refusal is re-checked every time, as the fix may be in place.
 */
extern char **environ;

static uint64_t
fnv(uint64_t h, const void *data, size_t n)
{
	const unsigned char *p = data;

	while (n--)
		h = (h ^ *p++) * 0x100000001b3ULL;
	return h;
}

static int
probe_key(char key[17])
{
	char path[ORCH_PATH_MAX_1];
	struct stat sb;
	uint64_t h = 0xcbf29ce484222325ULL;
	long long f[7];
	char **env;

	if (proc_which("gitleaks", path, sizeof(path)) < 0 || stat(path, &sb) < 0)
		return -1;
	f[0] = (long long)sb.st_dev, f[1] = (long long)sb.st_ino, f[2] = (long long)sb.st_size;
	f[3] = sb.st_mtim.tv_sec, f[4] = sb.st_mtim.tv_nsec, f[5] = sb.st_ctim.tv_sec,
	f[6] = sb.st_ctim.tv_nsec;
	h = fnv(h, "probe-v2", 9); /* the line's format: a cache of another format never matches */
	h = fnv(fnv(h, path, strlen(path) + 1), f, sizeof(f));
	for (env = environ; *env; env++)
		if (!proc_is_secret_env(*env))
			h = fnv(h, *env, strlen(*env) + 1);
	snprintf(key, 17, "%016llx", (unsigned long long)h);
	return 0;
}

static int
probe_file(struct orch_ctx *c, char *out, size_t n)
{
	return str_fmt(out, n, "%s/runs/gitleaks-probe", c->cfg->home);
}

/* 1 and *p filled when the cache holds a probe of this gitleaks in this environment. */
static int
probe_load(struct orch_ctx *c, const char *key, struct gitleaks_probe *p)
{
	char path[ORCH_PATH_MAX_2], line[256], k[17], ver[64] = "";
	FILE *f;
	int ok;

	if (probe_file(c, path, sizeof(path)) < 0 || (f = fopen(path, "re")) == NULL)
		return 0;
	ok = fgets(line, sizeof(line), f) != NULL;
	fclose(f);
	memset(p, 0, sizeof(*p));
	if (!ok ||
	    sscanf(line, "%16s %d %d %d %d %63[^\n]", k, &p->use_git, &p->ignore_flag, &p->major, &p->minor,
		ver) < 5 ||
	    strcmp(k, key) != 0)
		return 0;
	snprintf(p->version, sizeof(p->version), "%s", ver);
	p->ok = 1;
	return 1;
}

static void
probe_store(struct orch_ctx *c, const char *key, const struct gitleaks_probe *p)
{
	char path[ORCH_PATH_MAX_2], dir[ORCH_PATH_MAX_2], line[256];
	struct orch_err e = { 0 };

	/* best effort: without the file the next run probes again */
	if (str_fmt(dir, sizeof(dir), "%s/runs", c->cfg->home) < 0 || mkdir_p(dir, 0700) < 0 ||
	    probe_file(c, path, sizeof(path)) < 0)
		return;
	snprintf(line, sizeof(line), "%s %d %d %d %d %s\n", key, p->use_git, p->ignore_flag, p->major,
	    p->minor, p->version);
	atomic_write(path, line, strlen(line), 0600, &e);
}

static void
probe_forget(struct orch_ctx *c)
{
	char path[ORCH_PATH_MAX_2];

	if (probe_file(c, path, sizeof(path)) == 0)
		unlink(path);
}

/* The probe, from the cache when it is current; 1 when it came from there. */
static int
probe_cached(struct orch_ctx *c, struct gitleaks_probe *p)
{
	char key[17];
	int keyed = probe_key(key) == 0;

	if (keyed && probe_load(c, key, p))
		return 1;
	if (scan_gitleaks_probe(c, p) == 0 && keyed)
		probe_store(c, key, p);
	return 0;
}

void
scan_gitleaks_describe(const struct gitleaks_probe *p, char *out, size_t n)
{
	const char *how = p->use_git ? "git DIR" : "detect --source DIR";

	if (!p->ok)
		snprintf(out, n, "%s", p->error);
	else if (p->major >= 0)
		snprintf(out, n, "gitleaks %s (runs '%s')", p->version, how);
	else
		snprintf(out, n, "gitleaks (version unreadable: '%s'; runs '%s', chosen from its --help)",
		    p->version[0] ? p->version : "no output", how);
}

/* Every occurrence of what in s (size n) replaced by with (never longer), in place. */
static void
replace_all(char *s, size_t n, const char *what, const char *with)
{
	size_t wl = strlen(what), o = 0, k;
	char out[512];
	const char *p;

	if (wl == 0 || n > sizeof(out) || strstr(s, what) == NULL)
		return;
	for (p = s; *p && o + 1 < n;) {
		if (strncmp(p, what, wl) == 0) {
			for (k = 0; with[k] && o + 1 < n; k++)
				out[o++] = with[k];
			p += wl;
		} else {
			out[o++] = *p++;
		}
	}
	out[o] = '\0';
	memcpy(s, out, o + 1);
	explicit_bzero(out, sizeof(out));
}

/*
 * A secret-shaped word of a file name: a run of 16 or more letters and
 * digits holding both (an access key id, a token), shown as its first 4
 * characters and ****.  Separators (_ - . /) end a run, so ordinary names
 * (0001_initial_migration.py) stay readable.
 */
static void
mask_shaped(char *s)
{
	size_t w, k = 0;
	char *src = s;
	int alpha, digit;

	while (*src) {
		for (w = 0, alpha = digit = 0; isalnum((unsigned char)src[w]); w++) {
			alpha |= isalpha((unsigned char)src[w]) != 0;
			digit |= isdigit((unsigned char)src[w]) != 0;
		}
		if (w >= 16 && alpha && digit) {
			memmove(s + k, src, 4);
			memcpy(s + k + 4, "****", 4);
			k += 8;
		} else {
			memmove(s + k, src, w ? w : 1);
			k += w ? w : 1;
		}
		src += w ? w : 1;
	}
	s[k] = '\0';
}

/*
 * The secret never in full in what orch shows or stores of a finding: the
 * file name (a secret saved under its own name), and the fingerprint built
 * from it.  A secret the report carries (a scanner that ignored --redact)
 * is replaced wherever it appears; under --redact orch does not know it,
 * so secret-shaped words of the file name are masked instead.
 */
static void
finding_mask(struct secret_finding *f, const char *secret)
{
	char raw[sizeof(f->file)];

	str_copy(raw, sizeof(raw), f->file);
	if (strlen(secret) >= 4 && strcmp(secret, "REDACTED") != 0) {
		replace_all(f->file, sizeof(f->file), secret, f->masked);
		replace_all(f->fingerprint, sizeof(f->fingerprint), secret, f->masked);
	}
	mask_shaped(f->file);
	if (raw[0] && strcmp(raw, f->file) != 0)
		replace_all(f->fingerprint, sizeof(f->fingerprint), raw, f->file);
	explicit_bzero(raw, sizeof(raw));
}

static int
parse_findings(const char *text, size_t len, struct secrets_result *r)
{
	static const char *const need[] = { "RuleID", "File", "Commit", "StartLine", "Fingerprint", NULL };
	cJSON *json = cJSON_ParseWithLength(text, len);
	const cJSON *it;
	size_t i = 0, k;

	if (json == NULL || !cJSON_IsArray(json)) {
		snprintf(r->error, sizeof(r->error), "the gitleaks report is not a JSON array");
		cJSON_Delete(json);
		return -1;
	}
	/* every lookup is case-sensitive: "RUleID": 0 beside "RuleID": "x" must not be the one read */
	if ((r->v = calloc((size_t)cJSON_GetArraySize(json) + 1, sizeof(*r->v))) == NULL) {
		snprintf(r->error, sizeof(r->error), "out of memory reading the gitleaks report");
		cJSON_Delete(json);
		return -1;
	}
	cJSON_ArrayForEach(it, json) {
		struct secret_finding *f = &r->v[i];
		const cJSON *line = cJSON_GetObjectItemCaseSensitive(it, "StartLine");
		for (k = 0; need[k]; k++)
			if (!cJSON_GetObjectItemCaseSensitive(it, need[k]) ||
			    (k != 3 && !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(it, need[k])))) {
				snprintf(r->error, sizeof(r->error),
				    "gitleaks finding %zu lacks the field %s", i + 1, need[k]);
				cJSON_Delete(json);
				secrets_result_free(r);
				return -1;
			}
		str_copy(
		    f->rule, sizeof(f->rule), cJSON_GetObjectItemCaseSensitive(it, "RuleID")->valuestring);
		/* a file name is shown, never used as a path: keep it printable */
		snprintf(f->file, sizeof(f->file), "%s",
		    cJSON_GetObjectItemCaseSensitive(it, "File")->valuestring);
		for (char *q = f->file; *q; q++)
			if ((unsigned char)*q < 0x20)
				*q = '?';
		snprintf(f->commit, sizeof(f->commit), "%s",
		    cJSON_GetObjectItemCaseSensitive(it, "Commit")->valuestring);
		snprintf(f->fingerprint, sizeof(f->fingerprint), "%s",
		    cJSON_GetObjectItemCaseSensitive(it, "Fingerprint")->valuestring);
		/* range-checked before the cast: 1e20 or inf in a report is no line (and no UB) */
		f->line = cJSON_IsNumber(line) && line->valuedouble >= 0 && line->valuedouble <= 1e9
		    ? (long)line->valuedouble
		    : 0;
		/* --redact leaves "REDACTED"; anything else is cut to a 4-character prefix */
		{
			const char *sec = cJSON_IsString(cJSON_GetObjectItemCaseSensitive(it, "Secret"))
			    ? cJSON_GetObjectItemCaseSensitive(it, "Secret")->valuestring
			    : "";
			if (strlen(sec) >= 12 && strcmp(sec, "REDACTED") != 0)
				snprintf(f->masked, sizeof(f->masked), "%.4s****", sec);
			else
				snprintf(f->masked, sizeof(f->masked), "****");
			if (f->fingerprint[0] == '\0')
				snprintf(f->fingerprint, sizeof(f->fingerprint), "%s:%s:%s:%ld", f->commit,
				    f->file, f->rule, f->line);
			finding_mask(f, sec);
		}
		i++;
	}
	r->n = i;
	cJSON_Delete(json);
	return 0;
}

/* "N commits scanned" from gitleaks' log (8.x prints it at info level); -1 when absent. */
static int
commits_scanned(const char *log)
{
	const char *p, *q;
	long v;

	for (p = log; (p = strstr(p, " commits scanned")) != NULL; p++) {
		for (q = p; q > log && q[-1] >= '0' && q[-1] <= '9'; q--)
			;
		if (q < p && (v = strtol(q, NULL, 10)) >= 0 && v < 100000000)
			return (int)v;
	}
	return -1;
}

/*
 * What one gitleaks run reads: the repository (through GIT_DIR) and the
 * trusted configuration (its directory is the source and the working
 * directory, so every file gitleaks looks up by itself is one orch wrote).
 */
struct leak_target {
	const struct scancfg *sc;
	const char *const *env; /* GIT_DIR=..., GITLEAKS_CONFIG= (cleared), ... */
};

/* The scan command for the probed interface; argv has room for 24. */
static void
gitleaks_argv(const struct gitleaks_probe *gp, const struct leak_target *t, const char *range,
    const char *report, const char **argv)
{
	int n = 0;

	argv[n++] = "gitleaks";
	if (!gp->use_git) {
		argv[n++] = "detect";
		argv[n++] = "--source";
	} else {
		argv[n++] = "git";
	}
	argv[n++] = t->sc->dir;
	argv[n++] = "--log-opts";
	argv[n++] = range;
	argv[n++] = "--report-format";
	argv[n++] = "json";
	argv[n++] = "--report-path";
	argv[n++] = report;
	argv[n++] = "--exit-code";
	argv[n++] = "2";
	argv[n++] = "--redact";
	argv[n++] = "--no-banner";
	if (t->sc->config[0]) {
		argv[n++] = "--config";
		argv[n++] = t->sc->config;
	}
	if (gp->ignore_flag) {
		argv[n++] = "--gitleaks-ignore-path";
		argv[n++] = t->sc->ignore;
	}
	argv[n] = NULL;
}

/* gitleaks' verdict from its run and report: r->ok and findings, or r->error. */
static void
gitleaks_judge(const struct proc_result *pr, const char *report, struct secrets_result *r)
{
	char why[512], snip[256];
	const char *git = strstr(buf_str(&pr->err), "[git]");
	struct buf rep;

	buf_init(&rep, SCAN_REPORT_CAP);
	one_line(snip, sizeof(snip), git ? git : buf_str(&pr->err));
	if (pr->status == PROC_EXIT_NONZERO && pr->exit_code != 2) {
		snprintf(
		    r->error, sizeof(r->error), "gitleaks failed (exit %d): %.200s", pr->exit_code, snip);
	} else if (pr->status != PROC_OK && pr->status != PROC_EXIT_NONZERO) {
		proc_describe(pr, why, sizeof(why));
		snprintf(r->error, sizeof(r->error), "gitleaks %s", why);
	} else if (git || strstr(buf_str(&pr->out), "[git]")) {
		snprintf(r->error, sizeof(r->error),
		    "gitleaks reported a git error (its exit code cannot be trusted): "
		    "%.200s",
		    snip);
	} else if (read_capped(report, &rep, why, sizeof(why)) < 0) {
		snprintf(r->error, sizeof(r->error), "gitleaks exited %d but %s", pr->exit_code, why);
	} else if (parse_findings(buf_str(&rep), rep.len, r) == 0) {
		if ((pr->exit_code == 2) != (r->n > 0))
			snprintf(r->error, sizeof(r->error),
			    "gitleaks exit %d does not match its report (%zu findings)", pr->exit_code, r->n);
		else
			r->ok = 1;
	}
	buf_free(&rep);
}

/* One gitleaks run over range: r->ok and findings, or r->error; *seen its own commit count (-1: none). */
static int
gitleaks_scan(struct orch_ctx *c, const struct gitleaks_probe *gp, const struct leak_target *t,
    const char *range, struct secrets_result *r, int *seen, struct orch_err *e)
{
	char report[ORCH_PATH_MAX_3];
	const char *argv[24];
	struct proc_result pr;

	if (tmp_path(c, "gitleaks.json", report, sizeof(report), e) < 0)
		return -1;
	gitleaks_argv(gp, t, range, report, argv);
	struct proc_spec s = tool_spec(c, argv, t->sc->dir, "gitleaks");
	s.env_extra = t->env;
	proc_run(&s, &pr);
	*seen = commits_scanned(buf_str(&pr.err));
	r->exit_code = proc_exit_code(&pr);
	str_copy(r->stderr_tail, sizeof(r->stderr_tail),
	    pr.err.len > SCAN_STDERR_SNIP ? buf_str(&pr.err) + pr.err.len - SCAN_STDERR_SNIP
					  : buf_str(&pr.err));
	gitleaks_judge(&pr, report, r);
	proc_result_free(&pr);
	unlink(report);
	return 0;
}

/* The commits in range (git rev-list --count), when gitleaks did not say. */
static int
range_count(struct git *g, const char *range, struct secrets_result *r)
{
	const char *cnt[] = { "rev-list", "--count", range, NULL };
	struct proc_result cr;
	char why[512];
	int n;

	git_run(g, cnt, &cr);
	if (cr.status != PROC_OK) {
		proc_describe(&cr, why, sizeof(why));
		snprintf(r->error, sizeof(r->error), "cannot count the commits of %s: git rev-list %s", range,
		    why);
		proc_result_free(&cr);
		return -1;
	}
	n = (int)strtol(buf_str(&cr.out), NULL, 10);
	proc_result_free(&cr);
	return n;
}

/*
 * A scan that failed with a cached probe runs again when a fresh probe
 * says otherwise, so the cache never changes a verdict: the probe's answer
 * is only the interface (git or detect), and a refusal is reported as an
 * uncached run would.
 */
static int
rescan_fresh(struct orch_ctx *c, struct gitleaks_probe *gp, const struct leak_target *t, const char *range,
    struct secrets_result *r, int *seen, struct orch_err *e)
{
	struct gitleaks_probe fresh;
	char key[17];

	probe_forget(c);
	if (scan_gitleaks_probe(c, &fresh) < 0) {
		secrets_result_free(r);
		snprintf(r->error, sizeof(r->error), "gitleaks unavailable: %s", fresh.error);
		return 0;
	}
	if (probe_key(key) == 0)
		probe_store(c, key, &fresh);
	if (fresh.use_git == gp->use_git)
		return 0;
	*gp = fresh;
	secrets_result_free(r);
	memset(r, 0, sizeof(*r));
	return gitleaks_scan(c, gp, t, range, r, seen, e);
}

/* "GIT_DIR=<repo's git directory>" into out: gitleaks' git finds the repository without entering it. */
static int
git_dir_env(const struct git *g, char *out, size_t n, struct secrets_result *r)
{
	const char *args[] = { "rev-parse", "--absolute-git-dir", NULL };
	struct proc_result pr;
	char why[512];
	int rc = 0;

	git_run(g, args, &pr);
	if (pr.status != PROC_OK || pr.out.len == 0) {
		proc_describe(&pr, why, sizeof(why));
		snprintf(r->error, sizeof(r->error),
		    "cannot find the git directory of '%s': git rev-parse %s", g->dir, why);
		rc = -1;
	} else if (str_fmt(out, n, "GIT_DIR=%s", str_trim(pr.out.data)) < 0) {
		snprintf(r->error, sizeof(r->error), "the git directory of '%s' has too long a path", g->dir);
		rc = -1;
	}
	proc_result_free(&pr);
	return rc;
}

int
scan_secrets(struct orch_ctx *c, const char *repo, const char *from, const char *to, int single,
    const struct scancfg *sc, struct secrets_result *r, struct orch_err *e)
{
	char sha[2][ORCH_SHA_BUF], range[100], why[512], gitdir[ORCH_PATH_MAX_1];
	const char *refs[2] = { from, to };
	/* the child's own lookups of a config must not find one: cleared (gitleaks reads "" as unset) */
	const char *env[] = { gitdir, "GITLEAKS_CONFIG=", "GITLEAKS_CONFIG_TOML=", GIT_HARDEN_ENV, NULL };
	struct leak_target t = { .sc = sc, .env = env };
	struct git g = { .dir = repo, .st = c->st };
	struct gitleaks_probe gp;
	int cached, seen = -1, two = from != NULL;

	memset(r, 0, sizeof(*r));
	r->exit_code = -1;
	if ((cached = probe_cached(c, &gp)) == 0 && !gp.ok) {
		snprintf(r->error, sizeof(r->error), "gitleaks unavailable: %s", gp.error);
		return 0;
	}
	/* verify the range ourselves (one git run for both ends): gitleaks 8.27+ exits 0 on a bad revision */
	if (git_resolve(&g, two ? refs : refs + 1, two ? 2 : 1, sha, e) < 0) {
		one_line(why, sizeof(why), e->msg);
		snprintf(r->error, sizeof(r->error), "cannot scan: %s", why);
		err_clear(e);
		return 0;
	}
	if (single || !from)
		snprintf(range, sizeof(range), single ? "-1 %s" : "%s", sha[two]);
	else
		snprintf(range, sizeof(range), "%s..%s", sha[0], sha[1]);
	if (git_dir_env(&g, gitdir, sizeof(gitdir), r) < 0)
		return 0;
	if (gitleaks_scan(c, &gp, &t, range, r, &seen, e) < 0 ||
	    (!r->ok && cached && rescan_fresh(c, &gp, &t, range, r, &seen, e) < 0))
		return -1;
	/* the count of commits actually scanned: gitleaks' own when it says, else the verified range's */
	if (r->ok && seen < 0 && !single &&
	    (seen = range_count(&g, single || !from ? sha[two] : range, r)) < 0) {
		r->ok = 0;
		secrets_result_free(r);
	}
	r->commits = r->ok ? (seen >= 0 ? seen : 1) : 0;
	one_line(why, sizeof(why), r->error);
	str_copy(r->error, sizeof(r->error), why);
	return 0;
}

static void
add_dep(struct deps_result *r, const char *pkg, const char *ver, const char *id, enum sev sev)
{
	struct dep_finding *nv = realloc(r->v, (r->n + 1) * sizeof(*r->v));

	if (nv == NULL)
		return;
	r->v = nv;
	memset(&r->v[r->n], 0, sizeof(*r->v));
	/* missing or empty fields show as "?": a finding is never a blank line */
	snprintf(r->v[r->n].package, sizeof(r->v[r->n].package), "%s", pkg && *pkg ? pkg : "?");
	snprintf(r->v[r->n].version, sizeof(r->v[r->n].version), "%s", ver && *ver ? ver : "?");
	snprintf(r->v[r->n].id, sizeof(r->v[r->n].id), "%s", id && *id ? id : "?");
	r->v[r->n].sev = sev;
	r->n++;
}

static const char *
js(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Append version v to the last finding's fixed versions (orch-fix reads them). */
static void
add_fix(struct deps_result *r, const char *v)
{
	char *f;
	size_t n;

	if (r->n == 0 || v == NULL || *v == '\0')
		return;
	f = r->v[r->n - 1].fixes;
	n = strlen(f);
	snprintf(f + n, sizeof(r->v[0].fixes) - n, "%s%s", n ? "," : "", v);
}

static int
parse_pip_audit(const char *text, struct deps_result *r)
{
	cJSON *json = cJSON_Parse(text);
	const cJSON *deps = cJSON_GetObjectItemCaseSensitive(json, "dependencies"), *d, *v;

	if (!cJSON_IsArray(deps)) {
		cJSON_Delete(json);
		return -1;
	}
	cJSON_ArrayForEach(d, deps)
		cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(d, "vulns")) {
			const cJSON *fx;
			add_dep(r, js(d, "name"), js(d, "version"), js(v, "id"), SEV_UNKNOWN);
			cJSON_ArrayForEach(fx, cJSON_GetObjectItemCaseSensitive(v, "fix_versions"))
				add_fix(r, cJSON_IsString(fx) ? fx->valuestring : NULL);
		}
	cJSON_Delete(json);
	return 0;
}

static enum sev
cvss_sev(const char *score)
{
	double s;
	char *end;

	if (score == NULL || *score == '\0')
		return SEV_UNKNOWN;
	s = strtod(score, &end);
	if (*end != '\0')
		return SEV_UNKNOWN;
	return s >= 9.0 ? SEV_CRITICAL
	    : s >= 7.0  ? SEV_HIGH
	    : s >= 4.0  ? SEV_MEDIUM
	    : s > 0     ? SEV_LOW
			: SEV_UNKNOWN;
}

static int
in_ids(const cJSON *ids, const char *id)
{
	const cJSON *x;

	cJSON_ArrayForEach(x, ids)
		if (id && cJSON_IsString(x) && strcmp(x->valuestring, id) == 0)
			return 1;
	return 0;
}

static int
parse_osv(const char *text, struct deps_result *r)
{
	cJSON *json = cJSON_Parse(text);
	const cJSON *results = cJSON_GetObjectItemCaseSensitive(json, "results"), *res, *p, *g, *v;

	if (!cJSON_IsArray(results)) {
		cJSON_Delete(json);
		return -1;
	}
	cJSON_ArrayForEach(res, results)
		cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(res, "packages")) {
			const cJSON *pkg = cJSON_GetObjectItemCaseSensitive(p, "package");
			cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(p, "groups")) {
				enum sev sev = cvss_sev(js(g, "max_severity"));
				const cJSON *ids = cJSON_GetObjectItemCaseSensitive(g, "ids");
				const char *id =
				    cJSON_IsArray(ids) && cJSON_IsString(cJSON_GetArrayItem(ids, 0))
				    ? cJSON_GetArrayItem(ids, 0)->valuestring
				    : NULL;
				if (sev == SEV_UNKNOWN) /* fall back to the advisories' own word */
					cJSON_ArrayForEach(
					    v, cJSON_GetObjectItemCaseSensitive(p, "vulnerabilities")) {
						const char *w = js(
						    cJSON_GetObjectItemCaseSensitive(v, "database_specific"),
						    "severity");
						int lv = w ? sev_parse(w) : -1;
						if (lv > (int)sev && in_ids(ids, js(v, "id")))
							sev = (enum sev)lv;
					}
				add_dep(r, js(pkg, "name"), js(pkg, "version"), id, sev);
				/* fixed versions: vulnerabilities[].affected[].ranges[].events[].fixed */
				cJSON_ArrayForEach(
				    v, cJSON_GetObjectItemCaseSensitive(p, "vulnerabilities")) {
					const cJSON *af, *rg, *ev;
					if (!in_ids(ids, js(v, "id")))
						continue;
					cJSON_ArrayForEach(
					    af, cJSON_GetObjectItemCaseSensitive(v, "affected"))
						cJSON_ArrayForEach(
						    rg, cJSON_GetObjectItemCaseSensitive(af, "ranges"))
							cJSON_ArrayForEach(ev,
							    cJSON_GetObjectItemCaseSensitive(rg, "events"))
								add_fix(r, js(ev, "fixed"));
				}
			}
		}
	cJSON_Delete(json);
	return 0;
}

static int
installed(struct orch_ctx *c, const char *tool)
{
	const char *argv[] = { tool, "--version", NULL };
	struct proc_spec s = tool_spec(c, argv, NULL, tool);
	struct proc_result r;
	int ok;

	/* a presence check is a run like any other: it counts in the tool's metrics */
	s.timeout_ms = 30000;
	proc_run(&s, &r);
	ok = r.status != PROC_NOT_FOUND && r.status != PROC_SPAWN_ERROR;
	proc_result_free(&r);
	return ok;
}

/* An audit tool that gave no answer: degraded, with what it said (its last ERROR: line). */
static void
deps_degraded(struct deps_result *r, const char *engine, const struct proc_result *pr)
{
	const char *err = buf_str(&pr->err), *nl;
	char why[512];

	r->degraded = 1;
	deps_result_free(r);
	proc_describe(pr, why, sizeof(why));
	while ((nl = strstr(err, "ERROR:")) && nl != err)
		err = nl;
	snprintf(r->note, sizeof(r->note), "%s %s%s%.200s", engine,
	    pr->status == PROC_NOT_FOUND ? "is not installed" : why, *err ? ": " : "", err);
	for (char *q = r->note; *q; q++)
		if (*q == '\n')
			*q = ' ';
}

int
scan_deps(struct orch_ctx *c, const char *repo, const char *ref, struct deps_result *r, struct orch_err *e)
{
	const char *engine = c->cfg->security_dep_engine;
	struct git g = { .dir = repo, .st = c->st };
	char manifest[ORCH_PATH_MAX_3], dir[ORCH_PATH_MAX_2];
	struct proc_result pr;
	struct buf req;
	int rc;

	if (strcmp(engine, "osv") == 0) /* the built-in engine: every lockfile, the OSV API (osv.h) */
		return osv_audit(c, repo, ref, r, e);
	memset(r, 0, sizeof(*r));
	buf_init(&req, BUF_MIB);
	rc = git_read_artifact(&g, ref, SCAN_DEPS_MANIFEST, BUF_MIB, &req, e);
	if (rc == GIT_FAILED) {
		buf_free(&req);
		return -1;
	}
	if (rc < 0) {
		buf_free(&req);
		snprintf(r->note, sizeof(r->note),
		    strstr(e->msg, "missing") ? "no requirements.txt: nothing to audit"
					      : "requirements.txt not audited: %s",
		    e->msg);
		err_clear(e);
		return 0;
	}
	/*
	 * the committed blob alone, in a directory of its own that is also the
	 * tools' working directory: a `-r other.txt` or `-e ./pkg` in it, or an
	 * osv-scanner.toml beside it, finds nothing of the work tree or of orch's
	 */
	if (tmp_dir(c, "deps", dir, sizeof(dir), e) < 0) {
		buf_free(&req);
		return -1;
	}
	if (str_fmt(manifest, sizeof(manifest), "%s/%s", dir, SCAN_DEPS_MANIFEST) < 0 ||
	    atomic_write_file(manifest, &req, e) < 0) {
		buf_free(&req);
		rmdir(dir);
		return e->code
		    ? -1
		    : err_set(e, EX_IOERR, "the path of '%s' is too long; use a shorter orch home", dir);
	}
	buf_free(&req);
	if (strcmp(engine, "auto") == 0)
		engine = installed(c, "osv-scanner") ? "osv-scanner" : "pip-audit";
	snprintf(r->engine, sizeof(r->engine), "%s", engine);
	if (strcmp(engine, "osv-scanner") == 0) {
		const char *argv[] = { "osv-scanner", "scan", "source", "-L", manifest, "--format", "json",
			NULL };
		struct proc_spec s = tool_spec(c, argv, dir, "osv-scanner");
		s.observe = NULL; /* recorded below, once the report says whether it answered */
		proc_run(&s, &pr);
		if (pr.status == PROC_EXIT_NONZERO && pr.exit_code == 128)
			r->audited = 1; /* no packages found */
		else if ((pr.status == PROC_OK || (pr.status == PROC_EXIT_NONZERO && pr.exit_code == 1)) &&
		    parse_osv(buf_str(&pr.out), r) == 0)
			r->audited = 1;
	} else {
		const char *argv[] = { "pip-audit", "-r", manifest, "-f", "json", "--progress-spinner", "off",
			NULL };
		struct proc_spec s = tool_spec(c, argv, dir, "pip-audit");
		s.observe = NULL;
		proc_run(&s, &pr);
		/* exit 1 is findings OR a fatal error: only the JSON tells them apart */
		if ((pr.status == PROC_OK || (pr.status == PROC_EXIT_NONZERO && pr.exit_code == 1)) &&
		    parse_pip_audit(buf_str(&pr.out), r) == 0)
			r->audited = 1;
	}
	/* exit 1 is findings (and for pip-audit also a fatal error): a failure is an audit with no answer */
	pr.failed = !r->audited;
	if (c->st)
		store_tool_observe(c->st, engine, &pr);
	if (!r->audited)
		deps_degraded(r, engine, &pr);
	proc_result_free(&pr);
	unlink(manifest);
	rmdir(dir);
	return 0;
}

/* The report parsers on their own, for tests and tests/fuzz (scan.h). */
int
scan_parse_gitleaks(const char *text, size_t len, struct secrets_result *r)
{
	return parse_findings(text, len, r);
}

int
scan_parse_pip_audit(const char *text, struct deps_result *r)
{
	return parse_pip_audit(text, r);
}

int
scan_parse_osv(const char *text, struct deps_result *r)
{
	return parse_osv(text, r);
}
