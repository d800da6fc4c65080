/*
 * http: the one HTTP client (libcurl), for the Plane backend and the OSV
 * API (lib/osv.c).  http_open() names the service as Plane; a second
 * service calls http_identity() right after it (its name in messages, its
 * tool_metrics row, the setting to check) and may pass a NULL token (no
 * X-API-Key header is sent).
 *
 * Contract:
 *  1. One struct http per run holds one CURL handle, so connections are
 *     reused across requests.  TLS verification stays on; redirects are
 *     not followed (a 3xx is an error naming the URL).
 *  2. Connect and total timeouts come from http_timeout_s; a response body
 *     over HTTP_BODY_CAP is an error, never a truncation.
 *  3. The API token goes only into the X-API-Key header.  It never appears
 *     in a URL, an error message or a log line, and is wiped on close;
 *     a body quoted in a message goes through http_excerpt(), which masks
 *     the token a server may echo.
 *  4. Retries: a connection error, a timeout or a 5xx is retried up to
 *     HTTP_RETRIES times with doubling backoff; other statuses return at
 *     once.  A 429 whose Retry-After (Plane's computed wait of its sliding
 *     window, in seconds) is at most HTTP_WAIT_MAX_S is waited out and
 *     retried once; a longer or absent Retry-After stops that key's
 *     requests for the tick (the value is kept for the message; absent
 *     means 60 s, the window).
 *  5. The budget: at most per_min requests per minute from this run
 *     (never above the configured limit), lowered further by the server's
 *     X-RateLimit-Remaining; once spent, or after a 429 (Retry-After is
 *     kept), http_request() fails with EX_UNAVAILABLE and "rate limit"
 *     without sending anything.
 *
 *  6. Request timings go to tool_metrics ("plane") once, at http_close(),
 *     in one statement, and only when the run already changed the store or
 *     a request failed: a quiet tick writes nothing (no per-request write,
 *     no journal sync).
 *
 * http_request() returns 0 with the status and body in *resp (any status),
 * or -1 with *e (EX_UNAVAILABLE: unreachable, timed out, budget spent;
 * EX_DATAERR: a body over the cap).
 */
#ifndef ORCH_HTTP_H
#define ORCH_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct orch_err;
struct store;

#define HTTP_BODY_CAP (8 * BUF_MIB)
#define HTTP_RETRIES 3
#define HTTP_WAIT_MAX_S 5 /* a shorter Retry-After is waited out inside the request */

struct http_budget {
	int per_min;           /* configured limit per minute */
	int used;              /* requests sent this run */
	int server_remaining;  /* from X-RateLimit-Remaining, -1 unknown */
	int64_t blocked_until; /* epoch s: a 429's Retry-After, or the server's reset */
	int limited;           /* a 429 was seen this run */
};

struct http {
	void *curl;
	char *base; /* e.g. https://plane.example/api/v1/workspaces/acme */
	char *token;
	int timeout_s;
	int backoff_ms; /* first retry delay */
	struct http_budget budget;
	struct store *st;   /* tool metrics ("plane"), may be NULL */
	int runs, failures; /* this run's requests, flushed by http_close */
	int64_t total_ms;
	char last_error[256];
	int legacy_paths;            /* tracker_plane.c: -1 unknown, 1 only issues/ (Plane < v1.1.0) */
	int64_t server_date_us;      /* the last answer's Date header (whole seconds), 0 none yet */
	int64_t server_date_mono_ms; /* time_mono_ms() when it came */
	const char *name;            /* in messages: "Plane" */
	const char *metric;          /* tool_metrics row: "plane" */
	const char *url_key;         /* the setting a failed request names: "plane_url" */
	const char *budget_key;      /* the setting of the budget: "plane_rate_limit_per_min" */
	int retry_429; /* a 429 is retried with the 5xx backoff (a server without a rate window) */
};

struct http_response {
	long status;
	struct buf body;
	int64_t retry_after; /* seconds, -1 when absent */
};

int http_open(
    struct http *h, const char *base, const char *token, int timeout_s, int per_min, struct orch_err *e);
void http_close(struct http *h);
/* Name the service (see the top): every string must outlive h. */
void http_identity(struct http *h, const char *name, const char *metric, const char *url_key,
    const char *budget_key, int retry_429);
/* method GET/POST/PATCH; path below base (starts with '/'); body JSON or NULL. */
int http_request(struct http *h, const char *method, const char *path, const char *body,
    struct http_response *resp, struct orch_err *e);
void http_response_free(struct http_response *resp);
/* GET url once (no token, no retries); 0 when it answers 2xx, else -1 with why. */
int http_probe(const char *url, int timeout_s, char *why, size_t wn);
/*
 * POST a JSON body to url once (no token header, no retries, no redirects,
 * timeout_ms for the whole request), for senders that keep their own retry
 * state (the notification outbox).  0 with any status, the body (capped at
 * HTTP_POST_CAP) and Retry-After in *resp (free it), or -1 with why: curl's
 * reason only, never the URL, which may carry a secret in its path.
 */
#define HTTP_POST_CAP (64 * 1024)
int http_post_json(
    const char *url, const char *body, long timeout_ms, struct http_response *resp, char *why, size_t wn);
/* Read the token: ORCH_PLANE_API_TOKEN, else the file (must be 0600, ours). Malloc'd. */
char *http_token_load(const char *file, struct orch_err *e);
/*
 * One response header line ("Name: value\r\n", len bytes, no NUL needed)
 * into out[]: Retry-After, X-RateLimit-Remaining, X-RateLimit-Reset (names
 * case-insensitive); a matching header sets its slot to the number, or -1
 * when the value is not a number in 0..2^40; other slots stay as they are.
 * What the transfer's header callback does (for tests/fuzz).
 */
void http_header_scan(const char *line, size_t len, int64_t out[3]);
/*
 * A short printable excerpt of a response body for messages (at most
 * HTTP_EXCERPT_MAX bytes into out, size n): every occurrence of the API
 * token in the body shows as "***" (a server may echo the request's
 * headers), control bytes as spaces.
 */
#define HTTP_EXCERPT_MAX 60
void http_excerpt(const struct http *h, const struct buf *b, char *out, size_t n);
/* An IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT", leading blanks allowed) to epoch seconds; -1 when not one.
 */
int64_t http_date_parse(const char *v);
/*
 * The server's clock: the last answer's Date header plus the time since it
 * came (whole seconds: up to 1 s behind); -1 when no answer carried one.
 */
int64_t http_server_now_us(const struct http *h);

#endif
