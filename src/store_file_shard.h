/* store_file_shard.h — the file store itself (struct file_store) and its
 * shard directories and their locks: what store_file.c (records, commit,
 * GC) and store_file_index.c (the per-user index) both use.  Nothing
 * outside the file store includes it. */
#ifndef SW_STORE_FILE_SHARD_H
#define SW_STORE_FILE_SHARD_H

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

/* Whether s is exactly len lower-case hex digits: the names of records,
 * shards and index entries (anything else in the store is not ours). */
int shard_hex_name(const char *s, size_t len);

#endif
