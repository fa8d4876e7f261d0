/* store_redis.c — the "redis" store: one Redis string per session, so
 * that several machines share their sessions.
 *
 *   key    [redis] prefix + record_name() of the id (64 hex): a keyed
 *          hash, so the key reveals no session
 *   value  8 bytes, big-endian: the last access (a touch moves it with
 *          SETRANGE, leaving the sealed version alone), then one sealed
 *          version of record.h, as the file store keeps it
 *   TTL    what is left of the record's life (record_deadline), or the
 *          tombstone grace: Redis expires records itself, --gc has
 *          nothing to do
 *
 * A commit holds no lock: it reads the record, makes the plan, and hands
 * every write of the plan to one Lua script (SCRIPT LOAD once per
 * connection, EVALSHA, loaded again on NOSCRIPT) that first checks that
 * the records read are still the ones read (their clear headers, which
 * hold a random nonce: a new version never has an old one's), then writes
 * them all.  Another writer in between: read again after a random pause,
 * up to COMMIT_ATTEMPTS times.  With [redis] wait_replicas, WAIT then confirms
 * that the replicas have the write before the commit counts as done.
 *
 * Redis down, refusing (OOM, READONLY, NOAUTH) or slow: the operation
 * returns STORE_UNAVAILABLE (the request gets 503), the connection is
 * dropped and made again on a later request, no sooner than a backoff
 * that doubles up to BACKOFF_MAX_MS.  With sentinels, every new
 * connection asks them for the master and checks it with ROLE. */
#include "store.h"

#include <stdio.h>
#include <string.h>

#include "log.h"

#ifndef HAVE_HIREDIS

/* Built without hiredis: the name is known, so the error can say why. */
static void
redis_check(const struct config *cfg, config_report_fn *report, void *ctx)
{
	(void)cfg;
	report(ctx, "session", "store", "'redis': this sessionwrap was built "
	    "without Redis support (hiredis: install libhiredis-dev, then "
	    "configure --with-redis and build again)");
}

static int
redis_open(struct store **out, const struct config *cfg, char *err,
    size_t errlen)
{
	(void)out;
	(void)cfg;
	snprintf(err, errlen, "[session] store: 'redis': built without Redis "
	    "support (hiredis)");
	return -1;
}

const struct store_ops store_redis_ops = {
	.name = "redis",
	.check = redis_check,
	.open = redis_open,
};

#else

#include <errno.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "privfile.h"
#include "record.h"

#define COMMIT_ATTEMPTS    16        /* reads and tries of one commit */
#define RETRY_WAIT_MAX_US  50000     /* the longest pause between them */
#define BACKOFF_MIN_MS     100       /* first wait after a failure */
#define BACKOFF_MAX_MS     2000
#define VALUE_PREFIX       8         /* the last-access time */
#define KEY_MAX            (MAX_REDIS_PREFIX + RECORD_NAME_LEN + 1)
#define OPS_MAX            8         /* writes of one plan */
#define USER_INFIX         "u:"      /* prefix + u: + user hash: a hash */
#define UKEY_MAX           (MAX_REDIS_PREFIX + 2 + USER_HASH_LEN + 1)
#define SCAN_COUNT         "1000"

/* The header a version check compares: bytes 8 to 8 + RECORD_HEADER_LEN
 * of the value ("" for no key), as GETRANGE gives them. */
#define STR(x) #x
#define XSTR(x) STR(x)
static const char commit_script[] =
    "local function hdr(k)\n"
    "  return redis.call('GETRANGE', k, " XSTR(VALUE_PREFIX) ", "
    XSTR(VALUE_PREFIX) " + " XSTR(RECORD_HEADER_LEN) " - 1)\n"
    "end\n"
    "for i = 1, 2 do\n"
    "  if ARGV[i] ~= '*' and hdr(KEYS[i]) ~= ARGV[i] then return 0 end\n"
    "end\n"
    "local i = 3\n"
    "while i <= #ARGV do\n"
    "  local op = ARGV[i]\n"
    "  local k = ARGV[i + 1]\n"
    "  if op ~= 'H' and op ~= 'R' then k = KEYS[tonumber(k)] end\n"
    "  if op == 'H' then\n"
    "    local v = ARGV[i + 2]\n"
    "    redis.call('HSET', k, string.sub(v, 1, " XSTR(RECORD_NAME_LEN) "), "
    "string.sub(v, " XSTR(RECORD_NAME_LEN) " + 1))\n"
    "    local t = tonumber(ARGV[i + 3])\n"
    "    if redis.call('PTTL', k) < t then redis.call('PEXPIRE', k, t) end\n"
    "  elseif op == 'R' then\n"
    "    redis.call('HDEL', k, ARGV[i + 2])\n"
    "  elseif op == 'S' then\n"
    "    redis.call('SET', k, ARGV[i + 2], 'PX', ARGV[i + 3])\n"
    "  elseif op == 'T' then\n"
    "    redis.call('SETRANGE', k, 0, ARGV[i + 2])\n"
    "    redis.call('PEXPIRE', k, ARGV[i + 3])\n"
    "  else\n"
    "    redis.call('DEL', k)\n"
    "  end\n"
    "  i = i + 4\n"
    "end\n"
    "return 1\n";

struct redis_store {
	struct store base;
	redisContext *c;
	char sha[41];                   /* of commit_script, loaded on c */
	char *password;                 /* [redis] password_file, or NULL */
	char where[200];                /* the server, for the log */
	char cause[600];                /* why it is unavailable */
	long long next_try_ms;          /* no connect before (monotonic) */
	long backoff_ms;
	int down;                       /* logged as down */
	int wrongtype;                  /* the last command met a key of
	                                   another type (not ours) */
};

static long long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct timeval
tv_of(long seconds)
{
	struct timeval tv = { seconds, 0 };

	return tv;
}

/* The store is unavailable for the reason given: drop the connection
 * (a later request connects again, after the backoff) and log the first
 * failure of a run of them, or a new cause; each request logs its own
 * 503 too. */
static void
go_down(struct redis_store *rs, const char *fmt, ...)
{
	char before[sizeof(rs->cause)];
	va_list ap;

	memcpy(before, rs->cause, sizeof(before));
	va_start(ap, fmt);
	vsnprintf(rs->cause, sizeof(rs->cause), fmt, ap);
	va_end(ap);
	if (rs->c != NULL)
		redisFree(rs->c);
	rs->c = NULL;
	rs->sha[0] = '\0';
	rs->backoff_ms = rs->backoff_ms == 0 ? BACKOFF_MIN_MS :
	    rs->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS :
	    rs->backoff_ms * 2;
	rs->next_try_ms = mono_ms() + rs->backoff_ms;
	/* Once per outage, and again when its cause changes. */
	if (!rs->down || strcmp(before, rs->cause) != 0)
		log_error("session store: %s; session requests are answered 503 "
		    "until it is back", rs->cause);
	rs->down = 1;
}

/* What a failed call on c means, in words. */
static const char *
io_cause(const redisContext *c, int saved_errno)
{
	if (c->err == REDIS_ERR_IO && (saved_errno == EAGAIN ||
	    saved_errno == EWOULDBLOCK || saved_errno == EINPROGRESS))
		return "timed out ([redis] timeout)";
	if (c->err == REDIS_ERR_IO && strstr(c->errstr, "temporarily") != NULL)
		return "timed out ([redis] timeout)";
	if (c->err == REDIS_ERR_EOF)
		return "the server closed the connection";
	return c->errstr[0] ? c->errstr : "I/O error";
}

/* One command on c: its reply, or NULL with *why set (c is then
 * unusable for an I/O error; an error reply leaves it usable). */
static redisReply *
command_on(redisContext *c, int argc, const char **argv, const size_t *lens,
    char *why, size_t whylen)
{
	redisReply *rep;

	errno = 0;
	rep = redisCommandArgv(c, argc, argv, lens);
	if (rep == NULL) {
		int saved = errno;

		snprintf(why, whylen, "%s", io_cause(c, saved));
		errno = saved;          /* (for stale()) */
		return NULL;
	}
	if (rep->type == REDIS_REPLY_ERROR) {
		snprintf(why, whylen, "%s", rep->str);
		freeReplyObject(rep);
		return NULL;
	}
	return rep;
}

/* A connection to host:port or, with port 0, the socket host. */
static redisContext *
connect_to(const struct config *cfg, const char *host, int port, char *why,
    size_t whylen)
{
	redisContext *c;

	c = port == 0 ?
	    redisConnectUnixWithTimeout(host, tv_of(cfg->redis_connect_timeout)) :
	    redisConnectWithTimeout(host, port, tv_of(cfg->redis_connect_timeout));
	if (c == NULL) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	if (c->err) {
		snprintf(why, whylen, "%s", c->errstr);
		redisFree(c);
		return NULL;
	}
	/* hiredis 0.14 bounds only the connect by itself; each command
	 * needs this, on every new connection. */
	if (redisSetTimeout(c, tv_of(cfg->redis_timeout)) != REDIS_OK) {
		snprintf(why, whylen, "cannot set the timeout: %s", c->errstr);
		redisFree(c);
		return NULL;
	}
	return c;
}

/* "host:port" (host may be "[v6]") into host and port; 0 or -1. */
static int
split_host_port(const char *s, char *host, size_t hostlen, int *port)
{
	const char *colon = strrchr(s, ':'), *h = s;
	size_t hl;
	char *end;
	long p;

	if (colon == NULL || colon == s)
		return -1;
	hl = (size_t)(colon - s);
	if (h[0] == '[' && hl >= 2 && h[hl - 1] == ']') {
		h++;
		hl -= 2;
	}
	if (hl == 0 || hl >= hostlen)
		return -1;
	errno = 0;
	p = strtol(colon + 1, &end, 10);
	if (colon[1] < '0' || colon[1] > '9' || *end || errno || p < 1 ||
	    p > 65535)
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	*port = (int)p;
	return 0;
}

/* [redis] address as host + port (port 0: a unix socket path). */
static int
parse_address(const char *a, char *host, size_t hostlen, int *port)
{
	if (strncmp(a, "unix:", 5) == 0) {
		if (a[5] != '/' || strlen(a + 5) >= hostlen)
			return -1;
		snprintf(host, hostlen, "%s", a + 5);
		*port = 0;
		return 0;
	}
	if (strncmp(a, "tcp:", 4) == 0)
		return split_host_port(a + 4, host, hostlen, port);
	return -1;
}

/* Ask the sentinels, in turn, where master_name's master is. */
static int
discover(struct redis_store *rs, char *host, size_t hostlen, int *port,
    char *why, size_t whylen)
{
	const struct config *cfg = rs->base.cfg;
	const char *argv[] = { "SENTINEL", "get-master-addr-by-name",
	    cfg->redis_master_name };
	size_t lens[] = { 8, 23, strlen(cfg->redis_master_name) };
	char shost[256], swhy[256] = "";

	for (int i = 0; i < cfg->nredis_sentinels; i++) {
		redisContext *c;
		redisReply *rep;
		int sport;

		if (split_host_port(cfg->redis_sentinels[i], shost, sizeof(shost),
		        &sport) < 0 ||
		    (c = connect_to(cfg, shost, sport, swhy, sizeof(swhy))) == NULL)
			continue;
		rep = command_on(c, 3, argv, lens, swhy, sizeof(swhy));
		if (rep != NULL && rep->type == REDIS_REPLY_ARRAY &&
		    rep->elements == 2 &&
		    rep->element[0]->type == REDIS_REPLY_STRING &&
		    rep->element[1]->type == REDIS_REPLY_STRING) {
			snprintf(host, hostlen, "%s", rep->element[0]->str);
			*port = atoi(rep->element[1]->str);
			freeReplyObject(rep);
			redisFree(c);
			return 0;
		}
		if (rep != NULL)
			snprintf(swhy, sizeof(swhy), "it knows no master '%.64s'",
			    cfg->redis_master_name);
		freeReplyObject(rep);
		redisFree(c);
	}
	snprintf(why, whylen, "no sentinel of [redis] sentinels named the master "
	    "'%.64s' (last: %.120s)", cfg->redis_master_name,
	    swhy[0] ? swhy : "none reachable");
	return -1;
}

/* AUTH, SELECT, ROLE (with sentinels), SCRIPT LOAD on a new connection. */
static int
connection_setup(struct redis_store *rs, char *why, size_t whylen)
{
	const struct config *cfg = rs->base.cfg;
	redisReply *rep;
	char db[16];

	if (rs->password != NULL) {
		const char *argv[] = { "AUTH", cfg->redis_username, rs->password };
		size_t lens[] = { 4, cfg->redis_username ?
		    strlen(cfg->redis_username) : 0, strlen(rs->password) };
		int with_user = cfg->redis_username != NULL;

		if (!with_user) {
			argv[1] = rs->password;
			lens[1] = lens[2];
		}
		if ((rep = command_on(rs->c, with_user ? 3 : 2, argv, lens, why,
		        whylen)) == NULL)
			return -1;
		freeReplyObject(rep);
	}
	if (cfg->redis_db != 0) {
		const char *argv[] = { "SELECT", db };
		size_t lens[2] = { 6, 0 };

		lens[1] = (size_t)snprintf(db, sizeof(db), "%d", cfg->redis_db);
		if ((rep = command_on(rs->c, 2, argv, lens, why, whylen)) == NULL)
			return -1;
		freeReplyObject(rep);
	}
	if (cfg->nredis_sentinels > 0) {
		const char *argv[] = { "ROLE" };
		size_t lens[] = { 4 };
		int master;

		if ((rep = command_on(rs->c, 1, argv, lens, why, whylen)) == NULL)
			return -1;
		master = rep->type == REDIS_REPLY_ARRAY && rep->elements > 0 &&
		    rep->element[0]->type == REDIS_REPLY_STRING &&
		    strcmp(rep->element[0]->str, "master") == 0;
		freeReplyObject(rep);
		if (!master) {
			snprintf(why, whylen, "the sentinels' master is not a master "
			    "(ROLE): a failover in progress");
			return -1;
		}
	}
	{
		const char *argv[] = { "SCRIPT", "LOAD", commit_script };
		size_t lens[] = { 6, 4, sizeof(commit_script) - 1 };

		if ((rep = command_on(rs->c, 3, argv, lens, why, whylen)) == NULL)
			return -1;
		if (rep->type != REDIS_REPLY_STRING || rep->len != 40) {
			snprintf(why, whylen, "SCRIPT LOAD gave no SHA1");
			freeReplyObject(rep);
			return -1;
		}
		memcpy(rs->sha, rep->str, 41);
		freeReplyObject(rep);
	}
	return 0;
}

/* A usable connection: 0, or STORE_UNAVAILABLE (rs->cause says why). */
static int
ensure_connected(struct redis_store *rs)
{
	const struct config *cfg = rs->base.cfg;
	char host[256], why[256];
	int port;

	if (rs->c != NULL)
		return 0;
	if (rs->down && mono_ms() < rs->next_try_ms)
		return STORE_UNAVAILABLE;
	if (cfg->nredis_sentinels > 0) {
		if (discover(rs, host, sizeof(host), &port, why, sizeof(why)) < 0) {
			snprintf(rs->where, sizeof(rs->where), "redis master '%.64s'",
			    cfg->redis_master_name);
			go_down(rs, "%s: %s", rs->where, why);
			return STORE_UNAVAILABLE;
		}
		snprintf(rs->where, sizeof(rs->where),
		    "redis master '%.64s' at %.64s:%d", cfg->redis_master_name,
		    host, port);
	} else {
		if (parse_address(cfg->redis_address, host, sizeof(host), &port) < 0)
			return STORE_UNAVAILABLE;   /* (ops->check refused it) */
		snprintf(rs->where, sizeof(rs->where), "redis %.180s",
		    cfg->redis_address);
	}
	if ((rs->c = connect_to(cfg, host, port, why, sizeof(why))) == NULL ||
	    connection_setup(rs, why, sizeof(why)) < 0) {
		go_down(rs, "%s: %s", rs->where, why);
		return STORE_UNAVAILABLE;
	}
	if (rs->down)
		log_info("session store: %s: connected again", rs->where);
	rs->down = 0;
	rs->backoff_ms = 0;
	return 0;
}

/* Whether an error reply means this is not the server to talk to: a
 * replica (READONLY), a server still loading, a lost login, a master
 * its sentinels gave up.  Then connect (and ask the sentinels) again. */
static int
wrong_server(const char *why)
{
	static const char *const codes[] = { "READONLY", "LOADING", "NOAUTH",
	    "WRONGPASS", "MASTERDOWN" };

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (strncmp(why, codes[i], strlen(codes[i])) == 0)
			return 1;
	return 0;
}

/* Whether the call that just failed on c found its connection to a
 * server that is gone (restarted while we sat idle): the write failed,
 * so nothing was sent, and the command may be sent again on a new
 * connection. */
static int
stale(const redisContext *c, int saved_errno)
{
	return c->err == REDIS_ERR_IO && saved_errno == EPIPE;
}

/* Drop a stale connection and make a new one at once (no backoff). */
static int
reconnect_now(struct redis_store *rs)
{
	redisFree(rs->c);
	rs->c = NULL;
	rs->sha[0] = '\0';
	return ensure_connected(rs);
}

/* Run a command: its reply, or NULL when the store is unavailable
 * (logged once by go_down; rs->cause says why). */
static redisReply *
command(struct redis_store *rs, int argc, const char **argv,
    const size_t *lens)
{
	char why[256];
	redisReply *rep;

	rs->wrongtype = 0;
	if (ensure_connected(rs) < 0)
		return NULL;
	if ((rep = command_on(rs->c, argc, argv, lens, why, sizeof(why))) != NULL)
		return rep;
	if (stale(rs->c, errno)) {
		if (reconnect_now(rs) < 0)
			return NULL;
		rep = command_on(rs->c, argc, argv, lens, why, sizeof(why));
		if (rep != NULL)
			return rep;
	}
	if (strncmp(why, "WRONGTYPE", 9) == 0) {
		rs->wrongtype = 1;      /* the caller's to say */
		return NULL;
	}
	/* An error reply leaves the connection usable (OOM, say). */
	if (rs->c->err == 0 && !wrong_server(why)) {
		snprintf(rs->cause, sizeof(rs->cause), "%s: %s", rs->where, why);
		log_error("session store: %s", rs->cause);
		return NULL;
	}
	go_down(rs, "%s: %s", rs->where, why);
	return NULL;
}

static void
key_of(const struct redis_store *rs, const struct keys *k, const uint8_t *id,
    char out[KEY_MAX])
{
	const char *prefix = rs->base.cfg->redis_prefix ?
	    rs->base.cfg->redis_prefix : "";
	char name[RECORD_NAME_LEN + 1];

	record_name(k, id, name);
	snprintf(out, KEY_MAX, "%s%s", prefix, name);
}

/* The header a version check compares, of a value (NULL: no key). */
static size_t
check_bytes(const redisReply *v, const char **out)
{
	size_t n;

	*out = "";
	if (v == NULL || v->len <= VALUE_PREFIX)
		return 0;
	n = v->len - VALUE_PREFIX;
	*out = v->str + VALUE_PREFIX;
	return n < RECORD_HEADER_LEN ? n : RECORD_HEADER_LEN;
}

/* One record as read: what it means, and what the commit checks. */
struct read {
	char key[KEY_MAX];
	char check[RECORD_HEADER_LEN];
	size_t check_len;
	uint64_t seq;
	int read;                       /* this name was read (and is checked) */
	int found;                      /* a key was there */
};

/* GET key and open it under k as id's record into *out (ABSENT when
 * missing, broken or expired).  0, or STORE_UNAVAILABLE. */
static int
read_record(struct redis_store *rs, const struct keys *k, const uint8_t *id,
    time_t now, struct stored *out, struct read *rd)
{
	const char *argv[2] = { "GET", rd->key };
	size_t lens[2] = { 3, 0 };
	const char *check, *why = NULL;
	struct record_header h;
	uint8_t key[AEAD_KEY_LEN], *plain = NULL;
	redisReply *rep;
	time_t last_seen = 0;

	memset(out, 0, sizeof(*out));
	session_init(&out->sess);
	out->state = STORED_ABSENT;
	key_of(rs, k, id, rd->key);
	lens[1] = strlen(rd->key);
	rd->read = 1;
	rd->found = 0;
	rd->seq = 0;
	if ((rep = command(rs, 2, argv, lens)) == NULL && !rs->wrongtype)
		return STORE_UNAVAILABLE;
	if (rep == NULL) {
		/* Something else's key under our prefix: never ours. */
		rd->found = 1;
		why = "not a string (another program's key?)";
		goto out;
	}
	if (rep->type == REDIS_REPLY_STRING) {
		rd->found = 1;
		rd->check_len = check_bytes(rep, &check);
		memcpy(rd->check, check, rd->check_len);
	} else {
		rd->check_len = 0;
		if (rep->type != REDIS_REPLY_NIL)
			why = "not a string";
		goto out;
	}
	if (rep->len < VALUE_PREFIX + RECORD_HEADER_LEN) {
		why = "too short for a record";
		goto out;
	}
	for (int i = 0; i < VALUE_PREFIX; i++)
		last_seen = (time_t)(((uint64_t)last_seen << 8) |
		    (uint8_t)rep->str[i]);
	record_key(k, id, key);
	if (record_open((const uint8_t *)rep->str + VALUE_PREFIX,
	        rep->len - VALUE_PREFIX, key, &h, &plain) < 0) {
		why = "does not open as a record (foreign, tampered or another "
		    "secret's)";
		goto out;
	}
	rd->seq = h.seq;
	if (record_to_stored(rs->base.cfg, &h, plain, last_seen, now, out,
	        &why) < 0)
		goto out;
	why = NULL;
out:
	if (why != NULL)
		log_warn("session record %s (%s): %s: treated as absent",
		    rd->key, rs->where, why);
	wipe(key, sizeof(key));
	if (plain != NULL)
		record_plain_free(plain, h.plen);
	freeReplyObject(rep);
	return 0;
}

/* Read ref's record: under the primary name, else under the old one.
 * rd[0] is the primary name's read, rd[1] the old one's (found 0 and
 * key "" when not read). */
static int
ref_read(struct redis_store *rs, const struct record_ref *ref, time_t now,
    struct stored *out, struct read rd[2])
{
	memset(rd, 0, 2 * sizeof(*rd));
	if (read_record(rs, ref->keys, ref->id, now, out, &rd[0]) < 0)
		return STORE_UNAVAILABLE;
	if (out->state != STORED_ABSENT || ref->old_keys == NULL)
		return 0;
	if (read_record(rs, ref->old_keys, ref->id, now, out, &rd[1]) < 0)
		return STORE_UNAVAILABLE;
	out->under_old_name = out->state != STORED_ABSENT;
	return 0;
}

/* The writes of one script call. */
struct batch {
	const char *argv[3 + 3 + 2 + 4 * OPS_MAX];
	size_t lens[3 + 3 + 2 + 4 * OPS_MAX];
	int argc;
	uint8_t *vals[OPS_MAX];         /* values made for SET and SETRANGE */
	char ttl[OPS_MAX][24];
	char idx[OPS_MAX][UKEY_MAX];    /* 1, 2, 3 (KEYS), or a user's key */
	int nops;
	int writes;                     /* anything to WAIT for */
};

static void
batch_free(struct batch *b)
{
	for (int i = 0; i < b->nops; i++)
		free(b->vals[i]);
}

/* A value: last_seen, then (sealed) the version of sess (NULL: a
 * tombstone) sealed as version seq of id's record under k. */
static uint8_t *
value_make(const struct keys *k, const uint8_t *id, const struct session *sess,
    uint64_t seq, time_t last_seen, size_t *len)
{
	size_t vlen = record_version_len(sess);
	uint8_t *v = malloc(VALUE_PREFIX + vlen);

	if (v == NULL)
		return NULL;
	for (int i = 0; i < VALUE_PREFIX; i++)
		v[i] = (uint8_t)((uint64_t)last_seen >> (56 - 8 * i));
	if (record_seal(v + VALUE_PREFIX, k, id, sess, seq) < 0) {
		free(v);
		return NULL;
	}
	*len = VALUE_PREFIX + vlen;
	return v;
}

/* Add one op: 'S' set (value, ttl), 'T' touch (last_seen, ttl), 'D'
 * delete; key is 1 (primary), 2 (old name) or 3 (fresh id).  The index's
 * ops name a user's key in ukey: 'H' (value: record name and entry; the
 * key's TTL is made at least ttl), 'R' (value: record name). */
static void
batch_op(struct batch *b, char op, int key, const char *ukey, uint8_t *val,
    size_t vlen, long long ttl_ms)
{
	static const char *const ops[] = { "S", "T", "D", "H", "R" };
	const char *o = strchr("STDHR", op);
	int i = b->nops++;

	b->vals[i] = val;
	if (ukey != NULL)
		snprintf(b->idx[i], sizeof(b->idx[i]), "%s", ukey);
	else
		snprintf(b->idx[i], sizeof(b->idx[i]), "%d", key);
	snprintf(b->ttl[i], sizeof(b->ttl[i]), "%lld", ttl_ms < 1 ? 1 : ttl_ms);
	b->argv[b->argc] = ops[o - "STDHR"];
	b->lens[b->argc++] = 1;
	b->argv[b->argc] = b->idx[i];
	b->lens[b->argc++] = strlen(b->idx[i]);
	b->argv[b->argc] = val ? (const char *)val : "";
	b->lens[b->argc++] = val ? vlen : 0;
	b->argv[b->argc] = b->ttl[i];
	b->lens[b->argc++] = strlen(b->ttl[i]);
	b->writes = 1;
}

static void
batch_add(struct batch *b, char op, int key, uint8_t *val, size_t vlen,
    long long ttl_ms)
{
	batch_op(b, op, key, NULL, val, vlen, ttl_ms);
}

/* The index's key of user hash uh. */
static void
user_key(const struct redis_store *rs, const char *uh, char out[UKEY_MAX])
{
	snprintf(out, UKEY_MAX, "%s" USER_INFIX "%s",
	    rs->base.cfg->redis_prefix ? rs->base.cfg->redis_prefix : "", uh);
}

/* Add the index op of entry e: 'H' (with ttl) or 'R'.  0 or -1. */
static int
batch_index(const struct redis_store *rs, struct batch *b, char op,
    const struct index_entry *e, long long ttl_ms)
{
	char uh[USER_HASH_LEN + 1], ukey[UKEY_MAX];
	uint8_t *v = malloc(RECORD_NAME_LEN + 1 + INDEX_ENTRY_LEN);
	size_t vlen = RECORD_NAME_LEN;

	if (v == NULL)
		return -1;
	user_hash(e->k, e->user, e->ulen, uh);
	user_key(rs, uh, ukey);
	record_name(e->k, e->id, (char *)v);
	if (op == 'H') {
		if (record_revoke_tombstone(v + RECORD_NAME_LEN, e->k, e->id) < 0) {
			free(v);
			return -1;
		}
		vlen += INDEX_ENTRY_LEN;
	}
	batch_op(b, op, 0, ukey, v, vlen, ttl_ms);
	return 0;
}

static long long
ttl_live(const struct config *cfg, const struct session *s, time_t now)
{
	return (long long)(record_deadline(cfg, s->permanent, s->created, now) -
	    now) * 1000;
}

/* The plan as a batch, in the plan's order. */
static int
batch_of_plan(const struct redis_store *rs, const struct record_ref *ref,
    const struct commit_in *in, const struct commit_plan *p,
    const struct stored *cur, const struct read rd[2], time_t now,
    const struct index_plan *ip, struct batch *b)
{
	const struct config *cfg = rs->base.cfg;
	long long grace = (long long)tombstone_grace(cfg) * 1000;
	uint8_t *v;
	size_t vlen = 0;

	/* The index entry first (the script is atomic all the same). */
	if (ip != NULL && ip->add && batch_index(rs, b, 'H', &ip->added,
	        ttl_live(cfg, &p->result, now)) < 0)
		return -1;
	if (ip != NULL)
		for (int i = 0; i < ip->nremove; i++)
			if (batch_index(rs, b, 'R', &ip->removed[i], 0) < 0)
				return -1;

	if (p->write_new) {
		if ((v = value_make(ref->keys, in->fresh_id, &p->result, 1, now,
		        &vlen)) == NULL)
			return -1;
		batch_add(b, 'S', 3, v, vlen, ttl_live(cfg, &p->result, now));
	}
	if (p->write_same) {
		if ((v = value_make(ref->keys, ref->id, &p->result, rd[0].seq + 1,
		        now, &vlen)) == NULL)
			return -1;
		batch_add(b, 'S', 1, v, vlen, ttl_live(cfg, &p->result, now));
	}
	if (p->tombstone_old) {
		if ((v = value_make(ref->keys, ref->id, NULL, rd[0].seq + 1, now,
		        &vlen)) == NULL)
			return -1;
		batch_add(b, 'S', 1, v, vlen, grace);
	}
	if (p->remove_old)
		batch_add(b, 'D', 1, NULL, 0, 0);
	if (p->remove_old_name && ref->old_keys != NULL)
		batch_add(b, 'D', 2, NULL, 0, 0);
	if (p->touch) {
		if ((v = malloc(VALUE_PREFIX)) == NULL)
			return -1;
		for (int i = 0; i < VALUE_PREFIX; i++)
			v[i] = (uint8_t)((uint64_t)now >> (56 - 8 * i));
		long long ttl = (long long)(record_deadline(cfg, cur->permanent,
		    cur->created, now) - now) * 1000;
		struct index_entry e = { cur->under_old_name ? ref->old_keys :
		    ref->keys, ref->id, NULL, 0 };

		batch_add(b, 'T', cur->under_old_name ? 2 : 1, v, VALUE_PREFIX, ttl);
		/* The user's key lives at least as long as the record. */
		if (cur->state == STORED_LIVE && e.k != NULL &&
		    (e.user = session_login(cfg, &cur->sess, &e.ulen)) != NULL &&
		    batch_index(rs, b, 'H', &e, ttl) < 0)
			return -1;
	}
	return 0;
}

/* Run the script on batch b, with the version checks of rd (check: 0
 * none).  1 done, 0 another writer came first, STORE_UNAVAILABLE. */
static int
batch_run(struct redis_store *rs, struct batch *b, const char *keys[3],
    const struct read rd[2], int check)
{
	redisReply *rep;
	int rc;

	for (int attempt = 0; attempt < 3; attempt++) {
		if (ensure_connected(rs) < 0)
			return STORE_UNAVAILABLE;
		b->argv[0] = "EVALSHA";
		b->lens[0] = 7;
		b->argv[1] = rs->sha;
		b->lens[1] = 40;
		b->argv[2] = "3";
		b->lens[2] = 1;
		for (int i = 0; i < 3; i++) {
			b->argv[3 + i] = keys[i];
			b->lens[3 + i] = strlen(keys[i]);
		}
		for (int i = 0; i < 2; i++) {
			int on = check && rd[i].read;
			b->argv[6 + i] = on ? rd[i].check : "*";
			b->lens[6 + i] = on ? rd[i].check_len : 1;
		}
		errno = 0;
		rep = redisCommandArgv(rs->c, b->argc, b->argv, b->lens);
		if (rep == NULL && stale(rs->c, errno) && attempt == 0) {
			if (reconnect_now(rs) < 0)
				return STORE_UNAVAILABLE;
			continue;
		}
		if (rep == NULL) {
			go_down(rs, "%s: %s", rs->where, io_cause(rs->c, errno));
			return STORE_UNAVAILABLE;
		}
		if (rep->type == REDIS_REPLY_INTEGER) {
			rc = rep->integer == 1;
			freeReplyObject(rep);
			return rc;
		}
		if (rep->type == REDIS_REPLY_ERROR &&
		    strncmp(rep->str, "NOSCRIPT", 8) == 0 && attempt < 2) {
			/* The script cache was flushed (SCRIPT FLUSH, a restart
			 * behind a proxy): load it again. */
			const char *argv[] = { "SCRIPT", "LOAD", commit_script };
			size_t lens[] = { 6, 4, sizeof(commit_script) - 1 };
			redisReply *l;

			freeReplyObject(rep);
			if ((l = command(rs, 3, argv, lens)) == NULL)
				return STORE_UNAVAILABLE;
			if (l->type == REDIS_REPLY_STRING && l->len == 40)
				memcpy(rs->sha, l->str, 41);
			freeReplyObject(l);
			continue;
		}
		{
			char why[256];

			snprintf(why, sizeof(why), "%s", rep->type ==
			    REDIS_REPLY_ERROR ? rep->str : "unexpected reply to EVALSHA");
			freeReplyObject(rep);
			if (wrong_server(why)) {
				go_down(rs, "%s: %s", rs->where, why);
			} else {
				snprintf(rs->cause, sizeof(rs->cause), "%s: %s", rs->where,
				    why);
				log_error("session store: %s", rs->cause);
			}
			return STORE_UNAVAILABLE;
		}
	}
	return STORE_UNAVAILABLE;
}

/* With [redis] wait_replicas: 0 when that many replicas have the
 * writes so far, else STORE_UNAVAILABLE (logged). */
static int
replicas_wait(struct redis_store *rs)
{
	const struct config *cfg = rs->base.cfg;
	long wait_ms = cfg->redis_timeout * 1000 - 250;
	char n[16], ms[24];
	const char *argv[] = { "WAIT", n, ms };
	size_t lens[3] = { 4, 0, 0 };
	redisReply *rep;
	long long got;

	if (cfg->redis_wait_replicas == 0)
		return 0;
	/* (Less than the socket timeout, so that WAIT answers first.) */
	lens[1] = (size_t)snprintf(n, sizeof(n), "%d", cfg->redis_wait_replicas);
	lens[2] = (size_t)snprintf(ms, sizeof(ms), "%ld",
	    wait_ms < 100 ? 100 : wait_ms);
	if ((rep = command(rs, 3, argv, lens)) == NULL)
		return STORE_UNAVAILABLE;
	got = rep->type == REDIS_REPLY_INTEGER ? rep->integer : -1;
	freeReplyObject(rep);
	if (got >= cfg->redis_wait_replicas)
		return 0;
	snprintf(rs->cause, sizeof(rs->cause), "%s: WAIT: %lld of the %d "
	    "replicas of [redis] wait_replicas acknowledged the write in time",
	    rs->where, got < 0 ? 0 : got, cfg->redis_wait_replicas);
	log_error("session store: %s", rs->cause);
	return STORE_UNAVAILABLE;
}

static void
retry_pause(int attempt)
{
	long cap = 500L << (attempt < 10 ? attempt : 10);
	uint32_t r;

	if (cap > RETRY_WAIT_MAX_US)
		cap = RETRY_WAIT_MAX_US;
	random_fill(&r, sizeof(r));
	usleep((useconds_t)(r % (uint32_t)cap));
}

static int
redis_commit(struct store *st, const struct record_ref *ref,
    const struct commit_in *in, time_t now, struct commit_plan *plan,
    char *err, size_t errlen)
{
	struct redis_store *rs = (struct redis_store *)st;
	char fresh_key[KEY_MAX];
	struct read rd[2];
	struct stored cur;
	int rc = STORE_UNAVAILABLE;

	key_of(rs, ref->keys, in->fresh_id, fresh_key);
	for (int attempt = 1; attempt <= COMMIT_ATTEMPTS; attempt++) {
		struct batch b = { .argc = 8 };
		struct index_before before;
		struct index_plan ip;
		const char *keys[3];
		int r;

		memset(&cur, 0, sizeof(cur));
		session_init(&cur.sess);
		memset(rd, 0, sizeof(rd));
		if (in->loaded && ref_read(rs, ref, now, &cur, rd) < 0) {
			snprintf(err, errlen, "session store unavailable: %s",
			    rs->cause);
			return STORE_UNAVAILABLE;
		}
		if (index_before_take(st->cfg, &cur, &before) < 0) {
			snprintf(err, errlen, "out of memory");
			stored_free(&cur);
			return -1;
		}
		if (commit_plan_make(in, st->cfg, &cur, now, plan, err,
		        errlen) < 0) {
			index_before_free(&before);
			stored_free(&cur);
			return -1;
		}
		index_plan_make(st->cfg, ref, in, &before, plan, &ip);
		if (in->loaded && ref->old_keys != NULL && rd[1].key[0] == '\0')
			key_of(rs, ref->old_keys, ref->id, rd[1].key);
		r = batch_of_plan(rs, ref, in, plan, &cur, rd, now, &ip, &b);
		index_before_free(&before);
		if (r < 0) {
			snprintf(err, errlen, "out of memory sealing the record");
			batch_free(&b);
			commit_plan_free(plan);
			stored_free(&cur);
			return -1;
		}
		stored_free(&cur);
		if (b.nops == 0)
			return 0;
		keys[0] = rd[0].key[0] ? rd[0].key : fresh_key;
		keys[1] = rd[1].key[0] ? rd[1].key : keys[0];
		keys[2] = fresh_key;
		r = batch_run(rs, &b, keys, rd, in->loaded);
		batch_free(&b);
		if (r == 1) {
			if ((rc = replicas_wait(rs)) == 0)
				return 0;
			snprintf(err, errlen, "session store: %s", rs->cause);
			commit_plan_free(plan);
			return rc;
		}
		commit_plan_free(plan);
		if (r < 0) {
			snprintf(err, errlen, "session store unavailable: %s",
			    rs->cause);
			return STORE_UNAVAILABLE;
		}
		/* Another writer came first: read again, after a random pause
		 * that grows, so that writers in step fall out of it. */
		retry_pause(attempt);
	}
	snprintf(err, errlen, "session store %s: the record kept changing under "
	    "%d attempts to commit (too many concurrent writers)", rs->where,
	    COMMIT_ATTEMPTS);
	return rc;
}

static int
redis_load(struct store *st, const struct record_ref *ref, time_t now,
    struct stored *out)
{
	struct read rd[2];

	return ref_read((struct redis_store *)st, ref, now, out, rd);
}

/* Failed logins (store.h fail_count): a key prefix + "fails:" + name
 * holding "COUNT LAST", its TTL the time left; one script reads and
 * counts, so that the count of every machine is one count. */
static const char fail_script[] =
    "local v = redis.call('GET', KEYS[1]) "
    "local c, l = 0, 0 "
    "if v then local a, b = string.match(v, '^(%d+) (%d+)$') "
    "if a then c = tonumber(a) l = tonumber(b) end end "
    "if ARGV[1] == '1' then c = c + 1 l = tonumber(ARGV[2]) "
    "redis.call('SET', KEYS[1], c .. ' ' .. l, 'EX', ARGV[3]) "
    "elseif ARGV[1] == '-1' then redis.call('DEL', KEYS[1]) c = 0 l = 0 end "
    "return {c, l}";

static int
redis_fail_count(struct store *st, const char *name, int how, time_t now,
    long ttl, long *count, time_t *last)
{
	struct redis_store *rs = (struct redis_store *)st;
	const char *prefix = st->cfg->redis_prefix ? st->cfg->redis_prefix : "";
	char key[KEY_MAX + 8], shows[4], nows[24], ttls[24];
	const char *argv[7];
	size_t lens[7];
	redisReply *rep;
	int rc = -1;

	*count = 0;
	*last = 0;
	snprintf(key, sizeof(key), "%sfails:%s", prefix, name);
	snprintf(shows, sizeof(shows), "%d", how);
	snprintf(nows, sizeof(nows), "%lld", (long long)now);
	snprintf(ttls, sizeof(ttls), "%ld", ttl > 0 ? ttl : 1);
	argv[0] = "EVAL";
	argv[1] = fail_script;
	argv[2] = "1";
	argv[3] = key;
	argv[4] = shows;
	argv[5] = nows;
	argv[6] = ttls;
	for (int i = 0; i < 7; i++)
		lens[i] = strlen(argv[i]);
	if ((rep = command(rs, 7, argv, lens)) == NULL)
		return rs->wrongtype ? -1 : STORE_UNAVAILABLE;
	if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 2 &&
	    rep->element[0]->type == REDIS_REPLY_INTEGER &&
	    rep->element[1]->type == REDIS_REPLY_INTEGER) {
		*count = (long)rep->element[0]->integer;
		*last = (time_t)rep->element[1]->integer;
		rc = 0;
	} else {
		log_error("session store: %s: unexpected reply counting failed "
		    "logins", rs->where);
	}
	freeReplyObject(rep);
	return rc;
}

/* The per-user index's scripts (for sessionctl and X-Session-Revoke-
 * Others; run with EVAL).  A record's kind is the byte at
 * VALUE_PREFIX + 5 of its value (codec.h): 1 live, 2 tombstone; Redis
 * removes an expired record itself, so a live kind is a live session.
 *
 * revoke: KEYS the users' keys; ARGV prefix, the record name to keep
 * (or ""), the tombstone's last-access bytes, its TTL.  Every live record
 * of theirs gets its entry's tombstone; every entry but keep's goes. */
#define KIND_AT XSTR(VALUE_PREFIX) " + 5"
static const char revoke_script[] =
    "local n = 0\n"
    "for _, h in ipairs(KEYS) do\n"
    "  local all = redis.call('HGETALL', h)\n"
    "  for i = 1, #all, 2 do\n"
    "    local f = all[i]\n"
    "    if f ~= ARGV[2] then\n"
    "      local k = ARGV[1] .. f\n"
    "      if redis.call('GETRANGE', k, " KIND_AT ", " KIND_AT ") == '\\1' "
    "then\n"
    "        redis.call('SET', k, ARGV[3] .. all[i + 1], 'PX', ARGV[4])\n"
    "        n = n + 1\n"
    "      end\n"
    "      redis.call('HDEL', h, f)\n"
    "    end\n"
    "  end\n"
    "end\n"
    "return n\n";

/* remove_live: KEYS records; the live ones are deleted (revoke --all, for
 * the sessions without a login). */
static const char remove_live_script[] =
    "local n = 0\n"
    "for _, k in ipairs(KEYS) do\n"
    "  if redis.call('GETRANGE', k, " KIND_AT ", " KIND_AT ") == '\\1' then\n"
    "    redis.call('DEL', k)\n"
    "    n = n + 1\n"
    "  end\n"
    "end\n"
    "return n\n";

/* live_users: KEYS users' keys; ARGV prefix.  How many have a live
 * record; with ARGV[2] == 'gc', entries whose record is gone or a
 * tombstone are removed on the way. */
static const char live_users_script[] =
    "local n = 0\n"
    "for _, h in ipairs(KEYS) do\n"
    "  local live = 0\n"
    "  for _, f in ipairs(redis.call('HKEYS', h)) do\n"
    "    if redis.call('GETRANGE', ARGV[1] .. f, " KIND_AT ", " KIND_AT ") == "
    "'\\1' then\n"
    "      live = 1\n"
    "    elseif ARGV[2] == 'gc' then\n"
    "      redis.call('HDEL', h, f)\n"
    "    end\n"
    "  end\n"
    "  n = n + live\n"
    "end\n"
    "return n\n";

static const char *
prefix_of(const struct redis_store *rs)
{
	return rs->base.cfg->redis_prefix ? rs->base.cfg->redis_prefix : "";
}

/* EVAL script with nkeys keys and nargs args: its integer reply, or
 * STORE_UNAVAILABLE (logged). */
static long long
eval_int(struct redis_store *rs, const char *script, int nkeys,
    const char *const *keys, int nargs, const char *const *args,
    const size_t *arglens)
{
	int argc = 3 + nkeys + nargs;
	const char **argv = malloc((size_t)argc * sizeof(*argv));
	size_t *lens = malloc((size_t)argc * sizeof(*lens));
	char nk[16];
	redisReply *rep = NULL;
	long long n = STORE_UNAVAILABLE;

	if (argv == NULL || lens == NULL) {
		log_error("session store: out of memory");
		goto out;
	}
	snprintf(nk, sizeof(nk), "%d", nkeys);
	argv[0] = "EVAL";
	argv[1] = script;
	argv[2] = nk;
	for (int i = 0; i < nkeys; i++)
		argv[3 + i] = keys[i];
	for (int i = 0; i < nargs; i++) {
		argv[3 + nkeys + i] = args[i];
		lens[3 + nkeys + i] = arglens[i];
	}
	for (int i = 0; i < 3 + nkeys; i++)
		lens[i] = strlen(argv[i]);
	if ((rep = command(rs, argc, argv, lens)) == NULL)
		goto out;
	if (rep->type == REDIS_REPLY_INTEGER)
		n = rep->integer;
	else
		log_error("session store: %s: unexpected reply to a script",
		    rs->where);
out:
	if (rep != NULL)
		freeReplyObject(rep);
	free(argv);
	free(lens);
	return n;
}

/* Every key of the pattern prefix + tail (the prefix's glob characters
 * escaped), a SCAN batch at a time, handed to fn: the sum of what fn
 * returns, or STORE_UNAVAILABLE. */
typedef long long scan_fn(struct redis_store *rs, int n, const char *const *keys,
    void *ctx);
static long long
scan_each(struct redis_store *rs, const char *tail, scan_fn *fn, void *ctx)
{
	char pattern[2 * MAX_REDIS_PREFIX + 16], cursor[32] = "0";
	const char *argv[] = { "SCAN", cursor, "MATCH", pattern, "COUNT",
	    SCAN_COUNT };
	size_t lens[6], n = 0;
	long long total = 0;

	for (const char *p = prefix_of(rs); *p; p++) {
		if (strchr("*?[]\\", *p))
			pattern[n++] = '\\';
		pattern[n++] = *p;
	}
	snprintf(pattern + n, sizeof(pattern) - n, "%s", tail);
	do {
		redisReply *rep;
		const char **keys;
		long long r;

		for (int i = 0; i < 6; i++)
			lens[i] = strlen(argv[i]);
		if ((rep = command(rs, 6, argv, lens)) == NULL)
			return STORE_UNAVAILABLE;
		if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2 ||
		    rep->element[0]->type != REDIS_REPLY_STRING ||
		    rep->element[1]->type != REDIS_REPLY_ARRAY) {
			freeReplyObject(rep);
			log_error("session store: %s: unexpected reply to SCAN",
			    rs->where);
			return STORE_UNAVAILABLE;
		}
		snprintf(cursor, sizeof(cursor), "%s", rep->element[0]->str);
		keys = malloc((rep->element[1]->elements + 1) * sizeof(*keys));
		if (keys == NULL) {
			freeReplyObject(rep);
			return STORE_UNAVAILABLE;
		}
		for (size_t i = 0; i < rep->element[1]->elements; i++)
			keys[i] = rep->element[1]->element[i]->str;
		r = rep->element[1]->elements == 0 ? 0 :
		    fn(rs, (int)rep->element[1]->elements, keys, ctx);
		free(keys);
		freeReplyObject(rep);
		if (r < 0)
			return r;
		total += r;
	} while (strcmp(cursor, "0") != 0);
	return total;
}

static long long
revoke_keys(struct redis_store *rs, int n, const char *const *keys,
    const char *keep, time_t now)
{
	const struct config *cfg = rs->base.cfg;
	char seen[VALUE_PREFIX], ttl[24];
	const char *args[4] = { prefix_of(rs), keep ? keep : "", seen, ttl };
	size_t lens[4];

	for (int i = 0; i < VALUE_PREFIX; i++)
		seen[i] = (char)((uint64_t)now >> (56 - 8 * i));
	snprintf(ttl, sizeof(ttl), "%lld",
	    (long long)tombstone_grace(cfg) * 1000);
	lens[0] = strlen(args[0]);
	lens[1] = strlen(args[1]);
	lens[2] = VALUE_PREFIX;
	lens[3] = strlen(ttl);
	return eval_int(rs, revoke_script, n, keys, 4, args, lens);
}

static long
redis_revoke_user(struct store *st, const struct user_hashes *u,
    const char *keep, time_t now)
{
	struct redis_store *rs = (struct redis_store *)st;
	char ukeys[1 + MAX_FALLBACK_KEYS][UKEY_MAX];
	const char *keys[1 + MAX_FALLBACK_KEYS];

	for (int i = 0; i < u->n; i++) {
		user_key(rs, u->h[i], ukeys[i]);
		keys[i] = ukeys[i];
	}
	/* One script: atomic against every commit. */
	return (long)revoke_keys(rs, u->n, keys, keep, now);
}

static long long
revoke_batch(struct redis_store *rs, int n, const char *const *keys,
    void *ctx)
{
	return revoke_keys(rs, n, keys, NULL, *(time_t *)ctx);
}

static long long
remove_live_batch(struct redis_store *rs, int n, const char *const *keys,
    void *ctx)
{
	size_t plen = strlen(prefix_of(rs));
	const char **recs = malloc((size_t)n * sizeof(*recs));
	long long r;
	int m = 0;

	(void)ctx;
	if (recs == NULL)
		return STORE_UNAVAILABLE;
	/* Records only: prefix + 64 hex (not a user's key). */
	for (int i = 0; i < n; i++)
		if (strlen(keys[i]) == plen + RECORD_NAME_LEN &&
		    strspn(keys[i] + plen, "0123456789abcdef") == RECORD_NAME_LEN)
			recs[m++] = keys[i];
	r = m == 0 ? 0 : eval_int(rs, remove_live_script, m, recs, 0, NULL, NULL);
	free(recs);
	return r;
}

static long
redis_revoke_all(struct store *st, time_t now)
{
	struct redis_store *rs = (struct redis_store *)st;
	long long a, b;

	/* The logged-in sessions become tombstones; then the others go. */
	if ((a = scan_each(rs, USER_INFIX "*", revoke_batch, &now)) < 0)
		return (long)a;
	if ((b = scan_each(rs, "*", remove_live_batch, NULL)) < 0)
		return (long)b;
	return (long)(a + b);
}

static int
redis_list_user(struct store *st, const struct user_hashes *u, time_t now,
    user_session_fn *fn, void *ctx)
{
	struct redis_store *rs = (struct redis_store *)st;
	const struct config *cfg = st->cfg;
	int rc = 0;

	for (int i = 0; i < u->n && rc == 0; i++) {
		char ukey[UKEY_MAX];
		const char *argv[] = { "HKEYS", ukey };
		size_t lens[2] = { 5, 0 };
		redisReply *rep;

		user_key(rs, u->h[i], ukey);
		lens[1] = strlen(ukey);
		if ((rep = command(rs, 2, argv, lens)) == NULL)
			return STORE_UNAVAILABLE;
		for (size_t j = 0; rep->type == REDIS_REPLY_ARRAY &&
		    j < rep->elements && rc == 0; j++) {
			char rkey[KEY_MAX], end[16];
			const char *gargv[] = { "GETRANGE", rkey, "0", end };
			size_t glens[4] = { 8, 0, 1, 0 };
			struct record_header h;
			const char *why;
			redisReply *g;
			time_t seen = 0;

			snprintf(rkey, sizeof(rkey), "%s%s", prefix_of(rs),
			    rep->element[j]->str);
			glens[1] = strlen(rkey);
			glens[3] = (size_t)snprintf(end, sizeof(end), "%d",
			    VALUE_PREFIX + RECORD_HEADER_LEN - 1);
			if ((g = command(rs, 4, gargv, glens)) == NULL) {
				rc = STORE_UNAVAILABLE;
				break;
			}
			if (g->type == REDIS_REPLY_STRING &&
			    g->len == VALUE_PREFIX + RECORD_HEADER_LEN &&
			    record_header_decode((const uint8_t *)g->str +
			    VALUE_PREFIX, RECORD_HEADER_LEN, &h, &why) == 0 &&
			    h.kind == RECORD_LIVE) {
				for (int k = 0; k < VALUE_PREFIX; k++)
					seen = (time_t)(((uint64_t)seen << 8) |
					    (uint8_t)g->str[k]);
				if (!record_expired(cfg, h.permanent, h.created, seen,
				        now)) {
					struct user_session us = { h.created, seen,
					    record_deadline(cfg, h.permanent, h.created,
					    seen), h.permanent };
					rc = fn(ctx, &us);
				}
			}
			freeReplyObject(g);
		}
		freeReplyObject(rep);
	}
	return rc;
}

static long long
count_batch(struct redis_store *rs, int n, const char *const *keys, void *ctx)
{
	const char *args[2] = { prefix_of(rs), ctx };
	size_t lens[2] = { strlen(args[0]), strlen(args[1]) };

	return eval_int(rs, live_users_script, n, keys, 2, args, lens);
}

static long
redis_user_count(struct store *st, time_t now)
{
	(void)now;
	return (long)scan_each((struct redis_store *)st, USER_INFIX "*",
	    count_batch, "count");
}

/* GC of the index: entries whose record expired or was ended.  (A
 * user's key itself expires with its last record.) */
static long
redis_index_gc(struct redis_store *rs)
{
	long long n = scan_each(rs, USER_INFIX "*", count_batch, "gc");

	return n < 0 ? -1 : 0;
}

static long
redis_gc(struct store *st, time_t now, store_progress_fn *progress,
    void *ctx)
{
	(void)now;
	(void)progress;
	(void)ctx;
	/* Every record carries its TTL: only the index has anything to
	 * remove. */
	return redis_index_gc((struct redis_store *)st);
}

/* One value of a key of ours, as walk tells it from the last access
 * and the clear header (GETRANGE) and the value's length (STRLEN). */
static void
walk_entry_of(const struct config *cfg, const redisReply *range,
    const redisReply *len, time_t now, struct walk_entry *e)
{
	struct record_header h;
	const char *why;
	time_t last_seen = 0;

	memset(e, 0, sizeof(*e));
	e->kind = WALK_BROKEN;
	if (len->type == REDIS_REPLY_INTEGER && len->integer > 0)
		e->bytes = (uint64_t)len->integer;
	if (range->type != REDIS_REPLY_STRING ||
	    range->len < VALUE_PREFIX + RECORD_HEADER_LEN ||
	    record_header_decode((const uint8_t *)range->str + VALUE_PREFIX,
	    RECORD_HEADER_LEN, &h, &why) < 0)
		return;
	for (int i = 0; i < VALUE_PREFIX; i++)
		last_seen = (time_t)(((uint64_t)last_seen << 8) |
		    (uint8_t)range->str[i]);
	e->last_seen = last_seen;
	if (h.kind == RECORD_TOMBSTONE) {
		e->kind = tombstone_expired(cfg, last_seen, now) ? WALK_EXPIRED :
		    WALK_TOMBSTONE;
		return;
	}
	e->kind = record_expired(cfg, h.permanent, h.created, last_seen, now) ?
	    WALK_EXPIRED : WALK_LIVE;
	e->permanent = h.permanent;
	e->created = h.created;
}

/* The keys of one SCAN reply that are ours ([redis] prefix + 64 hex),
 * their values asked for in one pipeline.  0, 1 when fn asked to stop,
 * -1 when the server failed (went down, logged). */
static int
walk_keys(struct redis_store *rs, const redisReply *keys, size_t plen,
    time_t now, store_walk_fn *fn, void *ctx)
{
	char end[16];
	size_t asked = 0;
	int stop = 0;

	snprintf(end, sizeof(end), "%d", VALUE_PREFIX + RECORD_HEADER_LEN - 1);
	for (size_t i = 0; i < keys->elements; i++) {
		const redisReply *k = keys->element[i];
		const char *ra[4] = { "GETRANGE", k->str, "0", end };
		size_t rl[4] = { 8, k->len, 1, strlen(end) };
		const char *sa[2] = { "STRLEN", k->str };
		size_t sl[2] = { 6, k->len };

		if (k->type != REDIS_REPLY_STRING || k->len != plen +
		    RECORD_NAME_LEN || strspn(k->str + plen, "0123456789abcdef") !=
		    RECORD_NAME_LEN)
			continue;
		redisAppendCommandArgv(rs->c, 4, ra, rl);
		redisAppendCommandArgv(rs->c, 2, sa, sl);
		asked++;
	}
	for (size_t i = 0; i < asked; i++) {
		redisReply *range = NULL, *len = NULL;
		struct walk_entry e;

		if (redisGetReply(rs->c, (void **)&range) != REDIS_OK ||
		    redisGetReply(rs->c, (void **)&len) != REDIS_OK) {
			freeReplyObject(range);
			go_down(rs, "%s: %s", rs->where, io_cause(rs->c, errno));
			return -1;
		}
		walk_entry_of(rs->base.cfg, range, len, now, &e);
		freeReplyObject(range);
		freeReplyObject(len);
		/* (The rest of the pipeline is read all the same.) */
		if (!stop && fn(ctx, &e) != 0)
			stop = 1;
	}
	return stop;
}

/* Every key under [redis] prefix, by SCAN: a cursor that never blocks
 * the server; a key made or removed meanwhile may be seen or not, and
 * while Redis resizes its table a key may come twice (numbers for
 * monitoring, not an inventory). */
static int
redis_walk(struct store *st, time_t now, store_walk_fn *fn, void *ctx)
{
	struct redis_store *rs = (struct redis_store *)st;
	const char *prefix = st->cfg->redis_prefix ? st->cfg->redis_prefix : "";
	char pattern[2 * MAX_REDIS_PREFIX + 2], cursor[32] = "0";
	size_t n = 0;
	int rc = 0;

	/* MATCH is a glob: the prefix's own glob characters are escaped. */
	for (const char *p = prefix; *p && n + 3 < sizeof(pattern); p++) {
		if (strchr("*?[]\\", *p))
			pattern[n++] = '\\';
		pattern[n++] = *p;
	}
	pattern[n++] = '*';
	pattern[n] = '\0';
	do {
		const char *argv[6] = { "SCAN", cursor, "MATCH", pattern, "COUNT",
		    "1000" };
		size_t lens[6] = { 4, strlen(cursor), 5, n, 5, 4 };
		redisReply *rep = command(rs, 6, argv, lens);

		if (rep == NULL)
			return -1;
		if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2 ||
		    rep->element[0]->type != REDIS_REPLY_STRING ||
		    rep->element[0]->len >= sizeof(cursor) ||
		    rep->element[1]->type != REDIS_REPLY_ARRAY) {
			log_error("session store: %s: SCAN: an unexpected reply",
			    rs->where);
			freeReplyObject(rep);
			return -1;
		}
		memcpy(cursor, rep->element[0]->str, rep->element[0]->len + 1);
		rc = walk_keys(rs, rep->element[1], strlen(prefix), now, fn, ctx);
		freeReplyObject(rep);
	} while (rc == 0 && strcmp(cursor, "0") != 0);
	return rc;
}

/* [redis] password_file, read as a secret is (privfile.c).  The
 * password is the file less one final newline (CRLF too). */
static int
password_read(const char *path, char **out, char *err, size_t errlen)
{
	char buf[MAX_REDIS_PASSWORD + 3];
	long n;
	size_t len;
	int rc = -1;

	n = privfile_read("[redis] password_file:", path, buf,
	    MAX_REDIS_PASSWORD + 2, err, errlen);
	if (n == -2)      /* past the password and a CRLF: say the limit */
		snprintf(err, errlen, "[redis] password_file: %s: longer than "
		    XSTR(MAX_REDIS_PASSWORD) " bytes", path);
	if (n < 0)
		goto out;
	len = (size_t)n;
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	buf[len] = '\0';
	if (len == 0 || len > MAX_REDIS_PASSWORD || strlen(buf) != len) {
		snprintf(err, errlen, "[redis] password_file: %s: %s", path,
		    len == 0 ? "empty" : len > MAX_REDIS_PASSWORD ? "longer than "
		    XSTR(MAX_REDIS_PASSWORD) " bytes" : "holds a NUL byte");
		goto out;
	}
	if ((*out = strdup(buf)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	rc = 0;
out:
	wipe(buf, sizeof(buf));
	return rc;
}

static void
redis_check(const struct config *cfg, config_report_fn *report, void *ctx)
{
	char host[256], msg[400];
	int port;

	if (cfg->nredis_sentinels > 0 && cfg->redis_address)
		report(ctx, "redis", "address", "set address or sentinels, not "
		    "both (with sentinels, they name the master)");
	else if (cfg->nredis_sentinels == 0 && !cfg->redis_address)
		report(ctx, "redis", "address", "the Redis store needs an address "
		    "(unix:/path or tcp:host:port) or sentinels");
	else if (cfg->redis_address && parse_address(cfg->redis_address, host,
	    sizeof(host), &port) < 0) {
		snprintf(msg, sizeof(msg), "'%.256s' is not unix:/absolute/path or "
		    "tcp:host:port", cfg->redis_address);
		report(ctx, "redis", "address", msg);
	}
	for (int i = 0; i < cfg->nredis_sentinels; i++)
		if (split_host_port(cfg->redis_sentinels[i], host, sizeof(host),
		        &port) < 0) {
			snprintf(msg, sizeof(msg), "'%.256s' is not host:port",
			    cfg->redis_sentinels[i]);
			report(ctx, "redis", "sentinels", msg);
		}
	if (cfg->nredis_sentinels > 0 && !cfg->redis_master_name)
		report(ctx, "redis", "master_name", "sentinels need the name of "
		    "the master they watch");
	if (cfg->nredis_sentinels == 0 && cfg->redis_master_name)
		report(ctx, "redis", "master_name", "only means something with "
		    "sentinels");
	if (cfg->redis_username && !cfg->redis_password_file)
		report(ctx, "redis", "username", "needs password_file");
	if (cfg->redis_password_file && cfg->redis_password_file[0] != '/')
		report(ctx, "redis", "password_file", "must be an absolute path");
	if (cfg->redis_prefix && (strlen(cfg->redis_prefix) > MAX_REDIS_PREFIX ||
	    strcspn(cfg->redis_prefix, " \t\r\n") != strlen(cfg->redis_prefix))) {
		snprintf(msg, sizeof(msg), "at most %d bytes, no white space",
		    MAX_REDIS_PREFIX);
		report(ctx, "redis", "prefix", msg);
	}
	if (cfg->redis_connect_timeout < 1)
		report(ctx, "redis", "connect_timeout", "must be at least 1s");
	if (cfg->redis_timeout < 1)
		report(ctx, "redis", "timeout", "must be at least 1s");
}

static void
redis_close(struct store *st)
{
	struct redis_store *rs = (struct redis_store *)st;

	if (rs == NULL)
		return;
	if (rs->c != NULL)
		redisFree(rs->c);
	if (rs->password != NULL) {
		wipe(rs->password, strlen(rs->password));
		free(rs->password);
	}
	free(rs);
}

/* -t: read the password (a fault there is the configuration's) and try
 * the server as a worker would, without logging: 0 when it answers (-t
 * then opens the store), or 1 with a note saying that it cannot be
 * reached or refuses, and what the workers will do meanwhile.  A server
 * down is no fault of the configuration: sessionwrap starts anyway (the
 * systemd unit runs -t before each start). */
static int
redis_probe(const struct config *cfg, char *note, size_t notelen, char *err,
    size_t errlen)
{
	struct redis_store rs = { .base = { &store_redis_ops, cfg, 0 } };
	char host[256], why[256] = "";
	int port, rc = 0;

	if (cfg->redis_password_file != NULL &&
	    password_read(cfg->redis_password_file, &rs.password, err,
	    errlen) < 0)
		return -1;
	if (cfg->nredis_sentinels > 0) {
		if (discover(&rs, host, sizeof(host), &port, why,
		        sizeof(why)) < 0) {
			snprintf(rs.where, sizeof(rs.where), "redis master '%.64s'",
			    cfg->redis_master_name);
			rc = 1;
		} else
			snprintf(rs.where, sizeof(rs.where),
			    "redis master '%.64s' at %.64s:%d",
			    cfg->redis_master_name, host, port);
	} else if (parse_address(cfg->redis_address, host, sizeof(host),
	    &port) < 0)
		return 0;       /* (ops->check refused it) */
	else
		snprintf(rs.where, sizeof(rs.where), "redis %.180s",
		    cfg->redis_address);
	if (rc == 0 && ((rs.c = connect_to(cfg, host, port, why,
	    sizeof(why))) == NULL || connection_setup(&rs, why, sizeof(why)) < 0))
		rc = 1;
	if (rc == 1)
		snprintf(note, notelen, "warning: the Redis server cannot be "
		    "reached or refuses (%s: %s); sessionwrap starts anyway and "
		    "answers session requests 503 until it can use it", rs.where,
		    why);
	if (rs.c != NULL)
		redisFree(rs.c);
	if (rs.password != NULL) {
		wipe(rs.password, strlen(rs.password));
		free(rs.password);
	}
	return rc;
}

/* Open: read the password and try the server once.  A server down now
 * is no error: sessionwrap starts, and session requests get 503 until
 * it is up (logged once here). */
static int
redis_open(struct store **out, const struct config *cfg, char *err,
    size_t errlen)
{
	struct redis_store *rs = calloc(1, sizeof(*rs));

	if (rs == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rs->base.ops = &store_redis_ops;
	rs->base.cfg = cfg;
	rs->base.cookie_max = COOKIE_VALUE_LEN;     /* the sealed id */
	if (cfg->redis_password_file != NULL &&
	    password_read(cfg->redis_password_file, &rs->password, err,
	    errlen) < 0) {
		redis_close(&rs->base);
		return -1;
	}
	if (!cfg->redis_address && cfg->nredis_sentinels == 0) {
		snprintf(err, errlen, "[redis] address: the Redis store needs an "
		    "address or sentinels");
		redis_close(&rs->base);
		return -1;
	}
	ensure_connected(rs);
	*out = &rs->base;
	return 0;
}

static const char *
redis_where(const struct config *cfg)
{
	return cfg->redis_address ? cfg->redis_address : "";
}

const struct store_ops store_redis_ops = {
	.name = "redis",
	.where = redis_where,
	.bytes_counted = "bytes of values",
	.expires_itself = "Redis removes expired records itself",
	.gc_note = "Redis expires records and tombstones itself; the per-user "
	    "index is cleaned",
	.check = redis_check,
	.probe = redis_probe,
	.open = redis_open,
	.load = redis_load,
	.commit = redis_commit,
	.cookie_load = store_id_cookie_load,
	.cookie_value = store_id_cookie_value,
	.gc = redis_gc,
	.walk = redis_walk,
	.revoke_user = redis_revoke_user,
	.revoke_all = redis_revoke_all,
	.list_user = redis_list_user,
	.user_count = redis_user_count,
	.close = redis_close,
	.fail_count = redis_fail_count,
};

#endif
