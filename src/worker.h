/* worker.h — one request, end to end. */
#ifndef SW_WORKER_H
#define SW_WORKER_H

#include <sys/types.h>

#include "config.h"
#include "keeper.h"
#include "transport.h"

struct worker_ctx {
	const struct config *cfg;
	struct keeper *keeper;       /* NULL when sessions are off */
	char *head;                  /* MAX_HEADER_BLOCK bytes, reused: the
	                                child's header block (response.c) */
	int warned_ignored_directive; /* said once that one was dropped */
	struct login *login;         /* [access] rules and the login form */
	volatile pid_t *child_group; /* shared with the master: the running
	                                child's process group, 0 if none (a
	                                worker that dies leaves it to be
	                                killed); NULL: not tracked */
};

int worker_init(struct worker_ctx *w, const struct config *cfg,
    struct keeper *keeper);
void worker_free(struct worker_ctx *w);

/* Serve one request on t.  Never fails: every problem becomes an HTTP
 * error answer and a log line naming the script. */
void worker_handle(struct worker_ctx *w, struct transport *t);

#endif
