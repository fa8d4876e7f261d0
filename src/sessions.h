/* sessions.h — the worker's whole view of sessions (the child contract
 * they serve is in sessionwrap.ini(5)).
 *
 * The worker (worker.c, response.c) calls, for each request when sessions
 * are on:
 *   sess_begin()       before the child runs: verify the cookie, load
 *   sess_env()         to add the session variables to the child's env
 *   sess_directive()   for every header of the child's header block
 *   sess_commit()      once the header block is valid and status < 500
 *   sess_end()         always, last
 * No lock is held between sess_begin and sess_commit. */
#ifndef SW_SESSIONS_H
#define SW_SESSIONS_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "config.h"

struct sessions;                 /* per worker: keys + store */
struct sess_request;             /* per request */

/* The check config_load runs for the session store's part of the
 * configuration: [session] store names a backend, and that backend's own
 * keys are right (a config_check_fn). */
void sessions_config_check(const struct config *cfg, config_report_fn *report,
    void *ctx);

/* What -t and --gc ask of the session store of cfg ([session] store
 * names a backend): store_ops probe and owner (store.h). */
int sessions_store_probe(const struct config *cfg, char *note, size_t notelen,
    char *err, size_t errlen);
int sessions_store_owner(const struct config *cfg, uid_t *uid, gid_t *gid,
    const char **what);

/* Load the secret(s), derive keys, open the store: for a process that
 * reads the files once (-t, --gc, a CGI run).  On error returns -1 and
 * writes a message naming the file at fault into err. */
int sessions_open(struct sessions **out, const struct config *cfg,
    char *err, size_t errlen);

/* The same with keys loaded already (secrets_load()), which must outlive
 * the sessions: a worker uses the keys its master loaded at start or at
 * the last reload, never the files as they are now. */
struct keyset;
int sessions_open_keys(struct sessions **out, const struct config *cfg,
    const struct keyset *keys, char *err, size_t errlen);
void sessions_close(struct sessions *s);

/* Start a request.  cookie_header is the raw Cookie header (HTTP_COOKIE
 * param) or NULL; https says whether the request came over HTTPS; script
 * names the script for log lines.  A bad cookie just means a new session.
 * NULL, after logging why, with the status to answer in *status: 431 for
 * a Cookie header over MAX_COOKIE_HEADER (its session cannot be read, and
 * a new one would replace the user's cookie), 500 for a store error or
 * out of memory, 503 when the store's server is unavailable (the answer
 * then carries Retry-After: SESS_RETRY_AFTER). */
#define SESS_RETRY_AFTER 2
struct sess_request *sess_begin(struct sessions *s, const char *cookie_header,
    int https, const char *script, time_t now, int *status);

/* Add the child's session variables through add(): SESSION, SESSION_<key>,
 * SESSIONWRAP_NEW, SESSIONWRAP_CSRF_TOKEN, SESSIONWRAP_FLASH, REMOTE_USER
 * and AUTH_TYPE when logged in, HTTP_SESSION under compat_mod_session, and
 * HTTP_COOKIE minus the session cookie (omitted when nothing is left).
 * The worker has already dropped every param named SESSION*, HTTP_COOKIE,
 * REMOTE_USER and AUTH_TYPE.  Returns 0, or the first non-zero add() result. */
typedef int (*env_add_fn)(void *ctx, const char *name, const char *value,
    size_t vlen);
int sess_env(struct sess_request *r, env_add_fn add, void *ctx);

/* Whether given[0..len) is the CSRF token of the request's session (the
 * SESSIONWRAP_CSRF_TOKEN its child gets), compared in constant time: 1
 * yes, 0 no, -1 when the request has no session (no cookie, or the cookie
 * of a session that ended): a new session's token is one nobody has seen,
 * so no request can carry it. */
int sess_csrf_check(const struct sess_request *r, const char *given,
    size_t len);

/* Offer one response header of the child.  Returns 1 if it was a session
 * directive (it is consumed: never forwarded), 0 if it is not one, and -1
 * if it is a malformed directive (err then names the header and the fault;
 * the worker answers 500 and nothing is committed). */
int sess_directive(struct sess_request *r, const char *name, size_t nlen,
    const char *value, size_t vlen, char *err, size_t errlen);

/* Whether a response header name is a session directive's (X-Session-*,
 * X-Replace-Session): such a header never reaches the client, whether
 * sessions are on or not. */
int sess_is_directive(const char *name, size_t nlen);

/* Whether the value of a Set-Cookie of the child sets our session cookie
 * (the worker drops it: the session's cookie is ours to set). */
int sess_sets_our_cookie(const struct sess_request *r, const char *value,
    size_t vlen);

/* Whether a commit would change the session: a directive, or flash
 * messages handed to the child (delivered, they are consumed).  Without
 * either, a commit only refreshes the timer and the cookie, which a crash
 * later need not undo: the worker may commit at once and stream. */
int sess_changes_pending(const struct sess_request *r);

/* Headers the worker adds to the response after a commit (or after a
 * failed response, to add only Vary/cache headers). */
struct sess_headers {
	const char *set_cookie;   /* full value for "Set-Cookie: ", or "";
	                             valid until the next sess_commit */
	int vary_cookie;          /* add "Vary: Cookie" */
	int no_store;             /* add Cache-Control: private, no-store (our
	                             Set-Cookie must never reach a shared cache) */
};

/* Commit the request's changes (merge under a short lock).  Returns 0 and
 * fills *h, or -1 on a store error or a limit broken at merge (logged,
 * err names the fault; nothing stored changed; the worker answers 500),
 * or -2 when the store's server is unavailable (the worker answers 503). */
int sess_commit(struct sess_request *r, time_t now, struct sess_headers *h,
    char *err, size_t errlen);

/* For responses that commit nothing (5xx, crash, bad headers): the headers
 * that must still be added (Vary: Cookie). */
void sess_headers_nocommit(struct sess_request *r, struct sess_headers *h);

void sess_end(struct sess_request *r);

/* --- for what sessionwrap answers itself (login.c) --- */

/* The value of key in the session as loaded, or NULL. */
const char *sess_get(const struct sess_request *r, const char *key,
    size_t klen, size_t *vlen);
/* The login key's value when it may be REMOTE_USER, or NULL. */
const char *sess_user(const struct sess_request *r, size_t *len);
/* Whether a live session came with the request. */
int sess_loaded(const struct sess_request *r);
/* Whether tok is the session's CSRF token (constant time); a session
 * that was not loaded has none a client could know. */
int sess_csrf_ok(const struct sess_request *r, const char *tok, size_t len);
/* The session's CSRF token into out (cap > SESS_TOKEN_LEN). */
#define SESS_TOKEN_LEN 43
void sess_csrf(const struct sess_request *r, char *out, size_t cap);
/* Changes, committed by sess_commit like a child's directives: keep a
 * new session (the login form's visitor needs one for its token); log
 * user in (the login key set, AUTH_TYPE=Form, a new id: the session's
 * old cookie is dead); log out (clear).  0, or -1 out of memory. */
#define SESS_FORM_KEY "sessionwrap.form"
#define SESS_AUTH_KEY "sessionwrap.auth"
int sess_keep(struct sess_request *r);
int sess_login(struct sess_request *r, const char *user, size_t len);
int sess_logout(struct sess_request *r);

/* Failed logins counted under what (store.h fail_count, the name hashed
 * with the primary keys).  Whether the store can: sessions_can_count. */
int sessions_can_count(const struct config *cfg);
int sessions_fail_count(struct sessions *s, const char *what, size_t len,
    int how, time_t now, long ttl, long *count, time_t *last);
/* The per-user index (sessionctl).  Whether the store keeps one (the
 * cookie store cannot: it has no server state). */
int sessions_can_revoke(const struct sessions *s);

/* End every live session of the user whose login value is user (under
 * the current secret and each fallback): how many, or -1 (logged). */
long sessions_revoke_user(struct sessions *s, const char *user, size_t ulen,
    time_t now);

/* End every live session: how many, or -1 (logged). */
long sessions_revoke_all(struct sessions *s, time_t now);

/* What sessionctl list shows of one session (store.h's user_session). */
struct sess_info {
	long long created, last_seen, expires;
	int permanent;
};
typedef int sess_info_fn(void *ctx, const struct sess_info *si);

/* fn for each live session of user: 0, fn's non-zero, or -1 (logged). */
int sessions_list_user(struct sessions *s, const char *user, size_t ulen,
    time_t now, sess_info_fn *fn, void *ctx);

/* How many users have a live session (distinct index entries with a
 * live record): for sessionctl stats.  -1 when the store cannot say
 * (cookie) or fails (logged). */
long sessions_user_count(struct sessions *s, time_t now);

/* Garbage collection of the whole store: returns the number of records and
 * tombstones removed, or -1 on error (logged). */
long sessions_gc(struct sessions *s, time_t now);

/* The store of s, for sessionctl's commands that walk it (store.h). */
struct store *sessions_store(struct sessions *s);

#endif
