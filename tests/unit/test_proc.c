/* proc: the only module that creates processes. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../lib/err.h"
#include "../../lib/proc.h"
#include "suites.h"

static int observed;
static char observed_tool[64];

static void
observe(void *ctx, const char *tool, const struct proc_result *r)
{
	(void)ctx;
	(void)r;
	observed++;
	snprintf(observed_tool, sizeof(observed_tool), "%s", tool);
}

static void
run(const char *const *argv, int timeout_ms, struct proc_result *r)
{
	struct proc_spec s = { .argv = argv, .timeout_ms = timeout_ms, .observe = observe };

	ck_assert_int_eq(proc_run(&s, r), 0);
}

START_TEST(proc_ok_and_output)
{
	const char *argv[] = { "printf", "out", NULL };
	struct proc_result r;

	observed = 0;
	run(argv, 5000, &r);
	ck_assert_int_eq(r.status, PROC_OK);
	ck_assert_int_eq(r.exit_code, 0);
	ck_assert_str_eq(buf_str(&r.out), "out");
	ck_assert_int_eq(observed, 1);
	ck_assert_str_eq(observed_tool, "printf");
	proc_result_free(&r);
}
END_TEST

/* The heartbeat: called while the child runs; its first "no" stops the child's group (orch-work's lost
 * lease). */
static int beats;
static int
beat_twice(void *ctx)
{
	(void)ctx;
	return ++beats >= 2;
}

START_TEST(proc_heartbeat_stops_child)
{
	const char *argv[] = { "sh", "-c", "sleep 600 & sleep 600; wait", NULL };
	struct proc_spec spec = { .argv = argv, .timeout_ms = 600000, .on_beat = beat_twice, .beat_ms = 20 };
	struct proc_result r;

	beats = 0;
	ck_assert_int_eq(proc_run(&spec, &r), 0);
	ck_assert_int_eq(beats, 2);
	ck_assert_int_eq(r.beat_stopped, 1);
	ck_assert_int_eq(r.status, PROC_TIMEOUT);
	proc_result_free(&r);
	/* a child that exits first is not stopped */
	const char *quick[] = { "true", NULL };
	spec.argv = quick;
	beats = 0;
	ck_assert_int_eq(proc_run(&spec, &r), 0);
	ck_assert_int_eq(r.status, PROC_OK);
	ck_assert_int_eq(r.beat_stopped, 0);
	proc_result_free(&r);
}
END_TEST

START_TEST(proc_nonzero_exit)
{
	const char *argv[] = { "sh", "-c", "echo oops >&2; exit 3", NULL };
	struct proc_result r;

	run(argv, 5000, &r);
	ck_assert_int_eq(r.status, PROC_EXIT_NONZERO);
	ck_assert_int_eq(r.exit_code, 3);
	ck_assert_str_eq(buf_str(&r.err), "oops\n");
	proc_result_free(&r);
}
END_TEST

START_TEST(proc_not_found)
{
	const char *argv[] = { "orch-no-such-program-xyz", NULL };
	struct proc_result r;

	run(argv, 5000, &r);
	ck_assert_int_eq(r.status, PROC_NOT_FOUND);
	ck_assert_ptr_nonnull(strstr(r.error, "install it or fix PATH"));
	proc_result_free(&r);
}
END_TEST

/* What a run would execute, found without starting it: as execvpe searches PATH. */
START_TEST(proc_which_as_exec)
{
	char out[4300], dir[4300], *old = getenv("PATH") ? strdup(getenv("PATH")) : NULL;

	tmp_setup(); /* this suite has no fixture: a temp dir of its own */
	ck_assert_int_eq(proc_which("sh", out, sizeof(out)), 0);
	ck_assert_ptr_nonnull(strstr(out, "/sh"));
	ck_assert_int_eq(proc_which("orch-no-such-program-xyz", out, sizeof(out)), -1);
	ck_assert_int_eq(proc_which("/bin/sh", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/bin/sh");
	/* a non-executable file of that name is skipped, as exec skips it; an empty entry is searched too */
	snprintf(dir, sizeof(dir), "%s/a", tmp_dir);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	snprintf(dir, sizeof(dir), "%s/c", tmp_dir);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	tmp_write("a/tool", "#!/bin/sh\n");
	snprintf(out, sizeof(out), "%s", tmp_write("c/tool", "#!/bin/sh\n"));
	ck_assert_int_eq(chmod(out, 0755), 0);
	snprintf(dir, sizeof(dir), "%s/a::%s/c", tmp_dir, tmp_dir);
	setenv("PATH", dir, 1);
	ck_assert_int_eq(proc_which("tool", out, sizeof(out)), 0);
	ck_assert_ptr_nonnull(strstr(out, "/c/tool"));
	if (old)
		setenv("PATH", old, 1);
	free(old);
	tmp_teardown();
}
END_TEST

static int
gone_now(pid_t pid)
{
	char path[64], buf[256] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 1;
	if (fgets(buf, sizeof(buf), f) == NULL)
		buf[0] = '\0';
	fclose(f);
	return strstr(buf, ") Z ") != NULL; /* a zombie is dead */
}

/* SIGKILL is asynchronous: wait (bounded) for the kernel to finish the kill. */
static int
gone(pid_t pid)
{
	int i;

	for (i = 0; i < 500; i++) {
		if (gone_now(pid))
			return 1;
		usleep(10000);
	}
	return 0;
}

START_TEST(proc_timeout_kills_group)
{
	/* the grandchild would outlive a kill of only the child */
	const char *argv[] = { "sh", "-c", "sleep 300 & echo $!; wait", NULL };
	struct proc_result r;
	long long gc;

	int ms;

	/* a loaded machine (sanitizers, CI) may reach the deadline before sh has started its child: longer
	 * then */
	for (ms = 300, gc = 0; gc <= 1 && ms <= 20000; ms *= 4) {
		if (ms > 300)
			proc_result_free(&r);
		run(argv, ms, &r);
		ck_assert_int_eq(r.status, PROC_TIMEOUT);
		gc = strtoll(buf_str(&r.out), NULL, 10);
	}
	ck_assert_int_gt(gc, 1);
	ck_assert_msg(gone((pid_t)gc), "grandchild %lld survived the timeout", gc);
	proc_result_free(&r);
}
END_TEST

START_TEST(proc_leftovers_killed_after_exit)
{
	const char *argv[] = { "sh", "-c", "sleep 300 >/dev/null 2>&1 & echo $!", NULL };
	struct proc_result r;
	long long gc;

	run(argv, 10000, &r);
	ck_assert_int_eq(r.status, PROC_OK);
	gc = strtoll(buf_str(&r.out), NULL, 10);
	ck_assert_msg(gone((pid_t)gc), "background child %lld left running", gc);
	proc_result_free(&r);
}
END_TEST

/* A child that leaves the group with setsid() is re-parented to us (subreaper) and killed when the run ends.
 */
START_TEST(proc_setsid_child_swept)
{
	const char *argv[] = { "python3", "-c",
		"import os, signal\n"
		"r, w = os.pipe()\n"
		"pid = os.fork()\n"
		"if pid == 0:\n"
		"    os.setsid(); os.write(w, b'x'); signal.pause()\n"
		"os.read(r, 1); print(pid, flush=True)\n",
		NULL };
	struct proc_result r;
	long long gc;

	ck_assert_int_eq(proc_supervise(), 0);
	run(argv, 20000, &r);
	ck_assert_int_eq(r.status, PROC_OK);
	gc = strtoll(buf_str(&r.out), NULL, 10);
	ck_assert_int_gt(gc, 1);
	/* reaped before proc_run returned: gone now, not eventually */
	ck_assert_msg(kill((pid_t)gc, 0) < 0, "setsid child %lld outlived its run", gc);
	proc_result_free(&r);
}
END_TEST

/* proc_spawn_detached's session is spared by the sweep (a deploy hook outlives orch), and reaped once it
 * ends. */
START_TEST(proc_detached_not_swept)
{
	const char *hook[] = { "sh", "-c", "echo $$ >\"$0\"; exec sleep 300", NULL, NULL };
	const char *argv[] = { "true", NULL };
	char fifo[4300], log[4300], why[256], line[32] = "";
	struct proc_result r;
	long pid;
	FILE *f;

	tmp_setup();
	ck_assert_int_eq(proc_supervise(), 0);
	snprintf(fifo, sizeof(fifo), "%s/pid", tmp_dir);
	snprintf(log, sizeof(log), "%s/hook.log", tmp_dir);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	hook[3] = fifo;
	ck_assert_int_eq(proc_spawn_detached(hook, NULL, NULL, log, why, sizeof(why)), 0);
	ck_assert_ptr_nonnull(f = fopen(fifo, "r"));
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), f));
	fclose(f);
	pid = strtol(line, NULL, 10);
	ck_assert_int_gt(pid, 1);
	run(argv, 10000, &r); /* a run ends: the sweep runs */
	ck_assert_int_eq(r.status, PROC_OK);
	ck_assert_msg(
	    kill((pid_t)pid, 0) == 0 && !gone_now((pid_t)pid), "the detached hook %ld was killed", pid);
	ck_assert_int_eq(kill((pid_t)pid, SIGKILL), 0);
	ck_assert_int_eq(gone((pid_t)pid), 1);
	proc_sweep_descendants(); /* its zombie is ours (subreaper): reaped */
	ck_assert_msg(kill((pid_t)pid, 0) < 0, "the ended hook %ld was not reaped", pid);
	proc_result_free(&r);
	tmp_teardown();
}
END_TEST

/* run_as: an unknown user and root are refused; as root a child really runs as the user, else a clear spawn
 * error. */
START_TEST(proc_run_as_user)
{
	const char *argv[] = { "id", "-u", NULL };
	struct proc_user u;
	struct orch_err e = { 0 };
	struct proc_result r;
	char want[32];

	ck_assert_int_eq(proc_user_lookup("orch-no-such-user-xyz", &u, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "is not a user on this host"));
	ck_assert_int_eq(proc_user_lookup("root", &u, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "unprivileged"));
	ck_assert_int_eq(proc_user_lookup("nobody", &u, &e), 0);
	ck_assert_int_gt(u.ngroups, 0);
	struct proc_spec s = { .argv = argv, .timeout_ms = 10000, .run_as = &u };
	proc_run(&s, &r);
	if (proc_can_switch_user()) {
		ck_assert_int_eq(r.status, PROC_OK);
		snprintf(want, sizeof(want), "%ld\n", (long)u.uid);
		ck_assert_str_eq(buf_str(&r.out), want);
	} else {
		ck_assert_int_eq(r.status, PROC_SPAWN_ERROR);
		ck_assert_ptr_nonnull(strstr(r.error, "CAP_SETUID"));
	}
	proc_result_free(&r);
}
END_TEST

/* The workspace helper: a tree given to the agent user, symlinks not followed; without the privilege an error
 * names the path. */
START_TEST(proc_chown_tree)
{
	struct orch_err e = { 0 };
	struct proc_user u;
	char dir[4300], link[4300];
	struct stat sb;

	tmp_setup();
	ck_assert_int_eq(proc_user_lookup("nobody", &u, &e), 0);
	snprintf(dir, sizeof(dir), "%s/ws", tmp_dir);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	tmp_write("ws/file", "x\n"); /* tmp_write's directory is the fixture's: ws/ exists by now */
	snprintf(link, sizeof(link), "%s/ws/etc", tmp_dir);
	ck_assert_int_eq(symlink("/etc", link), 0);
	if (geteuid() != 0) {
		ck_assert_int_eq(proc_user_chown_tree(&u, dir, &e), -1);
		ck_assert_ptr_nonnull(strstr(e.msg, "CAP_CHOWN"));
		tmp_teardown();
		return;
	}
	ck_assert_int_eq(proc_user_chown_tree(&u, dir, &e), 0);
	ck_assert_int_eq(stat(dir, &sb), 0);
	ck_assert_int_eq((int)sb.st_uid, (int)u.uid);
	snprintf(dir, sizeof(dir), "%s/ws/file", tmp_dir);
	ck_assert_int_eq(stat(dir, &sb), 0);
	ck_assert_int_eq((int)sb.st_uid, (int)u.uid);
	ck_assert_int_eq(lstat(link, &sb), 0);
	ck_assert_int_eq((int)sb.st_uid, (int)u.uid); /* the link itself */
	ck_assert_int_eq(stat("/etc", &sb), 0);
	ck_assert_int_eq((int)sb.st_uid, 0); /* not what it points to */
	tmp_teardown();
}
END_TEST

START_TEST(proc_output_capped)
{
	const char *argv[] = { "head", "-c", "200000", "/dev/zero", NULL };
	struct proc_spec s = { .argv = argv, .timeout_ms = 10000, .out_cap = 1000 };
	struct proc_result r;

	proc_run(&s, &r);
	ck_assert_int_eq(r.status, PROC_OK);
	ck_assert_int_eq(r.out_truncated, 1);
	ck_assert_uint_eq(r.out.len, 1000);
	proc_result_free(&r);
}
END_TEST

START_TEST(proc_stdin_env_cwd)
{
	const char *argv[] = { "sh", "-c", "cat; echo \"[$ORCH_X]\"; env | grep -c TOKEN_SECRET; pwd", NULL };
	const char *extra[] = { "ORCH_X=hello", NULL };
	struct proc_spec s = { .argv = argv,
		.timeout_ms = 10000,
		.env_extra = extra,
		.cwd = "/",
		.stdin_data = "input\n",
		.stdin_len = 6 };
	struct proc_result r;

	setenv("ORCH_PLANE_API_TOKEN", "TOKEN_SECRET", 1);
	proc_run(&s, &r);
	unsetenv("ORCH_PLANE_API_TOKEN");
	ck_assert_int_eq(r.status, PROC_OK);
	ck_assert_str_eq(buf_str(&r.out), "input\n[hello]\n0\n/\n");
	proc_result_free(&r);
}
END_TEST

START_TEST(proc_child_ignoring_stdin)
{
	/* the child exits without reading: writing the rest must not kill us (SIGPIPE) */
	static char big[1 << 20];
	const char *argv[] = { "true", NULL };
	struct proc_spec s = {
		.argv = argv, .timeout_ms = 10000, .stdin_data = big, .stdin_len = sizeof(big)
	};
	struct proc_result r;

	memset(big, 'x', sizeof(big));
	proc_run(&s, &r);
	ck_assert_int_eq(r.status, PROC_OK);
	proc_result_free(&r);
}
END_TEST

START_TEST(proc_empty_argv)
{
	const char *argv[] = { NULL };
	struct proc_spec s = { .argv = argv };
	struct proc_result r;

	ck_assert_int_eq(proc_run(&s, &r), -1);
	ck_assert_int_eq(r.status, PROC_SPAWN_ERROR);
	proc_result_free(&r);
}
END_TEST

/* A missing cwd is named as a missing directory, not as a missing program. */
START_TEST(proc_missing_cwd)
{
	const char *argv[] = { "true", NULL };
	struct proc_spec s = { .argv = argv, .cwd = "/nonexistent/orch-repo", .timeout_ms = 10000 };
	struct proc_result r;

	ck_assert_int_eq(proc_run(&s, &r), 0);
	ck_assert_int_eq(r.status, PROC_SPAWN_ERROR);
	ck_assert_ptr_nonnull(strstr(r.error,
	    "in '/nonexistent/orch-repo': cannot enter that directory: "
	    "No such file or directory"));
	ck_assert_ptr_null(strstr(r.error, "install it or fix PATH"));
	proc_result_free(&r);
}
END_TEST

/*
 * on_start runs before the program: the child is still this test's binary
 * (not yet exec'd) while on_start records it, so a SIGKILL of the parent
 * there cannot leave the program running unrecorded.
 */
static int started_before_exec;
static void
note_exe(void *ctx, long pid)
{
	char path[64], self[4096], child[4096];
	ssize_t a, b;

	(void)ctx;
	snprintf(path, sizeof(path), "/proc/%ld/exe", pid);
	a = readlink("/proc/self/exe", self, sizeof(self) - 1);
	b = readlink(path, child, sizeof(child) - 1);
	started_before_exec = a > 0 && b == a && memcmp(self, child, (size_t)a) == 0;
}

START_TEST(proc_on_start_before_program)
{
	const char *argv[] = { "true", NULL };
	struct proc_spec s = { .argv = argv, .timeout_ms = 10000, .on_start = note_exe };
	struct proc_result r;

	started_before_exec = 0;
	ck_assert_int_eq(proc_run(&s, &r), 0);
	ck_assert_int_eq(r.status, PROC_OK);
	ck_assert_int_eq(started_before_exec, 1);
	proc_result_free(&r);
}
END_TEST

/*
 * The parent dies inside on_start (a SIGKILL before it recorded the group):
 * the program never runs.  Two tests, as no test may fork: an exit test (the
 * Check child running it is the parent that dies), then one that waits for
 * the orphaned child's end and finds the program's mark absent.  Under
 * CK_FORK=no (the valgrind run) an exit would end the runner: both skip.
 */
static void
death_paths(char *pidf, char *mark, size_t n)
{
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";

	/* the runner is both tests' parent: one name for the pair */
	snprintf(pidf, n, "%s/orch-proc-death-%ld.pid", tmp, (long)getppid());
	snprintf(mark, n, "%s/orch-proc-death-%ld.ran", tmp, (long)getppid());
}

static int
no_fork(void)
{
	return getenv("CK_FORK") && strcmp(getenv("CK_FORK"), "no") == 0;
}

static void
die_in_on_start(void *ctx, long pid)
{
	FILE *f = fopen(ctx, "w");

	if (f == NULL || fprintf(f, "%ld\n", pid) < 0 || fclose(f) != 0)
		_exit(3);
	_exit(0);
}

START_TEST(proc_parent_death_before_start)
{
	char pidf[4200], mark[4200];

	if (no_fork())
		return;
	death_paths(pidf, mark, sizeof(pidf));
	unlink(mark);
	const char *argv[] = { "sh", "-c", "echo ran >\"$1\"", "sh", mark, NULL };
	struct proc_spec s = {
		.argv = argv, .timeout_ms = 10000, .on_start = die_in_on_start, .on_start_ctx = pidf
	};
	struct proc_result r;

	proc_run(&s, &r);
	ck_abort_msg("on_start returned: the test's process should have ended in it");
}
END_TEST

START_TEST(proc_parent_death_program_never_ran)
{
	char pidf[4200], mark[4200];
	long pid = 0;
	FILE *f;
	int i;

	if (no_fork())
		return;
	death_paths(pidf, mark, sizeof(pidf));
	ck_assert_ptr_nonnull(f = fopen(pidf, "r"));
	ck_assert_int_eq(fscanf(f, "%ld", &pid), 1);
	fclose(f);
	unlink(pidf);
	ck_assert_int_gt(pid, 1);
	/* the orphan ends at once (EOF on its go pipe) or, had it run, once its program wrote the mark */
	for (i = 0; i < 1000 && (kill((pid_t)pid, 0) == 0 || errno != ESRCH); i++)
		usleep(10000);
	ck_assert_msg(kill((pid_t)pid, 0) < 0 && errno == ESRCH, "the child %ld did not end", pid);
	ck_assert_msg(
	    access(mark, F_OK) != 0, "the program ran although its parent died before recording it");
}
END_TEST

Suite *
proc_suite(void)
{
	Suite *s = suite_create("proc");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, proc_ok_and_output);
	tcase_add_test(tc, proc_on_start_before_program);
	tcase_add_exit_test(tc, proc_parent_death_before_start, 0);
	tcase_add_test(tc, proc_parent_death_program_never_ran);
	tcase_add_test(tc, proc_nonzero_exit);
	tcase_add_test(tc, proc_heartbeat_stops_child);
	tcase_add_test(tc, proc_not_found);
	tcase_add_test(tc, proc_timeout_kills_group);
	tcase_add_test(tc, proc_leftovers_killed_after_exit);
	tcase_add_test(tc, proc_setsid_child_swept);
	tcase_add_test(tc, proc_detached_not_swept);
	tcase_add_test(tc, proc_run_as_user);
	tcase_add_test(tc, proc_chown_tree);
	tcase_add_test(tc, proc_output_capped);
	tcase_add_test(tc, proc_stdin_env_cwd);
	tcase_add_test(tc, proc_child_ignoring_stdin);
	tcase_add_test(tc, proc_missing_cwd);
	tcase_add_test(tc, proc_empty_argv);
	tcase_add_test(tc, proc_which_as_exec);
	suite_add_tcase(s, tc);
	return s;
}
