/* visit.c — one request's session as the worker sees it (visit.h): glue
 * of the cookie, crypto, store, directive and session modules through the
 * worker's keeper, and the choice of the child's variables and the
 * Set-Cookie.  No parsing of its own. */
#include "visit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "cookie.h"
#include "crypto.h"
#include "directive.h"
#include "keeper.h"
#include "session.h"
#include "store.h"

_Static_assert(VISIT_TOKEN_LEN == CSRF_TOKEN_LEN, "visit.h's token length");

enum request_state {
	REQ_NEW,                  /* no usable session: a new one, id made */
	REQ_LOADED,               /* a live record was loaded */
	REQ_BLOCKED,              /* the cookie's session is a tombstone */
};

struct visit {
	struct keeper *k;         /* the worker's: keys, store */
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

/* Whether the request asks for X-Session-Revoke-Others where the store
 * cannot do it (checked before the commit: nothing is stored then). */
static int
revoke_others_impossible(const struct visit *r, char *err,
    size_t errlen)
{
	for (size_t i = 0; i < r->log.nchanges; i++)
		if (r->log.changes[i].kind == CHANGE_REVOKE_OTHERS &&
		    !keeper_can_revoke(r->k)) {
			snprintf(err, errlen, "header X-Session-Revoke-Others: the "
			    "%s store keeps no sessions of its own: it cannot end "
			    "the other ones", r->k->cfg->store);
			return 1;
		}
	return 0;
}

/* X-Session-Revoke-Others, after the commit of plan: end every other
 * session of the user logged in to this one.  0, or -1 / -2 (503) with
 * err set. */
static int
revoke_others(struct visit *r, const struct commit_plan *plan,
    const struct commit_in *in, time_t now, char *err, size_t errlen)
{
	const struct config *cfg = r->k->cfg;
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
	record_name(&r->k->keys->primary, plan->id_changed ? in->fresh_id :
	    r->ref.id, keep);
	keeper_user_hashes(r->k, user, ulen, &u);
	n = r->k->store->ops->revoke_user(r->k->store, &u, keep, now);
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
request_load(struct visit *r, time_t now)
{
	const struct config *cfg = r->k->cfg;
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
		struct record_ref ref = { .keys = &r->k->keys->primary };
		struct stored st;
		int rc = r->k->store->ops->cookie_load(r->k->store, r->k->keys,
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

struct visit *
visit_begin(struct keeper *k, const char *cookie_header, int https,
    const char *script, time_t now, int *status)
{
	struct visit *r = calloc(1, sizeof(*r));

	*status = 500;
	if (r == NULL) {
		log_error("script %s: out of memory starting the session",
		    script ? script : "?");
		return NULL;
	}
	r->k = k;
	r->https = https;
	session_init(&r->loaded.sess);
	changelog_init(&r->log);
	r->ref.keys = &k->keys->primary;
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
	visit_end(r);
	return NULL;
}

int
visit_csrf_check(const struct visit *r, const char *given, size_t len)
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
add_form(const struct visit *r, env_add_fn add, void *ctx,
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
add_other_cookies(const struct visit *r, env_add_fn add, void *ctx)
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
	    r->k->cfg->cookie_name, buf);
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
visit_env(struct visit *r, env_add_fn add, void *ctx)
{
	const struct config *cfg = r->k->cfg;
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
		/* "Form" when the built-in login set it (visit_login). */
		const struct session_item *how = session_get(sess, VISIT_AUTH_KEY,
		    strlen(VISIT_AUTH_KEY));
		int form = how && how->vlen == 4 && memcmp(how->value, "Form", 4) == 0;

		if ((rc = add(ctx, "REMOTE_USER", user->value, user->vlen)) != 0 ||
		    (rc = add_str(add, ctx, "AUTH_TYPE", form ? "Form" : "Session")) != 0)
			return rc;
	}
	return add_other_cookies(r, add, ctx);
}

int
visit_directive(struct visit *r, const char *name, size_t nlen,
    const char *value, size_t vlen, char *err, size_t errlen)
{
	int rc = directive_parse(&r->log, name, nlen, value, vlen,
	    r->k->cfg->compat_mod_session, err, errlen);

	/* The worker logs err with the script (visit.h): not twice here. */
	if (rc < 0)
		r->failed = 1;
	return rc;
}

void
visit_headers_nocommit(struct visit *r, struct visit_headers *h)
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
log_blocked(const struct visit *r)
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
visit_is_directive(const char *name, size_t nlen)
{
	return directive_is_session_header(name, nlen);
}

int
visit_sets_our_cookie(const struct visit *r, const char *value,
    size_t vlen)
{
	return cookie_sets_name(value, vlen, r->k->cfg->cookie_name);
}

int
visit_changes_pending(const struct visit *r)
{
	return r->log.nchanges > 0;
}

int
visit_commit(struct visit *r, time_t now, struct visit_headers *h,
    char *err, size_t errlen)
{
	const struct config *cfg = r->k->cfg;
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

	visit_headers_nocommit(r, h);
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
	if ((crc = r->k->store->ops->commit(r->k->store, &r->ref, &in, now,
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
		struct store *st = r->k->store;

		if (plan.expire_cookie) {
			keeper_cookie_format(cfg, secure, "", 0, now, r->k->set_cookie,
			    r->k->set_cookie_cap);
		} else {
			id = plan.id_changed ? in.fresh_id : r->ref.id;
			if ((value = malloc(st->cookie_max + 1)) == NULL) {
				snprintf(err, errlen, "out of memory");
				goto out;
			}
			if (st->ops->cookie_value(st, &r->k->keys->primary, id,
			        &plan, value, st->cookie_max + 1, err, errlen) < 0)
				goto out;
			keeper_cookie_format(cfg, secure, value, plan.permanent ?
			    permanent_max_age(cfg, plan.created, now) : -1, now,
			    r->k->set_cookie, r->k->set_cookie_cap);
		}
		h->set_cookie = r->k->set_cookie;
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
visit_end(struct visit *r)
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
visit_get(const struct visit *r, const char *key, size_t klen,
    size_t *vlen)
{
	const struct session_item *it = session_get(&r->loaded.sess, key, klen);

	if (it == NULL)
		return NULL;
	*vlen = it->vlen;
	return it->value;
}

const char *
visit_user(const struct visit *r, size_t *len)
{
	const char *key = r->k->cfg->login_key;
	const char *v = key ? visit_get(r, key, strlen(key), len) : NULL;

	return v && *len > 0 && login_name_ok(v, *len) ? v : NULL;
}

int
visit_loaded(const struct visit *r)
{
	return r->state == REQ_LOADED;
}

void
visit_csrf(const struct visit *r, char *out, size_t cap)
{
	char tok[CSRF_TOKEN_LEN + 1];

	csrf_token(r->ref.id, tok);
	snprintf(out, cap, "%s", tok);
	wipe(tok, sizeof(tok));
}

static int
log_change(struct visit *r, enum change_kind kind, const char *key,
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
visit_keep(struct visit *r)
{
	/* A cookie that names an ended session (revoked, logged out in
	 * another tab) blocks every commit until its tombstone's grace
	 * period ends: the form would say "expired" to a user who only
	 * wants to log in again.  Leave it behind: the new session's
	 * cookie replaces it, and the ended session stays ended. */
	if (r->state == REQ_BLOCKED)
		r->state = REQ_NEW;
	return log_change(r, CHANGE_SET, VISIT_FORM_KEY, "1", 1);
}

int
visit_login(struct visit *r, const char *user, size_t len)
{
	const char *key = r->k->cfg->login_key;
	size_t plen = 0;
	const char *prev = key ? visit_get(r, key, strlen(key), &plen) : NULL;

	/* Another user logs in without a logout first: nothing of the
	 * previous user's session (a role a script gave them) is carried
	 * over.  An anonymous session's keys (a cart) are kept, as Flask's
	 * session is across a login. */
	if (prev && (plen != len || memcmp(prev, user, len) != 0) &&
	    log_change(r, CHANGE_CLEAR, NULL, NULL, 0) < 0)
		return -1;
	if (log_change(r, CHANGE_UNSET, VISIT_FORM_KEY, NULL, 0) < 0 ||
	    log_change(r, CHANGE_SET, r->k->cfg->login_key, user, len) < 0 ||
	    log_change(r, CHANGE_SET, VISIT_AUTH_KEY, "Form", 4) < 0 ||
	    log_change(r, CHANGE_REGENERATE, NULL, NULL, 0) < 0)
		return -1;
	return 0;
}

int
visit_logout(struct visit *r)
{
	return log_change(r, CHANGE_CLEAR, NULL, NULL, 0);
}
