/*
 * curlload: libcurl, loaded when orch first talks HTTP (issue 12).
 *
 * libcurl and the libraries it pulls in (TLS, HTTP/2, IDN, LDAP, Kerberos)
 * cost most of a command's start-up and about 6 MiB of RSS; most ticks
 * never make a request (the local tracker, no Telegram).  So orch links
 * without libcurl and dlopen()s libcurl.so.4 the first time an HTTP entry
 * point runs.  Only lib/http.c includes this header, after <curl/curl.h>:
 * it turns the curl_* calls it makes into calls through the loaded table.
 *
 * Calling sequence: curl_api_load() at each HTTP entry point (cheap after
 * the first); on NULL, fail with why; then the curl_* macros are safe.
 */
#ifndef ORCH_CURLLOAD_H
#define ORCH_CURLLOAD_H

#include <stddef.h>

#include <curl/curl.h>

struct curl_api {
	CURLcode (*global_init)(long flags);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *c, CURLoption o, ...);
	CURLcode (*easy_perform)(CURL *c);
	CURLcode (*easy_getinfo)(CURL *c, CURLINFO i, ...);
	void (*easy_cleanup)(CURL *c);
	void (*easy_reset)(CURL *c);
	const char *(*easy_strerror)(CURLcode rc);
	struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
	void (*slist_free_all)(struct curl_slist *l);
};

/* The table, loading libcurl (and curl_global_init) once; NULL with why when it cannot. */
const struct curl_api *curl_api_load(char *why, size_t wn);
/* The table after a successful curl_api_load(). */
const struct curl_api *curl_api(void);

#ifdef ORCH_CURL_CALLS_THROUGH_TABLE
#undef curl_easy_setopt
#undef curl_easy_getinfo
#define curl_global_init(f) (curl_api()->global_init(f))
#define curl_easy_init() (curl_api()->easy_init())
#define curl_easy_setopt(c, ...) (curl_api()->easy_setopt((c), __VA_ARGS__))
#define curl_easy_perform(c) (curl_api()->easy_perform(c))
#define curl_easy_getinfo(c, ...) (curl_api()->easy_getinfo((c), __VA_ARGS__))
#define curl_easy_cleanup(c) (curl_api()->easy_cleanup(c))
#define curl_easy_reset(c) (curl_api()->easy_reset(c))
#define curl_easy_strerror(rc) (curl_api()->easy_strerror(rc))
#define curl_slist_append(l, s) (curl_api()->slist_append((l), (s)))
#define curl_slist_free_all(l) (curl_api()->slist_free_all(l))
#endif

#endif
