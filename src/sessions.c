/* sessions.c — the worker's view of sessions (sessions.h): glue of the
 * cookie, crypto, store, directive and session modules, and the choice of
 * the child's variables and the Set-Cookie.  No parsing of its own. */
#include "sessions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "cookie.h"
#include "crypto.h"
#include "directive.h"
#include "secret.h"
#include "session.h"
#include "store.h"

_Static_assert(SESS_TOKEN_LEN == CSRF_TOKEN_LEN, "sessions.h's token length");

struct sessions {
	const struct config *cfg;
	char *set_cookie;         /* the last commit's Set-Cookie value */
	size_t set_cookie_cap;    /* our longest one, + NUL */
	const struct keyset *keys;
	struct keyset *own_keys;  /* what sessions_open() loaded, or NULL */
	struct store *store;
};

enum request_state {
	REQ_NEW,                  /* no usable session: a new one, id made */
	REQ_LOADED,               /* a live record was loaded */
	REQ_BLOCKED,              /* the cookie's session is a tombstone */
};

struct sess_request {
	struct sessions *s;
	char *script;
	int https;
	enum request_state state;
	struct record_ref ref;    /* the loaded id, or the new session's */
	struct stored loaded;     /* empty unless REQ_LOADED */
	struct changelog log;
	char *cookie_header;      /* as sent, for HTTP_COOKIE */
	size_t cookie_len;
	int flashes_delivered;    /* SESSIONWRAP_FLASH was given to the child */
	int failed;               /* a directive was malformed */
};

static int
cookie_is_secure(const struct config *cfg, int https)
{
	return cfg->cookie_secure == TRI_ON ||
	    (cfg->cookie_secure == TRI_AUTO && https);
}

/* Format our Set-Cookie: value "" expires the cookie, max_age -1 makes a
 * browser-session cookie. */
static int
set_cookie_format(const struct config *cfg, int secure, const char *value,
    long max_age, time_t now, char *dst, size_t cap)
{
	struct set_cookie sc = {
		.name = cfg->cookie_name,
		.value = value,
		.path = cfg->cookie_path,
		.domain = cfg->cookie_domain,
		.max_age = max_age,
		.expires = now + (max_age > 0 ? max_age : 0),
		.secure = secure,
		.httponly = cfg->cookie_httponly,
		.samesite = cfg->cookie_samesite,
		.partitioned = cfg->cookie_partitioned,
	};

	if (value[0] == '\0') {
		sc.max_age = 0;
		sc.expires = 0;           /* Thu, 01 Jan 1970 00:00:00 GMT */
	}
	return cookie_format(dst, cap, &sc);
}

void
sessions_config_check(const struct config *cfg, config_report_fn *report,
    void *ctx)
{
	store_config_check(cfg, report, ctx);
}

int
sessions_store_probe(const struct config *cfg, char *note, size_t notelen,
    char *err, size_t errlen)
{
	const struct store_ops *ops = store_find(cfg->store);

	return ops && ops->probe ? ops->probe(cfg, note, notelen, err, errlen) :
	    0;
}

int
sessions_store_owner(const struct config *cfg, uid_t *uid, gid_t *gid,
    const char **what)
{
	const struct store_ops *ops = store_find(cfg->store);

	return ops && ops->owner ? ops->owner(cfg, uid, gid, what) : -1;
}

int
sessions_open(struct sessions **out, const struct config *cfg, char *err,
    size_t errlen)
{
	struct keyset *ks = secrets_load(cfg, err, errlen);

	*out = NULL;
	if (ks == NULL)
		return -1;
	if (sessions_open_keys(out, cfg, ks, err, errlen) < 0) {
		keyset_free(ks);
		return -1;
	}
	(*out)->own_keys = ks;
	return 0;
}

int
sessions_open_keys(struct sessions **out, const struct config *cfg,
    const struct keyset *keys, char *err, size_t errlen)
{
	const struct store_ops *ops;
	struct sessions *s;
	char *value = NULL, *probe = NULL, why[512];
	size_t cap;
	int n;

	*out = NULL;
	if (crypto_setup() < 0) {
		snprintf(err, errlen, "libsodium cannot be initialised");
		return -1;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s->cfg = cfg;
	s->keys = keys;
	if ((ops = store_find(cfg->store ? cfg->store : "file")) == NULL) {
		snprintf(err, errlen, "[session] store: unknown store '%s'",
		    cfg->store);
		goto fail;
	}
	/* (The backend's message names its own keys.) */
	if (ops->open(&s->store, cfg, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "%s: %s", config_file_name(cfg), why);
		goto fail;
	}
	/* Our longest Set-Cookie: the backend's longest value and the
	 * attributes; the cookie checks of config.c bound these. */
	cap = s->store->cookie_max + MAX_SET_COOKIE_ATTRS + 1;
	if ((value = malloc(s->store->cookie_max + 1)) == NULL ||
	    (probe = malloc(cap)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	memset(value, 'A', s->store->cookie_max);
	value[s->store->cookie_max] = '\0';
	if ((n = set_cookie_format(cfg, 1, value, 999999999L, 0, probe,
	        cap)) < 0) {
		snprintf(err, errlen, "[cookie] name, path and domain make a "
		    "Set-Cookie longer than %zu bytes", cap - 1);
		goto fail;
	}
	s->set_cookie_cap = (size_t)n + 1;
	s->set_cookie = probe;
	free(value);
	*out = s;
	return 0;
fail:
	free(value);
	free(probe);
	sessions_close(s);
	return -1;
}

void
sessions_close(struct sessions *s)
{
	if (s == NULL)
		return;
	if (s->store != NULL)
		s->store->ops->close(s->store);
	keyset_free(s->own_keys);
	free(s->set_cookie);
	free(s);
}

struct store *
sessions_store(struct sessions *s)
{
	return s->store;
}

long
sessions_gc(struct sessions *s, time_t now)
{
	long n = s->store->ops->gc(s->store, now, NULL, NULL);

	if (n < 0)
		log_error("session store gc failed (see above)");
	else
		log_info("session store gc: %ld removed", n);
	return n;
}

int
sessions_can_revoke(const struct sessions *s)
{
	return s->store->ops->revoke_user != NULL;
}

/* The index's names of user under every key of s. */
static void
user_hashes_of(const struct sessions *s, const char *user, size_t ulen,
    struct user_hashes *u)
{
	u->n = 0;
	user_hash(&s->keys->primary, user, ulen, u->h[u->n++]);
	for (int i = 0; i < s->keys->nfallback; i++)
		user_hash(&s->keys->fallback[i], user, ulen, u->h[u->n++]);
}

long
sessions_revoke_user(struct sessions *s, const char *user, size_t ulen,
    time_t now)
{
	struct user_hashes u;
	long n;

	if (!sessions_can_revoke(s))
		return -1;
	user_hashes_of(s, user, ulen, &u);
	n = s->store->ops->revoke_user(s->store, &u, NULL, now);
	return n < 0 ? -1 : n;
}

long
sessions_revoke_all(struct sessions *s, time_t now)
{
	long n;

	if (!sessions_can_revoke(s))
		return -1;
	n = s->store->ops->revoke_all(s->store, now);
	return n < 0 ? -1 : n;
}

struct list_ctx {
	sess_info_fn *fn;
	void *ctx;
};

static int
list_one(void *ctx, const struct user_session *us)
{
	struct list_ctx *lc = ctx;
	struct sess_info si = {
		(long long)us->created, (long long)us->last_seen,
		(long long)us->deadline, us->permanent,
	};

	return lc->fn(lc->ctx, &si);
}

int
sessions_list_user(struct sessions *s, const char *user, size_t ulen,
    time_t now, sess_info_fn *fn, void *ctx)
{
	struct list_ctx lc = { fn, ctx };
	struct user_hashes u;
	int rc;

	if (!sessions_can_revoke(s))
		return -1;
	user_hashes_of(s, user, ulen, &u);
	rc = s->store->ops->list_user(s->store, &u, now, list_one, &lc);
	return rc == STORE_UNAVAILABLE ? -1 : rc;
}

long
sessions_user_count(struct sessions *s, time_t now)
{
	long n;

	if (!sessions_can_revoke(s))
		return -1;
	n = s->store->ops->user_count(s->store, now);
	return n < 0 ? -1 : n;
}

/* Whether the request asks for X-Session-Revoke-Others where the store
 * cannot do it (checked before the commit: nothing is stored then). */
static int
revoke_others_impossible(const struct sess_request *r, char *err,
    size_t errlen)
{
	for (size_t i = 0; i < r->log.nchanges; i++)
		if (r->log.changes[i].kind == CHANGE_REVOKE_OTHERS &&
		    !sessions_can_revoke(r->s)) {
			snprintf(err, errlen, "header X-Session-Revoke-Others: the "
			    "%s store keeps no sessions of its own: it cannot end "
			    "the other ones", r->s->cfg->store);
			return 1;
		}
	return 0;
}

/* X-Session-Revoke-Others, after the commit of plan: end every other
 * session of the user logged in to this one.  0, or -1 / -2 (503) with
 * err set. */
static int
revoke_others(struct sess_request *r, const struct commit_plan *plan,
    const struct commit_in *in, time_t now, char *err, size_t errlen)
{
	const struct config *cfg = r->s->cfg;
	const struct session *sess = plan->write_new || plan->write_same ?
	    &plan->result : &r->loaded.sess;
	char keep[RECORD_NAME_LEN + 1];
	struct user_hashes u;
	const char *user;
	size_t ulen;
	int wanted = 0;
	long n;

	for (size_t i = 0; i < r->log.nchanges; i++)
		wanted |= r->log.changes[i].kind == CHANGE_REVOKE_OTHERS;
	if (!wanted || plan->blocked)
		return 0;
	if (!plan->alive || (user = session_login(cfg, sess, &ulen)) == NULL) {
		log_warn("script %s: header X-Session-Revoke-Others: the session "
		    "holds no login ([session] login_key '%s'): nothing to end",
		    r->script, cfg->login_key ? cfg->login_key : "");
		return 0;
	}
	record_name(&r->s->keys->primary, plan->id_changed ? in->fresh_id :
	    r->ref.id, keep);
	user_hashes_of(r->s, user, ulen, &u);
	n = r->s->store->ops->revoke_user(r->s->store, &u, keep, now);
	if (n < 0) {
		snprintf(err, errlen, "header X-Session-Revoke-Others: the other "
		    "sessions could not be ended (see the log)");
		return n == STORE_UNAVAILABLE ? -2 : -1;
	}
	log_info("script %s: X-Session-Revoke-Others: %ld other session(s) "
	    "ended", r->script, n);
	return 0;
}

/* Try every cookie with our name (browsers send several for different
 * paths or domains): the first that verifies and names a live record
 * wins.  A tombstone seen and nothing live: the request is blocked. */
static int
request_load(struct sess_request *r, time_t now)
{
	const struct config *cfg = r->s->cfg;
	struct cookie_pair pairs[MAX_SESSION_COOKIES];
	int n, saw_tombstone = 0;

	n = cookie_find(r->cookie_header, r->cookie_len, cfg->cookie_name,
	    pairs, MAX_SESSION_COOKIES);
	if (n < 0) {
		/* Not read, the session in it would look absent, and the next
		 * write would replace the user's cookie with a new one. */
		log_warn("script %s: Cookie header of %zu bytes, over the limit "
		    "(%d): request refused (431)", r->script, r->cookie_len,
		    MAX_COOKIE_HEADER);
		return -2;
	}
	for (int i = 0; i < n; i++) {
		struct record_ref ref = { .keys = &r->s->keys->primary };
		struct stored st;
		int rc = r->s->store->ops->cookie_load(r->s->store, r->s->keys,
		    pairs[i].value, pairs[i].vlen, now, &ref, &st);

		if (rc < 0)
			return rc == STORE_UNAVAILABLE ? -3 : -1;
		if (rc > 0) {
			log_debug("script %s: session cookie refused (malformed or "
			    "bad MAC)", r->script);
			continue;
		}
		if (st.state == STORED_LIVE) {
			r->state = REQ_LOADED;
			r->ref = ref;
			r->loaded = st;
			return 0;
		}
		saw_tombstone |= st.state == STORED_TOMBSTONE;
		stored_free(&st);
	}
	r->state = saw_tombstone ? REQ_BLOCKED : REQ_NEW;
	return 0;
}

struct sess_request *
sess_begin(struct sessions *s, const char *cookie_header, int https,
    const char *script, time_t now, int *status)
{
	struct sess_request *r = calloc(1, sizeof(*r));

	*status = 500;
	if (r == NULL) {
		log_error("script %s: out of memory starting the session",
		    script ? script : "?");
		return NULL;
	}
	r->s = s;
	r->https = https;
	session_init(&r->loaded.sess);
	changelog_init(&r->log);
	r->ref.keys = &s->keys->primary;
	r->script = strdup(script ? script : "?");
	r->cookie_len = cookie_header ? strlen(cookie_header) : 0;
	r->cookie_header = strdup(cookie_header ? cookie_header : "");
	if (r->script == NULL || r->cookie_header == NULL) {
		log_error("script %s: out of memory starting the session",
		    script ? script : "?");
		goto fail;
	}
	switch (request_load(r, now)) {
	case -2:
		*status = 431;
		goto fail;
	case -1:
		log_error("script %s: the session store failed", r->script);
		goto fail;
	case -3:
		*status = 503;
		log_error("script %s: the session store is unavailable (see "
		    "above): answered 503", r->script);
		goto fail;
	}
	if (r->state != REQ_LOADED) {
		/* Made now, for the CSRF token; stored only if the session
		 * ends up holding something. */
		session_id_generate(r->ref.id);
		r->ref.old_keys = NULL;
	}
	return r;
fail:
	sess_end(r);
	return NULL;
}

int
sess_csrf_check(const struct sess_request *r, const char *given, size_t len)
{
	if (r->state != REQ_LOADED)
		return -1;
	return csrf_token_equal(r->ref.id, given, len);
}

static int
env_key_ok(const char *key, size_t klen)
{
	if (klen == 0 || klen > ENV_KEY_MAX)
		return 0;
	for (size_t i = 0; i < klen; i++) {
		char c = key[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '_'))
			return 0;
	}
	return 1;
}

/* add() for a NUL-terminated value. */
static int
add_str(env_add_fn add, void *ctx, const char *name, const char *value)
{
	return add(ctx, name, value, strlen(value));
}

/* Add name=value where value is made by a form writer of len bytes. */
static int
add_form(const struct sess_request *r, env_add_fn add, void *ctx,
    const char *name, size_t len,
    void (*write_form)(const struct session *, char *))
{
	char *buf = malloc(len + 1);
	int rc;

	if (buf == NULL) {
		log_error("script %s: out of memory building %s", r->script, name);
		return -1;
	}
	write_form(&r->loaded.sess, buf);
	rc = add(ctx, name, buf, len);
	free(buf);
	return rc;
}

/* HTTP_COOKIE: the Cookie header as sent, minus our cookie. */
static int
add_other_cookies(const struct sess_request *r, env_add_fn add, void *ctx)
{
	char *buf;
	size_t len;
	int rc = 0;

	if (r->cookie_len == 0)
		return 0;
	if ((buf = malloc(r->cookie_len + 1)) == NULL) {
		log_error("script %s: out of memory building HTTP_COOKIE",
		    r->script);
		return -1;
	}
	len = cookie_strip(r->cookie_header, r->cookie_len,
	    r->s->cfg->cookie_name, buf);
	if (len > 0)
		rc = add(ctx, "HTTP_COOKIE", buf, len);
	free(buf);
	return rc;
}

/* Whether a login value may become REMOTE_USER: old scripts take it for
 * a name the server checked and put it in files, mails and headers, where
 * a CR, a LF or any other control character (DEL too, and the C1 controls
 * U+0080-U+009F in UTF-8: NEL is a line break to Python's splitlines()
 * and to Java) could forge a line. */
static int
login_name_ok(const char *v, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c < 0x20 || c == 0x7f)
			return 0;
		if (c == 0xc2 && i + 1 < len && (unsigned char)v[i + 1] >= 0x80 &&
		    (unsigned char)v[i + 1] <= 0x9f)
			return 0;
	}
	return 1;
}

int
sess_env(struct sess_request *r, env_add_fn add, void *ctx)
{
	const struct config *cfg = r->s->cfg;
	const struct session *sess = &r->loaded.sess;
	const struct session_item *user;
	char name[sizeof("SESSION_") + ENV_KEY_MAX];
	char token[CSRF_TOKEN_LEN + 1];
	size_t len = session_data_form_len(sess);
	int rc;

	if ((rc = add_form(r, add, ctx, "SESSION", len, session_data_form)) != 0)
		return rc;
	if (cfg->compat_mod_session && (rc = add_form(r, add, ctx,
	        "HTTP_SESSION", len, session_data_form)) != 0)
		return rc;
	for (size_t i = 0; i < sess->nitems; i++) {
		const struct session_item *it = &sess->items[i];
		if (!env_key_ok(it->key, it->klen))
			continue;
		snprintf(name, sizeof(name), "SESSION_%s", it->key);
		if ((rc = add(ctx, name, it->value, it->vlen)) != 0)
			return rc;
	}
	if ((rc = add_str(add, ctx, "SESSIONWRAP_NEW",
	        r->state == REQ_LOADED ? "0" : "1")) != 0)
		return rc;
	csrf_token(r->ref.id, token);
	if ((rc = add_str(add, ctx, "SESSIONWRAP_CSRF_TOKEN", token)) != 0)
		return rc;

	if (sess->nflashes > 0) {
		if ((rc = add_form(r, add, ctx, "SESSIONWRAP_FLASH",
		        session_flash_form_len(sess), session_flash_form)) != 0)
			return rc;
		/* Delivered: the commit consumes them (and only them). */
		if (!r->flashes_delivered) {
			if (changelog_add(&r->log, CHANGE_CONSUME_FLASHES, NULL, 0,
			        NULL, 0, sess->flashes[sess->nflashes - 1].seq) < 0) {
				log_error("script %s: out of memory", r->script);
				return -1;
			}
			r->flashes_delivered = 1;
		}
	}

	user = cfg->login_key ?
	    session_get(sess, cfg->login_key, strlen(cfg->login_key)) : NULL;
	if (user != NULL && user->vlen > 0 && !login_name_ok(user->value,
	        user->vlen)) {
		log_warn("script %s: session key '%s' holds a control byte "
		    "(%.*s%s): REMOTE_USER and AUTH_TYPE not set", r->script,
		    cfg->login_key, (int)(user->vlen > 64 ? 64 : user->vlen),
		    user->value, user->vlen > 64 ? "..." : "");
	} else if (user != NULL && user->vlen > 0) {
		/* "Form" when the built-in login set it (sess_login). */
		const struct session_item *how = session_get(sess, SESS_AUTH_KEY,
		    strlen(SESS_AUTH_KEY));
		int form = how && how->vlen == 4 && memcmp(how->value, "Form", 4) == 0;

		if ((rc = add(ctx, "REMOTE_USER", user->value, user->vlen)) != 0 ||
		    (rc = add_str(add, ctx, "AUTH_TYPE", form ? "Form" : "Session")) != 0)
			return rc;
	}
	return add_other_cookies(r, add, ctx);
}

int
sess_directive(struct sess_request *r, const char *name, size_t nlen,
    const char *value, size_t vlen, char *err, size_t errlen)
{
	int rc = directive_parse(&r->log, name, nlen, value, vlen,
	    r->s->cfg->compat_mod_session, err, errlen);

	/* The worker logs err with the script (sessions.h): not twice here. */
	if (rc < 0)
		r->failed = 1;
	return rc;
}

void
sess_headers_nocommit(struct sess_request *r, struct sess_headers *h)
{
	(void)r;
	memset(h, 0, sizeof(*h));
	h->set_cookie = "";
	h->vary_cookie = 1;
}

/* Max-Age of a permanent cookie: the lifetime, but never past the
 * absolute timeout. */
static long
permanent_max_age(const struct config *cfg, uint64_t created, time_t now)
{
	long age = cfg->lifetime;

	if (cfg->absolute_timeout > 0) {
		long left = (long)((int64_t)created + cfg->absolute_timeout -
		    (int64_t)now);
		if (left < age)
			age = left > 0 ? left : 0;
	}
	return age;
}

/* A request of a session that was cleared or regenerated (by another
 * request, or before this one began): nothing is committed, by design.
 * Changes it asked for are dropped, which an operator should be able to
 * see; a read-only request is routine. */
static void
log_blocked(const struct sess_request *r)
{
	if (r->log.nchanges > 0)
		log_info("script %s: the session was cleared or regenerated by "
		    "another request: its %zu change(s) not committed", r->script,
		    r->log.nchanges);
	else
		log_debug("script %s: the session was cleared or regenerated: "
		    "nothing to commit", r->script);
}

int
sess_is_directive(const char *name, size_t nlen)
{
	return directive_is_session_header(name, nlen);
}

int
sess_sets_our_cookie(const struct sess_request *r, const char *value,
    size_t vlen)
{
	return cookie_sets_name(value, vlen, r->s->cfg->cookie_name);
}

int
sess_changes_pending(const struct sess_request *r)
{
	return r->log.nchanges > 0;
}

int
sess_commit(struct sess_request *r, time_t now, struct sess_headers *h,
    char *err, size_t errlen)
{
	const struct config *cfg = r->s->cfg;
	int secure = cookie_is_secure(cfg, r->https);
	struct commit_in in = {
		.loaded = r->state == REQ_LOADED,
		.log = &r->log,
		.rotate = r->state == REQ_LOADED && r->ref.old_keys != NULL,
		.max_size = (size_t)cfg->max_size,
		.base = &r->loaded,
	};
	struct commit_plan plan;
	char *value = NULL;
	const uint8_t *id;
	int send, crc, rc = -1;

	sess_headers_nocommit(r, h);
	if (r->failed) {
		snprintf(err, errlen, "a session directive was malformed");
		return -1;
	}
	if (r->state == REQ_BLOCKED) {
		log_blocked(r);
		return 0;
	}
	if (revoke_others_impossible(r, err, errlen)) {
		log_error("script %s: session not committed: %s", r->script, err);
		return -1;
	}
	/* A fresh id is only ever used by a commit that changes something:
	 * read-only requests (most of them) make none. */
	if (r->state == REQ_NEW)
		memcpy(in.fresh_id, r->ref.id, SESSION_ID_LEN);
	else if (r->log.nchanges > 0)
		session_id_generate(in.fresh_id);
	if ((crc = r->s->store->ops->commit(r->s->store, &r->ref, &in, now,
	        &plan, err, errlen)) < 0) {
		log_error("script %s: session not committed%s: %s", r->script,
		    crc == STORE_UNAVAILABLE ? " (answered 503)" : "", err);
		return crc == STORE_UNAVAILABLE ? -2 : -1;
	}
	/* A permanent session's cookie carries its expiry: sent again when
	 * the session changes (as Flask does), or on every request with
	 * refresh_each_request.  A backend whose cookie holds more than the
	 * id asks for it to be sent by plan.resign. */
	send = plan.alive && (plan.id_changed || plan.resign ||
	    plan.permanence_changed || (plan.permanent &&
	    (cfg->refresh_each_request || plan.write_same)));
	if ((crc = revoke_others(r, &plan, &in, now, err, errlen)) < 0) {
		log_error("script %s: %s", r->script, err);
		commit_plan_free(&plan);
		return crc == -2 ? -2 : -1;
	}
	if (plan.blocked) {
		log_blocked(r);
	} else if (plan.expire_cookie || send) {
		struct store *st = r->s->store;

		if (plan.expire_cookie) {
			set_cookie_format(cfg, secure, "", 0, now, r->s->set_cookie,
			    r->s->set_cookie_cap);
		} else {
			id = plan.id_changed ? in.fresh_id : r->ref.id;
			if ((value = malloc(st->cookie_max + 1)) == NULL) {
				snprintf(err, errlen, "out of memory");
				goto out;
			}
			if (st->ops->cookie_value(st, &r->s->keys->primary, id,
			        &plan, value, st->cookie_max + 1, err, errlen) < 0)
				goto out;
			set_cookie_format(cfg, secure, value, plan.permanent ?
			    permanent_max_age(cfg, plan.created, now) : -1, now,
			    r->s->set_cookie, r->s->set_cookie_cap);
		}
		h->set_cookie = r->s->set_cookie;
	}
	h->no_store = h->set_cookie[0] != '\0';
	rc = 0;
out:
	if (rc < 0)
		log_error("script %s: session cookie not made: %s", r->script, err);
	free(value);
	commit_plan_free(&plan);
	return rc;
}

void
sess_end(struct sess_request *r)
{
	if (r == NULL)
		return;
	stored_free(&r->loaded);
	changelog_free(&r->log);
	free(r->script);
	free(r->cookie_header);
	wipe(&r->ref, sizeof(r->ref));
	free(r);
}

const char *
sess_get(const struct sess_request *r, const char *key, size_t klen,
    size_t *vlen)
{
	const struct session_item *it = session_get(&r->loaded.sess, key, klen);

	if (it == NULL)
		return NULL;
	*vlen = it->vlen;
	return it->value;
}

const char *
sess_user(const struct sess_request *r, size_t *len)
{
	const char *k = r->s->cfg->login_key;
	const char *v = k ? sess_get(r, k, strlen(k), len) : NULL;

	return v && *len > 0 && login_name_ok(v, *len) ? v : NULL;
}

int
sess_loaded(const struct sess_request *r)
{
	return r->state == REQ_LOADED;
}

int
sess_csrf_ok(const struct sess_request *r, const char *tok, size_t len)
{
	char want[CSRF_TOKEN_LEN + 1];
	int ok;

	if (r->state != REQ_LOADED || len != CSRF_TOKEN_LEN)
		return 0;
	csrf_token(r->ref.id, want);
	ok = bytes_equal(want, tok, CSRF_TOKEN_LEN);
	wipe(want, sizeof(want));
	return ok;
}

void
sess_csrf(const struct sess_request *r, char *out, size_t cap)
{
	char tok[CSRF_TOKEN_LEN + 1];

	csrf_token(r->ref.id, tok);
	snprintf(out, cap, "%s", tok);
	wipe(tok, sizeof(tok));
}

static int
log_change(struct sess_request *r, enum change_kind kind, const char *key,
    const char *value, size_t vlen)
{
	if (changelog_add(&r->log, kind, key, key ? strlen(key) : 0, value,
	        vlen, 0) < 0) {
		log_error("script %s: out of memory", r->script);
		return -1;
	}
	return 0;
}

int
sess_keep(struct sess_request *r)
{
	/* A cookie that names an ended session (revoked, logged out in
	 * another tab) blocks every commit until its tombstone's grace
	 * period ends: the form would say "expired" to a user who only
	 * wants to log in again.  Leave it behind: the new session's
	 * cookie replaces it, and the ended session stays ended. */
	if (r->state == REQ_BLOCKED)
		r->state = REQ_NEW;
	return log_change(r, CHANGE_SET, SESS_FORM_KEY, "1", 1);
}

int
sess_login(struct sess_request *r, const char *user, size_t len)
{
	const char *k = r->s->cfg->login_key;
	size_t plen = 0;
	const char *prev = k ? sess_get(r, k, strlen(k), &plen) : NULL;

	/* Another user logs in without a logout first: nothing of the
	 * previous user's session (a role a script gave them) is carried
	 * over.  An anonymous session's keys (a cart) are kept, as Flask's
	 * session is across a login. */
	if (prev && (plen != len || memcmp(prev, user, len) != 0) &&
	    log_change(r, CHANGE_CLEAR, NULL, NULL, 0) < 0)
		return -1;
	if (log_change(r, CHANGE_UNSET, SESS_FORM_KEY, NULL, 0) < 0 ||
	    log_change(r, CHANGE_SET, r->s->cfg->login_key, user, len) < 0 ||
	    log_change(r, CHANGE_SET, SESS_AUTH_KEY, "Form", 4) < 0 ||
	    log_change(r, CHANGE_REGENERATE, NULL, NULL, 0) < 0)
		return -1;
	return 0;
}

int
sess_logout(struct sess_request *r)
{
	return log_change(r, CHANGE_CLEAR, NULL, NULL, 0);
}

int
sessions_can_count(const struct config *cfg)
{
	const struct store_ops *ops = store_find(cfg->store ? cfg->store :
	    "file");

	return ops && ops->fail_count;
}

int
sessions_fail_count(struct sessions *s, const char *what, size_t len,
    int how, time_t now, long ttl, long *count, time_t *last)
{
	char name[RECORD_NAME_LEN + 1];

	*count = 0;
	*last = 0;
	if (!s->store->ops->fail_count)
		return -1;
	fail_name(&s->keys->primary, what, len, name);
	return s->store->ops->fail_count(s->store, name, how, now, ttl, count,
	    last);
}
