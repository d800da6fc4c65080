/* orch doctor: check the environment and the config, one line per check with what to do. */
#include <cjson/cJSON.h>
#include <stdio.h>

#include "../lib/cli.h"
#include "../lib/doctor.h"

#define USAGE "orch-doctor [--config FILE] [--home DIR] [--json] [--wait]"

static const struct option longopts[] = {
	CLI_COMMON_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};

static void
line(void *ctx, const char *level, const char *check, const char *text)
{
	cJSON *arr = ctx, *o;

	if (arr == NULL) {
		printf("%-4s %s: %s\n", level, check, text);
		return;
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "level", level);
	cJSON_AddStringToObject(o, "check", check);
	cJSON_AddStringToObject(o, "text", text);
	cJSON_AddItemToArray(arr, o);
}

int
main(int argc, char **argv)
{
	struct cli cl;
	cJSON *arr;
	int opt, rc, fails;

	cli_init(&cl, "orch-doctor", USAGE);
	while ((opt = getopt_long(argc, argv, "q", longopts, NULL)) != -1)
		if ((rc = cli_common_opt(&cl, opt, optarg)) != 0)
			return rc == CLI_EXIT_NOW ? 0 : rc;
	if (optind != argc)
		return cli_usage(&cl);
	if ((rc = cli_open(&cl)) != 0)
		return rc == CLI_SKIPPED ? 0 : rc;
	arr = cl.json ? cJSON_CreateArray() : NULL;
	fails = doctor_run(cl.ctx, line, arr);
	if (arr)
		cli_print_json(arr);
	return cli_close(&cl, fails ? EX_NO : 0);
}
