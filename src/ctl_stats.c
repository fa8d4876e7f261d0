/* ctl_stats.c — sessionctl stats [--json]: what the store holds, counted
 * from the records' clear headers (nothing is decrypted: a record's key
 * needs its session's id, which only the cookie holds). */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "keeper.h"
#include "store.h"

struct counts {
	unsigned long live, permanent, tombstones, expired, broken, temp;
	uint64_t bytes, oldest, newest;     /* created, of live sessions */
	long users;                         /* logged in: the per-user index */
};

static int
count(void *ctx, const struct walk_entry *e)
{
	struct counts *c = ctx;

	c->bytes += e->bytes;
	switch (e->kind) {
	case WALK_LIVE:
		c->live++;
		c->permanent += e->permanent != 0;
		if (c->live == 1 || e->created < c->oldest)
			c->oldest = e->created;
		if (e->created > c->newest)
			c->newest = e->created;
		break;
	case WALK_TOMBSTONE: c->tombstones++; break;
	case WALK_EXPIRED: c->expired++; break;
	case WALK_BROKEN: c->broken++; break;
	case WALK_TEMP: c->temp++; break;
	}
	return 0;
}

static void
utc(uint64_t t, char *out, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, len, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(out, len, "%" PRIu64, t);
}

static void
print_text(const struct config *cfg, const struct store_ops *ops,
    const struct counts *c)
{
	char when[64];

	printf("store                 %s %s\n", ops->name, ops->where(cfg));
	printf("live sessions         %lu\n", c->live);
	printf("  of them permanent   %lu\n", c->permanent);
	printf("logged-in users       %ld\n", c->users);
	printf("tombstones            %lu\n", c->tombstones);
	if (ops->expires_itself)
		printf("expired, awaiting gc  %lu (%s)\n", c->expired,
		    ops->expires_itself);
	else
		printf("expired, awaiting gc  %lu\n", c->expired);
	printf("broken records        %lu\n", c->broken);
	if (ops->temp_files)
		printf("temporary files       %lu\n", c->temp);
	printf("%-22s%" PRIu64 "\n", ops->bytes_counted, c->bytes);
	if (c->live > 0) {
		utc(c->oldest, when, sizeof(when));
		printf("oldest session        %s (created)\n", when);
		utc(c->newest, when, sizeof(when));
		printf("newest session        %s (created)\n", when);
	}
}

static void
print_json(const struct store_ops *ops, const struct counts *c)
{
	printf("{\"store\": \"%s\", \"live\": %lu, \"permanent\": %lu, "
	    "\"users\": %ld, \"tombstones\": %lu, \"expired\": %lu, "
	    "\"broken\": %lu, ", ops->name, c->live,
	    c->permanent, c->users, c->tombstones, c->expired, c->broken);
	if (ops->temp_files)
		printf("\"temp_files\": %lu, ", c->temp);
	printf("\"bytes\": %" PRIu64 ", ", c->bytes);
	if (c->live > 0)
		printf("\"oldest_created\": %" PRIu64 ", \"newest_created\": %"
		    PRIu64 "}\n", c->oldest, c->newest);
	else
		printf("\"oldest_created\": null, \"newest_created\": null}\n");
}

static int
stats_run(struct ctl *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct counts n = { 0 };
	struct store *st;
	int opt, json = 0;

	while ((opt = getopt_long(argc, argv, "+j", longopts, NULL)) != -1) {
		if (opt != 'j')
			return CTL_USAGE;
		json = 1;
	}
	if (optind < argc) {
		fprintf(stderr, "sessionctl stats: unexpected argument '%s'\n",
		    argv[optind]);
		return CTL_USAGE;
	}
	st = keeper_store(c->keeper);
	if (st->ops->walk == NULL) {
		/* A store that keeps nothing on a server (cookie). */
		if (json)
			printf("{\"store\": \"%s\", \"server_state\": false}\n",
			    st->ops->name);
		else
			printf("store = %s: the server holds nothing to count\n",
			    st->ops->name);
		return CTL_OK;
	}
	if (st->ops->walk(st, time(NULL), count, &n) < 0 ||
	    (n.users = keeper_user_count(c->keeper, time(NULL))) < 0) {
		fprintf(stderr, "sessionctl stats: the store could not be read "
		    "(see above)\n");
		return CTL_ERROR;
	}
	if (json)
		print_json(st->ops, &n);
	else
		print_text(c->cfg, st->ops, &n);
	return CTL_OK;
}

const struct ctl_cmd ctl_stats_cmd = {
	"stats", "[--json]", "count the sessions, tombstones, expired and "
	    "broken records, from their clear headers", CTL_STORE, stats_run,
};
