/* store_cookie.c — the cookie store ([session] store = cookie): no server
 * state; the whole session is sealed into the cookie (crypto.h's sealed
 * cookie: XChaCha20-Poly1305 under a subkey of the secret) with its id,
 * its creation and last-access times, and checked on every read against
 * the idle, permanent and absolute timeouts (record_deadline).
 *
 * The plain inside, integers big-endian:
 *   0  u8      COOKIE_PLAIN_VERSION
 *   1  u8      flags: COOKIE_FLAG_PERMANENT
 *   2  u64     created, unix seconds
 *  10  u64     last seen, unix seconds
 *  18  32 B    session id (the CSRF token is made from it)
 *  50  payload (codec.h's payload_encode)
 *
 * What cannot hold without server state (sessionwrap.ini(5)): a commit
 * runs against the session the request's cookie carried, so parallel
 * requests do not merge (the last cookie the browser keeps wins); there
 * are no tombstones, so a copy of a cookie taken before logout or
 * regeneration lives until its own timeouts; gc has nothing to do. */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "log.h"

#define COOKIE_PLAIN_VERSION 1
#define COOKIE_FLAG_PERMANENT 0x01
#define COOKIE_PLAIN_HEAD (2 + 8 + 8 + SESSION_ID_LEN)

struct cookie_store {
	struct store base;
};

static void
put64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t
get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* The plain of s (with id, created, permanent, seen), malloc'd, *len
 * bytes; NULL when memory runs out. */
static uint8_t *
plain_encode(const struct session *s, const uint8_t *id, int permanent,
    uint64_t created, uint64_t seen, size_t *len)
{
	size_t n = COOKIE_PLAIN_HEAD + payload_len(s);
	uint8_t *p = malloc(n);

	if (p == NULL)
		return NULL;
	p[0] = COOKIE_PLAIN_VERSION;
	p[1] = permanent ? COOKIE_FLAG_PERMANENT : 0;
	put64(p + 2, created);
	put64(p + 10, seen);
	memcpy(p + 18, id, SESSION_ID_LEN);
	payload_encode(s, p + COOKIE_PLAIN_HEAD);
	*len = n;
	return p;
}

/* Decode a plain into out (a live session, times as sealed) and id.
 * 0, or -1 with *why (out is then absent and empty). */
static int
plain_decode(const uint8_t *p, size_t len, struct stored *out, uint8_t *id,
    const char **why)
{
	if (len < COOKIE_PLAIN_HEAD) {
		*why = "short";
		return -1;
	}
	if (p[0] != COOKIE_PLAIN_VERSION || (p[1] & ~COOKIE_FLAG_PERMANENT)) {
		*why = "unknown version or flags";
		return -1;
	}
	if (payload_decode(p + COOKIE_PLAIN_HEAD, len - COOKIE_PLAIN_HEAD,
	        &out->sess, why) < 0)
		return -1;
	out->permanent = out->sess.permanent = p[1] & COOKIE_FLAG_PERMANENT;
	out->created = out->sess.created = get64(p + 2);
	out->last_seen = (time_t)get64(p + 10);
	memcpy(id, p + 18, SESSION_ID_LEN);
	return 0;
}

/* Chars of the cookie value that holds s. */
static size_t
value_len(const struct session *s)
{
	return sealed_cookie_len(COOKIE_PLAIN_HEAD + payload_len(s));
}

static void
cookie_check(const struct config *cfg, config_report_fn *report, void *ctx)
{
	char msg[128];

	if (cfg->cookie_max < MIN_COOKIE_STORE_VALUE) {
		snprintf(msg, sizeof(msg), "%d is below %d (an empty session "
		    "needs about 150)", cfg->cookie_max, MIN_COOKIE_STORE_VALUE);
		report(ctx, "session", "cookie_max", msg);
	}
}

static int
cookie_open(struct store **out, const struct config *cfg, char *err,
    size_t errlen)
{
	struct cookie_store *cs = calloc(1, sizeof(*cs));

	if (cs == NULL) {
		snprintf(err, errlen, "[session] store = cookie: out of memory");
		return -1;
	}
	cs->base.ops = &store_cookie_ops;
	cs->base.cfg = cfg;
	cs->base.cookie_max = (size_t)cfg->cookie_max;
	*out = &cs->base;
	return 0;
}

static void
absent(struct stored *out)
{
	memset(out, 0, sizeof(*out));
	session_init(&out->sess);
	out->state = STORED_ABSENT;
}

/* No record is kept under an id: only a cookie names a session. */
static int
cookie_load_ref(struct store *st, const struct record_ref *ref, time_t now,
    struct stored *out)
{
	(void)st;
	(void)ref;
	(void)now;
	absent(out);
	return 0;
}

static int
cookie_load(struct store *st, const struct keyset *ks, const char *value,
    size_t vlen, time_t now, struct record_ref *ref, struct stored *out)
{
	const struct config *cfg = st->cfg;
	uint8_t *plain;
	size_t plen = 0;
	const char *why = NULL;
	int which, rc = 1;

	absent(out);
	/* (Longer than we ever write: not ours, or cookie_max was lowered.) */
	if (vlen > st->cookie_max)
		return 1;
	if ((plain = malloc(vlen)) == NULL) {
		log_error("cookie store: out of memory opening a cookie");
		return -1;
	}
	which = sealed_cookie_open(ks, value, vlen, plain, vlen, &plen);
	if (which == -2) {
		log_error("cookie store: out of memory opening a cookie");
		rc = -1;
		goto out;
	}
	if (which < 0)
		goto out;
	if (plain_decode(plain, plen, out, ref->id, &why) < 0) {
		/* Sealed under our secret, so ours: a bug or an old format. */
		log_warn("cookie store: a cookie sealed under our secret does not "
		    "decode (%s): ignored", why);
		stored_free(out);
		absent(out);
		goto out;
	}
	rc = 0;
	ref->keys = &ks->primary;
	ref->old_keys = which > 0 ? &ks->fallback[which - 1] : NULL;
	out->deadline = record_deadline(cfg, out->permanent, out->created,
	    out->last_seen);
	if (now >= out->deadline) {
		/* A copied cookie dies on time: nothing else can end it. */
		session_free(&out->sess);
		out->state = STORED_ABSENT;
	} else
		out->state = STORED_LIVE;
out:
	wipe(plain, vlen);
	free(plain);
	return rc;
}

/* A copy of the live session of base (from the request's cookie) into cur,
 * for commit_plan_make to take over: by the codec, which copies deeply. */
static int
copy_base(const struct stored *base, struct stored *cur)
{
	size_t n = payload_len(&base->sess);
	uint8_t *p = malloc(n);
	const char *why;
	int rc;

	*cur = *base;
	session_init(&cur->sess);
	if (p == NULL)
		return -1;
	payload_encode(&base->sess, p);
	rc = payload_decode(p, n, &cur->sess, &why);
	cur->sess.permanent = base->sess.permanent;
	cur->sess.created = base->sess.created;
	free(p);
	return rc;
}

static int
cookie_commit(struct store *st, const struct record_ref *ref,
    const struct commit_in *in, time_t now, struct commit_plan *plan,
    char *err, size_t errlen)
{
	struct stored cur;
	size_t len;

	(void)ref;
	absent(&cur);
	if (in->loaded && in->base && in->base->state == STORED_LIVE &&
	    copy_base(in->base, &cur) < 0) {
		stored_free(&cur);
		snprintf(err, errlen, "out of memory copying the session");
		memset(plan, 0, sizeof(*plan));
		return -1;
	}
	if (commit_plan_make(in, st->cfg, &cur, now, plan, err, errlen) < 0) {
		stored_free(&cur);
		return -1;
	}
	if (plan->alive && !plan->write_new && !plan->write_same) {
		/* The session as it is goes into the plan all the same:
		 * visit.c may send the cookie again (a permanent session's
		 * refresh), and only the whole session can make it. */
		plan->result = cur.sess;
		session_init(&cur.sess);
	}
	if (plan->touch) {
		/* The last access lives in the cookie: a touch seals it anew. */
		plan->touch = 0;
		plan->write_same = 1;
	}
	stored_free(&cur);
	if (!plan->write_new && !plan->write_same)
		return 0;       /* nothing to seal: the cookie stays */
	/* Whatever the cookie holds changed (data, last access, key). */
	plan->resign = 1;
	len = value_len(&plan->result);
	if (len > st->cookie_max) {
		snprintf(err, errlen, "%s: the session would be a cookie of %zu "
		    "chars, over cookie_max (%zu)", in->log->nchanges ?
		    changelog_growing_headers(in->log) : "the session as it is",
		    len, st->cookie_max);
		commit_plan_free(plan);
		memset(plan, 0, sizeof(*plan));
		return -1;
	}
	return 0;
}

static long
cookie_value(struct store *st, const struct keys *k, const uint8_t *id,
    const struct commit_plan *plan, char *out, size_t cap, char *err,
    size_t errlen)
{
	size_t plen, len = value_len(&plan->result);
	uint8_t *plain;
	long n;

	if (len > st->cookie_max || cap <= len) {
		snprintf(err, errlen, "the session would be a cookie of %zu chars, "
		    "over cookie_max (%zu)", len, st->cookie_max);
		return -1;
	}
	plain = plain_encode(&plan->result, id, plan->permanent, plan->created,
	    (uint64_t)plan->seen, &plen);
	if (plain == NULL) {
		snprintf(err, errlen, "out of memory sealing the session");
		return -1;
	}
	n = sealed_cookie_seal(k, plain, plen, out, cap);
	wipe(plain, plen);
	free(plain);
	if (n < 0)
		snprintf(err, errlen, "out of memory sealing the session");
	return n;
}

static long
cookie_gc(struct store *st, time_t now, store_progress_fn *progress,
    void *ctx)
{
	(void)st;
	(void)now;
	(void)progress;
	(void)ctx;
	return 0;
}

static void
cookie_close(struct store *st)
{
	free(st);
}

const struct store_ops store_cookie_ops = {
	.name = "cookie",
	/* A cookie store cannot revoke a copied cookie: it ends at the
	 * latest one day after login, unless the file says otherwise. */
	.absolute_timeout_default = 86400,
	.gc_note = "sessions live in the cookies; nothing on the server to "
	    "remove",
	.expires_itself = "the cookies carry their own timeouts",
	.check = cookie_check,
	.open = cookie_open,
	.load = cookie_load_ref,
	.commit = cookie_commit,
	.cookie_load = cookie_load,
	.cookie_value = cookie_value,
	.gc = cookie_gc,
	.close = cookie_close,
};
