/* ctl_list.c — sessionctl list --user NAME: a user's live sessions, from
 * the per-user index and the records' clear headers: when each began,
 * was last seen and expires, and whether it is permanent.  Never an id or
 * a value: the store cannot decrypt a session without its cookie. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "keeper.h"

struct rows {
	struct keeper_info *v;
	size_t n, cap;
};

static int
add_row(void *ctx, const struct keeper_info *si)
{
	struct rows *r = ctx;

	if (r->n == r->cap) {
		size_t ncap = r->cap ? 2 * r->cap : 16;
		void *g;

		if ((g = realloc(r->v, ncap * sizeof(*r->v))) == NULL)
			return 1;
		r->v = g;
		r->cap = ncap;
	}
	r->v[r->n++] = *si;
	return 0;
}

static int
by_created(const void *a, const void *b)
{
	const struct keeper_info *x = a, *y = b;

	return x->created < y->created ? -1 : x->created > y->created;
}

/* t as 2026-12-05T00:10:00Z. */
static const char *
when(long long t, char buf[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, 32, "%lld", t);
	return buf;
}

static int
list_run(struct ctl *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "user", required_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 },
	};
	struct rows rows = { NULL, 0, 0 };
	const char *user = NULL;
	char b1[32], b2[32], b3[32];
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "u:", longopts, NULL)) != -1) {
		if (opt != 'u')
			return CTL_USAGE;
		user = optarg;
	}
	if (optind < argc || user == NULL || user[0] == '\0') {
		fprintf(stderr, "sessionctl list: give --user NAME\n");
		return CTL_USAGE;
	}
	if (!keeper_can_revoke(c->keeper)) {
		fprintf(stderr, "sessionctl list: %s: store = %s keeps the "
		    "sessions in the cookies themselves: it knows none of them\n",
		    c->file, c->cfg->store);
		return CTL_ERROR;
	}
	rc = keeper_list_user(c->keeper, user, strlen(user), time(NULL),
	    add_row, &rows);
	if (rc != 0) {
		fprintf(stderr, "sessionctl list: %s\n", rc > 0 ? "out of memory" :
		    "the store failed (see the messages above)");
		free(rows.v);
		return CTL_ERROR;
	}
	if (rows.n > 1)
		qsort(rows.v, rows.n, sizeof(*rows.v), by_created);
	if (rows.n > 0)
		printf("%-21s %-21s %-9s %s\n", "CREATED", "LAST SEEN",
		    "PERMANENT", "EXPIRES");
	for (size_t i = 0; i < rows.n; i++)
		printf("%-21s %-21s %-9s %s\n", when(rows.v[i].created, b1),
		    when(rows.v[i].last_seen, b2), rows.v[i].permanent ? "yes" : "no",
		    when(rows.v[i].expires, b3));
	printf("%zu live session%s of user %s\n", rows.n, rows.n == 1 ? "" : "s",
	    user);
	free(rows.v);
	return CTL_OK;
}

const struct ctl_cmd ctl_list_cmd = {
	"list", "--user NAME",
	"a user's live sessions: created, last seen, permanent, expires",
	CTL_STORE, list_run,
};
