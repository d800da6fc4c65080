/* git: through proc, committed content only, symlinks refused. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../../lib/err.h"
#include "../../lib/git.h"
#include "suites.h"

START_TEST(git_read_committed_only)
{
	const char *repo = tmp_git_repo();
	struct git g = { .dir = repo };
	struct orch_err e = {0};
	char reason[512];
	struct buf b;

	buf_init(&b, 1024);
	tmp_write("repo/a.md", "committed\n");
	tsh(repo, "git", "add", "a.md", NULL);
	tsh(repo, "git", "commit", "-qm", "a", NULL);
	tmp_write("repo/a.md", "working copy edit\n");
	tmp_write("repo/b.md", "never committed\n");
	ck_assert_int_eq(git_read_artifact(&g, "refs/heads/main", "a.md", 1024, &b, reason, sizeof(reason), &e), 0);
	ck_assert_str_eq(buf_str(&b), "committed\n");
	ck_assert_int_eq(git_read_artifact(&g, "refs/heads/main", "b.md", 1024, &b, reason, sizeof(reason), &e), -1);
	ck_assert_ptr_nonnull(strstr(reason, "missing"));
	buf_free(&b);
}
END_TEST

START_TEST(git_symlink_and_size_refused)
{
	const char *repo = tmp_git_repo();
	struct git g = { .dir = repo };
	struct orch_err e = {0};
	char reason[512], link[4300];
	struct buf b;

	buf_init(&b, 1024);
	snprintf(link, sizeof(link), "%s/l.md", repo);
	ck_assert_int_eq(symlink("/etc/passwd", link), 0);
	tmp_write("repo/big.md", "0123456789abcdef\n");
	tsh(repo, "git", "add", "l.md", "big.md", NULL);
	tsh(repo, "git", "commit", "-qm", "l", NULL);
	ck_assert_int_eq(git_read_artifact(&g, "refs/heads/main", "l.md", 1024, &b, reason, sizeof(reason), &e), -1);
	ck_assert_ptr_nonnull(strstr(reason, "symlink"));
	ck_assert_int_eq(git_read_artifact(&g, "refs/heads/main", "big.md", 8, &b, reason, sizeof(reason), &e), -1);
	ck_assert_ptr_nonnull(strstr(reason, "limit"));
	ck_assert_uint_eq(b.len, 0);
	buf_free(&b);
}
END_TEST

START_TEST(git_branch_worktree_ancestry)
{
	const char *repo = tmp_git_repo();
	struct git g = { .dir = repo };
	struct orch_err e = {0};
	char wt[4300], sha[41], main_sha[41];
	const char *br = "feature/T-1-x; rm -rf $HOME";

	snprintf(wt, sizeof(wt), "%s/wt", tmp_dir);
	ck_assert_int_eq(git_branch_create(&g, "feature/T-1-x", "refs/heads/main", &e), 0);
	ck_assert_int_eq(git_branch_create(&g, "feature/T-1-x", "refs/heads/main", &e), 0);	/* idempotent */
	ck_assert_int_eq(git_worktree_add(&g, wt, "feature/T-1-x", &e), 0);
	ck_assert_int_eq(git_worktree_add(&g, wt, "feature/T-1-x", &e), 0);
	ck_assert_int_eq(git_rev_parse(&g, "refs/heads/main", main_sha, &e), 0);
	tmp_write("wt/new.txt", "x\n");
	tsh(wt, "git", "add", "new.txt", NULL);
	tsh(wt, "git", "commit", "-qm", "n", NULL);
	ck_assert_int_eq(git_rev_parse(&g, "refs/heads/feature/T-1-x", sha, &e), 0);
	ck_assert_int_eq(git_is_ancestor(&g, main_sha, sha, &e), 1);
	ck_assert_int_eq(git_is_ancestor(&g, sha, main_sha, &e), 0);
	ck_assert_int_eq(git_rev_parse(&g, br, sha, &e), -1);	/* metacharacters are just a bad ref */
	ck_assert_int_eq(e.code, EX_NOINPUT);
	ck_assert_int_eq(git_rev_parse(&g, "--version", sha, &e), -1);	/* never an option */
	struct git w = { .dir = wt };
	ck_assert_int_eq(git_is_clean(&w, &e), 1);
	tmp_write("wt/dirty.txt", "x\n");
	ck_assert_int_eq(git_is_clean(&w, &e), 0);
}
END_TEST

Suite *
git_suite(void)
{
	Suite *s = suite_create("git");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, git_read_committed_only);
	tcase_add_test(tc, git_symlink_and_size_refused);
	tcase_add_test(tc, git_branch_worktree_ancestry);
	suite_add_tcase(s, tc);
	return s;
}
