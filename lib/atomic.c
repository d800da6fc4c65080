#include "atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "util.h"

static int
fsync_dir_of(const char *path)
{
	char copy[4096];
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
atomic_write(const char *path, const void *data, size_t len, unsigned mode,
    struct orch_err *e)
{
	char tmp[4096 + 32], rnd[17];
	const char *p = data;
	size_t off = 0;
	ssize_t w;
	int fd;

	if (random_hex(rnd, 8) < 0 || str_fmt(tmp, sizeof(tmp), "%s.tmp.%s", path, rnd) < 0)
		return err_set(e, EX_IOERR, "cannot build a temp name for '%s'", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)) < 0)
		return err_set(e, EX_IOERR, "cannot create '%s': %s; check the directory exists and is writable",
		    tmp, strerror(errno));
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
fail:
	{
		int saved = errno;
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		return err_set(e, EX_IOERR, "cannot write '%s': %s; check free space and permissions",
		    path, strerror(saved));
	}
}

int
atomic_write_file(const char *path, const struct buf *b, struct orch_err *e)
{
	return atomic_write(path, buf_str(b), b->len, 0600, e);
}
