/*
 * status: the operator's view (SPEC section 9, orch-status) as one cJSON
 * object with the SPEC's keys: tasks {by_stage, items}, jobs {by_status,
 * items}, commands {name: {last_run, result, duration_ms}} (this host's run
 * records), hosts {host: {commands {name: {last_run, result, duration_ms}},
 * jobs [{id, work_item, agent}: running], claims [{work_item, pid,
 * expires_in_s}]}} (every host's, from the store: the same on each host of a
 * shared store; docs/multi-host.md, One view), tools {tool:
 * {runs, failures, total_ms, last_error}}, events (the last 20, newest
 * first), outbox {pending, claimed_undelivered}, and scan {anchors,
 * findings, projects: each project's last scan result, age_s, old,
 * failing, last_failure}.  Read-only.  Each section but hosts comes from
 * the functions of the module that owns its tables (task, job, notify,
 * store, scanmain, reconcile, fix, tracker; docs/architecture.md); hosts
 * reads host_commands, jobs and leases by host with SQL of its own.  A
 * shared store's host_commands row is rewritten when a command's result
 * changes and otherwise at most every 5 minutes (cli.c), so a host's
 * last_run there may be that much behind; on SQLite the store is one
 * host's, and its commands are the run records (the files).
 *
 * Job items list the jobs that are not done (and the newest done ones up to
 * STATUS_MAX_ITEMS); task items put blocked tasks first.
 */
#ifndef ORCH_STATUS_H
#define ORCH_STATUS_H

struct config;
struct orch_err;
struct store;

#define STATUS_MAX_ITEMS 200   /* live tasks, and jobs not done, listed */
#define STATUS_BRANCH_READS 20 /* live tasks whose branch is read for what they wait on */
#define STATUS_EVENTS 20
#define STATUS_MAX_HOST_ROWS 1000 /* host_commands rows read: every host's commands */
#define STATUS_FINDINGS 20        /* secrets found on main, the newest */
#define STATUS_FIX_RUNS 10
/* A project's scan of main older than this is flagged old in scan.projects (a day: see status.c). */
#define STATUS_SCAN_MAX_AGE_S 86400

/* Returns a cJSON * (caller frees with cJSON_Delete), or NULL with *e. */
void *status_collect(const struct config *cfg, struct store *st, struct orch_err *e);
/*
 * The feed as one self-contained HTML page (no external assets, refreshing
 * itself every refresh_s): blocked tasks first, tasks with stage badges and
 * links to their artifacts (paths relative to the repository), jobs, each
 * command's last run with its result badge and duration, every host's
 * newest command, running jobs and claims, and the recent events.
 * Written atomically to path, so a web server can serve it; path "-" is
 * standard output (the caller flushes and checks it).
 */
int status_html(const void *status, const char *path, int refresh_s, struct orch_err *e);

#endif
