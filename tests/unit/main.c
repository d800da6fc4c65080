/* The unit runner: every module's suite against the same liborch.a as the commands. */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <stdarg.h>

#include "../../lib/err.h"
#include "../../lib/proc.h"
#include "../../lib/store.h"
#include "../../lib/util.h"
#include "suites.h"

char tmp_dir[4096];

void
tmp_setup(void)
{
	const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";

	snprintf(tmp_dir, sizeof(tmp_dir), "%s/orch-unit.XXXXXX", base);
	ck_assert_ptr_nonnull(mkdtemp(tmp_dir));
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void
tmp_teardown(void)
{
	if (tmp_dir[0])
		nftw(tmp_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	tmp_dir[0] = '\0';
}

const char *
tmp_write(const char *name, const char *content)
{
	static char path[4300];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmp_dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(content, f);
	fclose(f);
	return path;
}

void
tmp_store(struct store *st)
{
	char db[4200];
	struct orch_err e = { 0 };

	snprintf(db, sizeof(db), "%s/orch.db", tmp_dir);
	ck_assert_msg(store_open(st, db, 2000, &e) == 0, "store_open: %s", e.msg);
}

int
tsql_int(struct store *st, const char *sql)
{
	struct store_stmt *s;
	int v = -1;

	ck_assert_int_eq(store_prepare(st, &s, sql, NULL), 0);
	if (store_step(s) == STORE_ROW)
		v = store_column_int(s, 0);
	store_finalize(s);
	return v;
}

const char *
tsh(const char *cwd, ...)
{
	static char out[8192];
	const char *argv[32];
	struct proc_result r;
	va_list ap;
	int n = 0;

	va_start(ap, cwd);
	while (n < 31 && (argv[n] = va_arg(ap, const char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	struct proc_spec s = { .argv = argv, .cwd = cwd, .timeout_ms = 60000 };
	proc_run(&s, &r);
	ck_assert_msg(r.status == PROC_OK, "%s failed: %s", argv[0], buf_str(&r.err));
	snprintf(out, sizeof(out), "%s", buf_str(&r.out));
	proc_result_free(&r);
	return out;
}

const char *
tmp_git_repo(void)
{
	static char repo[4200];

	setenv("GIT_AUTHOR_NAME", "t", 1);
	setenv("GIT_AUTHOR_EMAIL", "t@t.invalid", 1);
	setenv("GIT_COMMITTER_NAME", "t", 1);
	setenv("GIT_COMMITTER_EMAIL", "t@t.invalid", 1);
	setenv("GIT_CONFIG_GLOBAL", "/dev/null", 1);
	snprintf(repo, sizeof(repo), "%s/repo", tmp_dir);
	tsh(tmp_dir, "git", "init", "-q", "-b", "main", repo, NULL);
	tmp_write("repo/README", "sample\n");
	tsh(repo, "git", "add", "README", NULL);
	tsh(repo, "git", "commit", "-qm", "init", NULL);
	return repo;
}

/*
 * Hermetic: the suites read orch's settings from the environment, so none of
 * the caller's may leak in (ORCH_*, the tokens among them: issue 24).
 */
static void
clear_orch_env(void)
{
	extern char **environ;
	char name[256];
	size_t i, n;

	for (i = 0; environ[i];) {
		n = strcspn(environ[i], "=");
		if (strncmp(environ[i], "ORCH_", 5) == 0 && n < sizeof(name)) {
			memcpy(name, environ[i], n);
			name[n] = '\0';
			unsetenv(name); /* environ shifts down: look at slot i again */
			continue;
		}
		i++;
	}
}

int
main(void)
{
	Suite *(*suites[])(void) = {
		buf_suite,
		wi_suite,
		atomic_suite,
		lock_suite,
		proc_suite,
		config_suite,
		store_suite,
		store_pg_suite,
		frontmatter_suite,
		git_suite,
		tracker_suite,
		notify_suite,
		job_suite,
		http_suite,
		engine_suite,
		fix_suite,
		scanmain_suite,
		decide_suite,
		text_suite,
		lockfile_suite,
	};
	SRunner *sr;
	size_t i;
	int failed;

	clear_orch_env();
	sr = srunner_create(suites[0]());

	for (i = 1; i < sizeof(suites) / sizeof(suites[0]); i++)
		srunner_add_suite(sr, suites[i]());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
