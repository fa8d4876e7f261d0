/* keeper.h — the keeper of every session: the keys that seal records and
 * cookies, and the store backend.  Opened once per worker, or once per
 * -t, --gc or sessionctl run; one request's session is visit.h's, the
 * session itself session.h's. */
#ifndef SW_KEEPER_H
#define SW_KEEPER_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "config.h"

struct keyset;
struct store;
struct user_hashes;

/* Open for visit.c, which commits through it (and writes our Set-Cookie
 * into set_cookie); every other user holds a pointer and calls the
 * functions below. */
struct keeper {
	const struct config *cfg;
	char *set_cookie;         /* the last commit's Set-Cookie value */
	size_t set_cookie_cap;    /* our longest one, + NUL */
	const struct keyset *keys;
	struct keyset *own_keys;  /* what keeper_open() loaded, or NULL */
	struct store *store;
};

/* The check config_load runs for the session store's part of the
 * configuration: [session] store names a backend, and that backend's own
 * keys are right (a config_check_fn). */
void keeper_config_check(struct config *cfg, config_report_fn *report,
    void *ctx);

/* What -t and --gc ask of the session store of cfg ([session] store
 * names a backend): store_ops probe and owner (store.h). */
int keeper_store_probe(const struct config *cfg, char *note, size_t notelen,
    char *err, size_t errlen);
int keeper_store_owner(const struct config *cfg, uid_t *uid, gid_t *gid,
    const char **what);

/* Load the secret(s), derive keys, open the store: for a process that
 * reads the files once (-t, --gc, a CGI run).  On error returns -1 and
 * writes a message naming the file at fault into err. */
int keeper_open(struct keeper **out, const struct config *cfg,
    char *err, size_t errlen);

/* The same with keys loaded already (secrets_load()), which must outlive
 * the keeper: a worker uses the keys its master loaded at start or at
 * the last reload, never the files as they are now. */
int keeper_open_keys(struct keeper **out, const struct config *cfg,
    const struct keyset *keys, char *err, size_t errlen);
void keeper_close(struct keeper *k);

/* Failed logins counted under what (store.h fail_count, the name hashed
 * with the primary keys).  Whether the store can: keeper_can_count. */
int keeper_can_count(const struct config *cfg);
int keeper_fail_count(struct keeper *k, const char *what, size_t len,
    int how, time_t now, long ttl, long *count, time_t *last);
/* The per-user index (sessionctl).  Whether the store keeps one (the
 * cookie store cannot: it has no server state). */
int keeper_can_revoke(const struct keeper *k);

/* End every live session of the user whose login value is user (under
 * the current secret and each fallback): how many, or -1 (logged). */
long keeper_revoke_user(struct keeper *k, const char *user, size_t ulen,
    time_t now);

/* End every live session: how many, or -1 (logged). */
long keeper_revoke_all(struct keeper *k, time_t now);

/* What sessionctl list shows of one session (store.h's user_session). */
struct keeper_info {
	long long created, last_seen, expires;
	int permanent;
};
typedef int keeper_info_fn(void *ctx, const struct keeper_info *si);

/* fn for each live session of user: 0, fn's non-zero, or -1 (logged). */
int keeper_list_user(struct keeper *k, const char *user, size_t ulen,
    time_t now, keeper_info_fn *fn, void *ctx);

/* How many users have a live session (distinct index entries with a
 * live record): for sessionctl stats.  -1 when the store cannot say
 * (cookie) or fails (logged). */
long keeper_user_count(struct keeper *k, time_t now);

/* Garbage collection of the whole store: returns the number of records and
 * tombstones removed, or -1 on error (logged). */
long keeper_gc(struct keeper *k, time_t now);

/* The store of k, for sessionctl's commands that walk it (store.h). */
struct store *keeper_store(struct keeper *k);

/* --- for visit.c, which commits through the keeper --- */

/* The index's names of user under every key of k. */
void keeper_user_hashes(const struct keeper *k, const char *user,
    size_t ulen, struct user_hashes *u);

/* Our Set-Cookie for value into dst (cap bytes): value "" expires the
 * cookie, max_age -1 makes a browser-session cookie.  Its length, or -1
 * when it does not fit (cookie_format). */
int keeper_cookie_format(const struct config *cfg, int secure,
    const char *value, long max_age, time_t now, char *dst, size_t cap);

#endif
