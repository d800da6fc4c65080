/* orch-work: lease queued agent jobs, run them, record them, advance (SPEC 9). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "../lib/cli.h"
#include "../lib/cli_view.h"
#include "../lib/engine.h"
#include "../lib/job.h"
#include "../lib/util.h"
#include "../lib/work.h"

#define USAGE \
	"orch-work [-q] [--config FILE] [--home DIR] [--json] [--max-jobs N] [--once] [--slot N] [--wait]"

enum { OPT_MAX_JOBS = OPT_CMD_BASE, OPT_ONCE, OPT_SLOT };

static const struct option longopts[] = {
	{ "max-jobs", required_argument, NULL, OPT_MAX_JOBS },
	{ "once", no_argument, NULL, OPT_ONCE },
	{ "slot", required_argument, NULL, OPT_SLOT },
	{ NULL, 0, NULL, 0 },
};

/* Jobs left for later are not forgotten: one line with how many wait out a backoff, and the first retry. */
static void
say_backoff(struct cli *cl)
{
	char local[48], iso[24];
	struct orch_err e = { 0 };
	int64_t next;
	int n;

	if (job_backoff(&cl->st, time_now_us() / 1000000, &n, &next, &e) < 0) {
		fprintf(stderr, "orch-work: %s\n", e.msg);
		return;
	}
	if (n == 0)
		return;
	time_local_s(next, local, iso);
	printf(
	    "skipped %d job%s in backoff; the next attempt at %s (%s)\n", n, n == 1 ? "" : "s", local, iso);
}

int
main(int argc, char **argv)
{
	long long max_jobs = 0, slot = 1;
	struct work_result r;
	struct orch_err e = { 0 };
	char lock[48];
	struct cli cl;
	cJSON *arr = NULL;
	int opt, rc, ran = 0;

	cli_init(&cl, "orch-work", USAGE);
	while ((opt = cli_getopt(&cl, argc, argv, longopts)) > 0) {
		if (opt == OPT_ONCE)
			max_jobs = 1;
		else if (opt == OPT_MAX_JOBS && num_parse(cl.optarg, 1, 1000000, &max_jobs) < 0)
			return cli_usage_error(
			    &cl, "--max-jobs '%s' is not a number in 1..1000000", cl.optarg);
		else if (opt == OPT_SLOT && num_parse(cl.optarg, 1, 64, &slot) < 0)
			return cli_usage_error(&cl, "--slot '%s' is not a number in 1..64", cl.optarg);
	}
	if (opt < 0)
		return cl.exit;
	if (cli_operands(&cl, "orch-work", 0, 0, NULL))
		return EX_USAGE;
	snprintf(lock, sizeof(lock), "orch-work.slot-%lld", slot);
	cl.lock_name = lock;
	if ((rc = cli_open(&cl)) != 0)
		return rc == CLI_SKIPPED ? 0 : rc;
	if (slot > cl.cfg.work_slots) {
		fprintf(stderr,
		    "orch-work: --slot %lld is above work_slots (%d); raise work_slots or use a lower slot\n",
		    slot, cl.cfg.work_slots);
		return cli_close(&cl, EX_USAGE);
	}
	if (cl.json)
		arr = cJSON_CreateArray();
	rc = 0;
	while (max_jobs == 0 || ran < max_jobs) {
		int got = work_run_one(cl.ctx, &r, &e);
		if (got < 0) {
			rc = cli_error(&cl, &e);
			break;
		}
		if (got == 0)
			break;
		ran++;
		if (arr) {
			cJSON_AddItemToArray(arr, cli_work_json(&r));
		} else if (!cl.quiet) {
			printf("job %lld %s %s attempt %d: %s (%s, %lld ms)\n", (long long)r.job_id,
			    r.work_item, r.agent, r.attempt, r.job_status, r.reason,
			    (long long)r.duration_ms);
		}
		if (r.advanced && !arr)
			cli_advance_text(&cl, &r.adv);
		if (r.advanced && r.adv.err.code && rc == 0)
			rc = r.adv.err.code;
	}
	if (rc == 0 && !cl.quiet && !arr)
		say_backoff(&cl);
	if (arr)
		cli_print_json(arr);
	return cli_close(&cl, rc);
}
