#include "scan.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
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
#include "proc.h"
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
		return SEV_MEDIUM;	/* GHSA's word for it */
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
	char dir[4200], rnd[17];

	if (str_fmt(dir, sizeof(dir), "%s/runs/tmp", c->cfg->home) < 0 || mkdir_p(dir, 0700) < 0 ||
	    random_hex(rnd, 8) < 0 || str_fmt(out, n, "%s/%s-%s", dir, rnd, name) < 0)
		return err_set(e, EX_IOERR, "cannot make a temp file under '%s/runs/tmp'", c->cfg->home);
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
		.argv = argv, .cwd = cwd, .timeout_ms = c->cfg->security_scan_timeout_s * 1000,
		.out_cap = SCAN_REPORT_CAP, .tool = tool, .observe = store_tool_observe, .observe_ctx = c->st,
	};
	return s;
}

/* gitleaks version -> major*1000 + minor; -1 with why. */
static int
gitleaks_version(struct orch_ctx *c, char *why, size_t wn)
{
	const char *argv[] = { "gitleaks", "version", NULL };
	struct proc_spec s = tool_spec(c, argv, NULL, "gitleaks");
	struct proc_result r;
	int maj, min, v = -1;
	const char *p;

	s.timeout_ms = 30000;
	proc_run(&s, &r);
	if (r.status != PROC_OK) {
		proc_describe(&r, why, wn);
	} else {
		p = buf_str(&r.out);
		while (*p == ' ' || *p == 'v' || *p == '\n')
			p++;
		if (sscanf(p, "%d.%d", &maj, &min) == 2 && maj >= 8)
			v = maj * 1000 + min;
		else
			snprintf(why, wn, "cannot read the gitleaks version from '%.40s'; gitleaks 8 is required", p);
	}
	proc_result_free(&r);
	return v;
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
	r->v = calloc((size_t)cJSON_GetArraySize(json) + 1, sizeof(*r->v));
	cJSON_ArrayForEach(it, json) {
		struct secret_finding *f = &r->v[i];
		const cJSON *line = cJSON_GetObjectItemCaseSensitive(it, "StartLine");
		for (k = 0; need[k]; k++)
			if (!cJSON_GetObjectItemCaseSensitive(it, need[k]) ||
			    (k != 3 && !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(it, need[k])))) {
				snprintf(r->error, sizeof(r->error), "gitleaks finding %zu lacks the field %s", i + 1, need[k]);
				cJSON_Delete(json);
				secrets_result_free(r);
				return -1;
			}
		str_copy(f->rule, sizeof(f->rule), cJSON_GetObjectItem(it, "RuleID")->valuestring);
		/* a file name is shown, never used as a path: keep it printable */
		snprintf(f->file, sizeof(f->file), "%s", cJSON_GetObjectItem(it, "File")->valuestring);
		for (char *q = f->file; *q; q++)
			if ((unsigned char)*q < 0x20)
				*q = '?';
		snprintf(f->commit, sizeof(f->commit), "%s", cJSON_GetObjectItem(it, "Commit")->valuestring);
		snprintf(f->fingerprint, sizeof(f->fingerprint), "%s", cJSON_GetObjectItem(it, "Fingerprint")->valuestring);
		/* range-checked before the cast: 1e20 or inf in a report is no line (and no UB) */
		f->line = cJSON_IsNumber(line) && line->valuedouble >= 0 && line->valuedouble <= 1e9 ?
		    (long)line->valuedouble : 0;
		/* --redact leaves "REDACTED"; anything else is cut to a 4-character prefix */
		{
			const char *sec = cJSON_IsString(cJSON_GetObjectItem(it, "Secret")) ?
			    cJSON_GetObjectItem(it, "Secret")->valuestring : "";
			if (strlen(sec) >= 12 && strcmp(sec, "REDACTED") != 0)
				snprintf(f->masked, sizeof(f->masked), "%.4s****", sec);
			else
				snprintf(f->masked, sizeof(f->masked), "****");
		}
		if (f->fingerprint[0] == '\0')
			snprintf(f->fingerprint, sizeof(f->fingerprint), "%s:%s:%s:%ld", f->commit, f->file, f->rule, f->line);
		i++;
	}
	r->n = i;
	cJSON_Delete(json);
	return 0;
}

int
scan_secrets(struct orch_ctx *c, const char *repo, const char *from, const char *to, int single,
    struct secrets_result *r, struct orch_err *e)
{
	char from_sha[41] = "", to_sha[41], range[100], report[4400], cfgpath[4200], why[512];
	struct git g = { .dir = repo, .st = c->st };
	struct proc_result pr;
	struct stat sb;
	struct buf rep;
	const char *argv[20];
	int ver, n = 0;

	memset(r, 0, sizeof(*r));
	if ((ver = gitleaks_version(c, why, sizeof(why))) < 0) {
		snprintf(r->error, sizeof(r->error), "gitleaks unavailable: %s", why);
		return 0;
	}
	/* verify the range ourselves: gitleaks 8.27+ exits 0 on a bad revision */
	if ((from && git_rev_parse(&g, from, from_sha, e) < 0) || git_rev_parse(&g, to, to_sha, e) < 0) {
		snprintf(r->error, sizeof(r->error), "cannot scan: %s", e->msg);
		err_clear(e);
		return 0;
	}
	if (single || !from)
		snprintf(range, sizeof(range), single ? "-1 %s" : "%s", to_sha);
	else
		snprintf(range, sizeof(range), "%s..%s", from_sha, to_sha);
	{
		const char *cnt[] = { "rev-list", "--count", from && !single ? range : to_sha, NULL };
		if (single)
			r->commits = 1;
		else {
			struct proc_result cr;
			git_run(&g, cnt, &cr);
			r->commits = cr.status == PROC_OK ? (int)strtol(buf_str(&cr.out), NULL, 10) : 0;
			proc_result_free(&cr);
		}
	}
	if (tmp_path(c, "gitleaks.json", report, sizeof(report), e) < 0)
		return -1;
	argv[n++] = "gitleaks";
	if (ver <= 8018) {
		argv[n++] = "detect";
		argv[n++] = "--source";
		argv[n++] = repo;
	} else {
		argv[n++] = "git";
		argv[n++] = repo;
	}
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
	if (str_fmt(cfgpath, sizeof(cfgpath), "%s/.gitleaks.toml", repo) == 0 && lstat(cfgpath, &sb) == 0 &&
	    S_ISREG(sb.st_mode)) {
		argv[n++] = "--config";
		argv[n++] = cfgpath;
	}
	argv[n] = NULL;
	struct proc_spec s = tool_spec(c, argv, repo, "gitleaks");
	proc_run(&s, &pr);
	buf_init(&rep, SCAN_REPORT_CAP);
	if (pr.status == PROC_EXIT_NONZERO && pr.exit_code != 2) {
		snprintf(r->error, sizeof(r->error), "gitleaks failed (exit %d): %.200s", pr.exit_code, buf_str(&pr.err));
	} else if (pr.status != PROC_OK && pr.status != PROC_EXIT_NONZERO) {
		proc_describe(&pr, why, sizeof(why));
		snprintf(r->error, sizeof(r->error), "gitleaks %s", why);
	} else if (strstr(buf_str(&pr.err), "[git]") || strstr(buf_str(&pr.out), "[git]")) {
		snprintf(r->error, sizeof(r->error), "gitleaks reported a git error (its exit code cannot be trusted): "
		    "%.200s", strstr(buf_str(&pr.err), "[git]") ? strstr(buf_str(&pr.err), "[git]") : "[git]");
	} else if (read_capped(report, &rep, why, sizeof(why)) < 0) {
		snprintf(r->error, sizeof(r->error), "gitleaks exited %d but %s", pr.exit_code, why);
	} else if (parse_findings(buf_str(&rep), rep.len, r) == 0) {
		if ((pr.exit_code == 2) != (r->n > 0))
			snprintf(r->error, sizeof(r->error), "gitleaks exit %d does not match its report (%zu findings)",
			    pr.exit_code, r->n);
		else
			r->ok = 1;
	}
	for (char *q = r->error; *q; q++)
		if (*q == '\n' || *q == '\r')
			*q = ' ';
	buf_free(&rep);
	proc_result_free(&pr);
	unlink(report);
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
	return s >= 9.0 ? SEV_CRITICAL : s >= 7.0 ? SEV_HIGH : s >= 4.0 ? SEV_MEDIUM : s > 0 ? SEV_LOW : SEV_UNKNOWN;
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
				const char *id = cJSON_IsArray(ids) && cJSON_IsString(cJSON_GetArrayItem(ids, 0)) ?
				    cJSON_GetArrayItem(ids, 0)->valuestring : NULL;
				if (sev == SEV_UNKNOWN)	/* fall back to the advisories' own word */
					cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(p, "vulnerabilities")) {
						const char *w = js(cJSON_GetObjectItemCaseSensitive(v, "database_specific"), "severity");
						int lv = w ? sev_parse(w) : -1;
						if (lv > (int)sev && in_ids(ids, js(v, "id")))
							sev = (enum sev)lv;
					}
				add_dep(r, js(pkg, "name"), js(pkg, "version"), id, sev);
				/* fixed versions: vulnerabilities[].affected[].ranges[].events[].fixed */
				cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(p, "vulnerabilities")) {
					const cJSON *af, *rg, *ev;
					if (!in_ids(ids, js(v, "id")))
						continue;
					cJSON_ArrayForEach(af, cJSON_GetObjectItemCaseSensitive(v, "affected"))
						cJSON_ArrayForEach(rg, cJSON_GetObjectItemCaseSensitive(af, "ranges"))
							cJSON_ArrayForEach(ev, cJSON_GetObjectItemCaseSensitive(rg, "events"))
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

	s.timeout_ms = 30000;
	s.observe = NULL;
	proc_run(&s, &r);
	ok = r.status != PROC_NOT_FOUND && r.status != PROC_SPAWN_ERROR;
	proc_result_free(&r);
	return ok;
}

int
scan_deps(struct orch_ctx *c, const char *repo, const char *ref, struct deps_result *r, struct orch_err *e)
{
	const char *engine = c->cfg->security_dep_engine;
	struct git g = { .dir = repo, .st = c->st };
	char manifest[4400], why[512];
	struct proc_result pr;
	struct buf req;
	int rc;

	memset(r, 0, sizeof(*r));
	buf_init(&req, BUF_MIB);
	rc = git_read_artifact(&g, ref, "requirements.txt", BUF_MIB, &req, why, sizeof(why), e);
	if (rc == -2) {
		buf_free(&req);
		return -1;
	}
	if (rc < 0) {
		buf_free(&req);
		snprintf(r->note, sizeof(r->note), strstr(why, "missing") ? "no requirements.txt: nothing to audit" :
		    "requirements.txt not audited: %s", why);
		return 0;
	}
	if (tmp_path(c, "requirements.txt", manifest, sizeof(manifest), e) < 0 ||
	    atomic_write_file(manifest, &req, e) < 0) {
		buf_free(&req);
		return -1;
	}
	buf_free(&req);
	if (strcmp(engine, "auto") == 0)
		engine = installed(c, "osv-scanner") ? "osv-scanner" : "pip-audit";
	snprintf(r->engine, sizeof(r->engine), "%s", engine);
	if (strcmp(engine, "osv-scanner") == 0) {
		const char *argv[] = { "osv-scanner", "scan", "source", "-L", manifest, "--format", "json", NULL };
		struct proc_spec s = tool_spec(c, argv, NULL, "osv-scanner");
		proc_run(&s, &pr);
		if (pr.status == PROC_EXIT_NONZERO && pr.exit_code == 128)
			r->audited = 1;	/* no packages found */
		else if ((pr.status == PROC_OK || (pr.status == PROC_EXIT_NONZERO && pr.exit_code == 1)) &&
		    parse_osv(buf_str(&pr.out), r) == 0)
			r->audited = 1;
	} else {
		const char *argv[] = { "pip-audit", "-r", manifest, "-f", "json", "--progress-spinner", "off", NULL };
		struct proc_spec s = tool_spec(c, argv, NULL, "pip-audit");
		proc_run(&s, &pr);
		/* exit 1 is findings OR a fatal error: only the JSON tells them apart */
		if ((pr.status == PROC_OK || (pr.status == PROC_EXIT_NONZERO && pr.exit_code == 1)) &&
		    parse_pip_audit(buf_str(&pr.out), r) == 0)
			r->audited = 1;
	}
	if (!r->audited) {
		const char *err = buf_str(&pr.err), *nl;
		r->degraded = 1;
		deps_result_free(r);
		proc_describe(&pr, why, sizeof(why));
		while ((nl = strstr(err, "ERROR:")) && nl != err)
			err = nl;
		snprintf(r->note, sizeof(r->note), "%s %s%s%.200s", engine, pr.status == PROC_NOT_FOUND ?
		    "is not installed" : why, *err ? ": " : "", err);
		for (char *q = r->note; *q; q++)
			if (*q == '\n')
				*q = ' ';
	}
	proc_result_free(&pr);
	unlink(manifest);
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
