/* store_file_index.h — the file store's per-user index
 * (store_file_index.c), used by store_file.c's commit, GC and ops. */
#ifndef SW_STORE_FILE_INDEX_H
#define SW_STORE_FILE_INDEX_H

#include <time.h>

#include "store.h"
#include "store_file_shard.h"

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
