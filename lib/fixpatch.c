#include "fixpatch.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fixplan.h"
#include "git.h"

#define MAX_LINES 200000

/* A file as lines; each line includes its '\n' when it has one. */
struct lines {
	const char **p;
	size_t *len;
	size_t n;
};

static int
lines_split(const char *s, size_t len, struct lines *l)
{
	size_t i, start = 0, cap = 64;

	l->n = 0;
	l->p = malloc(cap * sizeof(*l->p));
	l->len = malloc(cap * sizeof(*l->len));
	if (!l->p || !l->len)
		return -1;
	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != '\n')
			continue;
		if (i == len && start == len)
			break;
		if (l->n == cap) {
			const char **np;
			size_t *nl;
			if (cap >= MAX_LINES)
				return -1;
			cap *= 2;
			if ((np = realloc(l->p, cap * sizeof(*np))) == NULL)
				return -1;
			l->p = np;
			if ((nl = realloc(l->len, cap * sizeof(*nl))) == NULL)
				return -1;
			l->len = nl;
		}
		l->p[l->n] = s + start;
		l->len[l->n++] = (i < len ? i + 1 : i) - start;
		start = i + 1;
	}
	return 0;
}

static void
lines_free(struct lines *l)
{
	free(l->p);
	free(l->len);
	memset(l, 0, sizeof(*l));
}

/* Length of a line without its newline. */
static size_t
text_len(const struct lines *l, size_t i)
{
	return l->len[i] && l->p[i][l->len[i] - 1] == '\n' ? l->len[i] - 1 : l->len[i];
}

int
fixpatch_name_eq(const char *a, size_t alen, const char *b)
{
	size_t i = 0;

	while (i < alen && *b) {
		int sa = strchr("-_.", a[i]) != NULL, sb = strchr("-_.", *b) != NULL;
		if (sa && sb) {
			while (i < alen && strchr("-_.", a[i]))
				i++;
			while (*b && strchr("-_.", *b))
				b++;
			continue;
		}
		if (tolower((unsigned char)a[i]) != tolower((unsigned char)*b))
			return 0;
		i++, b++;
	}
	return i == alen && *b == '\0';
}

int
fixpatch_version_cmp(const char *a, const char *b)
{
	while (*a || *b) {
		unsigned long long x = 0, y = 0;
		const char *sa, *sb;
		size_t la, lb;
		while (isdigit((unsigned char)*a))
			x = x * 10 + (unsigned long long)(*a++ - '0');
		while (isdigit((unsigned char)*b))
			y = y * 10 + (unsigned long long)(*b++ - '0');
		if (x != y)
			return x < y ? -1 : 1;
		sa = a, sb = b;
		while (*a && *a != '.')
			a++;
		while (*b && *b != '.')
			b++;
		la = (size_t)(a - sa), lb = (size_t)(b - sb);
		/* a suffix (rc1, b2, dev0) is a pre-release: lower than none; post releases are higher */
		if (la != lb || strncmp(sa, sb, la) != 0) {
			int pa = la && strncmp(sa, "post", 4) != 0, pb = lb && strncmp(sb, "post", 4) != 0;
			if (!la || !lb)
				return la ? (pa ? -1 : 1) : (pb ? 1 : -1);
			int c = strncmp(sa, sb, la < lb ? la : lb);
			return c ? c : la < lb ? -1 : 1;
		}
		if (*a == '.')
			a++;
		if (*b == '.')
			b++;
	}
	return 0;
}

/* A PEP 508 requirement inside s[0..len): the spans orch rewrites. */
struct req {
	size_t name_start, name_end, spec_start, spec_end;
};

/* 1 found, 0 not a requirement, -1 cannot be pinned (why). */
static int
req_parse(const char *s, size_t len, struct req *q, int comments, char *why, size_t wn)
{
	size_t i = 0, j;

	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i == len || s[i] == '#' || s[i] == '-' || !(isalnum((unsigned char)s[i])))
		return 0;
	q->name_start = i;
	while (i < len && (isalnum((unsigned char)s[i]) || strchr("._-", s[i])))
		i++;
	q->name_end = i;
	j = i;
	while (j < len && (s[j] == ' ' || s[j] == '\t'))
		j++;
	if (j < len && s[j] == '[') {
		while (j < len && s[j] != ']')
			j++;
		if (j == len) {
			snprintf(why, wn, "unterminated extras");
			return -1;
		}
		i = j + 1;
	}
	q->spec_start = i;
	for (j = i; j < len && s[j] != ';' && !(comments && s[j] == '#'); j++)
		if (s[j] == '@') {
			snprintf(why, wn, "a direct reference (@ URL), not a version requirement");
			return -1;
		}
	while (j > i && (s[j - 1] == ' ' || s[j - 1] == '\t'))
		j--;
	q->spec_end = j;
	if (comments && len && s[len - 1] == '\\') {
		snprintf(why, wn, "continued on the next line with '\\'; join the line first");
		return -1;
	}
	return 1;
}

/* out += s with the requirement's version spec replaced by ==version. */
static int
req_rewrite(struct buf *out, const char *s, size_t len, const struct req *q, const char *version)
{
	if (buf_append(out, s, q->spec_start) < 0 || buf_printf(out, "==%s", version) < 0 ||
	    buf_append(out, s + q->spec_end, len - q->spec_end) < 0)
		return -1;
	return 0;
}

static int
spec_is(const char *s, const struct req *q, const char *version)
{
	char want[80];

	snprintf(want, sizeof(want), "==%s", version);
	return q->spec_end - q->spec_start == strlen(want) &&
	    strncmp(s + q->spec_start, want, strlen(want)) == 0;
}

static int
oom(char *why, size_t wn)
{
	snprintf(why, wn, "the patched file is over its size cap");
	return -1;
}

static int
req_txt(const struct fix_op *op, const struct lines *l, struct buf *out, char *why, size_t wn)
{
	size_t i, hit = 0, nhits = 0;
	struct req q, qh = { 0 };
	char sub[200];
	int rc;

	for (i = 0; i < l->n; i++) {
		size_t tl = text_len(l, i);
		if ((rc = req_parse(l->p[i], tl, &q, 1, sub, sizeof(sub))) == 0)
			continue;
		if (!fixpatch_name_eq(l->p[i] + q.name_start, q.name_end - q.name_start, op->package))
			continue;
		if (rc < 0)
			return snprintf(why, wn, "%s line %zu: %s", op->file, i + 1, sub), -1;
		if (memmem(l->p[i], tl, "--hash", 6))
			return snprintf(why, wn,
				   "%s line %zu is hash-pinned; regenerate the lock file instead", op->file,
				   i + 1),
			       -1;
		if (nhits++ == 0)
			hit = i, qh = q;
	}
	if (op->type == FIX_ADD) {
		if (nhits)
			return snprintf(why, wn,
				   "'%s' is already required in %s line %zu; use pin_dependency", op->package,
				   op->file, hit + 1),
			       -1;
		for (i = 0; i < l->n; i++)
			if (buf_append(out, l->p[i], l->len[i]) < 0)
				return oom(why, wn);
		if ((l->n && l->p[l->n - 1][l->len[l->n - 1] - 1] != '\n' && buf_puts(out, "\n") < 0) ||
		    buf_printf(out, "%s==%s\n", op->package, op->version) < 0)
			return oom(why, wn);
		return 0;
	}
	if (nhits == 0)
		return snprintf(why, wn, "no requirement line for '%s' in %s; use add_dependency to add one",
			   op->package, op->file),
		       -1;
	if (nhits > 1)
		return snprintf(why, wn, "'%s' is required on %zu lines of %s; pin it by hand", op->package,
			   nhits, op->file),
		       -1;
	if (spec_is(l->p[hit], &qh, op->version))
		return snprintf(why, wn, "'%s' is already pinned to %s in %s line %zu", op->package,
			   op->version, op->file, hit + 1),
		       -1;
	for (i = 0; i < l->n; i++) {
		if (i != hit) {
			if (buf_append(out, l->p[i], l->len[i]) < 0)
				return oom(why, wn);
		} else if (req_rewrite(out, l->p[i], l->len[i], &qh, op->version) < 0) {
			return oom(why, wn);
		}
	}
	return 0;
}

/* ---- pyproject.toml ---- */

enum tbl { T_OTHER, T_POETRY, T_PROJECT, T_OPTIONAL };

/* A table header line: 1 and the kind; 0 not a header. */
static int
toml_header(const char *s, size_t len, enum tbl *kind)
{
	char name[256];
	size_t i = 0, n = 0;

	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i == len || s[i] != '[')
		return 0;
	if (i + 1 < len && s[i + 1] == '[') {
		*kind = T_OTHER; /* an array of tables */
		return 1;
	}
	for (i++; i < len && s[i] != ']' && n + 1 < sizeof(name); i++)
		if (s[i] != ' ' && s[i] != '"' && s[i] != '\'')
			name[n++] = s[i];
	name[n] = '\0';
	*kind = T_OTHER;
	if (strcmp(name, "tool.poetry.dependencies") == 0 ||
	    strcmp(name, "tool.poetry.dev-dependencies") == 0 ||
	    (strncmp(name, "tool.poetry.group.", 18) == 0 && n > 31 &&
		strcmp(name + n - 13, ".dependencies") == 0))
		*kind = T_POETRY;
	else if (strcmp(name, "project") == 0)
		*kind = T_PROJECT;
	else if (strcmp(name, "project.optional-dependencies") == 0)
		*kind = T_OPTIONAL;
	return 1;
}

/* A hit: line i, the span [a, b) of a string's content to rewrite, how. */
struct hit {
	size_t line, a, b;
	int pep508;   /* the content is a PEP 508 requirement; else a bare Poetry version */
	struct req q; /* offsets relative to a, when pep508 */
};

struct pyproj {
	struct hit hits[8];
	size_t nhits;
	int poetry_table, poetry_last; /* line of the last entry of [tool.poetry.dependencies] */
	int arr_found, arr_open, arr_close, arr_last, arr_close_col; /* [project] dependencies */
	size_t arr_last_end; /* column after the last element's closing quote */
};

/* The end of a TOML string starting at s[i] (a quote): index after the closing quote, or 0. */
static size_t
toml_string_end(const char *s, size_t len, size_t i)
{
	char qc = s[i];

	for (i++; i < len; i++) {
		if (qc == '"' && s[i] == '\\') {
			i++;
			continue;
		}
		if (s[i] == qc)
			return i + 1;
	}
	return 0;
}

static void
add_hit(struct pyproj *pp, size_t line, size_t a, size_t b, int pep508, const struct req *q)
{
	if (pp->nhits < 8) {
		struct hit *h = &pp->hits[pp->nhits];
		h->line = line, h->a = a, h->b = b, h->pep508 = pep508;
		if (q)
			h->q = *q;
	}
	pp->nhits++;
}

/* A Poetry entry `name = "ver"` or `name = { version = "ver", ... }` for op's package. */
static void
poetry_line(const char *s, size_t len, size_t line, const struct fix_op *op, struct pyproj *pp)
{
	size_t i = 0, ks, ke, v;

	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i == len || s[i] == '#')
		return;
	if (s[i] == '"' || s[i] == '\'') {
		ks = i + 1;
		if ((ke = toml_string_end(s, len, i)) == 0)
			return;
		i = ke--;
	} else {
		ks = i;
		while (i < len && (isalnum((unsigned char)s[i]) || strchr("_-.", s[i])))
			i++;
		ke = i;
	}
	pp->poetry_last = (int)line;
	if (!fixpatch_name_eq(s + ks, ke - ks, op->package))
		return;
	while (i < len && (s[i] == ' ' || s[i] == '='))
		i++;
	if (i < len && (s[i] == '"' || s[i] == '\'')) {
		if ((v = toml_string_end(s, len, i)) != 0)
			add_hit(pp, line, i + 1, v - 1, 0, NULL);
		return;
	}
	if (i < len && s[i] == '{') {
		const char *ver = memmem(s + i, len - i, "version", 7);
		if (ver) {
			i = (size_t)(ver - s) + 7;
			while (i < len && (s[i] == ' ' || s[i] == '='))
				i++;
			if (i < len && (s[i] == '"' || s[i] == '\'') &&
			    (v = toml_string_end(s, len, i)) != 0) {
				add_hit(pp, line, i + 1, v - 1, 0, NULL);
				return;
			}
		}
	}
	add_hit(pp, line, 0, 0, -1, NULL); /* named, but not by a version string */
}

/* Scan a PEP 621 array from line li column col (just after '['); returns the line where it closes. */
static size_t
pep621_array(
    const struct lines *l, size_t li, size_t col, int main_deps, const struct fix_op *op, struct pyproj *pp)
{
	char sub[200];

	for (; li < l->n; li++, col = 0) {
		const char *s = l->p[li];
		size_t len = text_len(l, li), i, e;
		for (i = col; i < len; i++) {
			if (s[i] == '#')
				break;
			if (s[i] == ']') {
				if (main_deps)
					pp->arr_close = (int)li, pp->arr_close_col = (int)i;
				return li;
			}
			if (s[i] != '"' && s[i] != '\'')
				continue;
			if ((e = toml_string_end(s, len, i)) == 0)
				break;
			struct req q;
			if (req_parse(s + i + 1, e - i - 2, &q, 0, sub, sizeof(sub)) == 1 &&
			    fixpatch_name_eq(
				s + i + 1 + q.name_start, q.name_end - q.name_start, op->package))
				add_hit(pp, li, i + 1, e - 1, 1, &q);
			if (main_deps)
				pp->arr_last = (int)li, pp->arr_last_end = e;
			i = e - 1;
		}
	}
	return li;
}

static void
pyproject_scan(const struct lines *l, const struct fix_op *op, struct pyproj *pp)
{
	enum tbl kind = T_OTHER;
	int main_table = 0;
	size_t i;

	memset(pp, 0, sizeof(*pp));
	pp->poetry_table = pp->poetry_last = pp->arr_open = pp->arr_close = pp->arr_last = -1;
	for (i = 0; i < l->n; i++) {
		const char *s = l->p[i], *br;
		size_t len = text_len(l, i), k = 0;
		if (toml_header(s, len, &kind)) {
			main_table =
			    kind == T_POETRY && memmem(s, len, "tool.poetry.dependencies", 24) != NULL;
			if (main_table && pp->poetry_table < 0)
				pp->poetry_table = (int)i, pp->poetry_last = (int)i;
			continue;
		}
		if (kind == T_POETRY) {
			int last = pp->poetry_last;
			poetry_line(s, len, i, op, pp);
			if (!main_table)
				pp->poetry_last = last; /* only [tool.poetry.dependencies] takes new lines */
			continue;
		}
		if (kind != T_PROJECT && kind != T_OPTIONAL)
			continue;
		while (k < len && (s[k] == ' ' || s[k] == '\t'))
			k++;
		if ((br = memchr(s, '[', len)) == NULL || memchr(s + k, '=', (size_t)(br - s) - k) == NULL)
			continue;
		if (kind == T_PROJECT && strncmp(s + k, "dependencies", 12) != 0)
			continue;
		if (kind == T_PROJECT) {
			pp->arr_found = 1;
			pp->arr_open = (int)i;
		}
		i = pep621_array(l, i, (size_t)(br - s) + 1, kind == T_PROJECT, op, pp);
	}
}

static int
pyproject_pin(const struct fix_op *op, const struct lines *l, const struct pyproj *pp, struct buf *out,
    char *why, size_t wn)
{
	const struct hit *h = &pp->hits[0];
	size_t i;

	if (pp->nhits == 0)
		return snprintf(why, wn, "no dependency entry for '%s' in %s; use add_dependency to add one",
			   op->package, op->file),
		       -1;
	if (pp->nhits > 1)
		return snprintf(why, wn, "'%s' appears %zu times in %s; pin it by hand", op->package,
			   pp->nhits, op->file),
		       -1;
	if (h->pep508 < 0)
		return snprintf(why, wn,
			   "%s line %zu names '%s' without a version string (a path or git "
			   "dependency?); pin it by hand",
			   op->file, h->line + 1, op->package),
		       -1;
	const char *s = l->p[h->line];
	if ((h->pep508 && spec_is(s + h->a, &h->q, op->version)) ||
	    (!h->pep508 && h->b - h->a == strlen(op->version) &&
		strncmp(s + h->a, op->version, h->b - h->a) == 0))
		return snprintf(why, wn, "'%s' is already pinned to %s in %s line %zu", op->package,
			   op->version, op->file, h->line + 1),
		       -1;
	for (i = 0; i < l->n; i++) {
		if (i != h->line) {
			if (buf_append(out, l->p[i], l->len[i]) < 0)
				return oom(why, wn);
			continue;
		}
		if (buf_append(out, s, h->a) < 0 ||
		    (h->pep508 ? req_rewrite(out, s + h->a, h->b - h->a, &h->q, op->version)
			       : buf_puts(out, op->version)) < 0 ||
		    buf_append(out, s + h->b, l->len[i] - h->b) < 0)
			return oom(why, wn);
	}
	return 0;
}

/* The leading whitespace of line i. */
static size_t
indent_of(const struct lines *l, size_t i)
{
	size_t k = 0;

	while (k < l->len[i] && (l->p[i][k] == ' ' || l->p[i][k] == '\t'))
		k++;
	return k;
}

static int
pyproject_add(const struct fix_op *op, const struct lines *l, const struct pyproj *pp, struct buf *out,
    char *why, size_t wn)
{
	size_t i;
	int rc = 0;

	if (pp->nhits)
		return snprintf(why, wn, "'%s' is already a dependency in %s line %zu; use pin_dependency",
			   op->package, op->file, pp->hits[0].line + 1),
		       -1;
	if (!pp->arr_found && pp->poetry_table < 0)
		return snprintf(why, wn,
			   "%s has neither [project] dependencies nor [tool.poetry.dependencies]", op->file),
		       -1;
	if (pp->arr_found && pp->arr_close < 0)
		return snprintf(why, wn, "%s: the [project] dependencies array is not closed", op->file), -1;
	for (i = 0; i < l->n && rc == 0; i++) {
		const char *s = l->p[i];
		if (!pp->arr_found) {
			rc = buf_append(out, s, l->len[i]);
			if ((int)i == pp->poetry_last)
				rc |= buf_printf(out, "%s = \"%s\"\n", op->package, op->version);
			continue;
		}
		if (pp->arr_last >= 0 && pp->arr_last == pp->arr_close && (int)i == pp->arr_close) {
			/* the last element and the ']' share the line: insert before the ']' */
			rc = buf_append(out, s, (size_t)pp->arr_close_col) |
			    buf_printf(out, ", \"%s==%s\"", op->package, op->version) |
			    buf_append(out, s + pp->arr_close_col, l->len[i] - (size_t)pp->arr_close_col);
		} else if (pp->arr_last < 0 && (int)i == pp->arr_close && pp->arr_open == pp->arr_close) {
			rc = buf_append(out, s, (size_t)pp->arr_close_col) |
			    buf_printf(out, "\"%s==%s\"", op->package, op->version) |
			    buf_append(out, s + pp->arr_close_col, l->len[i] - (size_t)pp->arr_close_col);
		} else if ((int)i == pp->arr_last) {
			size_t e = pp->arr_last_end, k = e;
			while (k < text_len(l, i) && (s[k] == ' ' || s[k] == '\t'))
				k++;
			if (k < text_len(l, i) && s[k] == ',')
				rc = buf_append(out, s, l->len[i]);
			else /* the last element gets its comma */
				rc = buf_append(out, s, e) | buf_puts(out, ",") |
				    buf_append(out, s + e, l->len[i] - e);
			if (s[l->len[i] - 1] != '\n')
				rc |= buf_puts(out, "\n");
			rc |= buf_append(out, s, indent_of(l, i)) |
			    buf_printf(out, "\"%s==%s\",\n", op->package, op->version);
		} else if (pp->arr_last < 0 && (int)i == pp->arr_close) {
			rc = buf_printf(out, "    \"%s==%s\",\n", op->package, op->version) |
			    buf_append(out, s, l->len[i]);
		} else {
			rc = buf_append(out, s, l->len[i]);
		}
	}
	return rc ? oom(why, wn) : 0;
}

/* ---- Python imports ---- */

struct stmt {
	size_t first, last; /* lines */
	int from;           /* from m import ... */
	size_t head_end;    /* column where the first line's items start */
};

/* One line's items region [rs, re) and its tail. */
static void
region_of(const char *s, size_t len, size_t rs, size_t *re)
{
	size_t i;

	for (i = rs; i < len && s[i] != '#' && s[i] != ')'; i++)
		;
	*re = i;
}

static int
item_matches(const char *item, size_t n, const struct fix_op *op, int from)
{
	size_t k = 0;
	const char *want = from ? op->name : op->module;

	while (k < n && !isspace((unsigned char)item[k]))
		k++;
	return strlen(want) == k && strncmp(item, want, k) == 0;
}

/* Rebuild one line without the matching items; *left counts the items kept, *gone the ones removed. */
static int
strip_line(const char *s, size_t len, size_t rs, const struct fix_op *op, int from, struct buf *o, int *left,
    int *gone, int *had)
{
	size_t re, a, b, i, start;
	int comma, n = 0, rc = 0;
	char *items[64];
	size_t ilen[64], ni = 0;

	region_of(s, len, rs, &re);
	for (a = rs; a < re && isspace((unsigned char)s[a]); a++)
		;
	for (b = re; b > a && isspace((unsigned char)s[b - 1]); b--)
		;
	comma = b > a && s[b - 1] == ',';
	for (i = start = a; i <= (comma ? b - 1 : b); i++) {
		if (i < (comma ? b - 1 : b) && s[i] != ',')
			continue;
		size_t x = start, y = i;
		while (x < y && isspace((unsigned char)s[x]))
			x++;
		while (y > x && isspace((unsigned char)s[y - 1]))
			y--;
		if (y > x && ni < 64) {
			items[ni] = (char *)s + x;
			ilen[ni++] = y - x;
		}
		start = i + 1;
	}
	*had = (int)ni;
	rc |= buf_append(o, s, a);
	for (i = 0; i < ni; i++) {
		if (item_matches(items[i], ilen[i], op, from)) {
			(*gone)++;
			continue;
		}
		rc |= buf_printf(o, "%s%.*s", n++ ? ", " : "", (int)ilen[i], items[i]);
	}
	*left += n;
	if (comma && n)
		rc |= buf_puts(o, ",");
	rc |= buf_append(o, s + b, len - b);
	return rc;
}

/* Parse the import statement starting at line i; 1 found (st filled), 0 not an import, -1 cannot edit. */
static int
stmt_at(const struct lines *l, size_t i, struct stmt *st, const char **module, size_t *mlen)
{
	const char *s = l->p[i];
	size_t len = text_len(l, i), k = indent_of(l, i), m;

	memset(st, 0, sizeof(*st));
	st->first = st->last = i;
	if (len - k > 7 && strncmp(s + k, "import", 6) == 0 && isspace((unsigned char)s[k + 6])) {
		st->head_end = k + 7;
	} else if (len - k > 5 && strncmp(s + k, "from", 4) == 0 && isspace((unsigned char)s[k + 4])) {
		st->from = 1;
		for (m = k + 5; m < len && isspace((unsigned char)s[m]); m++)
			;
		*module = s + m;
		while (m < len && !isspace((unsigned char)s[m]))
			m++;
		*mlen = (size_t)(*module - s) <= m ? m - (size_t)(*module - s) : 0;
		while (m < len && isspace((unsigned char)s[m]))
			m++;
		if (len - m < 7 || strncmp(s + m, "import", 6) != 0 || !isspace((unsigned char)s[m + 6]))
			return 0;
		for (m += 7; m < len && isspace((unsigned char)s[m]); m++)
			;
		if (m < len && s[m] == '(') {
			for (m++; m < len && s[m] == ' '; m++)
				;
			st->head_end = m;
			while (st->last < l->n && !memchr(l->p[st->last], ')', text_len(l, st->last)))
				st->last++;
			if (st->last == l->n)
				return -1;
		} else {
			st->head_end = m;
		}
	} else {
		return 0;
	}
	if (memchr(s, ';', len) || (len && s[len - 1] == '\\'))
		return -1;
	return 1;
}

/* Toggle the triple-quoted-string state over one line. */
static void
triple_quotes(const char *s, size_t len, char *inq)
{
	size_t i;

	for (i = 0; i + 2 < len; i++) {
		if ((s[i] == '"' || s[i] == '\'') && s[i + 1] == s[i] && s[i + 2] == s[i]) {
			if (*inq == 0)
				*inq = s[i];
			else if (*inq == s[i])
				*inq = 0;
			i += 2;
		} else if (*inq == 0 && s[i] == '#') {
			return;
		}
	}
}

/* Strip op's symbol from statement st into a throwaway buffer: *left items would stay, *gone go. */
static void
stmt_count(const struct fix_op *op, const struct lines *l, const struct stmt *st, int *left, int *gone)
{
	struct buf scratch;
	int had = 0;
	size_t j;

	*left = *gone = 0;
	buf_init(&scratch, BUF_MIB);
	for (j = st->first; j <= st->last; j++)
		strip_line(l->p[j], text_len(l, j), j == st->first ? st->head_end : 0, op, st->from, &scratch,
		    left, gone, &had);
	buf_free(&scratch);
}

/*
 * The one import statement of op's symbol in l.  Returns 0 with *found
 * set, -1 with why: none, several (the op is ambiguous), or one orch
 * cannot edit safely.
 */
static int
find_import(const struct fix_op *op, const struct lines *l, struct stmt *found, char *why, size_t wn)
{
	struct stmt st;
	const char *module = NULL;
	size_t i, mlen = 0, nfound = 0;
	char inq = 0;
	int rc, left, gone;

	for (i = 0; i < l->n; i++) {
		size_t len = text_len(l, i);
		/* inside a triple-quoted string an "import" line is text, not code */
		if (inq) {
			triple_quotes(l->p[i], len, &inq);
			continue;
		}
		rc = stmt_at(l, i, &st, &module, &mlen);
		if (rc == 0) {
			triple_quotes(l->p[i], len, &inq);
			continue;
		}
		if (rc < 0) { /* compound, continued or unclosed: refuse when it may hold the symbol */
			const char *sym = op->has_name ? op->name : op->module;
			if (memmem(l->p[i], len, sym, strlen(sym)))
				return snprintf(why, wn,
					   "%s line %zu: the import is a compound, continued or unclosed "
					   "statement; edit it by hand",
					   op->file, i + 1),
				       -1;
			if (st.last >= l->n)
				st.last = st.first;
			i = st.last;
			continue;
		}
		if (op->has_name != st.from ||
		    (st.from && (mlen != strlen(op->module) || strncmp(module, op->module, mlen) != 0)) ||
		    (op->has_line_contains &&
			!memmem(l->p[i], len, op->line_contains, strlen(op->line_contains)))) {
			i = st.last;
			continue;
		}
		/* does any line of the statement import the symbol? */
		stmt_count(op, l, &st, &left, &gone);
		if (gone && nfound++ == 0)
			*found = st;
		i = st.last;
	}
	if (nfound == 0)
		return snprintf(why, wn, "no import of '%s%s%s' in %s", op->module, op->has_name ? "." : "",
			   op->has_name ? op->name : "", op->file),
		       -1;
	if (nfound > 1)
		return snprintf(why, wn,
			   "'%s%s%s' is imported by %zu statements in %s; narrow it with line_contains",
			   op->module, op->has_name ? "." : "", op->has_name ? op->name : "", nfound,
			   op->file),
		       -1;
	return 0;
}

/*
 * Copy l to out with op's symbol taken out of statement found: when no
 * item is left (left == 0) the statement goes, else only its emptied lines.
 */
static int
emit_removed(const struct fix_op *op, const struct lines *l, const struct stmt *found, int left,
    struct buf *out, char *why, size_t wn)
{
	size_t i;
	int rc;

	for (i = 0; i < l->n; i++) {
		if (i < found->first || i > found->last) {
			if (buf_append(out, l->p[i], l->len[i]) < 0)
				return oom(why, wn);
			continue;
		}
		if (left == 0)
			continue; /* the statement became empty: it goes */
		struct buf line;
		int l2 = 0, g2 = 0, h2 = 0;
		buf_init(&line, BUF_MIB);
		strip_line(l->p[i], l->len[i], i == found->first ? found->head_end : 0, op, found->from,
		    &line, &l2, &g2, &h2);
		if (g2 && l2 == 0 && i != found->first) {
			if (i == found->last) { /* "    c)" -> ")" */
				const char *close = memchr(l->p[i], ')', l->len[i]);
				rc = buf_append(out, close, l->len[i] - (size_t)(close - l->p[i]));
			} else {
				rc = 0; /* a line left without items goes */
			}
		} else {
			rc = buf_append(out, buf_str(&line), line.len);
		}
		buf_free(&line);
		if (rc < 0)
			return oom(why, wn);
	}
	return 0;
}

/* remove_unused on a Python file: the one import of the symbol, edited or dropped; -1 with why. */
static int
python_remove(const struct fix_op *op, const struct lines *l, struct buf *out, char *why, size_t wn)
{
	struct stmt found = { 0 };
	int left, gone;

	if (find_import(op, l, &found, why, wn) < 0)
		return -1;
	/* first pass: are any items left in the whole statement? */
	stmt_count(op, l, &found, &left, &gone);
	return emit_removed(op, l, &found, left, out, why, wn);
}

int
fixpatch_apply(const struct fix_op *op, const char *in, size_t len, struct buf *out, char *why, size_t wn)
{
	const char *base = strrchr(op->file, '/') ? strrchr(op->file, '/') + 1 : op->file;
	struct lines l;
	struct pyproj pp;
	int rc;

	if (lines_split(in, len, &l) < 0) {
		lines_free(&l);
		return snprintf(why, wn, "%s has too many lines", op->file), -1;
	}
	if (op->type == FIX_REMOVE_UNUSED) {
		rc = python_remove(op, &l, out, why, wn);
	} else if (strcmp(base, "pyproject.toml") == 0) {
		pyproject_scan(&l, op, &pp);
		rc = op->type == FIX_PIN ? pyproject_pin(op, &l, &pp, out, why, wn)
					 : pyproject_add(op, &l, &pp, out, why, wn);
	} else {
		rc = req_txt(op, &l, out, why, wn);
	}
	lines_free(&l);
	return rc;
}

/* ---- the diff: git's (docs/decisions.md) ---- */

int
fixpatch_diff(const char *path, const char *a, size_t alen, const char *b, size_t blen, struct buf *diff)
{
	struct git g = { 0 };

	return git_diff_texts(&g, path, a, alen, b, blen, diff, NULL);
}
