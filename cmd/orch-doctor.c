/* orch doctor: check the environment and the config, one line per check with what to do. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "../lib/cli.h"
#include "../lib/doctor.h"

#define USAGE "orch-doctor [-q] [--config FILE] [--home DIR] [--json] [--wait]"


struct out {
	cJSON *arr;	/* --json: every line */
	int quiet;	/* -q: only WARN and FAIL lines */
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

int
main(int argc, char **argv)
{
	struct cli cl;
	struct out out;
	int opt, rc, fails;

	cli_init(&cl, "orch-doctor", USAGE);
	while ((opt = cli_getopt(&cl, argc, argv, NULL)) > 0)
		;
	if (opt < 0)
		return cl.exit;
	if (cli_operands(&cl, "orch-doctor", 0, 0, NULL))
		return EX_USAGE;
	cl.config_unsafe_ok = 1;	/* doctor reports an unsafe config as a FAIL line with the fix */
	if ((rc = cli_open(&cl)) != 0)
		return rc == CLI_SKIPPED ? 0 : rc;
	out.arr = cl.json ? cJSON_CreateArray() : NULL;
	out.quiet = cl.quiet;
	fails = doctor_run(cl.ctx, line, &out);
	if (out.arr)
		cli_print_json(out.arr);
	return cli_close(&cl, fails ? EX_NO : 0);
}
