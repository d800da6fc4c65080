#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

int
err_set(struct orch_err *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return -1;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap); /* truncation acceptable for messages */
	va_end(ap);
	return -1;
}

void
err_clear(struct orch_err *e)
{
	if (e) {
		e->code = 0;
		e->msg[0] = '\0';
	}
}

void
err_warn(const char *fmt, ...)
{
	char line[2048];
	va_list ap;

	/* one write: lines from overlapping commands in one cron log stay whole */
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "orch: %s\n", line);
}

void
err_bug(const char *file, int line, const char *msg)
{
	fprintf(stderr, "BUG: %s:%d: %s\n", file, line, msg);
	abort();
}
