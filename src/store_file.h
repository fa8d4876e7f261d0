/* store_file.h — what the file store's two files share: store_file.c
 * (records, commit, GC) and store_file_index.c (the per-user index,
 * revocation, listing).  Nothing else includes it. */
#ifndef SW_STORE_FILE_H
#define SW_STORE_FILE_H

#include <time.h>

#include "store.h"

struct file_store {
	struct store base;
	int dirfd;
	char *dir;
};

/* The shard directory's fd; with create, make it if missing.  -2 when
 * it does not exist and create is off, -1 on error (logged). */
int shard_open(struct file_store *fs, const char *shard, int create);

/* Take the shard's lock (op: LOCK_EX or LOCK_SH); returns the lock fd
 * (close to release) or -1. */
int shard_lock(struct file_store *fs, int shardfd, const char *shard, int op);

/* The index (store_file_index.c).  An entry is the file
 * <dir>/users/<user hash>/<record name>, holding the record's revocation
 * tombstone (record.h); commits make and remove entries under the lock
 * of the record's shard, in the same hold as the record's write, so that
 * whoever takes that lock sees an entry and its record agree. */
int findex_add(struct file_store *fs, const struct index_entry *e, int known);
int findex_remove(struct file_store *fs, const struct index_entry *e);
/* Entries whose record is gone or dead, and empty user directories:
 * how many entries were removed, or -1.  Called by file_gc. */
long findex_gc(struct file_store *fs, time_t now);

long findex_revoke_user(struct store *st, const struct user_hashes *u,
    const char *keep, time_t now);
long findex_revoke_all(struct store *st, time_t now);
int findex_list_user(struct store *st, const struct user_hashes *u,
    time_t now, user_session_fn *fn, void *ctx);
long findex_user_count(struct store *st, time_t now);

#endif
