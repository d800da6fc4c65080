/* orch doctor: check the environment and the config, one line per check with what to do. */
#include <cjson/cJSON.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "../lib/cli.h"
#include "../lib/doctor.h"

#define USAGE \
	"orch-doctor [-q] [--config FILE] [--home DIR] [--json] [--wait]\n" \
	"       orch-doctor [--config FILE] [--home DIR] --accept-remote KEY"

enum { OPT_ACCEPT_REMOTE = OPT_CMD_BASE };

static const struct option longopts[] = {
	{ "accept-remote", required_argument, NULL, OPT_ACCEPT_REMOTE },
	{ NULL, 0, NULL, 0 },
};

struct out {
	cJSON *arr; /* --json: every line */
	int quiet;  /* -q: only WARN and FAIL lines */
};

static void
line(void *ctx, const char *level, const char *check, const char *text)
{
	struct out *out = ctx;
	cJSON *arr = out->arr, *o;

	if (arr == NULL) {
		if (!out->quiet || strcmp(level, "ok") != 0)
			printf("%-4s %s: %s\n", level, check, text);
		return;
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "level", level);
	cJSON_AddStringToObject(o, "check", check);
	cli_json_str(o, "text", text);
	cJSON_AddItemToArray(arr, o);
}

/* --accept-remote KEY: a person changed the remote on purpose; orch trusts what is configured now. */
static int
accept_remote(struct cli *cl, const char *key)
{
	struct orch_err e = { 0 };
	char url[2048];

	if (doctor_accept_remote(cl->ctx, key, url, sizeof(url), &e) < 0)
		return cli_close(cl, cli_error(cl, &e));
	if (!cl->quiet)
		printf("%s: remote recorded as trusted: %s\n", key, url);
	return cli_close(cl, 0);
}

int
main(int argc, char **argv)
{
	struct cli cl;
	struct out out;
	const char *accept = NULL;
	int opt, rc, fails;

	cli_init(&cl, "orch-doctor", USAGE);
	while ((opt = cli_getopt(&cl, argc, argv, longopts)) > 0)
		if (opt == OPT_ACCEPT_REMOTE)
			accept = cl.optarg;
	if (opt < 0)
		return cl.exit;
	if (cli_operands(&cl, "orch-doctor", 0, 0, NULL))
		return EX_USAGE;
	cl.config_unsafe_ok = 1; /* doctor reports an unsafe config as a FAIL line with the fix */
	if ((rc = cli_open(&cl)) != 0)
		return rc == CLI_SKIPPED ? 0 : rc;
	if (accept)
		return accept_remote(&cl, accept);
	out.arr = cl.json ? cJSON_CreateArray() : NULL;
	out.quiet = cl.quiet;
	fails = doctor_run(cl.ctx, line, &out);
	if (out.arr)
		cli_print_json(out.arr);
	return cli_close(&cl, fails ? EX_NO : 0);
}
