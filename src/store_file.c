/* store_file.c — the "file" store: one file per session.
 *
 *   <dir>/<shard>/<name>     record; name = 64 hex of a keyed hash of the
 *                            id, shard = its first 2 hex (256 shards)
 *   <dir>/<shard>/.lock      flock'd only inside a commit and by GC
 *   <dir>/<shard>/.tmp-*     a write in progress (renamed over the record)
 *
 * Directories are 0700 and files 0600, and every open uses O_NOFOLLOW.  A
 * record's mtime is its last access: a touch moves it without a rewrite.
 * Writes are a temp file + rename (+ fsync of file and directory when
 * [session] fsync is on), so a kill -9 leaves each record old or new.  A
 * file that cannot be read as a record is logged and treated as absent. */
#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codec.h"
#include "log.h"

_Static_assert(RECORD_NONCE_LEN == AEAD_NONCE_LEN, "record nonce size");

#define LOCK_NAME        ".lock"
#define TEMP_PREFIX      ".tmp-"
#define TEMP_MAX_AGE     3600          /* older temp files are left-overs */
#define RECORD_MAX_FILE  (RECORD_HEADER_LEN + RECORD_MAX_PAYLOAD + AEAD_TAG_LEN)

struct file_store {
	struct store base;
	int dirfd;
	char *dir;
};

/* One record's place: its name and shard directory. */
struct place {
	char name[RECORD_NAME_LEN + 1];
	char shard[3];
};

static void
place_of(struct place *pl, const struct keys *k, const uint8_t *id)
{
	record_name(k, id, pl->name);
	memcpy(pl->shard, pl->name, 2);
	pl->shard[2] = '\0';
}

/* The shard directory's fd; with create, make it if missing.  -2 when
 * it does not exist and create is off, -1 on error (logged). */
static int
shard_open(struct file_store *fs, const char *shard, int create)
{
	int fd = openat(fs->dirfd, shard,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT && create) {
		if (mkdirat(fs->dirfd, shard, 0700) < 0 && errno != EEXIST) {
			log_error("session store %s/%s: mkdir: %s", fs->dir, shard,
			    strerror(errno));
			return -1;
		}
		fd = openat(fs->dirfd, shard,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0 && errno == ENOENT && !create)
		return -2;
	if (fd < 0)
		log_error("session store %s/%s: %s", fs->dir, shard,
		    strerror(errno));
	return fd;
}

/* Take the shard's lock; returns the lock fd (close to release) or -1. */
static int
shard_lock(struct file_store *fs, int shardfd, const char *shard)
{
	int fd = openat(shardfd, LOCK_NAME,
	    O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0) {
		log_error("session store %s/%s/%s: %s", fs->dir, shard, LOCK_NAME,
		    strerror(errno));
		return -1;
	}
	while (flock(fd, LOCK_EX) < 0) {
		if (errno == EINTR)
			continue;
		log_error("session store %s/%s/%s: flock: %s", fs->dir, shard,
		    LOCK_NAME, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int
read_all(int fd, uint8_t *buf, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = read(fd, buf + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

static int
write_all(int fd, const uint8_t *buf, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = write(fd, buf + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

/* Decrypt and decode a live record's body into out->sess.  0, or -1 with
 * *why set. */
static int
record_open_body(const uint8_t *file, size_t len, const struct record_header *h,
    const struct keys *k, const uint8_t *id, struct session *sess,
    const char **why)
{
	uint8_t key[AEAD_KEY_LEN];
	uint8_t *plain = NULL;
	size_t plen;
	int rc = -1;

	if (len < RECORD_HEADER_LEN + AEAD_TAG_LEN) {
		*why = "truncated";
		return -1;
	}
	plen = len - RECORD_HEADER_LEN - AEAD_TAG_LEN;
	if ((plain = malloc(plen + 1)) == NULL) {
		*why = "out of memory";
		return -1;
	}
	record_key(k, id, key);
	if (aead_open(plain, file + RECORD_HEADER_LEN, len - RECORD_HEADER_LEN,
	        file, RECORD_HEADER_LEN, h->nonce, key) < 0) {
		*why = "does not decrypt (foreign, tampered or truncated)";
		goto out;
	}
	if (payload_decode(plain, plen, sess, why) < 0)
		goto out;
	sess->permanent = h->permanent;
	sess->created = h->created;
	rc = 0;
out:
	wipe(key, sizeof(key));
	wipe(plain, plen);
	free(plain);
	return rc;
}

/* Read the record at pl under k into *out.  Missing, broken, expired:
 * STORED_ABSENT.  -1 only for a failure of the store itself. */
static int
record_read(struct file_store *fs, const struct place *pl, const struct keys *k,
    const uint8_t *id, time_t now, struct stored *out)
{
	const struct config *cfg = fs->base.cfg;
	struct record_header h;
	struct stat st;
	uint8_t *file = NULL;
	const char *why = NULL;
	int shardfd, fd = -1, rc = -1;

	memset(out, 0, sizeof(*out));
	session_init(&out->sess);
	out->state = STORED_ABSENT;
	if ((shardfd = shard_open(fs, pl->shard, 0)) < 0)
		return shardfd == -2 ? 0 : -1;
	fd = openat(shardfd, pl->name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT)
			rc = 0;
		else if (errno == ELOOP) {
			why = "is a symlink";
			rc = 0;
		} else
			log_error("session record %s/%s/%s: %s", fs->dir, pl->shard,
			    pl->name, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) < 0) {
		log_error("session record %s/%s/%s: %s", fs->dir, pl->shard,
		    pl->name, strerror(errno));
		goto out;
	}
	rc = 0;
	if (!S_ISREG(st.st_mode)) {
		why = "not a regular file";
		goto out;
	}
	if (st.st_size > RECORD_MAX_FILE) {
		why = "larger than any record";
		goto out;
	}
	if ((file = malloc((size_t)st.st_size + 1)) == NULL) {
		log_error("session record %s/%s/%s: out of memory", fs->dir,
		    pl->shard, pl->name);
		rc = -1;
		goto out;
	}
	if (read_all(fd, file, (size_t)st.st_size) < 0) {
		why = "short read";
		goto out;
	}
	if (record_header_decode(file, (size_t)st.st_size, &h, &why) < 0)
		goto out;
	out->mtime = st.st_mtime;
	if (h.kind == RECORD_TOMBSTONE) {
		if (!tombstone_expired(cfg, st.st_mtime, now))
			out->state = STORED_TOMBSTONE;
		goto out;
	}
	if (record_expired(cfg, h.permanent, h.created, st.st_mtime, now))
		goto out;
	if (record_open_body(file, (size_t)st.st_size, &h, k, id, &out->sess,
	        &why) < 0)
		goto out;
	out->state = STORED_LIVE;
out:
	if (why != NULL)
		log_warn("session record %s/%s/%s: %s: treated as absent", fs->dir,
		    pl->shard, pl->name, why);
	free(file);
	if (fd >= 0)
		close(fd);
	close(shardfd);
	return rc;
}

/* Read ref's record: under the primary name, else under the old one. */
static int
ref_read(struct file_store *fs, const struct record_ref *ref, time_t now,
    struct stored *out)
{
	struct place pl;

	place_of(&pl, ref->keys, ref->id);
	if (record_read(fs, &pl, ref->keys, ref->id, now, out) < 0)
		return -1;
	if (out->state != STORED_ABSENT || ref->old_keys == NULL)
		return 0;
	place_of(&pl, ref->old_keys, ref->id);
	if (record_read(fs, &pl, ref->old_keys, ref->id, now, out) < 0)
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

/* Write a record (sess NULL: a tombstone) for id under k, atomically,
 * with mtime now. */
static int
record_write(struct file_store *fs, const struct keys *k, const uint8_t *id,
    const struct session *sess, time_t now)
{
	const struct config *cfg = fs->base.cfg;
	struct record_header h = { RECORD_TOMBSTONE, 0, 0, { 0 } };
	struct place pl;
	char tmp[sizeof(TEMP_PREFIX) + 16];
	uint8_t key[AEAD_KEY_LEN], rnd[8];
	uint8_t *file = NULL, *plain = NULL;
	size_t plen = 0, flen = RECORD_HEADER_LEN;
	int shardfd, fd = -1, rc = -1, tmp_made = 0, renamed = 0;
	struct timespec times[2] = { { now, 0 }, { now, 0 } };

	place_of(&pl, k, id);
	if ((shardfd = shard_open(fs, pl.shard, 1)) < 0)
		return -1;
	if (sess != NULL) {
		h.kind = RECORD_LIVE;
		h.permanent = sess->permanent;
		h.created = sess->created;
		random_fill(h.nonce, sizeof(h.nonce));
		plen = payload_len(sess);
		flen += plen + AEAD_TAG_LEN;
	}
	if ((file = malloc(flen)) == NULL ||
	    (sess != NULL && (plain = malloc(plen)) == NULL)) {
		log_error("session record %s/%s/%s: out of memory", fs->dir,
		    pl.shard, pl.name);
		goto out;
	}
	record_header_encode(&h, file);
	if (sess != NULL) {
		payload_encode(sess, plain);
		record_key(k, id, key);
		aead_seal(file + RECORD_HEADER_LEN, plain, plen, file,
		    RECORD_HEADER_LEN, h.nonce, key);
		wipe(key, sizeof(key));
		wipe(plain, plen);
	}
	random_fill(rnd, sizeof(rnd));
	snprintf(tmp, sizeof(tmp), TEMP_PREFIX "%02x%02x%02x%02x%02x%02x%02x%02x",
	    rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
	fd = openat(shardfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	tmp_made = fd >= 0;
	if (fd < 0 || fchmod(fd, 0600) < 0 || write_all(fd, file, flen) < 0 ||
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
	free(plain);
	free(file);
	close(shardfd);
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

/* The locks of a commit: ref's shard, and the old name's shard when
 * that is another one (taken in name order: no deadlock). */
struct ref_locks {
	int fd[2];
	int shardfd[2];
};

static void
ref_unlock(struct ref_locks *l)
{
	for (int i = 0; i < 2; i++) {
		if (l->fd[i] >= 0)
			close(l->fd[i]);
		if (l->shardfd[i] >= 0)
			close(l->shardfd[i]);
		l->fd[i] = l->shardfd[i] = -1;
	}
}

static int
ref_lock(struct file_store *fs, const struct record_ref *ref,
    struct ref_locks *l)
{
	struct place pl[2];
	int n = 1;

	l->fd[0] = l->fd[1] = l->shardfd[0] = l->shardfd[1] = -1;
	place_of(&pl[0], ref->keys, ref->id);
	if (ref->old_keys != NULL) {
		place_of(&pl[1], ref->old_keys, ref->id);
		if (strcmp(pl[0].shard, pl[1].shard) != 0)
			n = 2;
		if (n == 2 && strcmp(pl[0].shard, pl[1].shard) > 0) {
			struct place t = pl[0];
			pl[0] = pl[1];
			pl[1] = t;
		}
	}
	for (int i = 0; i < n; i++) {
		if ((l->shardfd[i] = shard_open(fs, pl[i].shard, 1)) < 0 ||
		    (l->fd[i] = shard_lock(fs, l->shardfd[i], pl[i].shard)) < 0) {
			ref_unlock(l);
			return -1;
		}
	}
	return 0;
}

/* Carry out a plan (under ref's lock). */
static int
plan_execute(struct file_store *fs, const struct record_ref *ref,
    const struct commit_in *in, const struct commit_plan *p, int found_old,
    time_t now)
{
	if (p->write_new &&
	    record_write(fs, ref->keys, in->fresh_id, &p->result, now) < 0)
		return -1;
	if (p->write_same &&
	    record_write(fs, ref->keys, ref->id, &p->result, now) < 0)
		return -1;
	if (p->tombstone_old &&
	    record_write(fs, ref->keys, ref->id, NULL, now) < 0)
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
	struct ref_locks locks = { { -1, -1 }, { -1, -1 } };
	struct stored cur;
	int rc = -1;

	memset(&cur, 0, sizeof(cur));
	session_init(&cur.sess);
	memset(plan, 0, sizeof(*plan));
	if (in->loaded) {
		if (ref_lock(fs, ref, &locks) < 0 || ref_read(fs, ref, now, &cur) < 0) {
			snprintf(err, errlen, "session store %s: cannot read the "
			    "record (see the log)", fs->dir);
			goto out;
		}
	}
	if (commit_plan_make(in, st->cfg, &cur, now, plan, err, errlen) < 0)
		goto out;
	if (plan_execute(fs, ref, in, plan, cur.under_old_name, now) < 0) {
		snprintf(err, errlen, "session store %s: cannot write the record "
		    "(see the log)", fs->dir);
		goto out;
	}
	rc = 0;
out:
	ref_unlock(&locks);
	stored_free(&cur);
	return rc;
}

static int
file_load(struct store *st, const struct record_ref *ref, time_t now,
    struct stored *out)
{
	return ref_read((struct file_store *)st, ref, now, out);
}

static int
file_touch(struct store *st, const struct record_ref *ref, time_t now)
{
	return record_touch((struct file_store *)st, ref->keys, ref->id, now);
}

static int
file_destroy(struct store *st, const struct record_ref *ref, time_t now)
{
	struct file_store *fs = (struct file_store *)st;
	struct ref_locks locks;
	int rc = -1;

	if (ref_lock(fs, ref, &locks) < 0)
		return -1;
	if (record_write(fs, ref->keys, ref->id, NULL, now) < 0)
		goto out;
	if (ref->old_keys != NULL && record_remove(fs, ref->old_keys, ref->id) < 0)
		goto out;
	rc = 0;
out:
	ref_unlock(&locks);
	return rc;
}

static int
is_hex_name(const char *s, size_t len)
{
	if (strlen(s) != len)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* Whether the file name in shardfd is garbage by now.  Reads the clear
 * header only: never a key, never a decryption. */
static int
gc_is_dead(struct file_store *fs, int shardfd, const char *shard,
    const char *name, time_t now)
{
	const struct config *cfg = fs->base.cfg;
	uint8_t buf[RECORD_HEADER_LEN];
	struct record_header h;
	struct stat st;
	const char *why;
	long shortest;
	int fd, dead = 0;

	if (fstatat(shardfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !S_ISREG(st.st_mode))
		return 0;
	if (strncmp(name, TEMP_PREFIX, strlen(TEMP_PREFIX)) == 0)
		return now - st.st_mtime >= TEMP_MAX_AGE;
	if (!is_hex_name(name, RECORD_NAME_LEN))
		return 0;
	/* Younger than every timeout: alive whatever its header says. */
	shortest = cfg->idle_timeout < cfg->lifetime ? cfg->idle_timeout :
	    cfg->lifetime;
	if (tombstone_grace(cfg) < shortest)
		shortest = tombstone_grace(cfg);
	if (cfg->absolute_timeout == 0 && now - st.st_mtime < shortest)
		return 0;
	fd = openat(shardfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return 0;
	if (read_all(fd, buf, sizeof(buf)) < 0 ||
	    record_header_decode(buf, sizeof(buf), &h, &why) < 0)
		log_warn("session store gc: %s/%s/%s: not a session record; left "
		    "alone", fs->dir, shard, name);
	else if (h.kind == RECORD_TOMBSTONE)
		dead = tombstone_expired(cfg, st.st_mtime, now);
	else
		dead = record_expired(cfg, h.permanent, h.created, st.st_mtime, now);
	close(fd);
	return dead;
}

/* GC of one shard: find the dead without the lock, then take it and
 * check each again before removing it (a commit may have replaced it). */
static long
gc_shard(struct file_store *fs, const char *shard, time_t now)
{
	char (*dead)[RECORD_NAME_LEN + 1] = NULL;
	size_t ndead = 0, cap = 0;
	struct dirent *de;
	DIR *d = NULL;
	long removed = -1;
	int shardfd, scanfd, lockfd = -1;

	if ((shardfd = shard_open(fs, shard, 0)) < 0)
		return shardfd == -2 ? 0 : -1;
	if ((scanfd = dup(shardfd)) < 0 || (d = fdopendir(scanfd)) == NULL) {
		log_error("session store %s/%s: %s", fs->dir, shard, strerror(errno));
		if (scanfd >= 0)
			close(scanfd);
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		if (strlen(de->d_name) > RECORD_NAME_LEN ||
		    !gc_is_dead(fs, shardfd, shard, de->d_name, now))
			continue;
		if (ndead == cap) {
			size_t ncap = cap ? 2 * cap : 16;
			void *grown = realloc(dead, ncap * sizeof(*dead));
			if (grown == NULL) {
				log_error("session store gc: out of memory");
				goto out;
			}
			dead = grown;
			cap = ncap;
		}
		memcpy(dead[ndead++], de->d_name, strlen(de->d_name) + 1);
	}
	removed = 0;
	if (ndead == 0)
		goto out;
	if ((lockfd = shard_lock(fs, shardfd, shard)) < 0) {
		removed = -1;
		goto out;
	}
	for (size_t i = 0; i < ndead; i++)
		if (gc_is_dead(fs, shardfd, shard, dead[i], now) &&
		    unlinkat(shardfd, dead[i], 0) == 0)
			removed++;
	if (removed > 0 && fs->base.cfg->fsync)
		fsync(shardfd);
out:
	if (lockfd >= 0)
		close(lockfd);
	if (d != NULL)
		closedir(d);
	free(dead);
	close(shardfd);
	return removed;
}

static long
file_gc(struct store *st, time_t now)
{
	struct file_store *fs = (struct file_store *)st;
	static const char hex[] = "0123456789abcdef";
	long total = 0;

	for (int i = 0; i < 256; i++) {
		char shard[3] = { hex[i >> 4], hex[i & 15], '\0' };
		long n = gc_shard(fs, shard, now);
		if (n < 0)
			return -1;
		total += n;
	}
	return total;
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
		snprintf(err, errlen, "session store %s: out of memory", cfg->dir);
		goto fail;
	}
	fs->base.ops = &store_file_ops;
	fs->base.cfg = cfg;
	if (mkdir(cfg->dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "session store %s: mkdir: %s", cfg->dir,
		    strerror(errno));
		goto fail;
	}
	fs->dirfd = open(cfg->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fs->dirfd < 0) {
		snprintf(err, errlen, "session store %s: %s", cfg->dir,
		    strerror(errno));
		goto fail;
	}
	if (fstat(fs->dirfd, &st) < 0) {
		snprintf(err, errlen, "session store %s: %s", cfg->dir,
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

const struct store_ops store_file_ops = {
	.name = "file",
	.open = file_open,
	.load = file_load,
	.commit = file_commit,
	.touch = file_touch,
	.destroy = file_destroy,
	.gc = file_gc,
	.close = file_close,
};
