#include "ctx.h"

#include "store.h"
#include <stdlib.h>

#include "http.h"

void
ctx_close(struct orch_ctx *c)
{
	int i;

	for (i = 0; c && i < CTX_PLANE_NQ; i++) {
		store_finalize(c->plane_q[i]);
		c->plane_q[i] = NULL;
	}
	if (c && c->http) {
		http_close(c->http);
		free(c->http);
		c->http = NULL;
	}
}
