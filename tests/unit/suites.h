/* Every Check suite of the unit runner; fixture helpers shared by them. */
#ifndef ORCH_TEST_SUITES_H
#define ORCH_TEST_SUITES_H

#include <check.h>

struct store;

Suite *buf_suite(void);
Suite *wi_suite(void);
Suite *atomic_suite(void);
Suite *lock_suite(void);
Suite *proc_suite(void);
Suite *config_suite(void);
Suite *store_suite(void);
Suite *store_pg_suite(void);
Suite *frontmatter_suite(void);
Suite *git_suite(void);
Suite *tracker_suite(void);
Suite *notify_suite(void);
Suite *engine_suite(void);
Suite *job_suite(void);
Suite *http_suite(void);
Suite *fix_suite(void);
Suite *scanmain_suite(void);
Suite *decide_suite(void);
Suite *text_suite(void);
Suite *lockfile_suite(void);

/* A fresh temp dir per test (removed by tmp_teardown). */
extern char tmp_dir[4096];
void tmp_setup(void);
void tmp_teardown(void);
/* Write a file under tmp_dir; returns its path in a static buffer. */
const char *tmp_write(const char *name, const char *content);
/* The first column of the first row of sql as an int (-1 when no row). */
int tsql_int(struct store *st, const char *sql);
/* Open a fresh orch.db in tmp_dir. */
void tmp_store(struct store *st);
/* Run argv (NULL-terminated varargs) in cwd through proc; assert exit 0; returns stdout (static). */
const char *tsh(const char *cwd, ...);
/* A git repo at tmp_dir/repo on main with one commit; returns its path (static). */
const char *tmp_git_repo(void);

#endif
