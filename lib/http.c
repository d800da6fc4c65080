#include "http.h"

#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define ORCH_CURL_CALLS_THROUGH_TABLE
#include "config.h"
#include "curlload.h"
#include "err.h"
#include "store.h"
#include "util.h"

struct sink {
	struct buf *b;
	int over;
};

static size_t
on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct sink *s = ctx;

	if (buf_append(s->b, p, size * n) < 0) {
		s->over = 1;
		return 0; /* aborts the transfer: over the cap */
	}
	return size * n;
}

struct hdrs {
	int64_t retry_after, remaining, reset, date_s;
};

static int64_t
header_num(const char *v, size_t n)
{
	char tmp[32];
	long long x;

	while (n && (*v == ' ' || *v == '\t'))
		v++, n--;
	while (n && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' '))
		n--;
	if (n == 0 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, v, n);
	tmp[n] = '\0';
	return num_parse(tmp, 0, (long long)1 << 40, &x) == 0 ? x : -1;
}

static size_t
on_header(char *p, size_t size, size_t n, void *ctx)
{
	struct hdrs *h = ctx;
	size_t len = size * n;
	static const struct {
		const char *name;
		size_t off;
	} want[] = {
		{ "retry-after:", offsetof(struct hdrs, retry_after) },
		{ "x-ratelimit-remaining:", offsetof(struct hdrs, remaining) },
		{ "x-ratelimit-reset:", offsetof(struct hdrs, reset) },
	};
	size_t i;

	for (i = 0; i < 3; i++) {
		size_t l = strlen(want[i].name);
		if (len > l && strncasecmp(p, want[i].name, l) == 0)
			*(int64_t *)((char *)h + want[i].off) = header_num(p + l, len - l);
	}
	if (len > 5 && strncasecmp(p, "date:", 5) == 0) {
		char v[64];
		size_t k = len - 5 < sizeof(v) ? len - 5 : sizeof(v) - 1;
		memcpy(v, p + 5, k);
		v[k] = '\0';
		h->date_s = http_date_parse(v);
	}
	return len;
}

/* RFC 9110's IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT" (what every server sends), to epoch s; -1 if not.
 */
int64_t
http_date_parse(const char *v)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	char mon[4], iso[32];
	int d, y, hh, mm, ss, used = 0;
	const char *m;
	int64_t us;

	while (*v == ' ' || *v == '\t')
		v++;
	if (sscanf(v, "%*3[A-Za-z], %2d %3[A-Za-z] %4d %2d:%2d:%2d GMT%n", &d, mon, &y, &hh, &mm, &ss,
		&used) != 6 ||
	    used == 0 || strlen(mon) != 3 || (m = strstr(months, mon)) == NULL || (m - months) % 3 != 0)
		return -1;
	snprintf(
	    iso, sizeof(iso), "%04d-%02d-%02dT%02d:%02d:%02dZ", y, (int)(m - months) / 3 + 1, d, hh, mm, ss);
	return time_parse_iso(iso, &us) == 0 ? us / 1000000 : -1;
}

char *
http_token_load(const char *file, struct orch_err *e)
{
	const char *env = config_secret("ORCH_PLANE_API_TOKEN");
	struct stat sb;
	char buf[512];
	ssize_t n;
	int fd;

	if (env && *env)
		return strdup(env);
	if (file == NULL || *file == '\0') {
		err_set(e, EX_CONFIG,
		    "no Plane API token: set ORCH_PLANE_API_TOKEN or plane_api_token_file "
		    "(a file of mode 0600)");
		return NULL;
	}
	if ((fd = open(file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		err_set(e, EX_CONFIG, "cannot read plane_api_token_file '%s': %s", file, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || (sb.st_mode & 077) || sb.st_uid != geteuid()) {
		close(fd);
		err_set(e, EX_CONFIG,
		    "plane_api_token_file '%s' must be a regular file of yours with mode 0600 "
		    "(chmod 600 it)",
		    file);
		return NULL;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0) {
		err_set(e, EX_CONFIG, "plane_api_token_file '%s' is empty", file);
		return NULL;
	}
	buf[n] = '\0';
	char *tok = strdup(str_trim(buf));
	explicit_bzero(buf, sizeof(buf));
	if (tok == NULL || *tok == '\0' || strpbrk(tok, "\r\n")) {
		free(tok);
		err_set(e, EX_CONFIG, "plane_api_token_file '%s' must hold one token on one line", file);
		return NULL;
	}
	return tok;
}

static void metrics_flush(struct http *h);

int
http_open(struct http *h, const char *base, const char *token, int timeout_s, int per_min, struct orch_err *e)
{
	char why[300];

	memset(h, 0, sizeof(*h));
	if (curl_api_load(why, sizeof(why)) == NULL)
		return err_set(e, EX_UNAVAILABLE, "%s", why);
	if ((h->curl = curl_easy_init()) == NULL || (h->base = strdup(base)) == NULL ||
	    (token && (h->token = strdup(token)) == NULL)) {
		http_close(h);
		return err_set(e, EX_SOFTWARE, "out of memory opening the HTTP client");
	}
	h->timeout_s = timeout_s;
	h->backoff_ms = 500;
	h->budget.per_min = per_min;
	h->budget.server_remaining = -1;
	h->legacy_paths = -1;
	http_identity(h, "Plane", "plane", "plane_url", "plane_rate_limit_per_min", 0);
	return 0;
}

void
http_identity(struct http *h, const char *name, const char *metric, const char *url_key,
    const char *budget_key, int retry_429)
{
	h->name = name;
	h->metric = metric;
	h->url_key = url_key;
	h->budget_key = budget_key;
	h->retry_429 = retry_429;
}

void
http_close(struct http *h)
{
	metrics_flush(h);
	if (h->curl)
		curl_easy_cleanup(h->curl);
	if (h->token) {
		explicit_bzero(h->token, strlen(h->token));
		free(h->token);
	}
	free(h->base);
	memset(h, 0, sizeof(*h));
}

void
http_excerpt(const struct http *h, const struct buf *b, char *out, size_t n)
{
	size_t tl = h->token ? strlen(h->token) : 0, i, o = 0;

	if (n == 0)
		return;
	/* the whole body is searched, so a token that starts inside the excerpt is masked whole */
	for (i = 0; i < b->len && o + 1 < n && o < HTTP_EXCERPT_MAX; i++) {
		if (tl && b->len - i >= tl && memcmp(b->data + i, h->token, tl) == 0) {
			const char *m = "***";
			for (; *m && o + 1 < n; m++)
				out[o++] = *m;
			i += tl - 1;
			continue;
		}
		out[o++] = isprint((unsigned char)b->data[i]) ? b->data[i] : ' ';
	}
	out[o] = '\0';
}

int64_t
http_server_now_us(const struct http *h)
{
	if (h->server_date_us <= 0)
		return -1;
	return h->server_date_us + (time_mono_ms() - h->server_date_mono_ms) * 1000;
}

void
http_response_free(struct http_response *resp)
{
	buf_free(&resp->body);
}

static int
budget_check(struct http *h, struct orch_err *e)
{
	struct http_budget *b = &h->budget;
	int64_t now = (int64_t)time(NULL);

	if (b->limited || (b->blocked_until && now < b->blocked_until && b->server_remaining == 0))
		return err_set(e, EX_UNAVAILABLE,
		    "%s rate limit reached (retry after %lld s); the next tick goes on", h->name,
		    (long long)(b->blocked_until > now ? b->blocked_until - now : 0));
	if (b->used >= b->per_min)
		return err_set(e, EX_UNAVAILABLE,
		    "%s rate limit budget of %d requests spent in this run; "
		    "the next tick goes on (%s)",
		    h->name, b->per_min, h->budget_key);
	return 0;
}

/* Count one request in memory; metrics_flush() writes the run's sum once. */
static void
observe(struct http *h, int failed, int64_t ms, const char *why)
{
	h->runs++;
	h->total_ms += ms;
	if (failed) {
		h->failures++;
		str_copy(h->last_error, sizeof(h->last_error), why);
	}
}

/*
 * One statement for the whole run, and none when the run changed nothing
 * else and nothing failed: a quiet tick must not pay a journal sync for
 * its own bookkeeping.
 */
static void
metrics_flush(struct http *h)
{
	if (!store_is_open(h->st) || h->runs == 0 || (h->failures == 0 && store_total_changes(h->st) == 0))
		return;
	/* metrics: a failure here loses one run's timings, nothing else */
	(void)store_tool_record(
	    h->st, h->metric, h->runs, h->failures, h->total_ms, h->failures ? h->last_error : NULL, NULL);
	h->runs = h->failures = 0;
	h->total_ms = 0;
}

/*
 * One attempt. 0 sent (resp filled), 1 retryable failure (*e), 2 a 429 with
 * a short Retry-After (resp filled), -1 final failure (*e).
 */
static int
attempt(struct http *h, const char *method, const char *url, const char *body, struct curl_slist *hl,
    struct http_response *resp, struct orch_err *e)
{
	struct sink sink = { .b = &resp->body };
	struct hdrs hd = { -1, -1, -1, -1 };
	CURLcode rc;
	CURL *c = h->curl;

	buf_reset(&resp->body);
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)(h->timeout_s < 10 ? h->timeout_s : 10));
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)h->timeout_s);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "orch/0.1");
	curl_easy_setopt(
	    c, CURLOPT_BUFFERSIZE, 128L * 1024); /* a listing page in one or two reads, as curl(1) */
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &hd);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (body)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	h->budget.used++;
	rc = curl_easy_perform(c);
	if (sink.over)
		return err_set(e, EX_DATAERR, "%s response from %s %s is over %zu bytes; refused", h->name,
		    method, url, (size_t)HTTP_BODY_CAP);
	if (rc != CURLE_OK) {
		err_set(e, EX_UNAVAILABLE, "%s request %s %s failed: %s; check %s and the network", h->name,
		    method, url, curl_easy_strerror(rc), h->url_key);
		return 1;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
	resp->retry_after = hd.retry_after;
	if (hd.date_s > 0) {
		h->server_date_us = hd.date_s * 1000000;
		h->server_date_mono_ms = time_mono_ms();
	}
	if (hd.remaining >= 0)
		h->budget.server_remaining = (int)hd.remaining;
	if (hd.reset > 0)
		h->budget.blocked_until = hd.reset;
	if (resp->status == 429) {
		h->budget.blocked_until = (int64_t)time(NULL) + (hd.retry_after >= 0 ? hd.retry_after : 60);
		if (hd.retry_after >= 0 && hd.retry_after <= HTTP_WAIT_MAX_S)
			return 2; /* Plane's window frees a slot soon: wait it out */
		if (!h->retry_429)
			h->budget.limited = 1;
		else
			h->budget.blocked_until = 0; /* no window to wait out: backoff like a 5xx */
	}
	if (resp->status >= 500 || (resp->status == 429 && h->retry_429)) {
		err_set(e, EX_UNAVAILABLE, "%s answered %ld to %s %s; retry later or check the server",
		    h->name, resp->status, method, url);
		return 1;
	}
	return 0;
}

/* The token was copied into the header list: wipe every copy. */
static void
wipe(struct curl_slist *hl, char *key, size_t n)
{
	struct curl_slist *p;

	for (p = hl; p; p = p->next)
		explicit_bzero(p->data, strlen(p->data));
	curl_slist_free_all(hl);
	explicit_bzero(key, n);
}

int
http_request(struct http *h, const char *method, const char *path, const char *body,
    struct http_response *resp, struct orch_err *e)
{
	struct curl_slist *hl = NULL, *n = NULL;
	char url[4096], key[600];
	int i, rc = -1, waited = 0;
	int64_t t0 = time_mono_ms();

	buf_init(&resp->body, HTTP_BODY_CAP);
	resp->status = 0;
	resp->retry_after = -1;
	if (str_fmt(url, sizeof(url), "%s%s", h->base, path) < 0)
		return err_set(e, EX_USAGE, "%s URL for '%.64s' is too long", h->name, path);
	if (h->token && str_fmt(key, sizeof(key), "X-API-Key: %s", h->token) < 0)
		return err_set(e, EX_CONFIG, "the %s API token is too long", h->name);
	if (h->token == NULL)
		key[0] = '\0';
	if (h->token && (n = curl_slist_append(hl, key)) == NULL)
		goto oom;
	if (h->token)
		hl = n;
	if ((n = curl_slist_append(hl, "Accept: application/json")) == NULL)
		goto oom;
	hl = n;
	if (body && (n = curl_slist_append(hl, "Content-Type: application/json")) == NULL)
		goto oom;
	if (body)
		hl = n;
	if (body && (n = curl_slist_append(hl, "Expect:")) == NULL) /* no 100-continue round trip */
		goto oom;
	if (body)
		hl = n;
	for (i = 0; i < HTTP_RETRIES; i++) {
		if (budget_check(h, e) < 0)
			break;
		if (i > 0 && rc == 2) {
			struct timespec ts = { .tv_sec =
						   (time_t)(resp->retry_after > 0 ? resp->retry_after : 0) };
			nanosleep(&ts, NULL); /* Plane's Retry-After: its window frees a slot then */
			waited = 1;
		} else if (i > 0) {
			struct timespec ts = { .tv_sec = (h->backoff_ms << (i - 1)) / 1000,
				.tv_nsec = (long)((h->backoff_ms << (i - 1)) % 1000) * 1000000L };
			nanosleep(&ts, NULL); /* backoff between retries, not synchronisation */
		}
		rc = attempt(h, method, url, body, hl, resp, e);
		if (rc <= 0 || (rc == 2 && waited))
			break;
	}
	if (rc == 2) {
		h->budget.limited = 1; /* still limited after waiting: stop for the tick */
		rc = 0;                /* the caller sees the 429 */
	}
	if (rc > 0)
		rc = -1;
	observe(h, rc != 0 || resp->status >= 400, time_mono_ms() - t0, rc ? e->msg : "bad status");
	if (rc < 0)
		http_response_free(resp); /* on failure the caller has nothing to free */
	wipe(hl, key, sizeof(key));
	return rc;
oom:
	wipe(hl, key, sizeof(key));
	return err_set(e, EX_SOFTWARE, "out of memory building a %s request", h->name);
}

int
http_probe(const char *url, int timeout_s, char *why, size_t wn)
{
	struct buf body;
	struct sink sink = { .b = &body };
	long status = 0;
	CURLcode rc;
	CURL *c;

	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) {
		snprintf(why, wn, "health_url '%s' is not http(s)", url);
		return -1;
	}
	if (curl_api_load(why, wn) == NULL)
		return -1;
	if ((c = curl_easy_init()) == NULL) {
		snprintf(why, wn, "cannot initialise libcurl");
		return -1;
	}
	buf_init(&body, BUF_MIB);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)timeout_s);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)timeout_s);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	buf_free(&body);
	if (rc != CURLE_OK && !sink.over) {
		snprintf(why, wn, "%s", curl_easy_strerror(rc));
		return -1;
	}
	if (status < 200 || status > 299) {
		snprintf(why, wn, "HTTP %ld", status);
		return -1;
	}
	return 0;
}

void
http_header_scan(const char *line, size_t len, int64_t out[3])
{
	struct hdrs h = { out[0], out[1], out[2], -1 };

	on_header((char *)line, 1, len, &h);
	out[0] = h.retry_after;
	out[1] = h.remaining;
	out[2] = h.reset;
}

int
http_post_json(
    const char *url, const char *body, long timeout_ms, struct http_response *resp, char *why, size_t wn)
{
	struct sink sink = { .b = &resp->body };
	struct hdrs hd = { -1, -1, -1, -1 };
	struct curl_slist *hl = NULL, *n;
	CURLcode rc;
	CURL *c;

	buf_init(&resp->body, HTTP_POST_CAP);
	resp->status = 0;
	resp->retry_after = -1;
	if (curl_api_load(why, wn) == NULL)
		return -1;
	if ((c = curl_easy_init()) == NULL) {
		snprintf(why, wn, "cannot initialise libcurl");
		return -1;
	}
	if ((n = curl_slist_append(hl, "Content-Type: application/json")) == NULL) {
		curl_easy_cleanup(c);
		snprintf(why, wn, "out of memory");
		return -1;
	}
	hl = n;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms > 0 ? timeout_ms : 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms > 0 ? timeout_ms : 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "orch/0.1");
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &hd);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
	curl_easy_cleanup(c);
	curl_slist_free_all(hl);
	resp->retry_after = hd.retry_after;
	if (sink.over) {
		snprintf(why, wn, "response over %d bytes", HTTP_POST_CAP);
		buf_free(&resp->body);
		return -1;
	}
	if (rc != CURLE_OK) {
		snprintf(why, wn, "%s", curl_easy_strerror(rc));
		buf_free(&resp->body);
		return -1;
	}
	return 0;
}
