/* ctl_gc.c — sessionctl gc (and sessionwrap --gc): remove expired records,
 * old tombstones and stale temporary files, with a progress line on a
 * terminal; SIGINT or SIGTERM stops it after the record in hand. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "keeper.h"
#include "log.h"
#include "store.h"

#define REDRAW_NS     250000000L    /* the progress line, at most 4/s */
#define CLOCK_EVERY   64            /* records between looks at the clock */

static volatile sig_atomic_t stop_signal;

static void
on_stop(int sig)
{
	stop_signal = sig;
}

struct progress {
	FILE *tty;                      /* where to draw, or NULL */
	struct timespec start, drawn;
	unsigned long calls, scanned, removed, total;
};

static double
since(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	    (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static void
draw(struct progress *p, const struct timespec *now)
{
	double t = since(&p->start, now);
	double rate = t > 0 ? (double)p->scanned / t : 0;

	fprintf(p->tty, "\r\033[Kgc: %lu scanned, %lu removed, %.0f/s",
	    p->scanned, p->removed, rate);
	/* The total is an estimate from the first shards: say so. */
	if (p->total > p->scanned && rate > 0 && t >= 1)
		fprintf(p->tty, ", about %.0f s left",
		    (double)(p->total - p->scanned) / rate);
	fflush(p->tty);
	p->drawn = *now;
}

static int
gc_progress(void *ctx, unsigned long scanned, unsigned long removed,
    unsigned long total)
{
	struct progress *p = ctx;
	struct timespec now;

	p->scanned = scanned;
	p->removed = removed;
	p->total = total;
	if (stop_signal)
		return 1;
	if (p->tty == NULL || ++p->calls % CLOCK_EVERY != 0)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (since(&p->drawn, &now) * 1e9 >= REDRAW_NS)
		draw(p, &now);
	return 0;
}

static int
gc_run(struct ctl *c, int argc, char **argv)
{
	struct sigaction sa, old_int, old_term;
	struct progress p = { NULL };
	struct timespec end;
	struct store *st;
	long n;

	if (argc > 1) {
		fprintf(stderr, "sessionctl gc: unexpected argument '%s'\n", argv[1]);
		return CTL_USAGE;
	}
	st = keeper_store(c->keeper);
	if (st->ops->expires_itself) {
		/* Records carry their own expiry (Redis TTLs, cookies): what
		 * the store's gc does is quick (Redis: the per-user index's
		 * stale entries), and it says so itself. */
		if (st->ops->gc(st, time(NULL), NULL, NULL) < 0) {
			log_error("session store gc failed (see above)");
			return CTL_ERROR;
		}
		printf("store = %s: %s\n", st->ops->name, st->ops->gc_note);
		return CTL_OK;
	}
	if (isatty(STDERR_FILENO))
		p.tty = stderr;
	/* No SA_RESTART: a wait for a shard's lock ends, GC stops. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	stop_signal = 0;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	clock_gettime(CLOCK_MONOTONIC, &p.start);
	/* The first look at the clock draws: a line at once. */
	p.drawn = p.start;
	p.drawn.tv_sec--;
	n = st->ops->gc(st, time(NULL), gc_progress, &p);
	clock_gettime(CLOCK_MONOTONIC, &end);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (p.tty != NULL)
		fputs("\r\033[K", p.tty);
	if (n < 0) {
		log_error("session store gc failed (see above)");
		return CTL_ERROR;
	}
	printf("removed %ld expired records and tombstones (%lu files looked "
	    "at in %.1f s)\n", n, p.scanned, since(&p.start, &end));
	if (stop_signal) {
		fprintf(stderr, "sessionctl gc: stopped by %s; the rest is left for "
		    "the next run\n", stop_signal == SIGINT ? "SIGINT" : "SIGTERM");
		return CTL_ERROR;
	}
	return CTL_OK;
}

const struct ctl_cmd ctl_gc_cmd = {
	"gc", "", "remove expired sessions and old tombstones", CTL_STORE, gc_run,
};
