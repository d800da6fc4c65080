/*
 * doctor: check the environment and the config, one line per check with
 * what to do (orch doctor).  Problems are FAIL lines (exit 1); WARN lines
 * are worth knowing but do not stop the pipeline.
 *
 * Checks: git's version; gitleaks (required where the security gate
 * applies), pip-audit / osv-scanner; each project's repository and ci_cmd;
 * the tracker reachable with its token, and the states each project needs
 * (Confirm Deploy, Awaiting Deploy, Deploying for self-deploying ones);
 * permissions of ORCH_HOME and of the token file; cron entries for the
 * commands of a tick (crontab -l), or the systemd timer.  Also: the config
 * file's owner and mode (loaded with CONFIG_UNSAFE_OK so it can be
 * reported); each project's remote; each agent command found and
 * executable; and every tool of the tick (orch's commands, git, gitleaks
 * and an audit engine where the gate applies, the agent commands) found on
 * cron's PATH (the crontab's PATH= line, else cron's default), not only on
 * the shell's.  Who the agents run as: agent_user resolvable, not root,
 * and orch able to switch to it (root or CAP_SETUID and CAP_SETGID), with
 * ORCH_HOME closed to it; without agent_user, a WARN when a token file is
 * readable by orch's user (the agents' user then).
 */
#ifndef ORCH_DOCTOR_H
#define ORCH_DOCTOR_H

#include <stddef.h>

struct orch_ctx;

typedef void (*doctor_line)(void *ctx, const char *level, const char *check, const char *text);

/* Returns the number of FAIL lines. */
int doctor_run(struct orch_ctx *c, doctor_line line, void *lctx);
/*
 * orch doctor --accept-remote KEY: record the project's remote as it is
 * configured now as the one orch trusts (after a person changed it on
 * purpose); url says what was recorded.  0 / -1 with e.
 */
struct orch_err;
int doctor_accept_remote(struct orch_ctx *c, const char *key, char *url, size_t n, struct orch_err *e);

#endif
