/*
 * scancfg: the secret scanner's configuration as orch trusts it (SPEC
 * section 10; docs/security-model.md "Scanner configuration comes from
 * main").
 *
 * gitleaks reads rules and suppressions by itself: its config from
 * --config, else GITLEAKS_CONFIG, else GITLEAKS_CONFIG_TOML (8.2x+), else
 * <source>/.gitleaks.toml; fingerprints to ignore from <source>/.gitleaksignore
 * (every version, even when --gitleaks-ignore-path is given) and, from
 * 8.18.2, from --gitleaks-ignore-path (default ".", the working directory).
 * A branch under scan must reach none of these.  So:
 *
 *  1. scancfg_prepare writes the trusted files into a private directory
 *     under $ORCH_HOME/runs/tmp (0700, atomically): .gitleaks.toml and
 *     .gitleaksignore as committed at the base the branch is compared with
 *     (main as fetched), or the operator's files (security_gitleaks_config,
 *     security_gitleaks_ignore, per project or global).  The ignore file
 *     always exists (empty when there is none); the config exists only when
 *     there is one (else gitleaks' default rules).
 *  2. scan_secrets makes that directory gitleaks' source and working
 *     directory, points git at the repository with GIT_DIR, passes --config
 *     (and --gitleaks-ignore-path when the binary lists it) and clears
 *     GITLEAKS_CONFIG and GITLEAKS_CONFIG_TOML in the child: every lookup
 *     gitleaks makes lands on a file orch wrote.
 *  3. scancfg_check compares the blobs of SCANCFG_FILES at the branch head
 *     with the base's.  A branch that changes one waits for a person
 *     (`orch-scan --approve-config WI`, scancfg_approve), whose approval is
 *     kept with the head it was given at and the blob ids it covers, and
 *     counts only while the head's blobs are those.  An approval lifts the
 *     hold only: the scan keeps main's configuration until the change is
 *     merged.
 *
 * Return conventions: 0 ok, -1 with *e.
 */
#ifndef ORCH_SCANCFG_H
#define ORCH_SCANCFG_H

#include <stddef.h>

#include "sizes.h"

struct git;
struct orch_ctx;
struct orch_err;
struct project;
struct store;

/* The files of a branch the security gate reads as configuration, at the repository's root. */
#define SCANCFG_NFILES 2
extern const char *const scancfg_files[SCANCFG_NFILES];
#define SCANCFG_MAX_BYTES (1024 * 1024)

struct scancfg {
	char dir[ORCH_PATH_MAX_1]; /* private: gitleaks' source and working directory; "" when not prepared */
	char config[ORCH_PATH_MAX_2];     /* dir/.gitleaks.toml, "" for gitleaks' default rules */
	char ignore[ORCH_PATH_MAX_2];     /* dir/.gitleaksignore, always written (maybe empty) */
	char origin[SCANCFG_NFILES][320]; /* where each came from, for reports */
};

struct scancfg_change {
	int changed;                      /* a file of scancfg_files differs between base and head */
	int approved;                     /* an approval names exactly the head's blobs */
	char files[64];                   /* the changed ones, ", "-separated */
	char blobs[200];                  /* ".gitleaks.toml=ID|none .gitleaksignore=ID|none" at head */
	char approved_head[ORCH_SHA_BUF]; /* the commit the approval was given at ("" when none) */
};

/*
 * Write the trusted configuration for a scan of repo against base (a ref
 * or commit holding main as fetched).  p may be NULL (global settings
 * only).  0 with sc ready, or -1 with *e (EX_UNAVAILABLE: git failed;
 * EX_CONFIG: an operator file is unreadable; EX_DATAERR: main's file is
 * not a regular file or too big).  Always call scancfg_release after.
 */
int scancfg_prepare(struct orch_ctx *c, const struct project *p, const char *repo, const char *base,
    struct scancfg *sc, struct orch_err *e);
/* Remove the private directory and its files (idempotent). */
void scancfg_release(struct scancfg *sc);
/* Does head change the scanner's configuration of base, and is that approved?  Reads only. */
int scancfg_check(const struct git *g, struct store *st, const char *wi, const char *base, const char *head,
    struct scancfg_change *ch, struct orch_err *e);
/*
 * Record a person's approval of head's configuration (its commit and blob
 * ids) with an event, in one transaction.  0 with ch filled (ch->changed 0:
 * nothing to approve, nothing recorded), -1 with *e.
 */
int scancfg_approve(const struct git *g, struct store *st, const char *wi, const char *base, const char *head,
    struct scancfg_change *ch, struct orch_err *e);

#endif
