/* keeper.c — the keeper of every session (keeper.h): the secrets loaded
 * into keys, the store backend opened, our longest Set-Cookie measured;
 * the checks -t and --gc make of the store; and what sessionctl and the
 * login form ask of the store as a whole: gc, revoke, list, counts. */
#include "keeper.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "cookie.h"
#include "crypto.h"
#include "secret.h"
#include "store.h"

int
keeper_cookie_format(const struct config *cfg, int secure,
    const char *value, long max_age, time_t now, char *dst, size_t cap)
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
keeper_config_check(struct config *cfg, config_report_fn *report,
    void *ctx)
{
	store_config_check(cfg, report, ctx);
}

int
keeper_store_probe(const struct config *cfg, char *note, size_t notelen,
    char *err, size_t errlen)
{
	const struct store_ops *ops = store_find(cfg->store);

	return ops && ops->probe ? ops->probe(cfg, note, notelen, err, errlen) :
	    0;
}

int
keeper_store_owner(const struct config *cfg, uid_t *uid, gid_t *gid,
    const char **what)
{
	const struct store_ops *ops = store_find(cfg->store);

	return ops && ops->owner ? ops->owner(cfg, uid, gid, what) : -1;
}

int
keeper_open(struct keeper **out, const struct config *cfg, char *err,
    size_t errlen)
{
	struct keyset *ks = secrets_load(cfg, err, errlen);

	*out = NULL;
	if (ks == NULL)
		return -1;
	if (keeper_open_keys(out, cfg, ks, err, errlen) < 0) {
		keyset_free(ks);
		return -1;
	}
	(*out)->own_keys = ks;
	return 0;
}

int
keeper_open_keys(struct keeper **out, const struct config *cfg,
    const struct keyset *keys, char *err, size_t errlen)
{
	const struct store_ops *ops;
	struct keeper *k;
	char *value = NULL, *probe = NULL, why[512];
	size_t cap;
	int n;

	*out = NULL;
	if (crypto_setup() < 0) {
		snprintf(err, errlen, "libsodium cannot be initialised");
		return -1;
	}
	if ((k = calloc(1, sizeof(*k))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	k->cfg = cfg;
	k->keys = keys;
	if ((ops = store_find(cfg->store ? cfg->store : "file")) == NULL) {
		snprintf(err, errlen, "[session] store: unknown store '%s'",
		    cfg->store);
		goto fail;
	}
	/* (The backend's message names its own keys.) */
	if (ops->open(&k->store, cfg, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "%s: %s", config_file_name(cfg), why);
		goto fail;
	}
	/* Our longest Set-Cookie: the backend's longest value and the
	 * attributes; the cookie checks of config.c bound these. */
	cap = k->store->cookie_max + MAX_SET_COOKIE_ATTRS + 1;
	if ((value = malloc(k->store->cookie_max + 1)) == NULL ||
	    (probe = malloc(cap)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	memset(value, 'A', k->store->cookie_max);
	value[k->store->cookie_max] = '\0';
	if ((n = keeper_cookie_format(cfg, 1, value, 999999999L, 0, probe,
	        cap)) < 0) {
		snprintf(err, errlen, "[cookie] name, path and domain make a "
		    "Set-Cookie longer than %zu bytes", cap - 1);
		goto fail;
	}
	k->set_cookie_cap = (size_t)n + 1;
	k->set_cookie = probe;
	free(value);
	*out = k;
	return 0;
fail:
	free(value);
	free(probe);
	keeper_close(k);
	return -1;
}

void
keeper_close(struct keeper *k)
{
	if (k == NULL)
		return;
	if (k->store != NULL)
		k->store->ops->close(k->store);
	keyset_free(k->own_keys);
	free(k->set_cookie);
	free(k);
}

struct store *
keeper_store(struct keeper *k)
{
	return k->store;
}

long
keeper_gc(struct keeper *k, time_t now)
{
	long n = k->store->ops->gc(k->store, now, NULL, NULL);

	if (n < 0)
		log_error("session store gc failed (see above)");
	else
		log_info("session store gc: %ld removed", n);
	return n;
}

int
keeper_can_revoke(const struct keeper *k)
{
	return k->store->ops->revoke_user != NULL;
}

void
keeper_user_hashes(const struct keeper *k, const char *user, size_t ulen,
    struct user_hashes *u)
{
	u->n = 0;
	user_hash(&k->keys->primary, user, ulen, u->h[u->n++]);
	for (int i = 0; i < k->keys->nfallback; i++)
		user_hash(&k->keys->fallback[i], user, ulen, u->h[u->n++]);
}

long
keeper_revoke_user(struct keeper *k, const char *user, size_t ulen,
    time_t now)
{
	struct user_hashes u;
	long n;

	if (!keeper_can_revoke(k))
		return -1;
	keeper_user_hashes(k, user, ulen, &u);
	n = k->store->ops->revoke_user(k->store, &u, NULL, now);
	return n < 0 ? -1 : n;
}

long
keeper_revoke_all(struct keeper *k, time_t now)
{
	long n;

	if (!keeper_can_revoke(k))
		return -1;
	n = k->store->ops->revoke_all(k->store, now);
	return n < 0 ? -1 : n;
}

struct list_ctx {
	keeper_info_fn *fn;
	void *ctx;
};

static int
list_one(void *ctx, const struct user_session *us)
{
	struct list_ctx *lc = ctx;
	struct keeper_info si = {
		(long long)us->created, (long long)us->last_seen,
		(long long)us->deadline, us->permanent,
	};

	return lc->fn(lc->ctx, &si);
}

int
keeper_list_user(struct keeper *k, const char *user, size_t ulen,
    time_t now, keeper_info_fn *fn, void *ctx)
{
	struct list_ctx lc = { fn, ctx };
	struct user_hashes u;
	int rc;

	if (!keeper_can_revoke(k))
		return -1;
	keeper_user_hashes(k, user, ulen, &u);
	rc = k->store->ops->list_user(k->store, &u, now, list_one, &lc);
	return rc == STORE_UNAVAILABLE ? -1 : rc;
}

long
keeper_user_count(struct keeper *k, time_t now)
{
	long n;

	if (!keeper_can_revoke(k))
		return -1;
	n = k->store->ops->user_count(k->store, now);
	return n < 0 ? -1 : n;
}

int
keeper_can_count(const struct config *cfg)
{
	const struct store_ops *ops = store_find(cfg->store ? cfg->store :
	    "file");

	return ops && ops->fail_count;
}

int
keeper_fail_count(struct keeper *k, const char *what, size_t len,
    int how, time_t now, long ttl, long *count, time_t *last)
{
	char name[RECORD_NAME_LEN + 1];

	*count = 0;
	*last = 0;
	if (!k->store->ops->fail_count)
		return -1;
	fail_name(&k->keys->primary, what, len, name);
	return k->store->ops->fail_count(k->store, name, how, now, ttl, count,
	    last);
}
