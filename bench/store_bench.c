/* store_bench.c — micro-benchmark of the session store (src/store.h).
 *
 * Measures, through the store API exactly as the worker uses it
 * (visit.c: ops->load, then ops->commit with a change log):
 *
 *   1. load + commit of a 1 KiB session (one key changed per op) on a
 *      small store (SMALL sessions), fsync off and on: median, p90, p99
 *      in microseconds, and load and commit alone; then the floor that
 *      fsync on cannot go under: a bare pwrite + fdatasync of one slot's
 *      size into one of SMALL files in the same directory;
 *   2. the store filled to FILL sessions (1,000,000 by default; a share
 *      EXPIRED_PCT of them written with a clock two hours back, so that
 *      the idle timeout has expired them), then step 1 again over
 *      sessions picked at random from every live one;
 *   0. first, the cookie store (no disk): open the session from the
 *      cookie, commit one key changed, seal the new cookie, for the same
 *      1 KiB session;
 *   3. garbage collection over the filled store: `sessionwrap --gc -f`
 *      (if -s names the binary; it removes the expired share), then the
 *      store's gc op again in-process (a scan that finds nothing).
 *
 * With -r ADDRESS (unix:/path or tcp:host:port of a Redis server the
 * caller runs; keys under "swbench:"), step 1 on the Redis store instead,
 * and nothing else.
 *
 * usage: store_bench [-n FILL] [-o OPS] [-e EXPIRED_PCT] [-s SESSIONWRAP]
 *                    [-d PARENT_DIR] [-k] [-r REDIS_ADDRESS]
 * The store lives in a fresh directory under PARENT_DIR ($TMPDIR or /tmp),
 * removed at the end unless -k.  1 M sessions of 1 KiB take about 4.5 GB
 * of disk (one 4 KiB block each) and 1 M inodes.
 *
 * Built by `make bench` against src/libsw.a. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "crypto.h"
#include "keeper.h"
#include "secret.h"
#include "session.h"
#include "store.h"

#define VALUE_LEN 1000               /* + key, count, framing: ~1 KiB */
#define SMALL     1000

static struct config cfg;
static struct keys keys;
static struct store *st;

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void
die(const char *what)
{
	fprintf(stderr, "store_bench: %s\n", what);
	exit(1);
}

/* A new 1 KiB session, committed at time t; its id into id. */
static void
make_session(uint8_t id[SESSION_ID_LEN], time_t t)
{
	static char value[VALUE_LEN];
	struct changelog log;
	struct record_ref ref = { .keys = &keys };
	struct commit_in in = { .loaded = 0, .max_size = cfg.max_size };
	struct commit_plan plan;
	char err[256];

	if (value[0] == '\0')
		memset(value, 'v', sizeof(value));
	changelog_init(&log);
	if (changelog_add(&log, CHANGE_SET, "data", 4, value, sizeof(value), 0) < 0 ||
	    changelog_add(&log, CHANGE_SET, "count", 5, "0", 1, 0) < 0)
		die("out of memory");
	in.log = &log;
	session_id_generate(in.fresh_id);
	memcpy(ref.id, in.fresh_id, SESSION_ID_LEN);
	if (st->ops->commit(st, &ref, &in, t, &plan, err, sizeof(err)) < 0) {
		fprintf(stderr, "store_bench: commit of a new session: %s\n", err);
		exit(1);
	}
	if (!plan.alive || !plan.write_new)
		die("a new session was not written");
	commit_plan_free(&plan);
	changelog_free(&log);
	memcpy(id, in.fresh_id, SESSION_ID_LEN);
}

/* One request's worth: load id's record, change one key, commit. */
static void
load_commit(const uint8_t id[SESSION_ID_LEN], double *tl, double *tc)
{
	static unsigned long serial;
	struct record_ref ref = { .keys = &keys };
	struct stored s;
	struct changelog log;
	struct commit_in in = { .loaded = 1, .max_size = cfg.max_size };
	struct commit_plan plan;
	char err[256], num[32];
	time_t t = time(NULL);
	double t0, t1, t2;
	int len;

	memcpy(ref.id, id, SESSION_ID_LEN);
	t0 = now_us();
	if (st->ops->load(st, &ref, t, &s) < 0)
		die("load failed");
	t1 = now_us();
	if (s.state != STORED_LIVE)
		die("a live session did not load as live");
	if (session_get(&s.sess, "data", 4) == NULL)
		die("a loaded session lost its data");
	changelog_init(&log);
	/* A value never stored before: a key set to the value it has is no
	 * change, and is not written. */
	len = snprintf(num, sizeof(num), "%lu", ++serial);
	if (changelog_add(&log, CHANGE_SET, "count", 5, num, (size_t)len, 0) < 0)
		die("out of memory");
	in.log = &log;
	session_id_generate(in.fresh_id);
	if (st->ops->commit(st, &ref, &in, t, &plan, err, sizeof(err)) < 0) {
		fprintf(stderr, "store_bench: commit: %s\n", err);
		exit(1);
	}
	t2 = now_us();
	if (!plan.write_same)
		die("the commit did not rewrite the record");
	commit_plan_free(&plan);
	changelog_free(&log);
	stored_free(&s);
	*tl = t1 - t0;
	*tc = t2 - t1;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double
pct(double *v, size_t n, double p)
{
	size_t i = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);
	return v[i];
}

static void
report(const char *label, double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	printf("  %-36s %9.1f %9.1f %9.1f %9.1f\n", label, pct(v, n, 50),
	    pct(v, n, 90), pct(v, n, 99), v[n - 1]);
}

/* Load each of ids[0..n) once. */
static void
read_all_once(uint8_t (*ids)[SESSION_ID_LEN], size_t n)
{
	struct record_ref ref = { .keys = &keys };
	struct stored s;

	for (size_t i = 0; i < n; i++) {
		memcpy(ref.id, ids[i], SESSION_ID_LEN);
		if (st->ops->load(st, &ref, time(NULL), &s) < 0 ||
		    s.state != STORED_LIVE)
			die("a live session did not load as live");
		stored_free(&s);
	}
}

/* OPS load+commits over ids[0..nids) picked at random. */
static void
measure(const char *title, uint8_t (*ids)[SESSION_ID_LEN], size_t nids,
    size_t ops, int fsync_on)
{
	double *tl = malloc(ops * sizeof(double));
	double *tc = malloc(ops * sizeof(double));
	double *tt = malloc(ops * sizeof(double));
	double start;
	unsigned long r;

	if (tl == NULL || tc == NULL || tt == NULL)
		die("out of memory");
	cfg.fsync = fsync_on;
	sync();		/* no write-back left over from the step before */
	start = now_us();
	for (size_t i = 0; i < ops; i++) {
		random_fill(&r, sizeof(r));
		load_commit(ids[r % nids], &tl[i], &tc[i]);
		tt[i] = tl[i] + tc[i];
	}
	printf("%s, fsync %s: %zu ops in %.2f s\n", title, fsync_on ? "on" : "off",
	    ops, (now_us() - start) / 1e6);
	printf("  %-36s %9s %9s %9s %9s\n", "us per op", "median", "p90", "p99",
	    "max");
	report("load + commit", tt, ops);
	report("  load", tl, ops);
	report("  commit (re-read, merge, write)", tc, ops);
	fflush(stdout);
	free(tl);
	free(tc);
	free(tt);
}

/* The cookie store: OPS requests of one 1 KiB session, each opening the
 * cookie the one before sealed, changing one key and sealing anew. */
static void
cookie_measure(size_t ops)
{
	static char value[VALUE_LEN];
	double *tl = malloc(ops * sizeof(double));
	double *tc = malloc(ops * sizeof(double));
	double *tt = malloc(ops * sizeof(double));
	struct keyset *ks = keyset_new();
	struct store *cs;
	struct commit_plan plan;
	struct changelog log;
	struct commit_in in = { .max_size = cfg.max_size };
	char err[256], cookie[MAX_COOKIE_STORE_VALUE + 1], count[32];
	time_t t = time(NULL);

	if (tl == NULL || tc == NULL || tt == NULL || ks == NULL)
		die("out of memory");
	ks->primary = keys;
	memset(value, 'v', sizeof(value));
	if (store_cookie_ops.open(&cs, &cfg, err, sizeof(err)) < 0)
		die(err);
	cookie[0] = '\0';
	for (size_t i = 0; i <= ops; i++) {
		struct record_ref ref = { .keys = &ks->primary };
		struct stored base;
		double t0 = now_us(), t1;

		memset(&base, 0, sizeof(base));
		session_init(&base.sess);
		if (i > 0 && cs->ops->cookie_load(cs, ks, cookie, strlen(cookie),
		        t, &ref, &base) != 0)
			die("the cookie store refused its own cookie");
		t1 = now_us();
		changelog_init(&log);
		snprintf(count, sizeof(count), "%zu", i);
		if ((i == 0 && changelog_add(&log, CHANGE_SET, "data", 4, value,
		        sizeof(value), 0) < 0) ||
		    changelog_add(&log, CHANGE_SET, "count", 5, count,
		        strlen(count), 0) < 0)
			die("out of memory");
		in.log = &log;
		in.loaded = i > 0;
		in.base = &base;
		session_id_generate(in.fresh_id);
		if (cs->ops->commit(cs, &ref, &in, t, &plan, err, sizeof(err)) < 0 ||
		    cs->ops->cookie_value(cs, &keys, plan.id_changed ? in.fresh_id :
		        ref.id, &plan, cookie, sizeof(cookie), err, sizeof(err)) < 0)
			die(err);
		if (i > 0) {
			tl[i - 1] = t1 - t0;
			tc[i - 1] = now_us() - t1;
			tt[i - 1] = tl[i - 1] + tc[i - 1];
		}
		commit_plan_free(&plan);
		changelog_free(&log);
		stored_free(&base);
	}
	printf("cookie store (cookie of %zu chars): %zu ops\n", strlen(cookie),
	    ops);
	printf("  %-36s %9s %9s %9s %9s\n", "us per op", "median", "p90", "p99",
	    "max");
	report("load + commit", tt, ops);
	report("  load (open the cookie)", tl, ops);
	report("  commit (merge, seal the cookie)", tc, ops);
	printf("\n");
	fflush(stdout);
	cs->ops->close(cs);
	keyset_free(ks);
	free(tl);
	free(tc);
	free(tt);
}

/* What one durable write costs on this disk, with no store around it:
 * SMALL files of two slots each, as the store has them, and one slot's
 * bytes rewritten in place in a file picked at random, each write flushed. */
static void
flush_floor(const char *dir, size_t ops)
{
	char path[4200], buf[3072];
	double *t = malloc(ops * sizeof(double)), t0;
	int *fd = malloc(SMALL * sizeof(int));
	unsigned long r;

	if (t == NULL || fd == NULL)
		die("out of memory");
	memset(buf, 'x', sizeof(buf));
	for (size_t i = 0; i < SMALL; i++) {
		snprintf(path, sizeof(path), "%s/floor.%zu", dir, i);
		fd[i] = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		if (fd[i] < 0 || write(fd[i], buf, sizeof(buf)) !=
		    (ssize_t)sizeof(buf) || fsync(fd[i]) < 0)
			die("cannot make the flush-floor files");
		unlink(path);
	}
	sync();
	for (size_t i = 0; i < ops; i++) {
		random_fill(&r, sizeof(r));
		buf[0] = (char)i;
		t0 = now_us();
		if (pwrite(fd[r % SMALL], buf, sizeof(buf) / 2,
		    (off_t)(i % 2) * (off_t)sizeof(buf) / 2) !=
		    (ssize_t)sizeof(buf) / 2 || fdatasync(fd[r % SMALL]) < 0)
			die("flush-floor write failed");
		t[i] = now_us() - t0;
	}
	for (size_t i = 0; i < SMALL; i++)
		close(fd[i]);
	printf("the disk alone, no store (1,536 bytes rewritten in place in "
	    "one of %d files, then fdatasync): %zu ops\n", SMALL, ops);
	report("pwrite + fdatasync", t, ops);
	free(t);
	free(fd);
}

static long
count_files(const char *dir)
{
	char cmd[4200];
	long n = -1;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "find '%s' -type f -name '[0-9a-f]*' | wc -l",
	    dir);
	if ((p = popen(cmd, "r")) != NULL) {
		if (fscanf(p, "%ld", &n) != 1)
			n = -1;
		pclose(p);
	}
	return n;
}

int
main(int argc, char **argv)
{
	size_t fill = 1000000, ops = 20000, nlive = 0, cap;
	int expired_pct = 50, keep = 0, opt;
	const char *parent = getenv("TMPDIR"), *sw = NULL, *redis = NULL;
	char base[4096], path[4200], err[512], cmd[8600];
	uint8_t secret[SECRET_MAX_LEN];
	uint8_t (*live)[SESSION_ID_LEN];
	long slen, n;
	double t0;
	time_t now;
	FILE *f;

	while ((opt = getopt(argc, argv, "n:o:e:s:d:kr:")) != -1) {
		switch (opt) {
		case 'n': fill = strtoul(optarg, NULL, 10); break;
		case 'o': ops = strtoul(optarg, NULL, 10); break;
		case 'e': expired_pct = atoi(optarg); break;
		case 's': sw = optarg; break;
		case 'd': parent = optarg; break;
		case 'k': keep = 1; break;
		case 'r': redis = optarg; break;
		default:
			fprintf(stderr, "usage: store_bench [-n FILL] [-o OPS] "
			    "[-e EXPIRED_PCT] [-s SESSIONWRAP] [-d DIR] [-k] "
			    "[-r REDIS_ADDRESS]\n");
			return 2;
		}
	}
	if (fill < SMALL || ops < 10 || expired_pct < 0 || expired_pct > 90)
		die("bad arguments");
	if (parent == NULL)
		parent = "/tmp";
	snprintf(base, sizeof(base), "%s/swstore.XXXXXX", parent);
	if (mkdtemp(base) == NULL)
		die("mkdtemp failed");
	if (crypto_setup() < 0)
		die("libsodium cannot be used");

	/* The secret as `sessionwrap --keygen` writes it, keys as the worker
	 * derives them, and a config with the defaults (idle_timeout 30 min). */
	snprintf(path, sizeof(path), "%s/secret", base);
	if (secret_generate(path, err, sizeof(err)) < 0)
		die(err);
	if ((slen = secret_read(path, secret, err, sizeof(err))) < 0)
		die(err);
	if (keys_derive(&keys, secret, (size_t)slen) < 0)
		die("key derivation failed");
	config_defaults(&cfg);
	cookie_measure(ops);
	snprintf(path, sizeof(path), "%s/store", base);
	cfg.dir = strdup(path);
	cfg.fsync = 0;
	if (redis != NULL) {
		/* The Redis store: step 1 only (its fsync is Redis's own). */
		free(cfg.store);
		cfg.store = strdup("redis");
		cfg.redis_address = strdup(redis);
		free(cfg.redis_prefix);
		cfg.redis_prefix = strdup("swbench:");
		if (store_redis_ops.open(&st, &cfg, err, sizeof(err)) < 0 ||
		    store_redis_ops.load == NULL)
			die(store_redis_ops.load == NULL ? "built without hiredis" :
			    err);
		if ((live = malloc(SMALL * SESSION_ID_LEN)) == NULL)
			die("out of memory");
		printf("store_bench: Redis store at %s, 1 KiB sessions, %zu ops\n\n",
		    redis, ops);
		for (size_t i = 0; i < SMALL; i++)
			make_session(live[nlive++], time(NULL));
		measure("redis, small store (1,000 sessions)", live, nlive, ops, 0);
		st->ops->close(st);
		free(live);
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
		if (system(cmd) != 0)
			fprintf(stderr, "store_bench: could not remove %s\n", base);
		config_free(&cfg);
		return 0;
	}
	if (store_file_ops.open(&st, &cfg, err, sizeof(err)) < 0)
		die(err);

	cap = fill;
	if ((live = malloc(cap * SESSION_ID_LEN)) == NULL)
		die("out of memory");
	printf("store_bench: store %s, 1 KiB sessions (value %d bytes), "
	    "%zu ops per measurement\n\n", cfg.dir, VALUE_LEN, ops);

	now = time(NULL);
	for (size_t i = 0; i < SMALL; i++)
		make_session(live[nlive++], now);
	measure("small store (1,000 sessions)", live, nlive, ops, 0);
	measure("small store (1,000 sessions)", live, nlive, ops / 10, 1);
	flush_floor(base, ops / 10);

	/* The fill: fsync off, expired_pct of them two hours back. */
	printf("\nfilling to %zu sessions (%d%% expired) ...\n", fill, expired_pct);
	fflush(stdout);
	t0 = now_us();
	cfg.fsync = 0;
	for (size_t i = SMALL; i < fill; i++) {
		uint8_t id[SESSION_ID_LEN];
		int old = (int)(i % 100) < expired_pct;

		make_session(id, old ? now - 7200 : time(NULL));
		if (!old)
			memcpy(live[nlive++], id, SESSION_ID_LEN);
		if (i % 100000 == 0 && i > SMALL) {
			printf("  %zu (%.0f per s)\n", i,
			    (double)(i - SMALL) / ((now_us() - t0) / 1e6));
			fflush(stdout);
		}
	}
	printf("fill: %zu sessions in %.1f s (%.1f us each), %zu live; "
	    "%ld record files\n\n", fill - SMALL, (now_us() - t0) / 1e6,
	    (now_us() - t0) / (double)(fill - SMALL), nlive, count_files(cfg.dir));
	fflush(stdout);

	snprintf(path, sizeof(path), "%zu sessions", fill);
	measure(path, live, nlive, ops, 0);
	measure(path, live, nlive, ops / 10, 1);
	/* Again right after every live record was read once: the store's
	 * own cost at this size, with the page cache holding the store
	 * (a VM may give cache back within a minute; bench/README.md). */
	t0 = now_us();
	read_all_once(live, nlive);
	printf("read all %zu live sessions once: %.1f s\n", nlive,
	    (now_us() - t0) / 1e6);
	snprintf(path, sizeof(path), "%zu sessions, all just read", fill);
	measure(path, live, nlive, ops, 0);
	measure("small store again (first 1,000)", live, SMALL, ops, 0);

	/* GC: the real command first (removes the expired share). */
	printf("\n");
	if (sw != NULL) {
		snprintf(path, sizeof(path), "%s/sw.ini", base);
		if ((f = fopen(path, "w")) == NULL)
			die("cannot write the config");
		fprintf(f, "[server]\nlog_level = warn\n[handler]\nroot = %s\n"
		    "[session]\nsecret_file = %s/secret\ndir = %s\nfsync = off\n",
		    base, base, cfg.dir);
		fclose(f);
		snprintf(cmd, sizeof(cmd), "'%s' --gc -f '%s'", sw, path);
		printf("%s\n", cmd);
		fflush(stdout);
		t0 = now_us();
		if (system(cmd) != 0)
			die("sessionwrap --gc failed");
		printf("sessionwrap --gc over %zu sessions: %.2f s\n",
		    fill, (now_us() - t0) / 1e6);
		printf("record files left: %ld\n", count_files(cfg.dir));
	}
	t0 = now_us();
	n = st->ops->gc(st, time(NULL), NULL, NULL);
	printf("gc op (in-process) over what is left: removed %ld in %.2f s\n",
	    n, (now_us() - t0) / 1e6);
	t0 = now_us();
	n = st->ops->gc(st, time(NULL) + 2 * 86400, NULL, NULL);
	printf("gc op with the clock 2 days on (removes all): removed %ld in "
	    "%.2f s\n", n, (now_us() - t0) / 1e6);
	fflush(stdout);

	st->ops->close(st);
	free(live);
	wipe(secret, sizeof(secret));
	if (keep)
		printf("kept %s\n", base);
	else {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
		if (system(cmd) != 0)
			fprintf(stderr, "store_bench: could not remove %s\n", base);
	}
	config_free(&cfg);
	return 0;
}
