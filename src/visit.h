/* visit.h — one request's session as the worker sees it (the child
 * contract it serves is in sessionwrap.ini(5)); the keeper it is begun
 * with (keeper.h) holds the keys and the store.
 *
 * The worker (worker.c, response.c) calls, for each request when sessions
 * are on:
 *   visit_begin()       before the child runs: verify the cookie, load
 *   visit_env()         to add the session variables to the child's env
 *   visit_directive()   for every header of the child's header block
 *   visit_commit()      once the header block is valid and status < 500
 *   visit_end()         always, last
 * No lock is held between visit_begin and visit_commit. */
#ifndef SW_VISIT_H
#define SW_VISIT_H

#include <stddef.h>
#include <time.h>

struct keeper;                   /* per worker: keys + store (keeper.h) */
struct visit;                    /* per request */

/* Start a request.  cookie_header is the raw Cookie header (HTTP_COOKIE
 * param) or NULL; https says whether the request came over HTTPS; script
 * names the script for log lines.  A bad cookie just means a new session.
 * NULL, after logging why, with the status to answer in *status: 431 for
 * a Cookie header over MAX_COOKIE_HEADER (its session cannot be read, and
 * a new one would replace the user's cookie), 500 for a store error or
 * out of memory, 503 when the store's server is unavailable (the answer
 * then carries Retry-After: VISIT_RETRY_AFTER). */
#define VISIT_RETRY_AFTER 2
struct visit *visit_begin(struct keeper *k, const char *cookie_header,
    int https, const char *script, time_t now, int *status);

/* Add the child's session variables through add(): SESSION, SESSION_<key>,
 * SESSIONWRAP_NEW, SESSIONWRAP_CSRF_TOKEN, SESSIONWRAP_FLASH, REMOTE_USER
 * and AUTH_TYPE when logged in, HTTP_SESSION under compat_mod_session, and
 * HTTP_COOKIE minus the session cookie (omitted when nothing is left).
 * The worker has already dropped every param named SESSION*, HTTP_COOKIE,
 * REMOTE_USER and AUTH_TYPE.  Returns 0, or the first non-zero add() result. */
typedef int (*env_add_fn)(void *ctx, const char *name, const char *value,
    size_t vlen);
int visit_env(struct visit *r, env_add_fn add, void *ctx);

/* Whether given[0..len) is the CSRF token of the request's session (the
 * SESSIONWRAP_CSRF_TOKEN its child gets), compared in constant time: 1
 * yes, 0 no, -1 when the request has no session (no cookie, or the cookie
 * of a session that ended): a new session's token is one nobody has seen,
 * so no request can carry it. */
int visit_csrf_check(const struct visit *r, const char *given,
    size_t len);

/* Offer one response header of the child.  Returns 1 if it was a session
 * directive (it is consumed: never forwarded), 0 if it is not one, and -1
 * if it is a malformed directive (err then names the header and the fault;
 * the worker answers 500 and nothing is committed). */
int visit_directive(struct visit *r, const char *name, size_t nlen,
    const char *value, size_t vlen, char *err, size_t errlen);

/* Whether a response header name is a session directive's (X-Session-*,
 * X-Replace-Session): such a header never reaches the client, whether
 * sessions are on or not. */
int visit_is_directive(const char *name, size_t nlen);

/* Whether the value of a Set-Cookie of the child sets our session cookie
 * (the worker drops it: the session's cookie is ours to set). */
int visit_sets_our_cookie(const struct visit *r, const char *value,
    size_t vlen);

/* Whether a commit would change the session: a directive, or flash
 * messages handed to the child (delivered, they are consumed).  Without
 * either, a commit only refreshes the timer and the cookie, which a crash
 * later need not undo: the worker may commit at once and stream. */
int visit_changes_pending(const struct visit *r);

/* Headers the worker adds to the response after a commit (or after a
 * failed response, to add only Vary/cache headers). */
struct visit_headers {
	const char *set_cookie;   /* full value for "Set-Cookie: ", or "";
	                             valid until the next visit_commit */
	int vary_cookie;          /* add "Vary: Cookie" */
	int no_store;             /* add Cache-Control: private, no-store (our
	                             Set-Cookie must never reach a shared cache) */
};

/* Commit the request's changes (merge under a short lock).  Returns 0 and
 * fills *h, or -1 on a store error or a limit broken at merge (logged,
 * err names the fault; nothing stored changed; the worker answers 500),
 * or -2 when the store's server is unavailable (the worker answers 503). */
int visit_commit(struct visit *r, time_t now, struct visit_headers *h,
    char *err, size_t errlen);

/* For responses that commit nothing (5xx, crash, bad headers): the headers
 * that must still be added (Vary: Cookie). */
void visit_headers_nocommit(struct visit *r, struct visit_headers *h);

void visit_end(struct visit *r);

/* --- for what sessionwrap answers itself (login.c) --- */

/* The value of key in the session as loaded, or NULL. */
const char *visit_get(const struct visit *r, const char *key,
    size_t klen, size_t *vlen);
/* The login key's value when it may be REMOTE_USER, or NULL. */
const char *visit_user(const struct visit *r, size_t *len);
/* Whether a live session came with the request. */
int visit_loaded(const struct visit *r);
/* The session's CSRF token into out (cap > VISIT_TOKEN_LEN). */
#define VISIT_TOKEN_LEN 43
void visit_csrf(const struct visit *r, char *out, size_t cap);
/* Changes, committed by visit_commit like a child's directives: keep a
 * new session (the login form's visitor needs one for its token); log
 * user in (the login key set, AUTH_TYPE=Form, a new id: the session's
 * old cookie is dead); log out (clear).  0, or -1 out of memory. */
#define VISIT_FORM_KEY "sessionwrap.form"
#define VISIT_AUTH_KEY "sessionwrap.auth"
int visit_keep(struct visit *r);
int visit_login(struct visit *r, const char *user, size_t len);
int visit_logout(struct visit *r);

#endif
