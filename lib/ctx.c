#include "ctx.h"

#include <stdlib.h>

#include "http.h"

void
ctx_close(struct orch_ctx *c)
{
	if (c && c->http) {
		http_close(c->http);
		free(c->http);
		c->http = NULL;
	}
}
