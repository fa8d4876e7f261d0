/* store_file_index.c — the file store's per-user index (store.h), and
 * what it is for: revoking a user's sessions or all of them, listing a
 * user's sessions, counting the users logged in.
 *
 *   <dir>/users/<user hash>/<record name>   one entry: the revocation
 *                                           tombstone of that record
 *
 * The user hash is user_hash() of the login value, the record name the
 * record's file name: neither reveals a name or an id.  An entry is
 * made and removed by a commit under the lock of its record's shard, in
 * the same hold as the record's write (store_file.c), and revocation and
 * GC look at a record under that lock too: so an entry seen whose record
 * is missing is a stale one, never a commit half done.  Nothing here
 * decrypts: whether a record is live is in its clear header and mtime. */
#include "store_file_index.h"
#include "store_file_shard.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "record.h"
#include "slots.h"

#define USERS_DIR      "users"
#define REVOKE_PASSES  4       /* a session regenerated while revoked */
#define ADD_ATTEMPTS   3       /* GC may remove an empty user directory */
#define REVOKE_BATCH   32      /* records checked per hold of a shard lock */

/* A directory below dirfd (made when create): its fd, -2 when missing,
 * -1 on error (logged). */
static int
dir_open(struct file_store *fs, int dirfd, const char *name, int create)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);

	if (fd < 0 && errno == ENOENT && create) {
		if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST) {
			log_error("session store %s: index: mkdir %s: %s", fs->dir,
			    name, strerror(errno));
			return -1;
		}
		fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
	}
	if (fd < 0 && errno == ENOENT)
		return -2;
	if (fd < 0)
		log_error("session store %s: index: %s: %s", fs->dir, name,
		    strerror(errno));
	return fd;
}

/* The directory of user hash uh. */
static int
user_dir_open(struct file_store *fs, const char *uh, int create)
{
	int users = dir_open(fs, fs->dirfd, USERS_DIR, create), fd;

	if (users < 0)
		return users;
	fd = dir_open(fs, users, uh, create);
	close(users);
	return fd;
}

/* The names of length len (hex) in the directory fd (which stays open):
 * a malloc'd array of *n, or NULL with *n 0 (none, or out of memory:
 * -1 in *n). */
static char (*names_of(int fd, size_t len, size_t *n))[RECORD_NAME_LEN + 1]
{
	char (*v)[RECORD_NAME_LEN + 1] = NULL;
	size_t cap = 0;
	struct dirent *de;
	DIR *d;
	int dfd = dup(fd);

	*n = 0;
	if (dfd < 0 || (d = fdopendir(dfd)) == NULL) {
		if (dfd >= 0)
			close(dfd);
		*n = (size_t)-1;
		return NULL;
	}
	while ((de = readdir(d)) != NULL) {
		if (!shard_hex_name(de->d_name, len))
			continue;
		if (*n == cap) {
			size_t ncap = cap ? 2 * cap : 16;
			void *g = realloc(v, ncap * sizeof(*v));
			if (g == NULL) {
				free(v);
				closedir(d);
				*n = (size_t)-1;
				return NULL;
			}
			v = g;
			cap = ncap;
		}
		memcpy(v[(*n)++], de->d_name, len + 1);
	}
	closedir(d);
	return v;
}

/* What a record's clear headers say, read without a key. */
struct peek {
	int found;                      /* a record file with a header */
	struct record_header h;         /* of the slot with the highest seq */
	time_t mtime;                   /* its last access */
};

/* Read the headers of the record name in shardfd.  0 (pk->found says
 * whether there is one), or -1 for a failure of the store (logged). */
static int
peek_record(struct file_store *fs, int shardfd, const char *name,
    struct peek *pk)
{
	uint8_t buf[RECORD_HEADER_LEN];
	struct stat st;
	size_t slot_size;
	int fd;

	memset(pk, 0, sizeof(*pk));
	fd = openat(shardfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT || errno == ELOOP)
			return 0;
		log_error("session record %s/%.2s/%s: %s", fs->dir, name, name,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (slot_size = record_file_slot_size((uint64_t)st.st_size)) > 0) {
		for (int i = 0; i < RECORD_SLOTS; i++) {
			struct record_header h;
			const char *why;

			if (pread(fd, buf, sizeof(buf), (off_t)i * (off_t)slot_size) !=
			    (ssize_t)sizeof(buf) ||
			    record_header_decode(buf, sizeof(buf), &h, &why) < 0)
				continue;
			if (!pk->found || h.seq > pk->h.seq)
				pk->h = h;
			pk->found = 1;
		}
		pk->mtime = st.st_mtime;
	}
	close(fd);
	return 0;
}

static int
peek_live(const struct config *cfg, const struct peek *pk, time_t now)
{
	return pk->found && pk->h.kind == RECORD_LIVE &&
	    !record_expired(cfg, pk->h.permanent, pk->h.created, pk->mtime, now);
}

int
findex_add(struct file_store *fs, const struct index_entry *e, int known)
{
	char uh[USER_HASH_LEN + 1], name[RECORD_NAME_LEN + 1];
	uint8_t entry[INDEX_ENTRY_LEN];
	int udfd = -1, fd = -1, rc = -1;

	user_hash(e->k, e->user, e->ulen, uh);
	record_name(e->k, e->id, name);
	if (record_revoke_tombstone(entry, e->k, e->id) < 0) {
		log_error("session store %s: index: out of memory", fs->dir);
		return -1;
	}
	for (int attempt = 0; attempt < ADD_ATTEMPTS && fd < 0; attempt++) {
		if (udfd >= 0)
			close(udfd);
		if ((udfd = user_dir_open(fs, uh, 1)) < 0)
			goto out;
		if (known && faccessat(udfd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
			rc = 0;
			goto out;
		}
		/* ENOENT: GC removed the (empty) directory meanwhile. */
		fd = openat(udfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
		if (fd < 0 && errno != ENOENT)
			break;
	}
	if (fd < 0 || write(fd, entry, sizeof(entry)) != (ssize_t)sizeof(entry) ||
	    (fs->base.cfg->fsync && (fsync(fd) < 0 || fsync(udfd) < 0))) {
		log_error("session store %s: index entry %s/%s/%s: %s", fs->dir,
		    USERS_DIR, uh, name, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (udfd >= 0)
		close(udfd);
	return rc;
}

int
findex_remove(struct file_store *fs, const struct index_entry *e)
{
	char uh[USER_HASH_LEN + 1], name[RECORD_NAME_LEN + 1];
	int udfd, rc = 0;

	user_hash(e->k, e->user, e->ulen, uh);
	record_name(e->k, e->id, name);
	if ((udfd = user_dir_open(fs, uh, 0)) < 0)
		return udfd == -2 ? 0 : -1;
	if (unlinkat(udfd, name, 0) < 0 && errno != ENOENT) {
		log_error("session store %s: index entry %s/%s/%s: unlink: %s",
		    fs->dir, USERS_DIR, uh, name, strerror(errno));
		rc = -1;
	}
	close(udfd);
	return rc;
}

/* The entry name in udfd: 1 with its tombstone in entry, 0 when it does
 * not hold one (a damaged file). */
static int
entry_read(int udfd, const char *name, uint8_t entry[INDEX_ENTRY_LEN])
{
	struct record_header h;
	const char *why;
	int fd = openat(udfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, entry, INDEX_ENTRY_LEN);
	close(fd);
	return n == INDEX_ENTRY_LEN &&
	    record_header_decode(entry, INDEX_ENTRY_LEN, &h, &why) == 0 &&
	    h.kind == RECORD_TOMBSTONE && h.seq == REVOKE_SEQ;
}

/* Put the tombstone entry over the record name (the shard's lock held):
 * into each slot, the rest of the slot zeroed (what the slot held is
 * gone from the disk), mtime now (the start of its grace period).  Its
 * seq beats every version: after the first write, readers see it. */
static int
tombstone_over(struct file_store *fs, int shardfd, const char *name,
    const uint8_t entry[INDEX_ENTRY_LEN], time_t now)
{
	struct timespec times[2] = { { now, 0 }, { now, 0 } };
	struct stat st;
	size_t slot_size;
	uint8_t *buf = NULL;
	int fd, rc = -1;

	fd = openat(shardfd, name, O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) < 0 ||
	    (slot_size = record_file_slot_size((uint64_t)st.st_size)) == 0 ||
	    (buf = calloc(1, slot_size)) == NULL)
		goto out;
	memcpy(buf, entry, INDEX_ENTRY_LEN);
	for (int i = 0; i < RECORD_SLOTS; i++)
		if (pwrite(fd, buf, slot_size, (off_t)i * (off_t)slot_size) !=
		    (ssize_t)slot_size)
			goto out;
	if (futimens(fd, times) < 0 ||
	    (fs->base.cfg->fsync && fdatasync(fd) < 0))
		goto out;
	rc = 0;
out:
	if (rc < 0)
		log_error("session record %s/%.2s/%s: revoke: %s", fs->dir, name,
		    name, strerror(errno));
	free(buf);
	if (fd >= 0)
		close(fd);
	return rc;
}

/* End the live record of the entry name of udfd, under its shard's lock,
 * and remove the entry (its record is dead or gone by then).  1 when a
 * live session ended, 0 when there was none, -1 on error. */
static int
revoke_entry(struct file_store *fs, int udfd, const char *name, time_t now)
{
	uint8_t entry[INDEX_ENTRY_LEN];
	char shard[3] = { name[0], name[1], '\0' };
	struct peek pk;
	int shardfd, lockfd, ended = 0, have = entry_read(udfd, name, entry);

	if ((shardfd = shard_open(fs, shard, 0)) == -2) {
		unlinkat(udfd, name, 0);
		return 0;
	}
	if (shardfd < 0)
		return -1;
	if ((lockfd = shard_lock(fs, shardfd, shard, LOCK_EX)) < 0) {
		close(shardfd);
		return -1;
	}
	if (peek_record(fs, shardfd, name, &pk) < 0) {
		ended = -1;
	} else if (peek_live(fs->base.cfg, &pk, now)) {
		/* A damaged entry: the record goes (a request in flight then
		 * makes a new session, without the old one's keys). */
		if (have ? tombstone_over(fs, shardfd, name, entry, now) :
		    unlinkat(shardfd, name, 0))
			ended = -1;
		else
			ended = 1;
	}
	if (ended >= 0)
		unlinkat(udfd, name, 0);
	close(lockfd);
	close(shardfd);
	return ended;
}

/* revoke_entry for each entry of udfd but keep; adds to *count. */
static int
revoke_dir(struct file_store *fs, int udfd, const char *keep, time_t now,
    long *count)
{
	size_t n;
	char (*names)[RECORD_NAME_LEN + 1] = names_of(udfd, RECORD_NAME_LEN, &n);
	int rc = 0;

	if (n == (size_t)-1) {
		log_error("session store %s: index: %s", fs->dir, strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		int r;

		if (keep != NULL && strcmp(names[i], keep) == 0)
			continue;
		if ((r = revoke_entry(fs, udfd, names[i], now)) < 0)
			rc = -1;
		else
			*count += r;
	}
	free(names);
	return rc;
}

long
findex_revoke_user(struct store *st, const struct user_hashes *u,
    const char *keep, time_t now)
{
	struct file_store *fs = (struct file_store *)st;
	long total = 0;

	/* A session of the user regenerated (a new record, a new entry)
	 * while a pass ran is found by the next pass.  A pass may end
	 * nothing because the entry it read had just been left behind by
	 * such a regenerate (its successor's entry written in the same hold
	 * of the shard lock): only a second pass in a row that ends nothing
	 * says that nothing is left. */
	int quiet = 0;

	for (int pass = 0; pass < REVOKE_PASSES; pass++) {
		long ended = 0;

		for (int i = 0; i < u->n; i++) {
			int udfd = user_dir_open(fs, u->h[i], 0);
			int rc;

			if (udfd == -2)
				continue;
			if (udfd < 0)
				return -1;
			rc = revoke_dir(fs, udfd, keep, now, &ended);
			close(udfd);
			if (rc < 0)
				return -1;
		}
		total += ended;
		quiet = ended == 0 ? quiet + 1 : 0;
		if (quiet == 2)
			break;
	}
	return total;
}

/* The user hashes of the index: an array of *n, or NULL (-1 in *n on
 * error, logged). */
static char (*index_users(struct file_store *fs, size_t *n))[RECORD_NAME_LEN + 1]
{
	int users = dir_open(fs, fs->dirfd, USERS_DIR, 0);
	char (*v)[RECORD_NAME_LEN + 1];

	*n = 0;
	if (users == -2)
		return NULL;
	if (users < 0) {
		*n = (size_t)-1;
		return NULL;
	}
	v = names_of(users, USER_HASH_LEN, n);
	if (*n == (size_t)-1)
		log_error("session store %s: index: %s", fs->dir, strerror(errno));
	close(users);
	return v;
}

/* Remove the live records of shard that have no tombstone yet (the
 * sessions without a login): checked again under the lock. */
static long
remove_live(struct file_store *fs, const char *shard, time_t now)
{
	size_t n;
	char (*names)[RECORD_NAME_LEN + 1];
	int shardfd = shard_open(fs, shard, 0), lockfd = -1;
	long removed = 0;

	if (shardfd == -2)
		return 0;
	if (shardfd < 0)
		return -1;
	names = names_of(shardfd, RECORD_NAME_LEN, &n);
	if (n == (size_t)-1) {
		close(shardfd);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		struct peek pk;

		/* The lock is let go between batches: commits wait little. */
		if (i % REVOKE_BATCH == 0) {
			if (lockfd >= 0)
				close(lockfd);
			if ((lockfd = shard_lock(fs, shardfd, shard, LOCK_EX)) < 0) {
				removed = -1;
				break;
			}
		}
		if (peek_record(fs, shardfd, names[i], &pk) == 0 &&
		    peek_live(fs->base.cfg, &pk, now) &&
		    unlinkat(shardfd, names[i], 0) == 0)
			removed++;
	}
	if (lockfd >= 0)
		close(lockfd);
	free(names);
	close(shardfd);
	return removed;
}

long
findex_revoke_all(struct store *st, time_t now)
{
	struct file_store *fs = (struct file_store *)st;
	static const char hex[] = "0123456789abcdef";
	size_t n;
	char (*users)[RECORD_NAME_LEN + 1] = index_users(fs, &n);
	long total = 0;

	if (n == (size_t)-1)
		return -1;
	/* The logged-in sessions first, as tombstones: a request in flight
	 * commits nothing into them. */
	for (size_t i = 0; i < n; i++) {
		int udfd = user_dir_open(fs, users[i], 0);

		if (udfd == -2)
			continue;
		if (udfd < 0 || revoke_dir(fs, udfd, NULL, now, &total) < 0) {
			if (udfd >= 0)
				close(udfd);
			free(users);
			return -1;
		}
		close(udfd);
	}
	free(users);
	/* Then every other live record: sessions without a login (or logged
	 * in since): removed, as no tombstone can be sealed without an id. */
	for (int i = 0; i < 256; i++) {
		char shard[3] = { hex[i >> 4], hex[i & 15], '\0' };
		long r = remove_live(fs, shard, now);

		if (r < 0)
			return -1;
		total += r;
	}
	return total;
}

int
findex_list_user(struct store *st, const struct user_hashes *u, time_t now,
    user_session_fn *fn, void *ctx)
{
	struct file_store *fs = (struct file_store *)st;
	int rc = 0;

	for (int i = 0; i < u->n && rc == 0; i++) {
		int udfd = user_dir_open(fs, u->h[i], 0);
		char (*names)[RECORD_NAME_LEN + 1];
		size_t n;

		if (udfd == -2)
			continue;
		if (udfd < 0)
			return -1;
		names = names_of(udfd, RECORD_NAME_LEN, &n);
		close(udfd);
		if (n == (size_t)-1)
			return -1;
		for (size_t j = 0; j < n && rc == 0; j++) {
			char shard[3] = { names[j][0], names[j][1], '\0' };
			int shardfd = shard_open(fs, shard, 0);
			struct peek pk;

			if (shardfd == -2)
				continue;
			if (shardfd < 0 || peek_record(fs, shardfd, names[j], &pk) < 0)
				rc = -1;
			else if (peek_live(st->cfg, &pk, now)) {
				struct user_session us = {
					.created = pk.h.created,
					.last_seen = pk.mtime,
					.permanent = pk.h.permanent,
					.deadline = record_deadline(st->cfg,
					    pk.h.permanent, pk.h.created, pk.mtime),
				};
				rc = fn(ctx, &us);
			}
			if (shardfd >= 0)
				close(shardfd);
		}
		free(names);
	}
	return rc;
}

/* Whether the user directory uh has an entry with a live record. */
static int
user_live(struct file_store *fs, const char *uh, time_t now)
{
	int udfd = user_dir_open(fs, uh, 0), live = 0;
	char (*names)[RECORD_NAME_LEN + 1];
	size_t n;

	if (udfd < 0)
		return udfd == -2 ? 0 : -1;
	names = names_of(udfd, RECORD_NAME_LEN, &n);
	close(udfd);
	if (n == (size_t)-1)
		return -1;
	for (size_t j = 0; j < n && !live; j++) {
		char shard[3] = { names[j][0], names[j][1], '\0' };
		int shardfd = shard_open(fs, shard, 0);
		struct peek pk;

		if (shardfd < 0)
			continue;
		live = peek_record(fs, shardfd, names[j], &pk) == 0 &&
		    peek_live(fs->base.cfg, &pk, now);
		close(shardfd);
	}
	free(names);
	return live;
}

long
findex_user_count(struct store *st, time_t now)
{
	struct file_store *fs = (struct file_store *)st;
	size_t n;
	char (*users)[RECORD_NAME_LEN + 1] = index_users(fs, &n);
	long count = 0;

	if (n == (size_t)-1)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int r = user_live(fs, users[i], now);

		if (r < 0) {
			count = -1;
			break;
		}
		count += r;
	}
	free(users);
	return count;
}

/* GC of one user directory: entries whose record is gone or dead,
 * checked again under the record shard's lock (a commit makes an entry
 * and its record in one hold of it). */
static long
gc_user(struct file_store *fs, int users, const char *uh, time_t now)
{
	int udfd = dir_open(fs, users, uh, 0);
	char (*names)[RECORD_NAME_LEN + 1];
	long removed = 0;
	size_t n;

	if (udfd < 0)
		return udfd == -2 ? 0 : -1;
	names = names_of(udfd, RECORD_NAME_LEN, &n);
	if (n == (size_t)-1) {
		close(udfd);
		return -1;
	}
	for (size_t j = 0; j < n; j++) {
		char shard[3] = { names[j][0], names[j][1], '\0' };
		int shardfd = shard_open(fs, shard, 0), lockfd;
		struct peek pk;

		if (shardfd >= 0 && peek_record(fs, shardfd, names[j], &pk) == 0 &&
		    peek_live(fs->base.cfg, &pk, now)) {
			close(shardfd);
			continue;
		}
		if (shardfd == -2) {
			/* (A commit makes the shard before the entry.) */
			if (unlinkat(udfd, names[j], 0) == 0)
				removed++;
			continue;
		}
		if (shardfd < 0)
			continue;
		if ((lockfd = shard_lock(fs, shardfd, shard, LOCK_EX)) >= 0) {
			if (peek_record(fs, shardfd, names[j], &pk) == 0 &&
			    !peek_live(fs->base.cfg, &pk, now) &&
			    unlinkat(udfd, names[j], 0) == 0)
				removed++;
			close(lockfd);
		}
		close(shardfd);
	}
	free(names);
	close(udfd);
	/* Empty: it goes (a commit adding to it meanwhile makes it again). */
	unlinkat(users, uh, AT_REMOVEDIR);
	return removed;
}

long
findex_gc(struct file_store *fs, time_t now)
{
	int users = dir_open(fs, fs->dirfd, USERS_DIR, 0);
	char (*names)[RECORD_NAME_LEN + 1];
	long removed = 0;
	size_t n;

	if (users == -2)
		return 0;
	if (users < 0)
		return -1;
	names = names_of(users, USER_HASH_LEN, &n);
	for (size_t i = 0; n != (size_t)-1 && i < n; i++) {
		long r = gc_user(fs, users, names[i], now);

		if (r < 0) {
			removed = -1;
			break;
		}
		removed += r;
	}
	if (n == (size_t)-1)
		removed = -1;
	free(names);
	close(users);
	if (removed < 0)
		log_error("session store %s: index gc failed", fs->dir);
	return removed;
}
