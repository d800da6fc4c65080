/* scancfg: the trusted configuration of the secret scanner (see scancfg.h). */
#include "scancfg.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "buf.h"
#include "config.h"
#include "ctx.h"
#include "err.h"
#include "git.h"
#include "proc.h"
#include "sizes.h"
#include "store.h"
#include "task.h"
#include "util.h"

const char *const scancfg_files[SCANCFG_NFILES] = { ".gitleaks.toml", ".gitleaksignore" };

/* The operator's file for scancfg_files[i]: the project's setting, else the global one; NULL: main's. */
static const char *
operator_path(const struct config *cfg, const struct project *p, int i)
{
	const char *proj = p ? (i == 0 ? p->security_gitleaks_config : p->security_gitleaks_ignore) : NULL;
	const char *glob = i == 0 ? cfg->security_gitleaks_config : cfg->security_gitleaks_ignore;

	if (proj && *proj)
		return proj;
	return glob && *glob ? glob : NULL;
}

/* Read the operator's file (a regular file, at most SCANCFG_MAX_BYTES) into b. */
static int
read_operator(const char *path, const char *key, struct buf *b, struct orch_err *e)
{
	char chunk[65536];
	struct stat sb;
	ssize_t k = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0)
		return err_set(e, EX_CONFIG,
		    "cannot read %s '%s': %s; fix the path in orch.yaml or remove the key to "
		    "use main's",
		    key, path, strerror(errno));
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return err_set(
		    e, EX_CONFIG, "%s '%s' is not a regular file; point it at the gitleaks file", key, path);
	}
	while ((k = read(fd, chunk, sizeof(chunk))) > 0)
		if (buf_append(b, chunk, (size_t)k) < 0)
			break;
	close(fd);
	if (k != 0)
		return err_set(e, EX_CONFIG, "%s '%s' %s", key, path,
		    k < 0 ? "could not be read to the end; check it"
			  : "is over 1 MiB; a gitleaks file is settings, not data: trim it");
	return 0;
}

/* Fill b with file i as trusted: the operator's, else base's blob; 1 when there is one, 0 none, -1 *e. */
static int
trusted_text(struct orch_ctx *c, const struct project *p, const char *repo, const char *base, int i,
    struct buf *b, char *origin, size_t on, struct orch_err *e)
{
	struct git g = { .dir = repo, .st = c->st };
	const char *op = operator_path(c->cfg, p, i);
	char why[512];
	int rc;

	if (op) {
		snprintf(origin, on, "operator file %s", op);
		return read_operator(
			   op, i == 0 ? "security_gitleaks_config" : "security_gitleaks_ignore", b, e) < 0
		    ? -1
		    : 1;
	}
	rc = git_read_artifact(&g, base, scancfg_files[i], SCANCFG_MAX_BYTES, b, e);
	if (rc == GIT_FAILED)
		return -1;
	if (rc < 0 && strstr(e->msg, " is missing at ")) {
		err_clear(e);
		snprintf(origin, on, "none on %s", base);
		return 0;
	}
	if (rc < 0) {
		str_copy(why, sizeof(why), e->msg);
		return err_set(e, EX_DATAERR,
		    "main's %s cannot be used (%s); fix it on main or set %s in orch.yaml", scancfg_files[i],
		    why, i == 0 ? "security_gitleaks_config" : "security_gitleaks_ignore");
	}
	snprintf(origin, on, "%s as committed on %s", scancfg_files[i], base);
	return 1;
}

int
scancfg_prepare(struct orch_ctx *c, const struct project *p, const char *repo, const char *base,
    struct scancfg *sc, struct orch_err *e)
{
	char tmp[ORCH_PATH_MAX_1], path[ORCH_PATH_MAX_2];
	struct buf b;
	int i, rc = 0;

	memset(sc, 0, sizeof(*sc));
	if (str_fmt(tmp, sizeof(tmp), "%s/runs/tmp", c->cfg->home) < 0 || mkdir_p(tmp, 0700) < 0 ||
	    str_fmt(sc->dir, sizeof(sc->dir), "%s/scancfg-XXXXXX", tmp) < 0 || mkdtemp(sc->dir) == NULL) {
		sc->dir[0] = '\0';
		return err_set(e, EX_IOERR,
		    "cannot make a private directory under '%s': %s; check the disk and "
		    "the directory's owner",
		    tmp, strerror(errno));
	}
	buf_init(&b, SCANCFG_MAX_BYTES);
	for (i = 0; i < SCANCFG_NFILES && rc == 0; i++) {
		buf_reset(&b);
		if ((rc = trusted_text(c, p, repo, base, i, &b, sc->origin[i], sizeof(sc->origin[i]), e)) < 0)
			break;
		/* no config: none written, gitleaks uses its default rules; no ignore file: an empty one */
		if (rc == 0 && i == 0)
			continue;
		rc = 0;
		if (str_fmt(path, sizeof(path), "%s/%s", sc->dir, scancfg_files[i]) < 0) {
			rc = err_set(
			    e, EX_IOERR, "the path of '%s' is too long; use a shorter orch home", sc->dir);
			break;
		}
		if ((rc = atomic_write(path, b.data ? b.data : "", b.len, 0600, e)) < 0)
			break;
		str_copy(i == 0 ? sc->config : sc->ignore, sizeof(sc->config), path);
	}
	buf_free(&b);
	if (rc < 0)
		scancfg_release(sc);
	return rc < 0 ? -1 : 0;
}

void
scancfg_release(struct scancfg *sc)
{
	char path[ORCH_PATH_MAX_2];
	int i;

	if (sc->dir[0] == '\0')
		return;
	for (i = 0; i < SCANCFG_NFILES; i++)
		if (str_fmt(path, sizeof(path), "%s/%s", sc->dir, scancfg_files[i]) == 0)
			unlink(path);
	rmdir(sc->dir);
	sc->dir[0] = sc->config[0] = sc->ignore[0] = '\0';
}

/* The object ids of scancfg_files at ref ("none" when absent), in one `git ls-tree`. */
static int
blob_ids(const struct git *g, const char *ref, char ids[SCANCFG_NFILES][ORCH_SHA_BUF], struct orch_err *e)
{
	const char *args[] = { "ls-tree", "-z", "--full-tree", "--end-of-options", ref, "--",
		scancfg_files[0], scancfg_files[1], NULL };
	struct proc_result r;
	const char *p, *end;
	char why[512];
	int i;

	for (i = 0; i < SCANCFG_NFILES; i++)
		str_copy(ids[i], 41, "none");
	git_run(g, args, &r);
	if (r.status != PROC_OK) {
		proc_describe(&r, why, sizeof(why));
		proc_result_free(&r);
		return err_set(e, EX_UNAVAILABLE,
		    "cannot list the scanner's configuration at %s in '%s': git ls-tree %s", ref, g->dir,
		    why);
	}
	/* "<mode> SP <type> SP <id> TAB <path> NUL" */
	for (p = buf_str(&r.out); *p; p = end + 1) {
		const char *tab = strchr(p, '\t'), *sp = strrchr(p, ' ');
		end = p + strlen(p);
		if (tab == NULL || sp == NULL || sp > tab || tab - sp - 1 != 40)
			continue;
		for (i = 0; i < SCANCFG_NFILES; i++)
			if (strcmp(tab + 1, scancfg_files[i]) == 0)
				snprintf(ids[i], 41, "%.40s", sp + 1);
	}
	proc_result_free(&r);
	return 0;
}

/* The approval of exactly these blobs for wi, if any: 1 with its head, 0 none, -1 *e. */
static int
approval_find(
    struct store *st, const char *wi, const char *blobs, char head[ORCH_SHA_BUF], struct orch_err *e)
{
	struct store_stmt *s;
	int rc;

	if (store_prepare(st, &s,
		"SELECT head FROM scan_config_approvals WHERE work_item = ?1 AND blobs = ?2 "
		"ORDER BY id DESC LIMIT 1",
		e) < 0)
		return -1;
	store_bind_text(s, 1, wi);
	store_bind_text(s, 2, blobs);
	rc = store_step(s);
	if (rc == STORE_ROW)
		snprintf(head, 41, "%s", store_column_text(s, 0));
	if (rc != STORE_ROW && rc != STORE_DONE) {
		store_fail(st, "read scanner configuration approvals", e);
		store_finalize(s);
		return -1;
	}
	store_finalize(s);
	return rc == STORE_ROW;
}

/* The merge base of base and head into mb ("" when the histories are unrelated): 0, or -1 with *e. */
static int
merge_base(const struct git *g, const char *base, const char *head, char mb[ORCH_SHA_BUF], struct orch_err *e)
{
	const char *args[] = { "merge-base", "--end-of-options", base, head, NULL };
	struct proc_result r;
	char why[512];

	mb[0] = '\0';
	git_run(g, args, &r); /* exit 1: unrelated histories (rare) */
	if (r.status == PROC_OK && r.out.len >= 40)
		snprintf(mb, 41, "%.40s", r.out.data);
	else if (!(r.status == PROC_EXIT_NONZERO && r.exit_code == 1)) {
		proc_describe(&r, why, sizeof(why));
		proc_result_free(&r);
		return err_set(e, EX_UNAVAILABLE, "cannot find where %s left %s in '%s': git merge-base %s",
		    head, base, g->dir, why);
	}
	proc_result_free(&r);
	return 0;
}

/*
 * A file is changed by the branch when head's blob differs from main's and
 * from the merge base's: a branch forked before main changed its
 * configuration did not change it itself (and merging keeps main's).
 */
static int
changed_files(
    const struct git *g, const char *base, const char *head, struct scancfg_change *ch, struct orch_err *e)
{
	char at_base[SCANCFG_NFILES][ORCH_SHA_BUF], at_head[SCANCFG_NFILES][ORCH_SHA_BUF],
	    at_mb[SCANCFG_NFILES][ORCH_SHA_BUF], mb[ORCH_SHA_BUF];
	int i, differ = 0;

	if (blob_ids(g, base, at_base, e) < 0 || blob_ids(g, head, at_head, e) < 0)
		return -1;
	for (i = 0; i < SCANCFG_NFILES; i++)
		differ |= strcmp(at_base[i], at_head[i]) != 0;
	memcpy(at_mb, at_base, sizeof(at_mb));
	if (differ && (merge_base(g, base, head, mb, e) < 0 || (mb[0] && blob_ids(g, mb, at_mb, e) < 0)))
		return -1;
	for (i = 0; i < SCANCFG_NFILES; i++) {
		snprintf(ch->blobs + strlen(ch->blobs), sizeof(ch->blobs) - strlen(ch->blobs), "%s%s=%s",
		    i ? " " : "", scancfg_files[i], at_head[i]);
		if (strcmp(at_base[i], at_head[i]) != 0 && strcmp(at_mb[i], at_head[i]) != 0) {
			snprintf(ch->files + strlen(ch->files), sizeof(ch->files) - strlen(ch->files), "%s%s",
			    ch->changed ? ", " : "", scancfg_files[i]);
			ch->changed = 1;
		}
	}
	return 0;
}

int
scancfg_check(const struct git *g, struct store *st, const char *wi, const char *base, const char *head,
    struct scancfg_change *ch, struct orch_err *e)
{
	int rc;

	memset(ch, 0, sizeof(*ch));
	if (changed_files(g, base, head, ch, e) < 0)
		return -1;
	if (!ch->changed || st == NULL)
		return 0;
	if ((rc = approval_find(st, wi, ch->blobs, ch->approved_head, e)) < 0)
		return -1;
	ch->approved = rc;
	return 0;
}

static int
approval_insert(
    struct store *st, const char *wi, const char *head, const struct scancfg_change *ch, struct orch_err *e)
{
	char when[32], who[96], msg[600];
	const char *user = getenv("USER");
	struct store_stmt *s;

	time_iso_us(time_now_us(), when);
	snprintf(who, sizeof(who), "uid %u%s%.40s%s", (unsigned)getuid(), user && *user ? " (" : "",
	    user && *user ? user : "", user && *user ? ")" : "");
	if (store_prepare(st, &s,
		"INSERT INTO scan_config_approvals (work_item, head, blobs, approved_by, approved_at) "
		"VALUES (?1, ?2, ?3, ?4, ?5)",
		e) < 0)
		return -1;
	store_bind_text(s, 1, wi);
	store_bind_text(s, 2, head);
	store_bind_text(s, 3, ch->blobs);
	store_bind_text(s, 4, who);
	store_bind_text(s, 5, when);
	if (store_step_done(st, s, "record the scanner configuration approval", e) < 0)
		return -1;
	snprintf(msg, sizeof(msg), "scanner configuration (%s) approved at %.12s by %s: %s", ch->files, head,
	    who, ch->blobs);
	return event_add(st, wi, "scanner_config_approved", NULL, NULL, msg, e);
}

int
scancfg_approve(const struct git *g, struct store *st, const char *wi, const char *base, const char *head,
    struct scancfg_change *ch, struct orch_err *e)
{
	char sha[ORCH_SHA_BUF];

	if (git_rev_parse(g, head, sha, e) < 0 || scancfg_check(g, st, wi, base, sha, ch, e) < 0)
		return -1;
	if (!ch->changed || ch->approved)
		return 0;
	if (store_begin(st, e) < 0)
		return -1;
	if (approval_insert(st, wi, sha, ch, e) < 0) {
		store_rollback(st);
		return -1;
	}
	if (store_commit(st, e) < 0)
		return -1;
	ch->approved = 1;
	str_copy(ch->approved_head, sizeof(ch->approved_head), sha);
	return 0;
}
