/* git: through proc, committed content only, symlinks refused. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../lib/err.h"
#include "../../lib/git.h"
#include "suites.h"

START_TEST(git_read_committed_only)
{
	const char *repo = tmp_git_repo();
	struct git g = { .dir = repo };
	struct orch_err e = { 0 };
	struct buf b;

	buf_init(&b, 1024);
	tmp_write("repo/a.md", "committed\n");
	tsh(repo, "git", "add", "a.md", NULL);
	tsh(repo, "git", "commit", "-qm", "a", NULL);
	tmp_write("repo/a.md", "working copy edit\n");
	tmp_write("repo/b.md", "never committed\n");
	ck_assert_int_eq(git_read_artifact(&g, "refs/heads/main", "a.md", 1024, &b, &e), 0);
	ck_assert_str_eq(buf_str(&b), "committed\n");
	ck_assert_int_eq(git_read_artifact(&g, "refs/heads/main", "b.md", 1024, &b, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "missing"));
	ck_assert_int_eq(e.code, EX_NO); /* a red gate's reason, not an error */
	buf_free(&b);
}
END_TEST

START_TEST(git_symlink_and_size_refused)
{
	const char *repo = tmp_git_repo();
	struct git g = { .dir = repo };
	struct orch_err e = { 0 };
	char link[4300];
	struct buf b;

	buf_init(&b, 1024);
	snprintf(link, sizeof(link), "%s/l.md", repo);
	ck_assert_int_eq(symlink("/etc/passwd", link), 0);
	tmp_write("repo/big.md", "0123456789abcdef\n");
	tsh(repo, "git", "add", "l.md", "big.md", NULL);
	tsh(repo, "git", "commit", "-qm", "l", NULL);
	ck_assert_int_eq(git_read_artifact(&g, "refs/heads/main", "l.md", 1024, &b, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "symlink"));
	ck_assert_int_eq(git_read_artifact(&g, "refs/heads/main", "big.md", 8, &b, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "limit"));
	ck_assert_uint_eq(b.len, 0);
	buf_free(&b);
}
END_TEST

START_TEST(git_branch_worktree_ancestry)
{
	const char *repo = tmp_git_repo();
	struct git g = { .dir = repo };
	struct orch_err e = { 0 };
	char wt[4300], sha[41], main_sha[41];
	const char *br = "feature/T-1-x; rm -rf $HOME";

	snprintf(wt, sizeof(wt), "%s/wt", tmp_dir);
	ck_assert_int_eq(git_branch_create(&g, "feature/T-1-x", "refs/heads/main", &e), 0);
	ck_assert_int_eq(git_branch_create(&g, "feature/T-1-x", "refs/heads/main", &e), 0); /* idempotent */
	ck_assert_int_eq(git_worktree_add(&g, wt, "feature/T-1-x", &e), 0);
	ck_assert_int_eq(git_worktree_add(&g, wt, "feature/T-1-x", &e), 0);
	ck_assert_int_eq(git_rev_parse(&g, "refs/heads/main", main_sha, &e), 0);
	tmp_write("wt/new.txt", "x\n");
	tsh(wt, "git", "add", "new.txt", NULL);
	tsh(wt, "git", "commit", "-qm", "n", NULL);
	ck_assert_int_eq(git_rev_parse(&g, "refs/heads/feature/T-1-x", sha, &e), 0);
	ck_assert_int_eq(git_is_ancestor(&g, main_sha, sha, &e), 1);
	ck_assert_int_eq(git_is_ancestor(&g, sha, main_sha, &e), 0);
	ck_assert_int_eq(git_rev_parse(&g, br, sha, &e), -1); /* metacharacters are just a bad ref */
	ck_assert_int_eq(e.code, EX_NOINPUT);
	ck_assert_int_eq(git_rev_parse(&g, "--version", sha, &e), -1); /* never an option */
	struct git w = { .dir = wt };
	ck_assert_int_eq(git_is_clean(&w, &e), 1);
	tmp_write("wt/dirty.txt", "x\n");
	ck_assert_int_eq(git_is_clean(&w, &e), 0);
}
END_TEST

/* One cat-file run per artifact: a nested path, a directory, a submodule-free missing directory, a bad ref.
 */
START_TEST(git_read_nested_and_bad_ref)
{
	const char *repo = tmp_git_repo();
	struct git g = { .dir = repo };
	struct orch_err e = { 0 };
	struct buf b;

	buf_init(&b, 1 << 20);
	tsh(repo, "mkdir", "-p", "docs/w/sub", NULL);
	tmp_write("repo/docs/w/r.md", "nested\n");
	tmp_write("repo/docs/w/r.md.bak", "other\n");
	tmp_write("repo/docs/w/sub/x", "x\n");
	tsh(repo, "git", "add", "docs", NULL);
	tsh(repo, "git", "commit", "-qm", "d", NULL);
	ck_assert_int_eq(git_read_artifact(&g, "refs/heads/main", "docs/w/r.md", 1024, &b, &e), 0);
	ck_assert_str_eq(buf_str(&b), "nested\n");
	ck_assert_int_eq(git_read_artifact(&g, "refs/heads/main", "docs/w/sub", 1024, &b, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "not a file"));
	ck_assert_int_eq(git_read_artifact(&g, "refs/heads/main", "docs/none/r.md", 1024, &b, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "missing"));
	ck_assert_int_eq(git_read_artifact(&g, "refs/heads/main", "docs/w/r", 1024, &b, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "missing"));
	ck_assert_int_eq(git_read_artifact(&g, "refs/heads/gone", "docs/w/r.md", 1024, &b, &e), -2);
	ck_assert_int_eq(e.code, EX_UNAVAILABLE);
	buf_free(&b);
}
END_TEST

/* Both ends of a range in one run; a missing or hostile ref is "does not exist", never an option. */
START_TEST(git_resolve_many)
{
	const char *repo = tmp_git_repo();
	struct git g = { .dir = repo };
	struct orch_err e = { 0 };
	char sha[2][41], one[41];
	const char *refs[] = { "refs/heads/main", "HEAD" }, *bad[] = { "refs/heads/main", "--version" };

	ck_assert_int_eq(git_resolve(&g, refs, 2, sha, &e), 0);
	ck_assert_int_eq(git_rev_parse(&g, "HEAD", one, &e), 0);
	ck_assert_str_eq(sha[0], one);
	ck_assert_str_eq(sha[1], one);
	ck_assert_int_eq(git_resolve(&g, bad, 2, sha, &e), -1);
	ck_assert_int_eq(e.code, EX_NOINPUT);
	ck_assert_ptr_nonnull(strstr(e.msg, "--version"));
	bad[1] = "main\nHEAD";
	ck_assert_int_eq(git_resolve(&g, bad, 2, sha, &e), -1);
}
END_TEST

/* The same content committed twice is one commit; a change is the next; the work tree is never touched. */
START_TEST(git_commit_file_once)
{
	const char *repo = tmp_git_repo();
	struct git g = { .dir = repo };
	struct orch_err e = { 0 };
	char a[41], b2[41], head[41], idx[4200], blob[41];

	snprintf(idx, sizeof(idx), "%s/index-test", repo);
	ck_assert_int_eq(git_commit_file(&g, "main", "d/r.md", "one\n", 4, "m", idx, a, blob, &e), 0);
	ck_assert_int_eq(git_rev_parse(&g, "refs/heads/main", head, &e), 0);
	ck_assert_str_eq(a, head);
	ck_assert_int_eq(git_commit_file(&g, "main", "d/r.md", "one\n", 4, "m", idx, b2, blob, &e), 0);
	ck_assert_str_eq(a, b2);
	ck_assert_int_eq(git_commit_file(&g, "main", "d/r.md", "two\n", 4, "m", idx, b2, blob, &e), 0);
	ck_assert_str_ne(a, b2);
	ck_assert_int_eq(access(idx, F_OK), -1); /* the private index is gone */
}
END_TEST

/* A hook named by the repository's own config never runs inside orch's git. */
START_TEST(git_repo_hooks_never_run)
{
	const char *repo = tmp_git_repo();
	struct git g = { .dir = repo };
	struct orch_err e = { 0 };
	char out[41], idx[4200], hooks[4200], marker[4200], hook[4200], blob[41];
	FILE *f;

	snprintf(hooks, sizeof(hooks), "%s/evil-hooks", repo);
	snprintf(marker, sizeof(marker), "%s/hook-ran", repo);
	snprintf(hook, sizeof(hook), "%s/reference-transaction", hooks);
	ck_assert_int_eq(mkdir(hooks, 0700), 0);
	ck_assert_ptr_nonnull(f = fopen(hook, "w"));
	fprintf(f, "#!/bin/sh\ntouch '%s'\n", marker);
	fclose(f);
	ck_assert_int_eq(chmod(hook, 0700), 0);
	tsh(repo, "git", "config", "core.hooksPath", hooks, NULL);
	tsh(repo, "git", "update-ref", "refs/heads/probe", "HEAD", NULL); /* the hook works for plain git */
	ck_assert_int_eq(access(marker, F_OK), 0);
	ck_assert_int_eq(unlink(marker), 0);
	snprintf(idx, sizeof(idx), "%s/index-test", repo);
	ck_assert_int_eq(git_commit_file(&g, "main", "d/r.md", "x\n", 2, "m", idx, out, blob, &e), 0);
	ck_assert_int_eq(access(marker, F_OK), -1);
}
END_TEST

/* The code id: same change = same id across a rebase; docs of the item and an empty change = ""; a new change
 * = new id. */
START_TEST(git_code_id_binds_the_change)
{
	const char *repo = tmp_git_repo();
	struct git g = { .dir = repo };
	struct orch_err e = { 0 };
	char a[41], b[41], c[41], d[41], files[256];
	const char *wi = "docs/work-items/T-1/";

	tsh(repo, "git", "checkout", "-qb", "feat", NULL);
	tsh(repo, "mkdir", "-p", "docs/work-items/T-1", NULL);
	tmp_write("repo/docs/work-items/T-1/12-review.md", "review\n");
	tsh(repo, "git", "add", "docs", NULL);
	tsh(repo, "git", "commit", "-qm", "docs only", NULL);
	ck_assert_int_eq(git_code_id(&g, "refs/heads/main", "HEAD", wi, a, &e), 0);
	ck_assert_str_eq(a, ""); /* only the item's own documents: no change */
	tmp_write("repo/code.c", "int x;\n");
	tsh(repo, "git", "add", "code.c", NULL);
	tsh(repo, "git", "commit", "-qm", "code", NULL);
	ck_assert_int_eq(git_code_id(&g, "refs/heads/main", "HEAD", wi, a, &e), 0);
	ck_assert_uint_eq(strlen(a), 40);
	tmp_write("repo/docs/work-items/T-1/13-test-report.md", "pass\n");
	tsh(repo, "git", "add", "docs", NULL);
	tsh(repo, "git", "commit", "-qm", "report", NULL);
	ck_assert_int_eq(git_code_id(&g, "refs/heads/main", "HEAD", wi, b, &e), 0);
	ck_assert_str_eq(a, b); /* a verdict committed later is no change of the code */
	/* main moves on and the branch is rebased onto it: the same change */
	tsh(repo, "git", "checkout", "-q", "main", NULL);
	tmp_write("repo/other.c", "int y;\n");
	tsh(repo, "git", "add", "other.c", NULL);
	tsh(repo, "git", "commit", "-qm", "main moves", NULL);
	tsh(repo, "git", "checkout", "-q", "feat", NULL);
	tsh(repo, "git", "rebase", "-q", "main", NULL);
	ck_assert_int_eq(git_code_id(&g, "refs/heads/main", "HEAD", wi, c, &e), 0);
	ck_assert_str_eq(a, c);
	/* a code change is a new id, and the changed files are named */
	tmp_write("repo/code.c", "int x = 1;\n");
	tsh(repo, "git", "commit", "-qam", "late code", NULL);
	ck_assert_int_eq(git_code_id(&g, "refs/heads/main", "HEAD", wi, d, &e), 0);
	ck_assert_str_ne(a, d);
	ck_assert_int_eq(git_changed_files(&g, "HEAD~1", "HEAD", wi, files, sizeof(files), &e), 0);
	ck_assert_str_eq(files, "code.c");
	ck_assert_int_eq(git_last_commit(&g, "HEAD", "docs/work-items/T-1/13-test-report.md", b, &e), 0);
	ck_assert_int_eq(git_rev_parse(&g, "HEAD~1", c, &e), 0);
	ck_assert_str_eq(b, c);
	ck_assert_int_eq(git_code_id(&g, "refs/heads/nosuch", "HEAD", wi, d, &e), -1);
	ck_assert_int_ne(e.code, 0);
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
	tcase_add_test(tc, git_read_nested_and_bad_ref);
	tcase_add_test(tc, git_resolve_many);
	tcase_add_test(tc, git_commit_file_once);
	tcase_add_test(tc, git_repo_hooks_never_run);
	tcase_add_test(tc, git_code_id_binds_the_change);
	suite_add_tcase(s, tc);
	return s;
}
