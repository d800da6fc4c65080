/*
 * config: the loaded configuration, the only global state orch has.
 *
 * Sources, later wins: built-in defaults (SPEC section 16), the YAML file
 * (--config FILE, else $ORCH_HOME/orch.yaml, else /etc/orch/orch.yaml, else
 * none), then ORCH_<NAME> environment variables.  An argv setting given in
 * the environment is a YAML flow sequence: ORCH_NOTIFY_CMD='["notify","-x"]'.
 *
 * Errors are EX_CONFIG (78) and name the file, the line and the key
 * ("orch.yaml:7: key 'ci_cmd': expected a list of strings").  Unknown keys
 * are errors (a typo must not silently drop a setting).  Secrets are never
 * read from the YAML file: the tracker token comes from ORCH_PLANE_API_TOKEN
 * or the 0600 file named by plane_api_token_file.
 *
 * Commands are argv lists (NULL-terminated char **), never shell strings.
 *
 * The file names commands orch executes, so it is read only when it is safe
 * (like sshd and sudo read theirs): a regular file (a FIFO or a directory is
 * refused without blocking), owned by the current user or root, not
 * writable by group or others, at most CONFIG_MAX_BYTES, nested at most
 * CONFIG_MAX_DEPTH deep, and with no key given twice in any map.  Each
 * refusal is EX_CONFIG and says what to run.
 */
#ifndef ORCH_CONFIG_H
#define ORCH_CONFIG_H

#include <stddef.h>

#include "util.h" /* argv_free(), argv_len(): the argv fields below are freed with them */

struct orch_err;

struct agent_cmd {
	char *name;
	char **argv;
};

struct project {
	char *key;
	char *tracker; /* local | plane */
	char *plane_project_id;
	char *repo;        /* absolute path of the project's git repository */
	char *remote;      /* NULL: no remote, main is local */
	char *deploy_host; /* deploy_host: the one host that runs this project's deploy hook; NULL any host */
	char *main_branch;
	int self_deploy;
	char **ci_cmd, **deploy_hook, **health_cmd, **rollback_hook;
	char **main_review; /* orch-scan --main's review of new commits (scanmain.h); NULL: none */
	char *health_url;   /* probed by GET when health_cmd is not set */
	int docs_only;      /* development may pass with no change outside docs/work-items/ (gate.c) */
	int land_squash;    /* land: squash: one commit on main with exactly the tested tree (default ff) */
	int deploy_failure_hold; /* deploy_failure: hold: a failed production hook holds the item at deploy */
	int auto_fix;            /* orch-fix --from-audit in the security rollback path (fix.h) */
	char *repo_browse_url;   /* the repository browser, {branch} {path} filled in (orch-status --html);
				    NULL: none */
	char *security_gitleaks_config,
	    *security_gitleaks_ignore; /* operator files (scancfg.h); NULL: the global */
	struct agent_cmd *agents;
	size_t nagents;
	int line; /* where it was defined, for messages */
};

/* A host name as host: and deploy_host: take it: letters, digits, '.', '-', '_'; 1 to 64 of them. */
int config_host_name_ok(const char *name);

#define CONFIG_MAX_BYTES (1024 * 1024)
#define CONFIG_MAX_DEPTH 32

/* config_load flags */
enum {
	CONFIG_HOME_FIXED = 1, /* --home or ORCH_HOME given: the file's home: is ignored */
	CONFIG_UNSAFE_OK = 2,  /* load a badly owned or writable file, saying why in unsafe (orch doctor) */
};

struct config {
	char *path;       /* file loaded, NULL when built-in defaults only */
	char unsafe[512]; /* with CONFIG_UNSAFE_OK: why the file would be refused, else "" */
	char *home;
	char *file_home; /* home: as the config file says, even when --home or ORCH_HOME won (orch doctor) */
	char *tracker;
	char *plane_url, *plane_workspace, *plane_api_token_file;
	int plane_states_ttl_s, plane_rate_limit_per_min, http_timeout_s;
	int max_developer_retries, job_max_attempts, job_timeout_s, job_backoff_s, work_slots;
	int ci_timeout_s, db_busy_timeout_ms;
	int security_gate_enabled;
	char *security_gate_repos, *security_dep_block_severity, *security_dep_engine;
	int security_scan_timeout_s, security_dep_audit_fail_closed, security_secrets_block;
	char *security_gitleaks_config,
	    *security_gitleaks_ignore;   /* operator files; NULL: main's (scancfg.h) */
	char *security_osv_url;          /* the OSV API (or a mirror of it), without /v1 */
	int security_osv_budget;         /* requests one audit may send */
	char *security_dep_block;        /* severity | fixable | any | none */
	char *security_dep_exclude;      /* CSV of directories whose lockfiles are not audited */
	int security_dep_unpinned_block; /* an unpinned requirement blocks instead of warning */
	int deploy_require_manual_approve;
	int reconcile_enabled, reconcile_tracker_enabled, reconcile_grace_s, reconcile_full_list_s;
	int reconcile_notify_unblock, reaper_enabled, reaper_max_running_s;
	char *scan_rewrite_policy;
	char *main_review_block_severity; /* main_review findings at or above this alert */
	int deploy_watch_checks;
	int deploy_timeout_s;     /* a production deploy without a result after this is FAILED */
	int worktree_retention_s; /* a done item's worktree and branch are removed after this; 0 keeps */
	int scan_single_max, scan_chunked_max, scan_chunk_size, scan_fetch_retries;
	char *telegram_chat_id;
	char **notify_cmd;
	int notify_timeout_s, notify_budget_s, notify_max_attempts, notify_backoff_s;
	char *telegram_api_url, *telegram_bot_token_file;
	int fix_max_files, fix_max_changed_lines, fix_max_diff_bytes,
	    fix_max_danger; /* orch-fix thresholds */
	char *agent_user;   /* agents (orch-work's, orch-fix's fixer) run as this user; NULL: as orch's own */
	char *store; /* a postgresql:// URL (ORCH_DATABASE_URL or store:); NULL: SQLite, ORCH_HOME/orch.db */
	char *host;  /* this host's name in a shared store (host:, ORCH_HOST); default gethostname() */
	int job_lease_s; /* a running job's lease: renewed every quarter of it while its agent runs */
	struct project *projects;
	size_t nprojects;
};

/*
 * Resolve ORCH_HOME: opt_home (--home), else $ORCH_HOME, else
 * $XDG_STATE_HOME/orch, else $HOME/.local/state/orch.  Malloc'd string.
 */
char *config_home(const char *opt_home, struct orch_err *e);
/*
 * Load: file is --config (NULL to search).  home is the resolved home; the
 * file may set `home:` only when neither --home nor ORCH_HOME did
 * (flags CONFIG_HOME_FIXED then ignores it).
 */
int config_load(struct config *c, const char *file, const char *home, int flags, struct orch_err *e);
void config_free(struct config *c);
/*
 * orch's own secrets from the environment (ORCH_PLANE_API_TOKEN,
 * ORCH_TELEGRAM_BOT_TOKEN): config_load() takes them out of this process's
 * environment, overwriting their bytes in the block /proc/<pid>/environ
 * shows, and keeps them for this function.  The value, getenv's before any
 * load, or NULL (not set; name not a secret).
 */
const char *config_secret(const char *name);
/* Forget (and wipe) the tokens config_load() kept: for a test that changes the environment between loads. */
void config_secrets_clear(void);
const struct project *config_project(const struct config *c, const char *key);
/* The agent command for name, else "default", else NULL. */
char *const *config_agent(const struct project *p, const char *name);
/* Parse a YAML flow/block sequence of strings from text into argv. */
char **config_parse_argv(const char *text, struct orch_err *e);

#endif
