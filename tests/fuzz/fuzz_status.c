/*
 * orch-status writers with hostile strings: the input is split at NUL
 * bytes into a work item, stage, agent, job status, event kind, detail,
 * command name, timestamp, title, waiting reason, file name, tracker status
 * and artifact link, placed in a status object like
 * status_collect()'s, and written as HTML (status_html) and JSON (cJSON,
 * as --json prints it).  Invariants: the JSON parses back equal; the HTML
 * has only well-formed tags and quoted attributes, text with no raw '>',
 * '"' or '\'' and no '&' that does not start an entity, and every hostile
 * string comes back exactly when its text is unescaped (a timestamp as its
 * local time, the one thing the page rewrites).
 */
#include <cjson/cJSON.h>
#include <unistd.h>

#include "../../lib/err.h"
#include "../../lib/status.h"
#include "../../lib/util.h"
#include "fuzz.h"

enum {
	F_WI,
	F_STAGE,
	F_AGENT,
	F_STATUS,
	F_KIND,
	F_DETAIL,
	F_CMD,
	F_TS,
	F_TITLE,
	F_WAIT,
	F_FILE,
	F_TRACKER,
	F_URL,
	NFIELDS
};

static char out_dir[64], out_path[80];

static void
cleanup(void)
{
	unlink(out_path);
	rmdir(out_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char dir[] = "/dev/shm/orch-fuzz-status-XXXXXX", tdir[] = "/tmp/orch-fuzz-status-XXXXXX";
	const char *d = mkdtemp(dir) ? dir : mkdtemp(tdir); /* tmpfs: atomic_write's fsyncs cost nothing */

	(void)argc;
	(void)argv;
	if (d == NULL)
		abort();
	snprintf(out_dir, sizeof(out_dir), "%s", d);
	snprintf(out_path, sizeof(out_path), "%s/feed.html", d);
	atexit(cleanup);
	return 0;
}

static cJSON *
build(char *const f[NFIELDS], int blocked)
{
	cJSON *root = cJSON_CreateObject(), *t, *it, *j, *cmd, *ev;

	t = cJSON_AddArrayToObject(cJSON_AddObjectToObject(root, "tasks"), "items");
	cJSON_AddItemToArray(t, it = cJSON_CreateObject());
	cJSON_AddStringToObject(it, "work_item", f[F_WI]);
	cJSON_AddStringToObject(it, "stage", f[F_STAGE]);
	cJSON_AddBoolToObject(it, "blocked", blocked);
	cJSON_AddNumberToObject(it, "retries", 2);
	cJSON_AddStringToObject(it, "title", f[F_TITLE]);
	cJSON_AddStringToObject(it, "tracker_status", f[F_TRACKER]);
	cJSON_AddStringToObject(it, "tracker_seen_at", f[F_TS]);
	cJSON *w = cJSON_AddObjectToObject(it, "waits"), *a = cJSON_AddObjectToObject(it, "artifacts"), *sc,
	      *at;
	cJSON_AddStringToObject(w, "kind", f[F_WAIT]);
	cJSON_AddStringToObject(w, "detail", f[F_WAIT]);
	cJSON_AddStringToObject(w, "next_attempt", f[F_TS]);
	cJSON_AddStringToObject(a, "path", f[F_URL]);
	cJSON_AddStringToObject(a, "url", f[F_URL]);
	sc = cJSON_AddObjectToObject(root, "scan");
	cJSON_AddItemToArray(cJSON_AddArrayToObject(sc, "findings"), it = cJSON_CreateObject());
	cJSON_AddStringToObject(it, "file", f[F_FILE]);
	cJSON_AddStringToObject(it, "rule", f[F_KIND]);
	cJSON_AddStringToObject(it, "first_seen", f[F_TS]);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(sc, "anchors"), it = cJSON_CreateObject());
	cJSON_AddStringToObject(it, "project", f[F_WI]);
	cJSON_AddStringToObject(it, "last_status", f[F_STATUS]);
	at = cJSON_AddObjectToObject(root, "attention");
	cJSON_AddNumberToObject(at, "secrets_on_main", 1);
	cJSON_AddNumberToObject(at, "blocked", blocked);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(at, "degraded"), cJSON_CreateString(f[F_FILE]));
	cJSON_AddStringToObject(cJSON_AddObjectToObject(cJSON_AddObjectToObject(root, "tools"), f[F_AGENT]),
	    "last_error", f[F_DETAIL]);
	j = cJSON_AddArrayToObject(cJSON_AddObjectToObject(root, "jobs"), "items");
	cJSON_AddItemToArray(j, it = cJSON_CreateObject());
	cJSON_AddNumberToObject(it, "id", 1);
	cJSON_AddStringToObject(it, "work_item", f[F_WI]);
	cJSON_AddStringToObject(it, "agent", f[F_AGENT]);
	cJSON_AddStringToObject(it, "status", f[F_STATUS]);
	cJSON_AddNumberToObject(it, "attempts", 1);
	cmd = cJSON_AddObjectToObject(root, "commands");
	cJSON_AddItemToObject(cmd, f[F_CMD], it = cJSON_CreateObject());
	cJSON_AddStringToObject(it, "last_run", f[F_TS]);
	cJSON_AddNumberToObject(it, "result", 3);
	cJSON_AddNumberToObject(it, "duration_ms", 12);
	ev = cJSON_AddArrayToObject(root, "events");
	cJSON_AddItemToArray(ev, it = cJSON_CreateObject());
	cJSON_AddStringToObject(it, "ts", f[F_TS]);
	cJSON_AddStringToObject(it, "work_item", f[F_WI]);
	cJSON_AddStringToObject(it, "kind", f[F_KIND]);
	cJSON_AddStringToObject(it, "stage_from", f[F_STAGE]);
	cJSON_AddStringToObject(it, "stage_to", f[F_AGENT]);
	cJSON_AddStringToObject(it, "detail", f[F_DETAIL]);
	return root;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *b;
	long n;

	if (fp == NULL || fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET) != 0 ||
	    (b = malloc((size_t)n + 1)) == NULL || fread(b, 1, (size_t)n, fp) != (size_t)n)
		abort();
	fclose(fp);
	b[n] = '\0';
	*len = (size_t)n;
	return b;
}

/* Decode one entity at p (after '&') into *c; its length, or 0 if not one of esc()'s. */
static size_t
entity(const char *p, char *c)
{
	static const struct {
		const char *name;
		char c;
	} ents[] = {
		{ "lt;", '<' },
		{ "gt;", '>' },
		{ "amp;", '&' },
		{ "quot;", '"' },
		{ "#39;", '\'' },
	};
	size_t i;

	for (i = 0; i < sizeof(ents) / sizeof(ents[0]); i++)
		if (strncmp(p, ents[i].name, strlen(ents[i].name)) == 0) {
			*c = ents[i].c;
			return strlen(ents[i].name);
		}
	return 0;
}

/* Check the tag at p ('<' .. '>'); returns the position after it. */
static const char *
check_tag(const char *p, const char *end)
{
	const char *q = p + 1;

	while (q < end && *q != '>') {
		FUZZ_CHECK(*q != '<' && *q != '\'', "raw '%c' inside a tag", *q);
		if (*q == '"') { /* an attribute value: runs to the next quote, no '<' or '>' */
			const char *close = memchr(q + 1, '"', (size_t)(end - q - 1));
			FUZZ_CHECK(close != NULL, "unterminated attribute value");
			for (const char *r = q + 1; r < close; r++) {
				char c;
				FUZZ_CHECK(*r != '<' && *r != '>', "raw '%c' in an attribute value", *r);
				if (*r == '&')
					FUZZ_CHECK(entity(r + 1, &c) > 0, "bare '&' in an attribute value");
			}
			q = close;
		}
		q++;
	}
	FUZZ_CHECK(q < end, "unterminated tag");
	return q + 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char *in = fuzz_str(data, len), *f[NFIELDS], *html, *text, *js;
	const char *p, *end;
	size_t hl, tl = 0, i, k;
	struct orch_err e = { 0 };
	cJSON *root, *back;

	for (i = 0, k = 0; i < NFIELDS; i++) { /* fields at NUL bytes; missing ones empty */
		f[i] = k <= len ? in + k : in + len;
		k += strlen(f[i]) + 1;
	}
	root = build(f, len && (data[0] & 1));
	js = cJSON_PrintUnformatted(root);
	FUZZ_CHECK(js != NULL, "JSON not printed");
	back = cJSON_Parse(js);
	FUZZ_CHECK(back && cJSON_Compare(root, back, 1), "JSON does not parse back equal: %s", js);
	cJSON_Delete(back);
	free(js);
	FUZZ_CHECK(status_html(root, out_path, 60, &e) == 0, "status_html failed: %s", e.msg);
	html = slurp(out_path, &hl);
	end = html + hl;
	FUZZ_CHECK(strlen(html) == hl, "NUL byte in the page");
	/* text between tags, decoded, one line per text node */
	text = malloc(hl + 2);
	for (p = html; p < end;) {
		if (*p == '<') {
			p = check_tag(p, end);
			text[tl++] = '\n';
			continue;
		}
		FUZZ_CHECK(*p != '>' && *p != '"' && *p != '\'', "raw '%c' in text at %td", *p, p - html);
		if (*p == '&') {
			size_t el = entity(p + 1, &text[tl]);
			FUZZ_CHECK(el > 0, "bare '&' in text at %td", p - html);
			tl++;
			p += el + 1;
			continue;
		}
		text[tl++] = *p++;
	}
	text[tl] = '\0';
	for (i = 0; i < NFIELDS; i++) { /* each shown field comes back whole as a text node */
		const char *want = f[i];
		char *hit, local[48];
		size_t fl;
		int64_t us;
		int found = 0;
		if (i == F_TS && time_parse_iso(want, &us) == 0) { /* an instant is shown in local time */
			time_local_s(us / 1000000 - (us % 1000000 < 0), local, NULL);
			want = local;
		}
		fl = strlen(want);
		if (fl == 0 || strchr(want, '\n') || (i == F_STATUS && strcmp(want, "done") == 0))
			continue;
		for (hit = text; !found && (hit = strstr(hit, want)) != NULL; hit++)
			found = (hit == text || hit[-1] == '\n') && hit[fl] == '\n';
		FUZZ_CHECK(found, "field %zu '%s' does not round-trip through the page", i, want);
	}
	free(text);
	free(html);
	cJSON_Delete(root);
	free(in);
	return 0;
}
