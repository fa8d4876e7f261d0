/* session.h — the session model (pure: memory only, no I/O): a map of
 * keys to values kept in byte order, the pending flash messages, the
 * metadata, and the change log a request's directives make. */
#ifndef SW_SESSION_H
#define SW_SESSION_H

#include <stddef.h>
#include <stdint.h>

struct session_item {
	char *key;                /* NUL-terminated copies; no NUL inside */
	size_t klen;
	char *value;
	size_t vlen;
};

struct session_flash {
	uint64_t seq;             /* order of adding; consumed up to a seq */
	char *category;
	size_t clen;
	char *message;
	size_t mlen;
};

struct session {
	struct session_item *items;  /* sorted by key, bytewise */
	size_t nitems, itemcap;
	struct session_flash *flashes;   /* in order of seq */
	size_t nflashes, flashcap;
	uint64_t next_flash_seq;
	int permanent;
	uint64_t created;         /* unix seconds */
};

void session_init(struct session *s);
void session_free(struct session *s);     /* leaves s initialised, empty */

const struct session_item *session_get(const struct session *s, const char *key,
    size_t klen);
/* 0, or -1 out of memory (s unchanged). */
int session_set(struct session *s, const char *key, size_t klen,
    const char *value, size_t vlen);
void session_unset(struct session *s, const char *key, size_t klen);
/* Remove every key and flash; the session starts afresh at now. */
void session_clear(struct session *s, uint64_t now);

/* Queue a flash with the next sequence number.  0 or -1 (memory). */
int session_flash_add(struct session *s, const char *category, size_t clen,
    const char *message, size_t mlen);
/* Append a flash with a known seq (seq above every queued one).  0 or -1. */
int session_flash_append(struct session *s, uint64_t seq, const char *category,
    size_t clen, const char *message, size_t mlen);
/* Drop the flashes with seq <= upto. */
void session_flash_consume(struct session *s, uint64_t upto);

int session_is_empty(const struct session *s);

/* The data form-encoded ("a=1&b=2", keys in order) and the flashes
 * form-encoded ("category=message&..."): lengths, and writers into a
 * buffer of that length + 1 (NUL-terminated). */
size_t session_data_form_len(const struct session *s);
void session_data_form(const struct session *s, char *dst);
size_t session_flash_form_len(const struct session *s);
void session_flash_form(const struct session *s, char *dst);

/* What max_size limits: both forms together. */
size_t session_encoded_size(const struct session *s);

/* One change a request asked for, kept in order. */
enum change_kind {
	CHANGE_SET,               /* key = value */
	CHANGE_UNSET,             /* key */
	CHANGE_CLEAR,
	CHANGE_REGENERATE,
	CHANGE_PERMANENT,         /* n = 0 or 1 */
	CHANGE_FLASH,             /* key = category, value = message */
	CHANGE_CONSUME_FLASHES,   /* n = highest seq delivered */
	CHANGE_REVOKE_OTHERS,     /* end the user's other sessions (done
	                             after the commit: the session itself
	                             does not change) */
};

struct change {
	enum change_kind kind;
	char *key;
	size_t klen;
	char *value;
	size_t vlen;
	uint64_t n;
};

struct changelog {
	struct change *changes;
	size_t nchanges, cap;
	int ndirectives;          /* headers seen, for MAX_DIRECTIVES */
	int nflashes;             /* CHANGE_FLASH entries */
};

void changelog_init(struct changelog *log);
void changelog_free(struct changelog *log);
/* Append a change (key/value copied; NULL/0 when unused).  0 or -1. */
int changelog_add(struct changelog *log, enum change_kind kind,
    const char *key, size_t klen, const char *value, size_t vlen, uint64_t n);

/* Drop the changes after the first n (a directive that failed half-way). */
void changelog_truncate(struct changelog *log, size_t n);

struct replay_outcome {
	int cleared;              /* a CLEAR ran: the old record dies */
	int regenerated;          /* a REGENERATE ran: new id */
	int changed;              /* s differs from what it was (a key set
	                             to the value it had changes nothing) */
};

/* Apply log, in order, onto s (the session as stored now: keys the log
 * does not touch keep their values).  now is the creation time of a
 * session started afresh by CLEAR.  0, or -1 out of memory (s is then
 * partly changed: throw it away). */
int changelog_replay(const struct changelog *log, struct session *s,
    uint64_t now, struct replay_outcome *out);

#endif
