#include "lock.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "err.h"
#include "sizes.h"
#include "util.h"

int
lock_take(const char *home, const char *name, int wait, int *fd, struct orch_err *e)
{
	char dir[ORCH_PATH_MAX], path[ORCH_PATH_MAX_1];
	int f;

	if (str_fmt(dir, sizeof(dir), "%s/locks", home) < 0 ||
	    str_fmt(path, sizeof(path), "%s/%s.lock", dir, name) < 0)
		return err_set(e, EX_USAGE, "lock path under '%s' is too long", home);
	if (mkdir_p(dir, 0700) < 0)
		return err_set(e, EX_IOERR,
		    "cannot create '%s': %s; make ORCH_HOME writable by the user orch runs as", dir,
		    strerror(errno));
	if ((f = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0)
		return err_set(e, EX_IOERR,
		    "cannot open lock '%s': %s; make ORCH_HOME writable by the user orch "
		    "runs as",
		    path, strerror(errno));
	while (flock(f, LOCK_EX | (wait ? 0 : LOCK_NB)) < 0) {
		if (errno == EINTR)
			continue;
		close(f);
		if (errno == EWOULDBLOCK)
			return LOCK_BUSY;
		return err_set(e, EX_IOERR, "cannot lock '%s': %s", path, strerror(errno));
	}
	*fd = f;
	return LOCK_TAKEN;
}

void
lock_release(int fd)
{
	if (fd >= 0)
		close(fd);
}
