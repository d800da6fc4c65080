/*
 * The lockfile parsers (lockfile.h): each format's pins, from the text alone.
 * A parse that fails leaves the set as it was (lockset_truncate).
 */
#include "lockfile.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toml.h"

static const struct {
	const char *name;
	enum lock_kind k;
} names[] = {
	{ "package-lock.json", LOCK_NPM },
	{ "npm-shrinkwrap.json", LOCK_NPM },
	{ "Pipfile.lock", LOCK_PIPFILE },
	{ "poetry.lock", LOCK_POETRY },
	{ "uv.lock", LOCK_UV },
	{ "Cargo.lock", LOCK_CARGO },
	{ "go.mod", LOCK_GOMOD },
};

enum lock_kind
lockfile_kind(const char *path)
{
	const char *b = strrchr(path, '/');
	size_t i, n;

	b = b ? b + 1 : path;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(b, names[i].name) == 0)
			return names[i].k;
	n = strlen(b);
	if (strncmp(b, "requirements", 12) == 0 && n >= 16 && strcmp(b + n - 4, ".txt") == 0)
		return LOCK_REQUIREMENTS;
	return LOCK_NONE;
}

const char *
lockfile_kind_name(enum lock_kind k)
{
	static const char *const n[] = { "none", "requirements", "package-lock", "Pipfile.lock",
		"poetry.lock", "uv.lock", "Cargo.lock", "go.mod" };

	return (unsigned)k < sizeof(n) / sizeof(n[0]) ? n[k] : "?";
}

void
lockset_free(struct lockset *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

void
lock_pypi_name(const char *in, size_t len, char *out, size_t n)
{
	size_t o = 0, i;

	if (n == 0)
		return;
	for (i = 0; i < len && o + 1 < n; i++) {
		char c = in[i];
		if (c == '-' || c == '_' || c == '.') {
			while (i + 1 < len && (in[i + 1] == '-' || in[i + 1] == '_' || in[i + 1] == '.'))
				i++;
			c = '-';
		} else if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		out[o++] = c;
	}
	out[o] = '\0';
}

/* Append one pin; -1 with why when a field is over its cap (or out of memory). */
static int
add(struct lockset *s, const char *eco, const char *name, size_t nl, const char *ver, size_t vl,
    const char *file, int line, int pinned, char *why, size_t wn)
{
	struct lockpkg *p;

	if (nl == 0 || nl >= sizeof(p->name) || vl >= sizeof(p->version)) {
		snprintf(why, wn, "line %d: %s '%.40s' %s", line,
		    nl ? "the name or version of" : "an empty name", name, nl ? "is too long" : "");
		return -1;
	}
	for (size_t i = 0; i < nl + vl; i++) {
		unsigned char c = (unsigned char)(i < nl ? name[i] : ver[i - nl]);
		if (c < 0x20 || c == 0x7f) {
			snprintf(why, wn, "line %d: a control byte in a package name or version", line);
			return -1;
		}
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct lockpkg *nv = realloc(s->v, cap * sizeof(*nv));
		if (nv == NULL) {
			snprintf(why, wn, "out of memory");
			return -1;
		}
		s->v = nv;
		s->cap = cap;
	}
	p = &s->v[s->n];
	memset(p, 0, sizeof(*p));
	snprintf(p->eco, sizeof(p->eco), "%s", eco);
	if (strcmp(eco, "PyPI") == 0)
		lock_pypi_name(name, nl, p->name, sizeof(p->name));
	else
		memcpy(p->name, name, nl);
	if (vl)
		memcpy(p->version, ver, vl);
	snprintf(p->file, sizeof(p->file), "%s", file);
	p->line = line;
	p->pinned = pinned;
	s->n++;
	return 0;
}

/* The line of the first occurrence of needle at or after *pos in text (moving *pos there); 0 when absent. */
static int
line_after(const char *text, size_t len, size_t *pos, int *line, const char *needle)
{
	const char *hit;

	if (*pos > len || (hit = memmem(text + *pos, len - *pos, needle, strlen(needle))) == NULL)
		return 0;
	for (; text + *pos < hit; (*pos)++)
		*line += text[*pos] == '\n';
	return *line;
}

/* ---- requirements*.txt ---- */

static const char *const pip_ignored[] = { "-c", "--constraint", "-i", "--index-url", "--extra-index-url",
	"--no-index", "-f", "--find-links", "--pre", "--trusted-host", "--prefer-binary", "--require-hashes",
	"--only-binary", "--no-binary", "--use-feature", "--hash", "--config-settings", "--global-option",
	"--use-pep517", "--no-build-isolation", NULL };

/* dir(from)/rel, with "." and ".." resolved, into out; -1 when it leaves the repository. */
static int
include_path(const char *from, const char *rel, char *out, size_t n)
{
	char tmp[512];
	const char *slash = strrchr(from, '/');
	char *seg, *save = NULL;
	size_t o = 0;

	if (*rel == '/' || strlen(rel) + strlen(from) + 2 > sizeof(tmp))
		return -1;
	snprintf(tmp, sizeof(tmp), "%.*s%s%s", slash ? (int)(slash - from) : 0, from, slash ? "/" : "", rel);
	out[0] = '\0';
	for (seg = strtok_r(tmp, "/", &save); seg; seg = strtok_r(NULL, "/", &save)) {
		if (strcmp(seg, ".") == 0)
			continue;
		if (strcmp(seg, "..") == 0) {
			char *up = strrchr(out, '/');
			if (o == 0)
				return -1;
			o = up ? (size_t)(up - out) : 0;
			out[o] = '\0';
			continue;
		}
		if (o + strlen(seg) + 2 > n)
			return -1;
		o += (size_t)snprintf(out + o, n - o, "%s%s", o ? "/" : "", seg);
	}
	return o ? 0 : -1;
}

/* An option line (it starts with '-'): an include, an editable install, or one pip knows. */
static int
req_option(const char *path, char *ln, int line, struct lockset *s, char *why, size_t wn)
{
	char *val = ln + strcspn(ln, " \t=");
	size_t i;

	if (*val)
		*val++ = '\0';
	val += strspn(val, " \t=");
	if (strncmp(ln, "-r", 2) == 0 && ln[2] && ln[2] != '-') { /* -rfile */
		val = ln + 2;
		ln[2] = '\0';
	}
	if (strcmp(ln, "-r") == 0 || strcmp(ln, "--requirement") == 0) {
		val[strcspn(val, " \t")] = '\0'; /* one argument, as pip splits the line */
		if (s->nincludes >= LOCK_MAX_INCLUDES ||
		    include_path(path, val, s->includes[s->nincludes], sizeof(s->includes[0])) < 0) {
			snprintf(why, wn,
			    "line %d: -r '%.80s' is outside the repository or one include too many", line,
			    val);
			return -1;
		}
		s->nincludes++;
		return 0;
	}
	if (strcmp(ln, "-e") == 0 || strcmp(ln, "--editable") == 0) {
		const char *egg = strstr(val, "#egg=");
		const char *nm = egg ? egg + 5 : "editable-install";
		return add(s, "PyPI", nm, strcspn(nm, "&[ "), "editable", 8, path, line, 0, why, wn);
	}
	for (i = 0; pip_ignored[i]; i++)
		if (strcmp(ln, pip_ignored[i]) == 0)
			return 0;
	snprintf(why, wn, "line %d: unknown option '%.40s' (pip refuses it too)", line, ln);
	return -1;
}

/* The specifier after the name: a pin (== or === one version) or kept as unpinned. */
static int
req_spec(
    const char *path, const char *name, size_t nl, char *r, int line, struct lockset *s, char *why, size_t wn)
{
	char spec[64];
	size_t o = 0;

	r[strcspn(r, ";")] = '\0'; /* the marker: audited whatever it says */
	for (char *opt = r; (opt = strstr(opt, "--")) != NULL; opt++)
		if (opt == r || opt[-1] == ' ' || opt[-1] == '\t') {
			*opt = '\0'; /* per-requirement options (--hash=...) */
			break;
		}
	r += strspn(r, " \t(");
	for (; *r; r++) {
		if (*r == ' ' || *r == '\t' || *r == ')')
			continue;
		if (!strchr(
			"<>=!~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.*+,_-@:/", *r)) {
			snprintf(
			    why, wn, "line %d: '%c' in the specifier of '%.*s'", line, *r, (int)nl, name);
			return -1;
		}
		if (o + 1 >= sizeof(spec)) {
			snprintf(
			    why, wn, "line %d: the specifier of '%.*s' is too long", line, (int)nl, name);
			return -1;
		}
		spec[o++] = *r;
	}
	spec[o] = '\0';
	if (spec[0] == '@') /* name @ URL: not a registry pin */
		return add(s, "PyPI", name, nl, "URL", 3, path, line, 0, why, wn);
	if (strncmp(spec, "==", 2) == 0 && !strpbrk(spec + 2, "<>!~,*@:/") && spec[2 + (spec[2] == '=')]) {
		const char *v = spec + 2 + (spec[2] == '=');
		return add(s, "PyPI", name, nl, v, strlen(v), path, line, 1, why, wn);
	}
	return add(s, "PyPI", name, nl, spec, o, path, line, 0, why, wn);
}

/* One logical line (comments still in it). */
static int
req_line(const char *path, char *ln, int line, struct lockset *s, char *why, size_t wn)
{
	char *p, *end;
	size_t nl;

	for (p = ln; (p = strchr(p, '#')) != NULL; p++)
		if (p == ln || p[-1] == ' ' || p[-1] == '\t') {
			*p = '\0';
			break;
		}
	ln += strspn(ln, " \t");
	for (end = ln + strlen(ln); end > ln && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'); end--)
		*(end - 1) = '\0';
	if (*ln == '\0')
		return 0;
	if (*ln == '-')
		return req_option(path, ln, line, s, why, wn);
	nl = strcspn(ln, " \t;@");
	if (*ln == '.' || *ln == '/' ||
	    memmem(ln, nl, "://", 3)) { /* a path or URL: nothing to look up by name */
		size_t k = strcspn(ln, " \t;");
		return add(s, "PyPI", ln, k > 100 ? 100 : k, "path-or-URL", 11, path, line, 0, why, wn);
	}
	nl = strspn(ln, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");
	if (nl == 0) {
		snprintf(why, wn, "line %d: '%.40s' is not a requirement", line, ln);
		return -1;
	}
	p = ln + nl;
	p += strspn(p, " \t");
	if (*p == '[' && (p = strchr(p, ']')) == NULL) {
		snprintf(why, wn, "line %d: extras not closed with ']'", line);
		return -1;
	}
	if (*p == ']')
		p++;
	return req_spec(path, ln, nl, p, line, s, why, wn);
}

static int
parse_requirements(const char *path, const char *text, size_t len, struct lockset *s, char *why, size_t wn)
{
	const char *p = text, *end = text + len;
	char ln[8192];
	int line = 1;

	while (p < end) {
		int start = line, cont;
		size_t o = 0;
		do { /* one logical line: physical lines joined at a trailing backslash */
			const char *nl = memchr(p, '\n', (size_t)(end - p)), *e = nl ? nl : end;
			size_t l = (size_t)(e - p);
			if (memchr(p, '\0', l)) {
				snprintf(why, wn, "line %d: a NUL byte", line);
				return -1;
			}
			if (l && p[l - 1] == '\r')
				l--;
			cont = l && p[l - 1] == '\\';
			l -= (size_t)cont;
			if (o + l + 1 >= sizeof(ln)) {
				snprintf(why, wn, "line %d: longer than %zu bytes", start, sizeof(ln) - 1);
				return -1;
			}
			memcpy(ln + o, p, l);
			o += l;
			p = nl ? nl + 1 : end;
			line++;
		} while (cont && p < end);
		ln[o] = '\0';
		if (req_line(path, ln, start, s, why, wn) < 0)
			return -1;
	}
	return 0;
}

/* ---- package-lock.json, npm-shrinkwrap.json, Pipfile.lock (cJSON) ---- */

static cJSON *
json_doc(const char *text, size_t len, char *why, size_t wn)
{
	const char *end = NULL;
	cJSON *j = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	int line = 1;

	if (cJSON_IsObject(j))
		return j;
	cJSON_Delete(j);
	if (end == NULL)
		end = cJSON_GetErrorPtr();
	for (const char *p = text; end && p >= text && p < end && p < text + len; p++)
		line += *p == '\n';
	snprintf(why, wn, "line %d: not a JSON object", line);
	return NULL;
}

/* A version npm resolved from its registry: starts with a digit (git, file: and link versions do not). */
static int
npm_registry_version(const char *v)
{
	return v && *v >= '0' && *v <= '9';
}

static int
npm_packages(
    const char *path, const char *text, size_t len, const cJSON *pk, struct lockset *s, char *why, size_t wn)
{
	const cJSON *e;
	size_t pos = 0;
	int line = 1;

	cJSON_ArrayForEach(e, pk) {
		const char *key = e->string, *nm = NULL, *q, *ver;
		char needle[600];
		for (q = key; q && (q = strstr(q, "node_modules/")) != NULL; q += 13)
			nm = q + 13;
		if (nm == NULL || *key == '\0')
			continue; /* the root or a workspace directory: the project's own code */
		if (!cJSON_IsObject(e)) {
			snprintf(why, wn, "packages['%.80s'] is not an object", key);
			return -1;
		}
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "link")))
			continue;
		ver = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "version"));
		if (!npm_registry_version(ver))
			continue;
		snprintf(needle, sizeof(needle), "\"%s\"", key);
		if (add(s, "npm", nm, strlen(nm), ver, strlen(ver), path,
			line_after(text, len, &pos, &line, needle), 1, why, wn) < 0)
			return -1;
	}
	return 0;
}

static int
parse_npm(const char *path, const char *text, size_t len, struct lockset *s, char *why, size_t wn)
{
	cJSON *j = json_doc(text, len, why, wn);
	const cJSON *lv, *pk;
	int rc;

	if (j == NULL)
		return -1;
	lv = cJSON_GetObjectItemCaseSensitive(j, "lockfileVersion");
	pk = cJSON_GetObjectItemCaseSensitive(j, "packages");
	if (!cJSON_IsNumber(lv) || (lv->valueint != 2 && lv->valueint != 3)) {
		snprintf(why, wn,
		    cJSON_IsNumber(lv) && lv->valueint == 1
			? "lockfileVersion 1 (npm 6) is not read: "
			  "regenerate it with npm 7 or later"
			: "no lockfileVersion 2 or 3: not an npm lockfile orch reads");
		rc = -1;
	} else if (!cJSON_IsObject(pk)) {
		snprintf(why, wn, "no \"packages\" object: regenerate the lockfile with npm 7 or later");
		rc = -1;
	} else
		rc = npm_packages(path, text, len, pk, s, why, wn);
	cJSON_Delete(j);
	return rc;
}

static int
parse_pipfile(const char *path, const char *text, size_t len, struct lockset *s, char *why, size_t wn)
{
	static const char *const sect[] = { "default", "develop" };
	cJSON *j = json_doc(text, len, why, wn);
	size_t pos = 0, i;
	int line = 1, rc = 0;

	if (j == NULL)
		return -1;
	for (i = 0; i < 2 && rc == 0; i++) {
		const cJSON *o = cJSON_GetObjectItemCaseSensitive(j, sect[i]), *e;
		if (o == NULL)
			continue;
		if (!cJSON_IsObject(o)) {
			snprintf(why, wn, "\"%s\" is not an object", sect[i]);
			rc = -1;
			break;
		}
		cJSON_ArrayForEach(e, o) {
			const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "version"));
			char needle[300];
			if (v == NULL)
				continue; /* a git or path dependency: not on PyPI */
			snprintf(needle, sizeof(needle), "\"%s\"", e->string);
			line_after(text, len, &pos, &line, needle);
			if (strncmp(v, "==", 2) == 0)
				rc = add(s, "PyPI", e->string, strlen(e->string), v + 2, strlen(v + 2), path,
				    line, 1, why, wn);
			else
				rc = add(s, "PyPI", e->string, strlen(e->string), v, strlen(v), path, line, 0,
				    why, wn);
			if (rc < 0)
				break;
		}
	}
	cJSON_Delete(j);
	return rc;
}

/* ---- poetry.lock, uv.lock, Cargo.lock (toml.h) ---- */

struct tl {
	enum lock_kind k;
	const char *path;
	struct lockset *s;
	char *why;
	size_t wn;
	int in_pkg, local, registry, line;
	char name[256], version[256], source[256];
};

/* The [[package]] just read, when it is a registry pin. */
static int
tl_flush(struct tl *t)
{
	static const char *const crates[] = { "registry+https://github.com/rust-lang/crates.io-index",
		"sparse+https://index.crates.io/" };
	int keep;

	if (!t->in_pkg || !t->name[0] || !t->version[0])
		keep = 0;
	else if (t->k ==
	    LOCK_CARGO) /* no source: a workspace crate; git and other registries: not crates.io */
		keep = strcmp(t->source, crates[0]) == 0 || strcmp(t->source, crates[1]) == 0;
	else if (t->k == LOCK_UV)
		keep = t->registry && !t->local;
	else
		keep = !t->local;
	t->in_pkg = t->local = t->registry = 0;
	if (!keep)
		return 0;
	return add(t->s, t->k == LOCK_CARGO ? "crates.io" : "PyPI", t->name, strlen(t->name), t->version,
	    strlen(t->version), t->path, t->line, 1, t->why, t->wn);
}

static int
tl_copy(struct tl *t, char *dst, size_t n, const char *v, int line)
{
	if (v == NULL || strlen(v) >= n) {
		snprintf(t->why, t->wn, "line %d: a package name, version or source too long", line);
		return 1;
	}
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

static int
tl_cb(void *ctx, const char *table, int is_array, const char *key, const char *v, int line)
{
	static const char *const local_src[] = { "source.editable", "source.virtual", "source.git",
		"source.path", "source.directory", "source.url", NULL };
	struct tl *t = ctx;
	size_t i;

	if (key == NULL) { /* a header */
		if (strcmp(table, "package") == 0 && is_array) {
			if (tl_flush(t) < 0)
				return 1;
			t->in_pkg = 1;
			t->name[0] = t->version[0] = t->source[0] = '\0';
		} else if (strncmp(table, "package.", 8) != 0 && tl_flush(t) < 0)
			return 1;
		return 0;
	}
	if (!t->in_pkg)
		return 0;
	if (strcmp(table, "package.source") == 0 && strcmp(key, "type") == 0 && v && strcmp(v, "legacy") != 0)
		t->local = 1; /* poetry: git, directory, file or url */
	if (strcmp(table, "package") != 0)
		return 0;
	if (strcmp(key, "name") == 0)
		return tl_copy(t, t->name, sizeof(t->name), v, line);
	if (strcmp(key, "version") == 0) {
		t->line = line;
		return tl_copy(t, t->version, sizeof(t->version), v, line);
	}
	if (strcmp(key, "source") == 0)
		return tl_copy(t, t->source, sizeof(t->source), v, line);
	if (strcmp(key, "source.registry") == 0)
		t->registry = 1;
	for (i = 0; local_src[i]; i++)
		t->local |= strcmp(key, local_src[i]) == 0;
	return 0;
}

static int
parse_toml_lock(
    enum lock_kind k, const char *path, const char *text, size_t len, struct lockset *s, char *why, size_t wn)
{
	struct tl t = { .k = k, .path = path, .s = s, .why = why, .wn = wn };
	char twhy[240];
	int rc;

	if (memchr(text, '\0', len)) {
		snprintf(why, wn, "a NUL byte: not TOML");
		return -1;
	}
	why[0] = '\0';
	rc = toml_walk(text, len, tl_cb, &t, twhy, sizeof(twhy));
	if (rc == 0)
		rc = tl_flush(&t);
	else if (why[0] == '\0') /* the reader's own reason (else the callback's, already in why) */
		snprintf(why, wn, "%s", twhy);
	return rc ? -1 : 0;
}

/* ---- go.mod ---- */

/* Split ln (comments cut) into at most 4 whitespace-separated tokens, quotes stripped; their count. */
static int
go_tokens(char *ln, char *tok[4])
{
	char *c = strstr(ln, "//");
	int n = 0;

	if (c)
		*c = '\0';
	while (n < 4) {
		ln += strspn(ln, " \t\r");
		if (*ln == '\0')
			break;
		if (*ln == '"' || *ln == '`') {
			char q = *ln++;
			tok[n++] = ln;
			if ((ln = strchr(ln, q)) == NULL)
				return -1;
		} else {
			tok[n++] = ln;
			ln += strcspn(ln, " \t\r");
		}
		if (*ln)
			*ln++ = '\0';
	}
	ln += strspn(ln, " \t\r");
	return *ln ? -1 : n;
}

static int
go_require(const char *path, char **tok, int n, int line, struct lockset *s, char *why, size_t wn)
{
	if (n != 2 || tok[1][0] != 'v' || tok[1][1] < '0' || tok[1][1] > '9') {
		snprintf(why, wn, "line %d: a require is 'module/path vX.Y.Z'", line);
		return -1;
	}
	return add(s, "Go", tok[0], strlen(tok[0]), tok[1] + 1, strlen(tok[1] + 1), path, line, 1, why, wn);
}

/* One line outside a block: a directive, maybe opening one. */
static int
go_directive(
    const char *path, char *tok[4], int n, int line, int *block, struct lockset *s, char *why, size_t wn)
{
	static const char *const known[] = { "module", "go", "toolchain", "godebug", "require", "replace",
		"exclude", "retract", "tool", "ignore", NULL };
	int i;

	for (i = 0; known[i] && strcmp(known[i], tok[0]) != 0; i++)
		;
	if (known[i] == NULL) {
		snprintf(why, wn, "line %d: unknown directive '%.40s'", line, tok[0]);
		return -1;
	}
	if (n == 2 && strcmp(tok[1], "(") == 0) {
		*block = strcmp(tok[0], "require") == 0 ? 1 : 2;
		return 0;
	}
	if (strcmp(tok[0], "require") == 0)
		return go_require(path, tok + 1, n - 1, line, s, why, wn);
	return 0;
}

static int
parse_gomod(const char *path, const char *text, size_t len, struct lockset *s, char *why, size_t wn)
{
	const char *p = text, *end = text + len;
	int line = 0, block = 0; /* 1 require ( ... ), 2 another block */
	char ln[4096], *tok[4];

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *e = nl ? nl : end;
		int n;
		line++;
		if ((size_t)(e - p) >= sizeof(ln) || memchr(p, '\0', (size_t)(e - p))) {
			snprintf(why, wn, "line %d: too long or a NUL byte", line);
			return -1;
		}
		memcpy(ln, p, (size_t)(e - p));
		ln[e - p] = '\0';
		p = nl ? nl + 1 : end;
		if ((n = go_tokens(ln, tok)) < 0) {
			snprintf(why, wn, "line %d: not a go.mod line", line);
			return -1;
		}
		if (n == 0)
			continue;
		if (block && n == 1 && strcmp(tok[0], ")") == 0)
			block = 0;
		else if (block == 1 && go_require(path, tok, n, line, s, why, wn) < 0)
			return -1;
		else if (!block && go_directive(path, tok, n, line, &block, s, why, wn) < 0)
			return -1;
	}
	if (block) {
		snprintf(why, wn, "line %d: a block is not closed with ')'", line);
		return -1;
	}
	return 0;
}

int
lockfile_parse(
    enum lock_kind k, const char *path, const char *text, size_t len, struct lockset *s, char *why, size_t wn)
{
	size_t before = s->n;
	int rc;

	if (len > LOCK_MAX_TEXT) {
		snprintf(why, wn, "%zu bytes, over the %d-byte limit", len, LOCK_MAX_TEXT);
		return -1;
	}
	s->nincludes = 0;
	switch (k) {
	case LOCK_REQUIREMENTS: rc = parse_requirements(path, text, len, s, why, wn); break;
	case LOCK_NPM: rc = parse_npm(path, text, len, s, why, wn); break;
	case LOCK_PIPFILE: rc = parse_pipfile(path, text, len, s, why, wn); break;
	case LOCK_POETRY:
	case LOCK_UV:
	case LOCK_CARGO: rc = parse_toml_lock(k, path, text, len, s, why, wn); break;
	case LOCK_GOMOD: rc = parse_gomod(path, text, len, s, why, wn); break;
	default: snprintf(why, wn, "not a lockfile orch reads"); rc = -1;
	}
	if (rc < 0) {
		s->n = before;
		s->nincludes = 0;
	}
	return rc;
}
