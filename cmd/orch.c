/* orch: the dispatcher.  `orch advance ...` runs `orch-advance ...`, like git. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/cli.h"
#include "../lib/proc.h"
#include "../lib/util.h"

static const struct {
	const char *name, *what;
} commands[] = {
	{ "advance", "run the current stage's gate of tasks and move them" },
	{ "brief", "print the brief an agent of a work item's stage receives" },
	{ "deploy", "Confirm Deploy, finalize deploys, watch them" },
	{ "doctor", "check the environment and the config" },
	{ "fix", "plan, patch, validate and commit a mechanical fix" },
	{ "issue", "tracker operations (the local tracker's interface)" },
	{ "poll", "read the tracker and apply actionable statuses" },
	{ "reconcile", "repair drift, reap dead jobs and leases" },
	{ "scan", "the security gate for a work item, or the scan of main" },
	{ "status", "tasks, jobs, command runs, tool metrics, recent events" },
	{ "work", "run queued agent jobs" },
	{ NULL, NULL },
};

static int
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: orch [--help | --version] COMMAND [ARGS...]\n\ncommands:\n");
	for (i = 0; commands[i].name; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].what);
	fprintf(f, "\nAny other COMMAND runs orch-COMMAND from orch's directory or PATH.  See orch(1).\n");
	return f == stdout ? 0 : EX_USAGE;
}

static int
name_ok(const char *s)
{
	if (*s == '\0' || strlen(s) > 32)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || *s == '-'))
			return 0;
	return 1;
}

/*
 * GNU order here too: common options may precede the command name
 * (`orch -q --home DIR poll`); they move behind it, so the command sees
 * `orch-poll -q --home DIR`.  Returns the command's index, 0 when none.
 */
static int
command_first(int argc, char **argv)
{
	char *cmd;
	int i;

	for (i = 1; i < argc && argv[i][0] == '-' && strcmp(argv[i], "--") != 0; i++)
		if ((strcmp(argv[i], "--config") == 0 || strcmp(argv[i], "--home") == 0) && i + 1 < argc)
			i++; /* the option's argument */
	if (i >= argc || strcmp(argv[i], "--") == 0)
		return 0;
	cmd = argv[i];
	memmove(argv + 2, argv + 1, (size_t)(i - 1) * sizeof(*argv));
	argv[1] = cmd;
	return 1;
}

int
main(int argc, char **argv)
{
	char self[PATH_MAX], path[PATH_MAX + 64], prog[64], *slash, *pathenv, *dir, *save;
	ssize_t n;

	if (argc < 2)
		return usage(stderr);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0)
		return usage(stdout);
	if (strcmp(argv[1], "--version") == 0) {
		printf("orch %s\n", ORCH_VERSION);
		return 0;
	}
	if (!command_first(argc, argv)) {
		fprintf(stderr, "orch: no command given; see orch --help\n");
		return EX_USAGE;
	}
	if (!name_ok(argv[1])) {
		fprintf(stderr, "orch: '%s' is not a command name; see orch --help\n", argv[1]);
		return EX_USAGE;
	}
	snprintf(prog, sizeof(prog), "orch-%s", argv[1]);
	argv[1] = prog;
	/* first the directory orch itself lives in, so a build tree runs its own binaries */
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			*slash = '\0';
			if (str_fmt(path, sizeof(path), "%s/%s", self, prog) == 0 && access(path, X_OK) == 0)
				proc_exec_replace(path, (const char *const *)argv + 1);
		}
	}
	if ((pathenv = getenv("PATH")) != NULL && (pathenv = strdup(pathenv)) != NULL) {
		for (dir = strtok_r(pathenv, ":", &save); dir; dir = strtok_r(NULL, ":", &save))
			if (str_fmt(path, sizeof(path), "%s/%s", dir, prog) == 0 && access(path, X_OK) == 0)
				proc_exec_replace(path, (const char *const *)argv + 1);
		free(pathenv);
	}
	fprintf(
	    stderr, "orch: '%s' is not an orch command (no %s found); see orch --help\n", argv[1] + 5, prog);
	return EX_USAGE;
}
