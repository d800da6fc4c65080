/*
 * bench/sqlite_floor: the least a command can cost on this machine when it
 * does only what SPEC section 3 asks of every orch command: read orch.yaml
 * (libyaml events, nothing interpreted), take its flock under locks/, open
 * orch.db as store_open() does (WAL, busy timeout, SQLite's memory
 * set-up), run the one query a quiet `orch-advance --all` must run (the
 * SQL of task_list_ids()), and write its run record atomically (temp, fsync, rename, fsync the
 * directory).  scale.py times two of these beside the no-op tick: no tick
 * of two such commands can be cheaper.  A benchmark tool, not part of orch.
 *
 * usage: sqlite_floor ORCH_HOME
 */
#include <sys/file.h>

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

static int
fail(const char *what, const char *why)
{
	fprintf(stderr, "sqlite_floor: %s: %s\n", what, why);
	return 1;
}

static int
read_config(const char *home)
{
	char path[4200];
	yaml_parser_t p;
	yaml_event_t ev;
	int done = 0, ok = 1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/orch.yaml", home);
	if ((f = fopen(path, "r")) == NULL)
		return fail(path, strerror(errno));
	yaml_parser_initialize(&p);
	yaml_parser_set_input_file(&p, f);
	while (!done && (ok = yaml_parser_parse(&p, &ev)) != 0) {
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	fclose(f);
	return ok ? 0 : fail(path, "not YAML");
}

static int
take_lock(const char *home)
{
	char path[4200];
	int fd;

	snprintf(path, sizeof(path), "%s/locks/sqlite-floor.lock", home);
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		fail(path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		fail(path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd; /* held until exit, as a command holds its lock */
}

static int
query(const char *home)
{
	char path[4200];
	sqlite3 *db;
	sqlite3_stmt *s;
	int rc;

	snprintf(path, sizeof(path), "%s/orch.db", home);
	/* as store_open() does: no up-front page cache block, no lookaside */
	sqlite3_config(SQLITE_CONFIG_PAGECACHE, NULL, 0, 0);
	sqlite3_config(SQLITE_CONFIG_LOOKASIDE, 0, 0);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		fail(path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return 1;
	}
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_exec(db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
		"SELECT id FROM tasks INDEXED BY tasks_live WHERE stage != 'done' ORDER BY id", -1, &s,
		NULL) != SQLITE_OK) {
		fail(path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return 1;
	}
	do
		rc = sqlite3_step(s);
	while (rc == SQLITE_ROW);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return rc == SQLITE_DONE ? 0 : fail(path, "the query failed");
}

static int
record_run(const char *home)
{
	static const char body[] = "{\"name\":\"sqlite-floor\",\"last_run\":\"2026-01-01T00:00:00.000000Z\","
				   "\"result\":0,\"duration_ms\":1}\n";
	char dir[4200], tmp[4300], path[4300];
	int fd, ok;

	snprintf(dir, sizeof(dir), "%s/runs", home);
	snprintf(tmp, sizeof(tmp), "%s/sqlite-floor.json.tmp", dir);
	snprintf(path, sizeof(path), "%s/sqlite-floor.json", dir);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
		return fail(tmp, strerror(errno));
	ok = write(fd, body, sizeof(body) - 1) == (ssize_t)sizeof(body) - 1 && fsync(fd) == 0;
	if (close(fd) < 0 || !ok || rename(tmp, path) < 0)
		return fail(path, strerror(errno));
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return fail(dir, strerror(errno));
	ok = fsync(fd) == 0;
	close(fd);
	return ok ? 0 : fail(dir, strerror(errno));
}

int
main(int argc, char **argv)
{
	int lock;

	if (argc != 2) {
		fprintf(stderr, "usage: sqlite_floor ORCH_HOME\n");
		return 64;
	}
	if (read_config(argv[1]) != 0 || (lock = take_lock(argv[1])) < 0 || query(argv[1]) != 0 ||
	    record_run(argv[1]) != 0)
		return 1;
	close(lock);
	return 0;
}
