/* store.h — the session store interface, and the commit policy every
 * backend shares.
 *
 * A backend is a table of operations chosen by name ([session] store);
 * "file" (store_file.c) keeps records in files, "redis" (store_redis.c)
 * in a Redis server, "cookie" (store_cookie.c) seals the whole session
 * into the cookie.  Every operation takes the time explicitly (an
 * injectable clock: tests move it, nothing sleeps).
 *
 * What a commit does is decided by commit_plan_make(), a pure function of
 * the request's change log and the record as stored at commit time; a
 * backend only reads the current record under its lock, asks for the plan
 * and carries it out. */
#ifndef SW_STORE_H
#define SW_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "config.h"
#include "crypto.h"
#include "session.h"

/* Where one session's record lives: its id and the keys that name and
 * encrypt it.  A cookie that verified with a fallback key may still have
 * its record under that key's name until the next commit rotates it. */
struct record_ref {
	uint8_t id[SESSION_ID_LEN];
	const struct keys *keys;        /* primary: records are written so */
	const struct keys *old_keys;    /* the fallback that verified, or NULL */
};

enum stored_state { STORED_ABSENT, STORED_LIVE, STORED_TOMBSTONE };

/* A record as loaded: what it is, whichever backend keeps it.  Expired
 * records and tombstones older than the grace period read as
 * STORED_ABSENT, broken ones too (after a log line). */
struct stored {
	enum stored_state state;
	struct session sess;            /* STORED_LIVE only */
	time_t last_seen;               /* last access (a touch moves it) */
	time_t deadline;                /* when it expires unless seen again */
	uint64_t created;               /* live: when the session began */
	int permanent;                  /* live: permanent session */
	int under_old_name;             /* found under old_keys' name */
};

void stored_free(struct stored *st);

/* The request's side of a commit. */
struct commit_in {
	int loaded;                     /* it began with a live record of ref */
	const struct changelog *log;
	uint8_t fresh_id[SESSION_ID_LEN];   /* id for a record that needs one:
	                                   a new session's, or after clear,
	                                   regenerate, or a vanished record */
	int rotate;                     /* rewrite under the primary name */
	size_t max_size;
	const struct stored *base;      /* as loaded when the request began:
	                                   what a store without server state
	                                   (cookie) commits against; or NULL */
};

/* What a commit does (filled by commit_plan_make, carried out by the
 * backend in this order: write_new, write_same, tombstone_old, remove_old,
 * remove_old_name, touch), and what the cookie must say afterwards. */
struct commit_plan {
	int write_new;                  /* result under fresh_id */
	int write_same;                 /* result under ref's primary name */
	int tombstone_old;              /* ref's record becomes a tombstone */
	int remove_old;                 /* ref's record is deleted */
	int remove_old_name;            /* the copy under old_keys' name goes */
	int touch;                      /* only the last-access time moves */
	struct session result;          /* the merged session */

	int blocked;                    /* ref is a tombstone: nothing done */
	int alive;                      /* a live record holds the session */
	int id_changed;                 /* ... under fresh_id */
	int resign;                     /* same id, cookie signed anew */
	int expire_cookie;              /* the session is gone */
	int permanence_changed;
	int permanent;                  /* of the live record */
	uint64_t created;
	time_t seen;                    /* its last access after the commit */
};

void commit_plan_free(struct commit_plan *p);

/* Decide a commit.  cur is the record of ref as read under the lock (its
 * session is taken over).  0, or -1 when the merged session breaks a
 * limit (max_size, MAX_KEYS, MAX_FLASHES) or memory runs out: err says
 * which, and the plan does nothing. */
int commit_plan_make(const struct commit_in *in, const struct config *cfg,
    struct stored *cur, time_t now, struct commit_plan *p, char *err,
    size_t errlen);

/* The directives of log that can make a session bigger, for messages:
 * "X-Session-Set", "X-Session-Flash" or both. */
const char *changelog_growing_headers(const struct changelog *log);

/* Expiry, from what a record's clear header and last access say: the
 * first second at which it is gone (the earlier of its idle or permanent
 * lifetime and its absolute timeout), and whether now is past it. */
time_t record_deadline(const struct config *cfg, int permanent,
    uint64_t created, time_t last_seen);
int record_expired(const struct config *cfg, int permanent, uint64_t created,
    time_t last_seen, time_t now);
long tombstone_grace(const struct config *cfg);
int tombstone_expired(const struct config *cfg, time_t last_seen, time_t now);

/* The per-user index.  When a session holds the login key ([session]
 * login_key), the backend records, under user_hash() of the value, that
 * the session's record belongs to that user, with a tombstone sealed for
 * that record in advance (record_revoke_tombstone): revocation needs no
 * id and decrypts nothing.  Kept by commit, in an order that a crash
 * cannot break: an entry is made before the record names its user, and
 * removed only after the record no longer does (a stale entry is
 * harmless: its record is gone, dead, or written again).
 * index_plan_make() decides, from the commit's plan, what the backend
 * does to its index. */

/* The login value of the session as read at commit time (taken before
 * commit_plan_make takes the session over). */
struct index_before {
	char *user;                     /* malloc'd, or NULL: none */
	size_t ulen;
	int under_old_name;
};

/* 0, or -1 when memory runs out. */
int index_before_take(const struct config *cfg, const struct stored *cur,
    struct index_before *b);
void index_before_free(struct index_before *b);

/* One entry: the user (hashed under k) and the record (id's name under
 * k). */
struct index_entry {
	const struct keys *k;
	const uint8_t *id;
	const char *user;
	size_t ulen;
};

struct index_plan {
	int add;                        /* before the plan's writes */
	int add_known;                  /* the entry should be there already:
	                                   make it only if it is missing */
	struct index_entry added;
	int nremove;                    /* after the plan's writes */
	struct index_entry removed[1];
};

/* What the index needs around plan p of a commit of ref (in: the
 * request's side; b: as read).  Pure. */
void index_plan_make(const struct config *cfg, const struct record_ref *ref,
    const struct commit_in *in, const struct index_before *b,
    const struct commit_plan *p, struct index_plan *ip);

/* The login value of s, or NULL (none, or empty); its length in *len. */
const char *session_login(const struct config *cfg, const struct session *s,
    size_t *len);

/* A user's names in the index: under the primary keys and under each
 * fallback (entries made before a rotation). */
struct user_hashes {
	char h[1 + MAX_FALLBACK_KEYS][USER_HASH_LEN + 1];
	int n;
};

/* What sessionctl list shows of one session: its clear header and last
 * access, never its id or contents. */
struct user_session {
	uint64_t created;
	time_t last_seen;
	time_t deadline;
	int permanent;
};
typedef int user_session_fn(void *ctx, const struct user_session *us);

/* What load and commit return when the store's server is
 * unreachable, refusing or too slow (not a fault of the record): the
 * request is answered 503 with Retry-After, to be tried again. */
#define STORE_UNAVAILABLE (-2)

/* GC's report after each record it looked at: how many so far, how
 * many of them it removed, and how many it expects to look at in all (an
 * estimate that may change, or 0: unknown).  Non-zero asks it to stop. */
typedef int store_progress_fn(void *ctx, unsigned long scanned,
    unsigned long removed, unsigned long total);

/* One stored record as its clear header tells (store_ops walk). */
enum walk_kind {
	WALK_LIVE,                      /* a session, not expired */
	WALK_TOMBSTONE,                 /* within its grace period */
	WALK_EXPIRED,                   /* either, dead: GC removes it */
	WALK_BROKEN,                    /* no readable header: not a record,
	                                   a write cut short, damage */
	WALK_TEMP,                      /* a temporary file (file store) */
};

struct walk_entry {
	enum walk_kind kind;
	int permanent;                  /* live, expired: the header's flag */
	uint64_t created;               /* live, expired: session's start */
	time_t last_seen;
	uint64_t bytes;                 /* space it takes (file: on disk) */
};

/* Non-zero asks walk to stop. */
typedef int store_walk_fn(void *ctx, const struct walk_entry *e);

/* A backend embeds this as its first member. */
struct store {
	const struct store_ops *ops;
	const struct config *cfg;
	size_t cookie_max;              /* its longest cookie value (open) */
};

struct store_ops {
	const char *name;
	/* How sessionctl speaks of this store.  where: after its name in
	 * stats (its directory, its server).  bytes_counted: what stats'
	 * byte count is; temp_files: whether stats counts temporary files.
	 * expires_itself (NULL for a store whose records gc removes): why
	 * stats' "expired" stays 0; gc then runs without a progress line and
	 * prints gc_note instead of a count. */
	const char *(*where)(const struct config *cfg);
	const char *bytes_counted;
	int temp_files;
	const char *expires_itself;
	const char *gc_note;
	/* [session] absolute_timeout when the file does not give it. */
	long absolute_timeout_default;
	/* Problems with this backend's part of cfg (its own keys), each
	 * handed to report; config_load runs it through store_config_check. */
	void (*check)(const struct config *cfg, config_report_fn *report,
	    void *ctx);
	/* For -t: whether the workers' user could open the store of cfg,
	 * making nothing: 0 when it is there (-t then opens it), 1 when it
	 * will be made at start or its server cannot be used now (note says
	 * so; -t does not open it), -1 with err when it could not be.
	 * NULL: -t opens it. */
	int (*probe)(const struct config *cfg, char *note, size_t notelen,
	    char *err, size_t errlen);
	/* Who owns the store's files, whom -t and --gc become when run as
	 * root with no [server] user (so that what they make stays usable
	 * by the workers): 0 with *uid, *gid and *what (for messages), or -1
	 * when nobody but root does.  NULL: nobody. */
	int (*owner)(const struct config *cfg, uid_t *uid, gid_t *gid,
	    const char **what);
	/* Open the store of cfg.  0, or -1 with err naming the fault. */
	int (*open)(struct store **out, const struct config *cfg, char *err,
	    size_t errlen);
	/* Load ref's record into *out (state ABSENT when there is none).
	 * -1 only when the store itself fails (logged), STORE_UNAVAILABLE
	 * when its server is (logged). */
	int (*load)(struct store *st, const struct record_ref *ref, time_t now,
	    struct stored *out);
	/* Under the backend's lock: read ref's current record, make the plan
	 * and carry it out.  ref is ignored unless in->loaded.  0 (the caller
	 * frees the plan), or -1 (err set, the plan already freed; for a
	 * limit nothing stored has changed), or STORE_UNAVAILABLE (err set,
	 * plan freed). */
	int (*commit)(struct store *st, const struct record_ref *ref,
	    const struct commit_in *in, time_t now, struct commit_plan *plan,
	    char *err, size_t errlen);
	/* The session a cookie value names: *ref (its id, and the keys that
	 * verified it: a fallback's as ref->old_keys) and its record in *out
	 * and 0; 1 when the value does not verify (out is STORED_ABSENT);
	 * -1 when the store itself fails (logged).  A store that keeps sessions itself
	 * uses store_id_cookie_load: the value is the sealed id. */
	int (*cookie_load)(struct store *st, const struct keyset *ks,
	    const char *value, size_t vlen, time_t now, struct record_ref *ref,
	    struct stored *out);
	/* The cookie value that names the live session of a commit's plan,
	 * whose id is id: into out (NUL-terminated, at most st->cookie_max
	 * chars, cap > cookie_max).  Its length, or -1 with err naming the
	 * limit it breaks.  store_id_cookie_value seals the id. */
	long (*cookie_value)(struct store *st, const struct keys *k,
	    const uint8_t *id, const struct commit_plan *plan, char *out,
	    size_t cap, char *err, size_t errlen);
	/* Remove expired records, old tombstones and stale temporary files;
	 * returns how many, or -1.  progress (may be NULL) is called after
	 * each record looked at; when it returns non-zero GC stops there, no
	 * record left half-done, and returns how many it removed so far. */
	long (*gc)(struct store *st, time_t now, store_progress_fn *progress,
	    void *ctx);
	/* Call fn with each record's clear header (nothing is decrypted: the
	 * keys need the session's id), for sessionctl stats.  0 when every
	 * record was seen, 1 when fn asked to stop, -1 on error (logged).
	 * NULL: the store keeps nothing on the server (cookie). */
	int (*walk)(struct store *st, time_t now, store_walk_fn *fn, void *ctx);
	/* The per-user index (NULL in a store that has none: cookie).
	 * revoke_user: every live session of the user u becomes a tombstone,
	 * but the one whose record is named keep (NULL: none); how many, or
	 * -1 or STORE_UNAVAILABLE (logged).  revoke_all: every live session
	 * ends (the logged-in ones become tombstones, the others are
	 * removed); how many, or -1 / STORE_UNAVAILABLE.  list_user: fn for
	 * each live session of u; 0, fn's non-zero, or -1 /
	 * STORE_UNAVAILABLE.  user_count: users with a live session, or -1 /
	 * STORE_UNAVAILABLE. */
	long (*revoke_user)(struct store *st, const struct user_hashes *u,
	    const char *keep, time_t now);
	long (*revoke_all)(struct store *st, time_t now);
	int (*list_user)(struct store *st, const struct user_hashes *u,
	    time_t now, user_session_fn *fn, void *ctx);
	long (*user_count)(struct store *st, time_t now);
	void (*close)(struct store *st);
	/* Failed logins of the built-in login (login.c), kept where every
	 * worker, and every machine of a shared store, sees them.  name is
	 * fail_name()'s (it tells no user name or address).  how: 0 read,
	 * 1 count one more failure at now, -1 forget them (a login that
	 * succeeded).  A count is forgotten ttl seconds after its last
	 * failure.  0 with *count and *last (0, 0 when none), -1 on a fault
	 * (logged), STORE_UNAVAILABLE.  NULL: the backend keeps nothing on
	 * a server (cookie), and -t refuses the login form with it. */
	int (*fail_count)(struct store *st, const char *name, int how,
	    time_t now, long ttl, long *count, time_t *last);
};

/* cookie_load and cookie_value of a store that keeps the sessions
 * itself (file, redis): the cookie holds the id, sealed (crypto.h),
 * COOKIE_VALUE_LEN chars. */
int store_id_cookie_load(struct store *st, const struct keyset *ks,
    const char *value, size_t vlen, time_t now, struct record_ref *ref,
    struct stored *out);
long store_id_cookie_value(struct store *st, const struct keys *k,
    const uint8_t *id, const struct commit_plan *plan, char *out, size_t cap,
    char *err, size_t errlen);

/* The backend called name, or NULL. */
const struct store_ops *store_find(const char *name);

/* A config_check_fn: [session] store names a backend, and that backend's
 * own keys are right; what the file left to the backend gets its
 * default (absolute_timeout_default). */
void store_config_check(struct config *cfg, config_report_fn *report,
    void *ctx);

extern const struct store_ops store_file_ops;
/* Built without hiredis, only its check and open, which say so. */
extern const struct store_ops store_redis_ops;
extern const struct store_ops store_cookie_ops;

#endif
