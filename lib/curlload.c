#include "curlload.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

/*
 * One table per process, filled once: a loaded library is process-wide by
 * nature (dlopen reference-counts it), so this is the one piece of state
 * orch keeps outside the config, and it never changes after loading.
 */
static struct curl_api api;
static int loaded;

static int
sym(void *lib, const char *name, void *slot, char *why, size_t wn)
{
	void *p = dlsym(lib, name);

	if (p == NULL) {
		snprintf(why, wn, "libcurl.so.4 lacks %s; install a libcurl4 of 7.62 or later", name);
		return -1;
	}
	memcpy(slot, &p, sizeof(p)); /* object pointer to function pointer, as POSIX allows */
	return 0;
}

const struct curl_api *
curl_api_load(char *why, size_t wn)
{
	void *lib;

	if (loaded)
		return &api;
	if ((lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(why, wn,
		    "cannot load libcurl.so.4 (%s); install libcurl4 (apt-get install libcurl4)", dlerror());
		return NULL;
	}
	if (sym(lib, "curl_global_init", &api.global_init, why, wn) < 0 ||
	    sym(lib, "curl_easy_init", &api.easy_init, why, wn) < 0 ||
	    sym(lib, "curl_easy_setopt", &api.easy_setopt, why, wn) < 0 ||
	    sym(lib, "curl_easy_perform", &api.easy_perform, why, wn) < 0 ||
	    sym(lib, "curl_easy_getinfo", &api.easy_getinfo, why, wn) < 0 ||
	    sym(lib, "curl_easy_cleanup", &api.easy_cleanup, why, wn) < 0 ||
	    sym(lib, "curl_easy_reset", &api.easy_reset, why, wn) < 0 ||
	    sym(lib, "curl_easy_strerror", &api.easy_strerror, why, wn) < 0 ||
	    sym(lib, "curl_slist_append", &api.slist_append, why, wn) < 0 ||
	    sym(lib, "curl_slist_free_all", &api.slist_free_all, why, wn) < 0)
		return NULL; /* the library stays loaded: dlclose of half a table helps nothing */
	if (api.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(why, wn, "cannot initialise libcurl");
		return NULL;
	}
	loaded = 1;
	return &api;
}

const struct curl_api *
curl_api(void)
{
	return &api;
}
