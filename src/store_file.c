/* store_file.c — the "file" store: one file per session.
 *
 *   <dir>/<shard>/<name>     record file; name = 64 hex of a keyed hash of
 *                            the id, shard = its first 2 hex (256 shards)
 *   <dir>/<shard>/.lock      flock'd: exclusively by a commit and by GC,
 *                            shared by a reader that keeps finding a slot
 *                            half-written
 *   <dir>/<shard>/.tmp-*     a new file being written (renamed over the
 *                            record)
 *
 * A record file has two slots (slots.h), each holding a sealed version
 * (record.h) or zeros.  A commit that changes a live
 * record writes the new version in place, into the slot that does not
 * hold the current one (+ fdatasync when [session] fsync is on): no new
 * inode, one disk flush, and a kill -9 or a power cut in the middle leaves
 * the current version whole.  A tombstone over a live record goes in
 * place too, into both slots.  A new record and a version too big for
 * its slot are a whole new file: temp file + rename (+ fsync of file and
 * directory).  Readers take no lock: each slot carries its own
 * AEAD tag; a reader takes the whole slot with the highest seq, and reads
 * again when a slot is half-written (a commit in progress), so it never
 * sees a version older than the one current when it began.  Directories
 * are 0700 and files 0600, every open uses O_NOFOLLOW.  A record's mtime
 * is its last access: a touch moves it without a write.  A file that
 * cannot be read as a record is logged and treated as absent.
 *
 * GC and walk (sessionctl stats) read only clear headers, a shard's
 * files in inode order; GC finds the dead without the lock, then under
 * it removes each one still as it was seen (same inode, ctime, mtime),
 * or looks at it again. */
#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "record.h"
#include "slots.h"
#include "store_file_index.h"
#include "store_file_shard.h"

#define TEMP_PREFIX      ".tmp-"
#define TEMP_MAX_AGE     3600          /* older temp files are left-overs */
#define UNLOCKED_READS   3             /* then a reader takes the lock */
#define GC_BATCH         32            /* removals per hold of a shard lock */
#define GC_READ_MAX      8192          /* GC reads files this small whole */
#define GC_THREADS_MAX   4

/* One record's place: its name and shard directory. */
struct place {
	char name[RECORD_NAME_LEN + 1];
	char shard[3];
};

/* What a read under the commit lock leaves for an update in place: the
 * live record file, open, and where its next version goes. */
struct target {
	int fd;                         /* -1: no record to update in place */
	struct place pl;                /* its name, for the log */
	size_t slot_size;
	int next;                       /* the slot to write */
	uint64_t seq;                   /* of the current version */
};

static void
place_of(struct place *pl, const struct keys *k, const uint8_t *id)
{
	record_name(k, id, pl->name);
	memcpy(pl->shard, pl->name, 2);
	pl->shard[2] = '\0';
}

static int
pread_all(int fd, uint8_t *buf, size_t len, off_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, buf + done, len - done, off + (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	return 0;
}

static int
pwrite_all(int fd, const uint8_t *buf, size_t len, off_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pwrite(fd, buf + done, len - done, off + (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		done += (size_t)n;
	}
	return 0;
}

/* The current version of a record file, as read. */
struct current {
	int slot;                       /* -1: no slot holds a whole version */
	struct record_header h;
	uint8_t *plain;                 /* its payload, h.plen bytes */
	int torn;                       /* a slot is neither zero nor whole */
};

static void
current_free(struct current *c)
{
	record_plain_free(c->plain, c->h.plen);
	c->plain = NULL;
	c->slot = -1;
}

/* One slot of slot_size bytes: 1 when it holds a whole version (header in
 * *h, payload decrypted into *plain), 0 when it is all zero, -1 when it
 * is neither (half-written, tampered, foreign). */
static int
slot_open(const uint8_t *slot, size_t slot_size, const uint8_t *key,
    struct record_header *h, uint8_t **plain)
{
	const char *why;
	int r;

	*plain = NULL;
	if ((r = record_slot_parse(slot, slot_size, h, &why)) <= 0)
		return r;
	return record_open(slot, slot_size, key, h, plain);
}

/* Find the current version among the slots of file. */
static void
slots_scan(const uint8_t *file, size_t slot_size, const uint8_t *key,
    struct current *c)
{
	c->slot = -1;
	c->plain = NULL;
	c->torn = 0;
	for (int i = 0; i < RECORD_SLOTS; i++) {
		struct record_header h;
		uint8_t *plain;
		int r = slot_open(file + (size_t)i * slot_size, slot_size, key, &h,
		    &plain);

		if (r < 0)
			c->torn = 1;
		if (r <= 0)
			continue;
		if (c->slot < 0 || h.seq > c->h.seq) {
			current_free(c);
			c->slot = i;
			c->h = h;
			c->plain = plain;
		} else {
			record_plain_free(plain, h.plen);
		}
	}
}

/* Open the record file at pl (for writing too with writable): its fd
 * and size, and the size of its slots.  1 when it is there, 0 when it
 * is not a record file (*why says why, or NULL: it does not exist), -1
 * for a failure of the store itself (logged). */
static int
record_file_open(struct file_store *fs, int shardfd, const struct place *pl,
    int writable, int *fd, struct stat *st, size_t *slot_size,
    const char **why)
{
	*fd = openat(shardfd, pl->name, (writable ? O_RDWR : O_RDONLY) |
	    O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (*fd < 0) {
		if (errno == ENOENT)
			return 0;
		if (errno == ELOOP || errno == EISDIR) {
			/* (A commit opens for writing: a directory fails here.) */
			*why = errno == ELOOP ? "is a symlink" : "not a regular file";
			return 0;
		}
		log_error("session record %s/%s/%s: %s", fs->dir, pl->shard,
		    pl->name, strerror(errno));
		return -1;
	}
	if (fstat(*fd, st) < 0) {
		log_error("session record %s/%s/%s: %s", fs->dir, pl->shard,
		    pl->name, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		*why = "not a regular file";
		return 0;
	}
	/* The size is the inode's for good: versions are written in place,
	 * a bigger record is a new file. */
	if ((*slot_size = record_file_slot_size((uint64_t)st->st_size)) == 0) {
		*why = "not the size of a record file";
		return 0;
	}
	return 1;
}

/* Read the file's slots (size bytes into file) and find the current
 * version in *cur.  A slot being written by a commit is read again, at
 * last under the shard's lock (commits hold it while they write), unless
 * the caller holds it already (locked): then a half-written slot is one
 * a crash left.  0, or -1 (*why set, or a failure of the store logged
 * and *why NULL). */
static int
record_scan(struct file_store *fs, int shardfd, const struct place *pl,
    int fd, uint8_t *file, size_t size, size_t slot_size, const uint8_t *key,
    int locked, struct current *cur, const char **why)
{
	int lockfd = -1, rc = 0;

	for (int attempt = 1;; attempt++) {
		if (pread_all(fd, file, size, 0) < 0) {
			*why = "short read";
			rc = -1;
			break;
		}
		slots_scan(file, slot_size, key, cur);
		if (!cur->torn || locked)
			break;
		current_free(cur);
		if (attempt == UNLOCKED_READS) {
			if ((lockfd = shard_lock(fs, shardfd, pl->shard,
			    LOCK_SH)) < 0) {
				rc = -1;
				break;
			}
			locked = 1;
		}
	}
	if (lockfd >= 0)
		close(lockfd);
	return rc;
}

/* Read the record at pl under k into *out.  Missing, broken, expired:
 * STORED_ABSENT.  -1 only for a failure of the store itself.  locked: the
 * caller holds the shard's lock.  With t (locked too), a live record
 * stays open in t. */
static int
record_read(struct file_store *fs, const struct place *pl, const struct keys *k,
    const uint8_t *id, time_t now, struct stored *out, int locked,
    struct target *t)
{
	struct current cur = { .slot = -1 };
	struct stat st;
	uint8_t key[AEAD_KEY_LEN], *file = NULL;
	const char *why = NULL;
	size_t slot_size = 0;
	int shardfd, fd = -1, rc;

	memset(out, 0, sizeof(*out));
	session_init(&out->sess);
	out->state = STORED_ABSENT;
	if ((shardfd = shard_open(fs, pl->shard, 0)) < 0)
		return shardfd == -2 ? 0 : -1;
	if ((rc = record_file_open(fs, shardfd, pl, t != NULL, &fd, &st,
	        &slot_size, &why)) <= 0)
		goto out;
	rc = -1;
	if ((file = malloc((size_t)st.st_size)) == NULL) {
		log_error("session record %s/%s/%s: out of memory", fs->dir,
		    pl->shard, pl->name);
		goto out;
	}
	record_key(k, id, key);
	if (record_scan(fs, shardfd, pl, fd, file, (size_t)st.st_size,
	        slot_size, key, locked, &cur, &why) < 0) {
		rc = why != NULL ? 0 : -1;
		goto out;
	}
	rc = 0;
	if (cur.slot < 0) {
		why = "no slot holds a whole record (foreign, tampered or "
		    "truncated)";
		goto out;
	}
	if (cur.torn)
		log_warn("session record %s/%s/%s: a slot does not verify (a "
		    "write cut short, or damage): version %llu is used", fs->dir,
		    pl->shard, pl->name, (unsigned long long)cur.h.seq);
	/* A record's last access is its file's mtime. */
	if (record_to_stored(fs->base.cfg, &cur.h, cur.plain, st.st_mtime, now,
	        out, &why) < 0 || out->state != STORED_LIVE)
		goto out;
	if (t != NULL) {
		t->fd = fd;
		fd = -1;
		t->pl = *pl;
		t->slot_size = slot_size;
		t->next = (cur.slot + 1) % RECORD_SLOTS;
		t->seq = cur.h.seq;
	}
out:
	if (why != NULL)
		log_warn("session record %s/%s/%s: %s: treated as absent", fs->dir,
		    pl->shard, pl->name, why);
	wipe(key, sizeof(key));
	current_free(&cur);
	free(file);
	if (fd >= 0)
		close(fd);
	close(shardfd);
	return rc;
}

/* Read ref's record: under the primary name, else under the old one.
 * With t, the caller holds the locks of both (ref_lock), and t is as for
 * record_read, for the primary name only. */
static int
ref_read(struct file_store *fs, const struct record_ref *ref, time_t now,
    struct stored *out, struct target *t)
{
	struct place pl;

	place_of(&pl, ref->keys, ref->id);
	if (record_read(fs, &pl, ref->keys, ref->id, now, out, t != NULL, t) < 0)
		return -1;
	if (out->state != STORED_ABSENT || ref->old_keys == NULL)
		return 0;
	place_of(&pl, ref->old_keys, ref->id);
	if (record_read(fs, &pl, ref->old_keys, ref->id, now, out, t != NULL,
	        NULL) < 0)
		return -1;
	out->under_old_name = out->state != STORED_ABSENT;
	return 0;
}

/* Put the file tmp in place of name, atomically: readers see the old or
 * the new record, never neither.  Over an existing record this swaps the
 * two names and unlinks the old file: ext4 forces the data of a file
 * renamed over another one to disk (auto_da_alloc), which costs ~150 us
 * even with [session] fsync off; an exchange does not. */
static int
replace_atomically(int shardfd, const char *tmp, const char *name)
{
#ifdef RENAME_EXCHANGE
	if (renameat2(shardfd, tmp, shardfd, name, RENAME_EXCHANGE) == 0) {
		/* tmp is the old record now; if this fails, GC removes it. */
		unlinkat(shardfd, tmp, 0);
		return 0;
	}
	if (errno != ENOENT && errno != EINVAL && errno != ENOSYS)
		return -1;
#endif
	return renameat(shardfd, tmp, shardfd, name);
}

/* Write id's record under k as a whole new file (sess NULL: a tombstone),
 * its first slot holding the version, atomically, with mtime now. */
static int
record_write(struct file_store *fs, const struct keys *k, const uint8_t *id,
    const struct session *sess, time_t now)
{
	const struct config *cfg = fs->base.cfg;
	struct place pl;
	char tmp[sizeof(TEMP_PREFIX) + 16];
	uint8_t *file = NULL, rnd[8];
	size_t flen;
	int shardfd, fd = -1, rc = -1, tmp_made = 0, renamed = 0;
	struct timespec times[2] = { { now, 0 }, { now, 0 } };

	place_of(&pl, k, id);
	if ((shardfd = shard_open(fs, pl.shard, 1)) < 0)
		return -1;
	flen = RECORD_SLOTS * record_slot_size(record_version_len(sess));
	if ((file = calloc(1, flen)) == NULL ||
	    record_seal(file, k, id, sess, 1) < 0) {
		log_error("session record %s/%s/%s: out of memory", fs->dir,
		    pl.shard, pl.name);
		goto out;
	}
	random_fill(rnd, sizeof(rnd));
	snprintf(tmp, sizeof(tmp), TEMP_PREFIX "%02x%02x%02x%02x%02x%02x%02x%02x",
	    rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
	fd = openat(shardfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	tmp_made = fd >= 0;
	if (fd < 0 || fchmod(fd, 0600) < 0 || pwrite_all(fd, file, flen, 0) < 0 ||
	    futimens(fd, times) < 0 || (cfg->fsync && fsync(fd) < 0)) {
		log_error("session record %s/%s/%s: %s", fs->dir, pl.shard, tmp,
		    strerror(errno));
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		log_error("session record %s/%s/%s: close: %s", fs->dir, pl.shard,
		    tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (replace_atomically(shardfd, tmp, pl.name) < 0) {
		log_error("session record %s/%s/%s: rename: %s", fs->dir,
		    pl.shard, pl.name, strerror(errno));
		goto out;
	}
	renamed = 1;
	if (cfg->fsync && fsync(shardfd) < 0) {
		log_error("session store %s/%s: fsync: %s", fs->dir, pl.shard,
		    strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (tmp_made && !renamed)
		unlinkat(shardfd, tmp, 0);
	free(file);
	close(shardfd);
	return rc;
}

/* Whether the mtime the kernel gave a write already says now (the
 * clock's seconds lag or lead the kernel's by less than one).  Then no
 * utimes is needed: it would change the inode again, and an inode
 * changed by more than a write's own timestamp update is written by
 * fdatasync on some file systems (a second disk write per commit). */
static int
mtime_is_now(const struct stat *st, time_t now)
{
	return st->st_mtime + 1 >= now && st->st_mtime <= now + 1;
}

/* Write the next version of the live record open in t, in place, with
 * mtime now.  0, 1 when it does not fit its slot (nothing written), -1
 * on error: the current version is untouched then. */
static int
record_update(struct file_store *fs, const struct keys *k, const uint8_t *id,
    const struct session *sess, const struct target *t, time_t now)
{
	struct timespec times[2] = { { now, 0 }, { now, 0 } };
	uint8_t *buf;
	struct stat st;
	size_t len;
	int rc = -1;

	if ((len = record_version_len(sess)) > t->slot_size)
		return 1;
	/* A tombstone fills its whole slot, zeros after it: what the slot
	 * held before, sealed or not, is gone from the disk. */
	if (sess == NULL)
		len = t->slot_size;
	if ((buf = calloc(1, len)) == NULL ||
	    record_seal(buf, k, id, sess, t->seq + 1) < 0) {
		log_error("session record %s/%s/%s: out of memory", fs->dir,
		    t->pl.shard, t->pl.name);
		goto out;
	}
	if (pwrite_all(t->fd, buf, len, (off_t)t->next * (off_t)t->slot_size) < 0 ||
	    fstat(t->fd, &st) < 0 ||
	    (!mtime_is_now(&st, now) && futimens(t->fd, times) < 0) ||
	    (fs->base.cfg->fsync && fdatasync(t->fd) < 0)) {
		log_error("session record %s/%s/%s: %s", fs->dir, t->pl.shard,
		    t->pl.name, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	free(buf);
	return rc;
}

/* Delete id's record under k (missing is fine). */
static int
record_remove(struct file_store *fs, const struct keys *k, const uint8_t *id)
{
	struct place pl;
	int shardfd, rc = 0;

	place_of(&pl, k, id);
	if ((shardfd = shard_open(fs, pl.shard, 0)) < 0)
		return shardfd == -2 ? 0 : -1;
	if (unlinkat(shardfd, pl.name, 0) < 0 && errno != ENOENT) {
		log_error("session record %s/%s/%s: unlink: %s", fs->dir,
		    pl.shard, pl.name, strerror(errno));
		rc = -1;
	} else if (fs->base.cfg->fsync)
		fsync(shardfd);
	close(shardfd);
	return rc;
}

static int
record_touch(struct file_store *fs, const struct keys *k, const uint8_t *id,
    time_t now)
{
	struct timespec times[2] = { { now, 0 }, { now, 0 } };
	struct place pl;
	int shardfd, rc = 0;

	place_of(&pl, k, id);
	if ((shardfd = shard_open(fs, pl.shard, 0)) < 0)
		return shardfd == -2 ? 0 : -1;
	if (utimensat(shardfd, pl.name, times, AT_SYMLINK_NOFOLLOW) < 0 &&
	    errno != ENOENT) {
		log_error("session record %s/%s/%s: touch: %s", fs->dir,
		    pl.shard, pl.name, strerror(errno));
		rc = -1;
	}
	close(shardfd);
	return rc;
}

/* The locks of a commit: ref's shard, the old name's shard when that is
 * another one, and the fresh id's shard when the commit may write a new
 * record (so that its index entry and the record are made in one hold of
 * that lock: store_file_index.h).  Taken in name order: no deadlock. */
struct ref_locks {
	int fd[3];
	int shardfd[3];
};

static void
ref_unlock(struct ref_locks *l)
{
	for (int i = 0; i < 3; i++) {
		if (l->fd[i] >= 0)
			close(l->fd[i]);
		if (l->shardfd[i] >= 0)
			close(l->shardfd[i]);
		l->fd[i] = l->shardfd[i] = -1;
	}
}

/* Lock the shards of ref (when ref_too) and of fresh (or NULL). */
static int
ref_lock(struct file_store *fs, const struct record_ref *ref, int ref_too,
    const uint8_t *fresh, struct ref_locks *l)
{
	struct place pl[3];
	int n = 0;

	for (int i = 0; i < 3; i++)
		l->fd[i] = l->shardfd[i] = -1;
	if (ref_too) {
		place_of(&pl[n++], ref->keys, ref->id);
		if (ref->old_keys != NULL)
			place_of(&pl[n++], ref->old_keys, ref->id);
	}
	if (fresh != NULL)
		place_of(&pl[n++], ref->keys, fresh);
	/* Sorted by shard, each shard once. */
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && strcmp(pl[j - 1].shard, pl[j].shard) > 0;
		    j--) {
			struct place t = pl[j];
			pl[j] = pl[j - 1];
			pl[j - 1] = t;
		}
	for (int i = 0, k = 0; i < n; i++) {
		if (i > 0 && strcmp(pl[i].shard, pl[i - 1].shard) == 0)
			continue;
		if ((l->shardfd[k] = shard_open(fs, pl[i].shard, 1)) < 0 ||
		    (l->fd[k] = shard_lock(fs, l->shardfd[k], pl[i].shard,
		    LOCK_EX)) < 0) {
			ref_unlock(l);
			return -1;
		}
		k++;
	}
	return 0;
}

/* Write ref's live record under its primary name: in place when it is
 * open in t and the version fits, else as a new file. */
static int
write_same(struct file_store *fs, const struct record_ref *ref,
    const struct session *sess, const struct target *t, time_t now)
{
	int rc = 1;

	if (t->fd >= 0)
		rc = record_update(fs, ref->keys, ref->id, sess, t, now);
	if (rc == 1)
		rc = record_write(fs, ref->keys, ref->id, sess, now);
	return rc;
}

/* Put a tombstone over ref's record.  When the live record is open in t,
 * in place, into one slot and then the other: a logout then needs no free
 * disk space (a full store must not keep anyone logged in), and no older
 * version stays on disk, even sealed.  A cut between the two writes
 * leaves the first tombstone current.  Else as a new file. */
static int
tombstone_write(struct file_store *fs, const struct record_ref *ref,
    const struct target *t, time_t now)
{
	struct target other;

	if (t->fd < 0)
		return record_write(fs, ref->keys, ref->id, NULL, now);
	/* (A tombstone, a header and a tag, fits any slot.) */
	if (record_update(fs, ref->keys, ref->id, NULL, t, now) != 0)
		return -1;
	other = *t;
	other.next = (t->next + 1) % RECORD_SLOTS;
	other.seq = t->seq + 1;
	/* Failed, it is logged; the session is dead all the same. */
	record_update(fs, ref->keys, ref->id, NULL, &other, now);
	return 0;
}

/* Carry out a plan (under ref's lock). */
static int
plan_execute(struct file_store *fs, const struct record_ref *ref,
    const struct commit_in *in, const struct commit_plan *p, int found_old,
    const struct target *t, time_t now)
{
	if (p->write_new &&
	    record_write(fs, ref->keys, in->fresh_id, &p->result, now) < 0)
		return -1;
	if (p->write_same && write_same(fs, ref, &p->result, t, now) < 0)
		return -1;
	if (p->tombstone_old && tombstone_write(fs, ref, t, now) < 0)
		return -1;
	if (p->remove_old && record_remove(fs, ref->keys, ref->id) < 0)
		return -1;
	if (p->remove_old_name && ref->old_keys != NULL &&
	    record_remove(fs, ref->old_keys, ref->id) < 0)
		return -1;
	if (p->touch && record_touch(fs, found_old ? ref->old_keys : ref->keys,
	        ref->id, now) < 0)
		return -1;
	return 0;
}

static int
file_commit(struct store *st, const struct record_ref *ref,
    const struct commit_in *in, time_t now, struct commit_plan *plan,
    char *err, size_t errlen)
{
	struct file_store *fs = (struct file_store *)st;
	struct ref_locks locks = { { -1, -1, -1 }, { -1, -1, -1 } };
	struct target t = { .fd = -1 };
	struct index_before before = { NULL, 0, 0 };
	struct index_plan ip;
	struct stored cur;
	int rc = -1;

	memset(&cur, 0, sizeof(cur));
	session_init(&cur.sess);
	memset(plan, 0, sizeof(*plan));
	/* Only a commit with changes can write a new record. */
	if (in->loaded && ref_lock(fs, ref, 1, in->log->nchanges > 0 ?
	    in->fresh_id : NULL, &locks) < 0) {
		snprintf(err, errlen, "session store %s: cannot lock the record "
		    "(see the log)", fs->dir);
		goto out;
	}
	if (in->loaded && ref_read(fs, ref, now, &cur, &t) < 0) {
		snprintf(err, errlen, "session store %s: cannot read the "
		    "record (see the log)", fs->dir);
		goto out;
	}
	if (index_before_take(st->cfg, &cur, &before) < 0) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (commit_plan_make(in, st->cfg, &cur, now, plan, err, errlen) < 0)
		goto out;
	index_plan_make(st->cfg, ref, in, &before, plan, &ip);
	/* A new session with a login: its shard's lock, the only one (a
	 * session that stays empty makes no directory). */
	if (!in->loaded && ip.add &&
	    ref_lock(fs, ref, 0, in->fresh_id, &locks) < 0) {
		snprintf(err, errlen, "session store %s: cannot lock the record "
		    "(see the log)", fs->dir);
		commit_plan_free(plan);
		goto out;
	}
	/* The entry before the record names its user: a crash in between
	 * leaves a stale entry, never a session revoke cannot find. */
	if ((ip.add && findex_add(fs, &ip.added, ip.add_known) < 0) ||
	    plan_execute(fs, ref, in, plan, cur.under_old_name, &t, now) < 0) {
		snprintf(err, errlen, "session store %s: cannot write the record "
		    "(see the log)", fs->dir);
		commit_plan_free(plan);    /* the caller frees only a success's */
		goto out;
	}
	/* (Failed, it is logged: a stale entry is for GC.) */
	for (int i = 0; i < ip.nremove; i++)
		findex_remove(fs, &ip.removed[i]);
	rc = 0;
out:
	if (t.fd >= 0)
		close(t.fd);
	ref_unlock(&locks);
	index_before_free(&before);
	stored_free(&cur);
	return rc;
}

static int
file_load(struct store *st, const struct record_ref *ref, time_t now,
    struct stored *out)
{
	return ref_read((struct file_store *)st, ref, now, out, NULL);
}

/* One file of a shard directory, as GC and walk take them. */
struct shard_entry {
	ino_t ino;
	char name[RECORD_NAME_LEN + 1];
};

static int
by_inode(const void *a, const void *b)
{
	ino_t x = ((const struct shard_entry *)a)->ino;
	ino_t y = ((const struct shard_entry *)b)->ino;

	return x < y ? -1 : x > y;
}

/* The files of the shard that may be records or temporary files, in
 * inode order: readdir gives a hash order, and on a disk filesystem each
 * stat, read and unlink in that order seeks to another inode table
 * block.  Into *out (malloc'd) and *n; 0, or -1 (logged). */
static int
shard_list(struct file_store *fs, int shardfd, const char *shard,
    struct shard_entry **out, size_t *n)
{
	struct shard_entry *v = NULL;
	size_t cap = 0;
	struct dirent *de;
	DIR *d;
	int scanfd;

	*out = NULL;
	*n = 0;
	if ((scanfd = dup(shardfd)) < 0 || (d = fdopendir(scanfd)) == NULL) {
		log_error("session store %s/%s: %s", fs->dir, shard, strerror(errno));
		if (scanfd >= 0)
			close(scanfd);
		return -1;
	}
	/* (fdopendir shares scanfd's offset: start from the top.) */
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);

		if (len > RECORD_NAME_LEN || (len != RECORD_NAME_LEN &&
		    strncmp(de->d_name, TEMP_PREFIX, strlen(TEMP_PREFIX)) != 0))
			continue;
		if (*n == cap) {
			size_t ncap = cap ? 2 * cap : 64;
			void *grown = realloc(v, ncap * sizeof(*v));
			if (grown == NULL) {
				log_error("session store %s/%s: out of memory",
				    fs->dir, shard);
				closedir(d);
				free(v);
				*n = 0;
				return -1;
			}
			v = grown;
			cap = ncap;
		}
		v[*n].ino = de->d_ino;
		memcpy(v[*n].name, de->d_name, len + 1);
		(*n)++;
	}
	closedir(d);
	if (*n > 1)
		qsort(v, *n, sizeof(*v), by_inode);
	*out = v;
	return 0;
}

/* What the file name of a shard is by now, from fstatat and its clear
 * headers (never a key, never a decryption), into *e, with its stat in
 * *st.  0, or -1 when it is no concern of the store (gone, not a regular
 * file, a foreign name).  With quick, a record younger than every
 * timeout is LIVE without a look at its headers (all GC needs).
 *
 * A record is EXPIRED only when every slot with a header says so: the
 * whole current version is among them, so a half-written slot can keep
 * a file longer, never make a live one look dead.  Otherwise its kind
 * and flags are those of the version with the highest seq. */
static int
file_look(struct file_store *fs, int shardfd, const char *name, time_t now,
    int quick, struct walk_entry *e, struct stat *st)
{
	const struct config *cfg = fs->base.cfg;
	uint8_t buf[GC_READ_MAX];
	struct record_header cur = { 0 };
	size_t slot_size;
	long shortest;
	int fd, whole, headers = 0, alive = 0;

	memset(e, 0, sizeof(*e));
	if (fstatat(shardfd, name, st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !S_ISREG(st->st_mode))
		return -1;
	e->last_seen = st->st_mtime;
	e->bytes = (uint64_t)st->st_blocks * 512;
	if (strncmp(name, TEMP_PREFIX, strlen(TEMP_PREFIX)) == 0) {
		e->kind = WALK_TEMP;
		return 0;
	}
	if (!shard_hex_name(name, RECORD_NAME_LEN))
		return -1;
	e->kind = WALK_LIVE;
	/* Younger than every timeout: alive whatever its header says. */
	shortest = cfg->idle_timeout < cfg->lifetime ? cfg->idle_timeout :
	    cfg->lifetime;
	if (tombstone_grace(cfg) < shortest)
		shortest = tombstone_grace(cfg);
	if (quick && cfg->absolute_timeout == 0 && now - st->st_mtime < shortest)
		return 0;
	e->kind = WALK_BROKEN;
	slot_size = record_file_slot_size((uint64_t)st->st_size);
	if (slot_size == 0 || (fd = openat(shardfd, name, O_RDONLY | O_NOFOLLOW |
	    O_CLOEXEC | O_NONBLOCK)) < 0)
		return 0;
	/* A small file in one read (most are), else a header at a time. */
	whole = (size_t)st->st_size <= sizeof(buf) &&
	    pread_all(fd, buf, (size_t)st->st_size, 0) == 0;
	for (int i = 0; i < RECORD_SLOTS; i++) {
		const uint8_t *hdr = whole ? buf + (size_t)i * slot_size : buf;
		struct record_header h;
		const char *why;
		int dead;

		if (!whole && pread_all(fd, buf, RECORD_HEADER_LEN,
		    (off_t)i * (off_t)slot_size) < 0)
			break;
		if (record_header_decode(hdr, RECORD_HEADER_LEN, &h, &why) < 0)
			continue;
		dead = h.kind == RECORD_TOMBSTONE ?
		    tombstone_expired(cfg, st->st_mtime, now) :
		    record_expired(cfg, h.permanent, h.created, st->st_mtime, now);
		alive |= !dead;
		if (headers++ == 0 || h.seq > cur.seq)
			cur = h;
	}
	close(fd);
	if (headers == 0)
		return 0;
	e->kind = !alive ? WALK_EXPIRED : cur.kind == RECORD_TOMBSTONE ?
	    WALK_TOMBSTONE : WALK_LIVE;
	if (cur.kind != RECORD_TOMBSTONE) {
		e->permanent = cur.permanent;
		e->created = cur.created;
	}
	return 0;
}

/* Whether GC removes what file_look found. */
static int
gc_dead(const struct walk_entry *e, time_t now)
{
	if (e->kind == WALK_TEMP)
		return now - e->last_seen >= TEMP_MAX_AGE;
	return e->kind == WALK_EXPIRED;
}

/* Whether a file is as it was when stat'ed into was: the same inode,
 * not written, touched or renamed over since (any of these moves its
 * ctime, which nobody can set). */
static int
unchanged(const struct stat *was, const struct stat *now)
{
	return was->st_ino == now->st_ino && was->st_size == now->st_size &&
	    was->st_ctim.tv_sec == now->st_ctim.tv_sec &&
	    was->st_ctim.tv_nsec == now->st_ctim.tv_nsec &&
	    was->st_mtim.tv_sec == now->st_mtim.tv_sec &&
	    was->st_mtim.tv_nsec == now->st_mtim.tv_nsec;
}

/* A dead file found by a scan without the lock. */
struct gc_dead {
	struct stat st;
	char name[RECORD_NAME_LEN + 1];
};

/* One GC run, shared by its threads. */
struct gc_run {
	struct file_store *fs;
	time_t now;
	store_progress_fn *progress;
	void *ctx;
	pthread_mutex_t lock;           /* the counts below, and progress */
	unsigned long scanned, removed;
	unsigned long listed;           /* files in the shards listed so far */
	int shards;                     /* ... how many shards that is */
	atomic_int next;                /* the next shard to take */
	atomic_int stop;                /* progress asked, or a failure */
	atomic_int failed;
};

/* Add to the counts and report them, under the lock: one call of
 * progress at a time, with counts that only grow. */
static void
gc_count(struct gc_run *g, unsigned long scanned, unsigned long removed)
{
	unsigned long total;

	pthread_mutex_lock(&g->lock);
	g->scanned += scanned;
	g->removed += removed;
	/* Names are keyed hashes, spread evenly over the 256 shards: those
	 * listed so far tell how many files there are in all. */
	total = g->shards ? g->listed * 256 / (unsigned long)g->shards : 0;
	if (!atomic_load(&g->stop) && g->progress != NULL &&
	    g->progress(g->ctx, g->scanned, g->removed, total) != 0)
		atomic_store(&g->stop, 1);
	pthread_mutex_unlock(&g->lock);
}

static void
gc_listed(struct gc_run *g, size_t n)
{
	pthread_mutex_lock(&g->lock);
	g->listed += n;
	g->shards++;
	pthread_mutex_unlock(&g->lock);
}

/* Remove a dead file found by the scan; the caller holds the shard's
 * lock, so no commit is writing.  When the file is as the scan saw it,
 * the scan's verdict stands; else (a commit or a touch came between)
 * it is looked at again. */
static int
gc_remove(struct file_store *fs, int shardfd, const struct gc_dead *d,
    time_t now)
{
	struct walk_entry e;
	struct stat st;

	if (fstatat(shardfd, d->name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	if (!unchanged(&d->st, &st) && (file_look(fs, shardfd, d->name, now, 1,
	    &e, &st) < 0 || !gc_dead(&e, now)))
		return 0;
	return unlinkat(shardfd, d->name, 0) == 0;
}

/* GC of one shard: find the dead without the lock, in inode order,
 * then take it and remove them (gc_remove), GC_BATCH per hold.  Adds to
 * g; -1 on error (logged). */
static int
gc_shard(struct gc_run *g, const char *shard)
{
	struct file_store *fs = g->fs;
	struct shard_entry *ents = NULL;
	struct gc_dead *dead = NULL;
	size_t n = 0, ndead = 0;
	unsigned long removed_here = 0;
	int shardfd, lockfd = -1, rc = -1;

	if ((shardfd = shard_open(fs, shard, 0)) < 0) {
		if (shardfd == -2)
			gc_listed(g, 0);
		return shardfd == -2 ? 0 : -1;
	}
	if (shard_list(fs, shardfd, shard, &ents, &n) < 0)
		goto out;
	gc_listed(g, n);
	if (n > 0 && (dead = malloc(n * sizeof(*dead))) == NULL) {
		log_error("session store gc: out of memory");
		goto out;
	}
	for (size_t i = 0; i < n && !atomic_load(&g->stop); i++) {
		struct walk_entry e;

		if (file_look(fs, shardfd, ents[i].name, g->now, 1, &e,
		    &dead[ndead].st) == 0) {
			if (e.kind == WALK_BROKEN)
				log_warn("session store gc: %s/%s/%s: not a session "
				    "record; left alone", fs->dir, shard, ents[i].name);
			if (gc_dead(&e, g->now))
				memcpy(dead[ndead++].name, ents[i].name,
				    sizeof(ents[i].name));
		}
		gc_count(g, 1, 0);
	}
	for (size_t i = 0; i < ndead && !atomic_load(&g->stop); i++) {
		int gone;

		/* The lock is let go between batches: a commit in this shard
		 * never waits for more than GC_BATCH removals. */
		if (i % GC_BATCH == 0) {
			if (lockfd >= 0)
				close(lockfd);
			if ((lockfd = shard_lock(fs, shardfd, shard, LOCK_EX)) < 0)
				goto out;
		}
		gone = gc_remove(fs, shardfd, &dead[i], g->now);
		removed_here += (unsigned long)gone;
		gc_count(g, 0, (unsigned long)gone);
	}
	rc = 0;
out:
	/* One flush of the directory for all its removals, not one each. */
	if (removed_here > 0 && fs->base.cfg->fsync)
		fsync(shardfd);
	if (lockfd >= 0)
		close(lockfd);
	free(dead);
	free(ents);
	close(shardfd);
	return rc;
}

/* --- failed logins (store.h fail_count) ---------------------------------
 * One small file per name in dir/fails/ (not a shard: gc_shard never
 * sees it): "COUNT LAST DEADLINE\n", read and written under flock, so
 * every worker of this machine counts in it. */
#define FAILS_DIR "fails"

static int
file_fail_count(struct store *st, const char *name, int how, time_t now,
    long ttl, long *count, time_t *last)
{
	struct file_store *fs = (struct file_store *)st;
	long long c = 0, l = 0, deadline = 0;
	char buf[96];
	ssize_t n;
	int dfd, fd, rc = -1;

	*count = 0;
	*last = 0;
	if (mkdirat(fs->dirfd, FAILS_DIR, 0700) < 0 && errno != EEXIST) {
		log_error("session store %s/%s: mkdir: %s", fs->dir, FAILS_DIR,
		    strerror(errno));
		return -1;
	}
	dfd = openat(fs->dirfd, FAILS_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (dfd < 0) {
		log_error("session store %s/%s: %s", fs->dir, FAILS_DIR,
		    strerror(errno));
		return -1;
	}
	fd = openat(dfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		log_error("session store %s/%s/%s: %s", fs->dir, FAILS_DIR, name,
		    strerror(errno));
		goto out;
	}
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	if (sscanf(buf, "%lld %lld %lld", &c, &l, &deadline) != 3 ||
	    deadline <= (long long)now || c < 0)
		c = l = deadline = 0;
	if (how != 0) {
		if (how > 0) {
			c++;
			l = now;
			deadline = (long long)now + ttl;
		} else {
			c = l = deadline = 0;
		}
		n = snprintf(buf, sizeof(buf), "%lld %lld %lld\n", c, l, deadline);
		if (ftruncate(fd, 0) < 0 ||
		    pwrite_all(fd, (const uint8_t *)buf, (size_t)n, 0) < 0) {
			log_error("session store %s/%s/%s: %s", fs->dir, FAILS_DIR,
			    name, strerror(errno));
			goto out;
		}
	}
	*count = (long)c;
	*last = (time_t)l;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	close(dfd);
	return rc;
}

/* Counts whose deadline has passed.  A count being raised at the same
 * moment may lose that one failure: only dead counts are removed. */
static long
gc_fails(struct file_store *fs, time_t now)
{
	int dfd = openat(fs->dirfd, FAILS_DIR, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC);
	struct dirent *de;
	long removed = 0;
	DIR *d;

	if (dfd < 0)
		return 0;
	if ((d = fdopendir(dfd)) == NULL) {
		close(dfd);
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		long long c, l, deadline;
		char buf[96];
		ssize_t n;
		int fd;

		if (!shard_hex_name(de->d_name, strlen(de->d_name)))
			continue;
		fd = openat(dfd, de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = pread(fd, buf, sizeof(buf) - 1, 0);
		close(fd);
		buf[n > 0 ? n : 0] = '\0';
		if ((sscanf(buf, "%lld %lld %lld", &c, &l, &deadline) != 3 ||
		    deadline <= (long long)now) &&
		    unlinkat(dfd, de->d_name, 0) == 0)
			removed++;
	}
	closedir(d);
	return removed;
}

/* A thread of GC: shards, one after the other, until none is left. */
static void *
gc_thread(void *arg)
{
	static const char hex[] = "0123456789abcdef";
	struct gc_run *g = arg;
	int i;

	while (!atomic_load(&g->stop) && (i = atomic_fetch_add(&g->next, 1)) <
	    256) {
		char shard[3] = { hex[i >> 4], hex[i & 15], '\0' };

		if (gc_shard(g, shard) < 0) {
			atomic_store(&g->failed, 1);
			atomic_store(&g->stop, 1);
		}
	}
	return NULL;
}

/* Shards are independent (a lock each): GC_THREADS_MAX threads, or one
 * per CPU if fewer, take them in turn.  On one CPU the syscalls are
 * the cost (a stat per file, an open and a read of each candidate's
 * headers, a stat and an unlink of each dead one), and they scale. */
static long
file_gc(struct store *st, time_t now, store_progress_fn *progress, void *ctx)
{
	struct gc_run g = { .fs = (struct file_store *)st, .now = now,
	    .progress = progress, .ctx = ctx };
	pthread_t tid[GC_THREADS_MAX];
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int extra = 0;

	pthread_mutex_init(&g.lock, NULL);
	atomic_init(&g.next, 0);
	atomic_init(&g.stop, 0);
	atomic_init(&g.failed, 0);
	while (extra + 1 < GC_THREADS_MAX && extra + 1 < cpus &&
	    pthread_create(&tid[extra], NULL, gc_thread, &g) == 0)
		extra++;
	gc_thread(&g);
	while (extra > 0)
		pthread_join(tid[--extra], NULL);
	pthread_mutex_destroy(&g.lock);
	if (atomic_load(&g.failed) || findex_gc(g.fs, now) < 0)
		return -1;
	return (long)g.removed + gc_fails(g.fs, now);
}

/* Every file of every shard, in the order GC takes them. */
static int
file_walk(struct store *st, time_t now, store_walk_fn *fn, void *ctx)
{
	struct file_store *fs = (struct file_store *)st;
	static const char hex[] = "0123456789abcdef";

	for (int i = 0; i < 256; i++) {
		char shard[3] = { hex[i >> 4], hex[i & 15], '\0' };
		struct shard_entry *ents;
		size_t n;
		int shardfd, stop = 0;

		if ((shardfd = shard_open(fs, shard, 0)) == -2)
			continue;
		if (shardfd < 0)
			return -1;
		if (shard_list(fs, shardfd, shard, &ents, &n) < 0) {
			close(shardfd);
			return -1;
		}
		for (size_t j = 0; j < n && !stop; j++) {
			struct walk_entry e;
			struct stat sb;

			if (file_look(fs, shardfd, ents[j].name, now, 0, &e, &sb) == 0)
				stop = fn(ctx, &e) != 0;
		}
		free(ents);
		close(shardfd);
		if (stop)
			return 1;
	}
	return 0;
}

static void
file_check(const struct config *cfg, config_report_fn *report, void *ctx)
{
	char msg[300];

	/* The server, --gc from cron and -t may each start in another
	 * directory: a relative path would name another store. */
	if (cfg->dir && cfg->dir[0] != '/') {
		snprintf(msg, sizeof(msg), "'%.256s' must be an absolute path",
		    cfg->dir);
		report(ctx, "session", "dir", msg);
	}
	if (cfg->secret_file && !cfg->dir)
		report(ctx, "session", "dir", "the file store needs a directory");
}

/* -t with a missing store directory: could the workers' user make it? */
static int
file_probe(const struct config *cfg, char *note, size_t notelen, char *err,
    size_t errlen)
{
	char *copy, *parent;
	const char *why = NULL;
	struct stat st;

	if (cfg->dir == NULL || lstat(cfg->dir, &st) == 0)
		return 0;
	if ((copy = strdup(cfg->dir)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	parent = dirname(copy);
	if (stat(parent, &st) < 0)
		why = strerror(errno);
	else if (!S_ISDIR(st.st_mode))
		why = "not a directory";
	else if (access(parent, W_OK | X_OK) < 0)
		why = strerror(errno);
	if (why != NULL)
		snprintf(err, errlen, "%s: [session] dir: %s does not exist and "
		    "cannot be made: %s: %s", config_file_name(cfg), cfg->dir,
		    parent, why);
	else
		snprintf(note, notelen, "[session] dir: %s does not exist yet; "
		    "it will be made (mode 0700) at start", cfg->dir);
	free(copy);
	return why != NULL ? -1 : 1;
}

/* The owner of an existing store directory. */
static int
file_owner(const struct config *cfg, uid_t *uid, gid_t *gid,
    const char **what)
{
	struct stat st;

	if (!cfg->dir || stat(cfg->dir, &st) < 0 || st.st_uid == 0)
		return -1;
	*uid = st.st_uid;
	*gid = st.st_gid;
	*what = cfg->dir;
	return 0;
}

static int
file_open(struct store **out, const struct config *cfg, char *err,
    size_t errlen)
{
	struct file_store *fs;
	struct stat st;

	if (cfg->dir == NULL) {
		snprintf(err, errlen, "[session] dir: the file store needs a "
		    "directory");
		return -1;
	}
	if ((fs = calloc(1, sizeof(*fs))) == NULL ||
	    (fs->dir = strdup(cfg->dir)) == NULL) {
		snprintf(err, errlen, "[session] dir: session store %s: out of memory", cfg->dir);
		goto fail;
	}
	fs->base.ops = &store_file_ops;
	fs->base.cfg = cfg;
	fs->base.cookie_max = COOKIE_VALUE_LEN;
	if (mkdir(cfg->dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "[session] dir: session store %s: mkdir: %s", cfg->dir,
		    strerror(errno));
		goto fail;
	}
	fs->dirfd = open(cfg->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fs->dirfd < 0) {
		snprintf(err, errlen, "[session] dir: session store %s: %s", cfg->dir,
		    strerror(errno));
		goto fail;
	}
	if (fstat(fs->dirfd, &st) < 0) {
		snprintf(err, errlen, "[session] dir: session store %s: %s", cfg->dir,
		    strerror(errno));
		close(fs->dirfd);
		goto fail;
	}
	if (st.st_mode & 077)
		log_warn("session store %s: mode %04o lets group or others in; "
		    "0700 is expected", cfg->dir, (unsigned)(st.st_mode & 07777));
	*out = &fs->base;
	return 0;
fail:
	if (fs != NULL)
		free(fs->dir);
	free(fs);
	return -1;
}

static void
file_close(struct store *st)
{
	struct file_store *fs = (struct file_store *)st;

	if (fs == NULL)
		return;
	close(fs->dirfd);
	free(fs->dir);
	free(fs);
}

static const char *
file_where(const struct config *cfg)
{
	return cfg->dir;
}

const struct store_ops store_file_ops = {
	.name = "file",
	.where = file_where,
	.bytes_counted = "bytes on disk",
	.temp_files = 1,
	.check = file_check,
	.probe = file_probe,
	.owner = file_owner,
	.open = file_open,
	.load = file_load,
	.commit = file_commit,
	.cookie_load = store_id_cookie_load,
	.cookie_value = store_id_cookie_value,
	.gc = file_gc,
	.walk = file_walk,
	.fail_count = file_fail_count,
	.revoke_user = findex_revoke_user,
	.revoke_all = findex_revoke_all,
	.list_user = findex_list_user,
	.user_count = findex_user_count,
	.close = file_close,
};
