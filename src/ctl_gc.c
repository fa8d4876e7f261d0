/* ctl_gc.c — sessionctl gc (and sessionwrap --gc): remove expired records,
 * old tombstones and stale temporary files. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "sessions.h"

static int
gc_run(struct ctl *c, int argc, char **argv)
{
	long n;

	if (argc > 1) {
		fprintf(stderr, "sessionctl gc: unexpected argument '%s'\n", argv[1]);
		return CTL_USAGE;
	}
	if (strcmp(c->cfg->store, "redis") == 0) {
		/* Every record carries its TTL. */
		printf("store = redis: Redis expires records and tombstones "
		    "itself; nothing to remove\n");
		return CTL_OK;
	}
	n = sessions_gc(c->sessions, time(NULL));
	if (n < 0)
		return CTL_ERROR;
	printf("removed %ld expired records and tombstones\n", n);
	return CTL_OK;
}

const struct ctl_cmd ctl_gc_cmd = {
	"gc", "", "remove expired sessions and old tombstones", CTL_STORE, gc_run,
};
