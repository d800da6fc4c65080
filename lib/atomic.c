#include "atomic.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "sizes.h"
#include "util.h"

static int
fsync_dir_of(const char *path)
{
	char copy[ORCH_PATH_MAX];
	int fd, rc;

	if (str_copy(copy, sizeof(copy), path) < 0)
		return -1;
	if ((fd = open(dirname(copy), O_RDONLY | O_DIRECTORY)) < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

int
atomic_sync_parent(const char *path, struct orch_err *e)
{
	if (fsync_dir_of(path) < 0)
		return err_set(e, EX_IOERR, "cannot fsync the directory of '%s': %s", path, strerror(errno));
	return 0;
}

/* Renaming over a FIFO, a device or a directory would destroy or fail on it: refuse first. */
static int
target_check(const char *path, struct orch_err *e)
{
	struct stat sb;
	const char *what;

	if (lstat(path, &sb) < 0) {
		if (errno == ENOENT)
			return 0;
		return err_set(e, EX_IOERR, "cannot inspect '%s': %s; check the path", path, strerror(errno));
	}
	if (S_ISREG(sb.st_mode) || S_ISLNK(sb.st_mode))
		return 0; /* a symlink is replaced by the rename, not followed */
	what = S_ISDIR(sb.st_mode)                       ? "a directory"
	    : S_ISFIFO(sb.st_mode)                       ? "a FIFO"
	    : S_ISCHR(sb.st_mode) || S_ISBLK(sb.st_mode) ? "a device node"
	    : S_ISSOCK(sb.st_mode)                       ? "a socket"
							 : "not a regular file";
	return err_set(e, EX_IOERR,
	    "'%s' is %s; refusing to replace it: give the path of a regular file or "
	    "a new one",
	    path, what);
}

int
atomic_write(const char *path, const void *data, size_t len, unsigned mode, struct orch_err *e)
{
	char tmp[ORCH_PATH_MAX + 32], rnd[17];
	const char *p = data;
	size_t off = 0;
	ssize_t w;
	int fd;

	if (target_check(path, e) < 0)
		return -1;
	if (random_hex(rnd, 8) < 0 || str_fmt(tmp, sizeof(tmp), "%s.tmp.%s", path, rnd) < 0)
		return err_set(e, EX_IOERR, "cannot build a temp name for '%s'", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)) < 0)
		return err_set(e, EX_IOERR,
		    "cannot create '%s': %s; check the directory exists and is writable", tmp,
		    strerror(errno));
	while (off < len) {
		w = write(fd, p + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			goto fail;
		off += (size_t)w;
	}
	if (fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		goto fail;
	if (fsync_dir_of(path) < 0)
		return err_set(e, EX_IOERR, "cannot fsync the directory of '%s': %s", path, strerror(errno));
	return 0;
fail : {
	int saved = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return err_set(
	    e, EX_IOERR, "cannot write '%s': %s; check free space and permissions", path, strerror(saved));
}
}

int
atomic_write_buf(const char *path, const struct buf *b, unsigned mode, struct orch_err *e)
{
	if (buf_failed(b)) /* fail closed: never a silently truncated file */
		return err_set(e, EX_SOFTWARE,
		    "not writing '%s': its text was cut short (over its %zu-byte cap or "
		    "out of memory); report this as a bug with the command that wrote it",
		    path, b->max);
	return atomic_write(path, buf_str(b), b->len, mode, e);
}

int
atomic_write_file(const char *path, const struct buf *b, struct orch_err *e)
{
	return atomic_write_buf(path, b, 0600, e);
}

int
atomic_is_temp_name(const char *name)
{
	const char *p = strstr(name, ".tmp."), *next;
	size_t i;

	if (p == NULL || p == name)
		return 0;
	while ((next = strstr(p + 1, ".tmp.")) != NULL)
		p = next; /* the last ".tmp.": the target's own name may hold one */
	p += 5;
	for (i = 0; i < 16; i++)
		if (!isxdigit((unsigned char)p[i]) || isupper((unsigned char)p[i]))
			return 0;
	return p[16] == '\0';
}

static int
sweep(const char *dir, time_t cutoff, int depth, struct orch_err *e)
{
	char path[ORCH_PATH_MAX];
	struct dirent *d;
	struct stat sb;
	DIR *dp;
	int n = 0, sub;

	if ((dp = opendir(dir)) == NULL) {
		if (errno == ENOENT)
			return 0;
		return err_set(
		    e, EX_IOERR, "cannot read '%s': %s; check its permissions", dir, strerror(errno));
	}
	while ((d = readdir(dp)) != NULL) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0 ||
		    str_fmt(path, sizeof(path), "%s/%s", dir, d->d_name) < 0 || lstat(path, &sb) < 0)
			continue;
		if (S_ISDIR(sb.st_mode) && depth > 1) {
			if ((sub = sweep(path, cutoff, depth - 1, e)) > 0)
				n += sub;
		} else if (S_ISREG(sb.st_mode) && sb.st_mtime < cutoff && atomic_is_temp_name(d->d_name) &&
		    unlink(path) == 0) {
			n++;
		}
	}
	closedir(dp);
	return n;
}

int
atomic_sweep_stale(const char *dir, long max_age_s, struct orch_err *e)
{
	return sweep(dir, time(NULL) - (time_t)max_age_s, ATOMIC_SWEEP_DEPTH, e);
}

int
atomic_sweep_home(const char *home, long max_age_s)
{
	static const char *const dirs[] = { "runs", "deploy-state", "logs", NULL };
	struct orch_err e = { 0 };
	char dir[ORCH_PATH_MAX];
	int i, n, total = 0;

	for (i = 0; dirs[i]; i++)
		if (str_fmt(dir, sizeof(dir), "%s/%s", home, dirs[i]) == 0 &&
		    (n = atomic_sweep_stale(dir, max_age_s, &e)) > 0)
			total += n;
	return total;
}
