/*
 * config: YAML text -> a loaded config or a clean error.  The loader reads
 * a path, so each input is written to one private temp file.  Invariants:
 * a failure is EX_CONFIG (EX_SOFTWARE only for out of memory) with a
 * message naming the file; a success holds only projects whose key is a
 * valid project key (unique), whose repo is absolute and whose tracker is
 * local or plane; config_free() after either leaves nothing behind
 * (LeakSanitizer checks).  The same text as an environment argv
 * (ORCH_NOTIFY_CMD='["notify", "-x"]'): a non-empty argv or EX_CONFIG.
 */
#include <unistd.h>

#include "../../lib/config.h"
#include "../../lib/err.h"
#include "../../lib/wi.h"
#include "fuzz.h"

extern char **environ;
static char path[64];

static void
cleanup(void)
{
	unlink(path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char **ev;
	int fd;

	(void)argc;
	(void)argv;
	for (ev = environ; *ev;) /* ORCH_* would be applied over the file */
		if (strncmp(*ev, "ORCH_", 5) == 0) {
			char name[256];
			snprintf(name, sizeof(name), "%.*s", (int)strcspn(*ev, "="), *ev);
			unsetenv(name);
		} else {
			ev++;
		}
	/* tmpfs first: rewriting a file on ext4 flushes it on close (auto_da_alloc), 5 ms an input */
	snprintf(path, sizeof(path), "/dev/shm/orch-fuzz-config-XXXXXX");
	if ((fd = mkstemp(path)) < 0) {
		snprintf(path, sizeof(path), "/tmp/orch-fuzz-config-XXXXXX");
		if ((fd = mkstemp(path)) < 0)
			abort();
	}
	close(fd);
	atexit(cleanup);
	return 0;
}

static void
write_input(const uint8_t *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct config c;
	struct orch_err e = { 0 };
	size_t i, j;
	int rc;

	write_input(data, len);
	rc = config_load(&c, path, "/nonexistent/orch-fuzz-home", 1, &e);
	if (rc < 0) {
		FUZZ_CHECK(e.code == EX_CONFIG || e.code == EX_SOFTWARE, "error code %d: %s", e.code, e.msg);
		FUZZ_CHECK(e.msg[0] != '\0', "error without a message");
		if (e.code == EX_CONFIG)
			FUZZ_CHECK(strstr(e.msg, path) != NULL, "error does not name the file: %s", e.msg);
	} else {
		FUZZ_CHECK(c.path && strcmp(c.path, path) == 0, "config path");
		FUZZ_CHECK(c.nprojects == 0 || c.projects != NULL, "projects missing");
		for (i = 0; i < c.nprojects; i++) {
			const struct project *p = &c.projects[i];
			FUZZ_CHECK(p->key && wi_project_key_valid(p->key), "project %zu key", i);
			FUZZ_CHECK(p->repo && p->repo[0] == '/', "project %s repo", p->key);
			FUZZ_CHECK(p->tracker &&
				(strcmp(p->tracker, "local") == 0 || strcmp(p->tracker, "plane") == 0),
			    "project %s tracker", p->key);
			FUZZ_CHECK(p->main_branch != NULL, "project %s main_branch", p->key);
			FUZZ_CHECK(config_project(&c, p->key) == p, "project %s lookup", p->key);
			for (j = i + 1; j < c.nprojects; j++)
				FUZZ_CHECK(
				    strcmp(p->key, c.projects[j].key) != 0, "project %s twice", p->key);
		}
	}
	config_free(&c);
	{ /* the same text as an ORCH_*_CMD value: an argv of strings, or EX_CONFIG */
		char *text = fuzz_str(data, len), **argv;
		memset(&e, 0, sizeof(e));
		if ((argv = config_parse_argv(text, &e)) == NULL) {
			FUZZ_CHECK((e.code == EX_CONFIG || e.code == EX_SOFTWARE) && e.msg[0],
			    "argv error %d '%s'", e.code, e.msg);
		} else {
			FUZZ_CHECK(argv[0] != NULL, "an empty argv was accepted");
			argv_free(argv);
		}
		free(text);
	}
	return 0;
}
