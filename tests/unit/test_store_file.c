/* test_store_file.c — the file store in a temp directory with an injectable
 * clock: load, commit, touch, each kind of expiry, tombstones, regenerate,
 * rotation, broken files, file modes, names, GC. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "codec.h"
#include "config.h"
#include "helpers.h"
#include "crypto.h"
#include "session.h"
#include "slots.h"
#include "store.h"

#define T0 ((time_t)1700000000)

static struct record_ref
ref_of(struct file_fixture *f, const uint8_t *id)
{
	struct record_ref r = { .keys = &f->keys, .old_keys = NULL };

	memcpy(r.id, id, SESSION_ID_LEN);
	return r;
}

/* Commit log for ref (loaded or not); returns the commit result, the
 * plan in *p (freed by the caller with commit_plan_free) and the id a
 * new record went to in fresh. */
static int
commit(struct file_fixture *f, const struct record_ref *ref, int loaded,
    struct changelog *l, time_t now, struct commit_plan *p,
    uint8_t fresh[SESSION_ID_LEN])
{
	struct commit_in in = { .loaded = loaded, .log = l,
	    .rotate = ref->old_keys != NULL, .max_size = f->cfg.max_size };
	char err[256];
	int rc;

	session_id_generate(in.fresh_id);
	if (fresh)
		memcpy(fresh, in.fresh_id, SESSION_ID_LEN);
	rc = f->st->ops->commit(f->st, ref, &in, now, p, err, sizeof(err));
	return rc;
}

/* A request that changes nothing at now: its commit touches the record
 * (the touch is due). */
static void
touch_by_request(struct file_fixture *f, struct record_ref *ref, time_t now)
{
	struct changelog l;
	struct commit_plan p;

	changelog_init(&l);
	assert_int_equal(commit(f, ref, 1, &l, now, &p, NULL), 0);
	assert_true(p.touch);
	commit_plan_free(&p);
	changelog_free(&l);
}

/* A request that clears the session (a logout) at now: a tombstone. */
static void
end_by_request(struct file_fixture *f, struct record_ref *ref, time_t now)
{
	struct changelog l;
	struct commit_plan p;

	changelog_init(&l);
	log_op(&l, CHANGE_CLEAR, NULL, 0);
	assert_int_equal(commit(f, ref, 1, &l, now, &p, NULL), 0);
	assert_false(p.alive);
	commit_plan_free(&p);
	changelog_free(&l);
}

/* A new session holding user=alice, made at T0; its id in id. */
static void
make_session(struct file_fixture *f, uint8_t id[SESSION_ID_LEN], int permanent)
{
	struct record_ref ref = ref_of(f, id);
	struct changelog l;
	struct commit_plan p;

	changelog_init(&l);
	log_set(&l, "user", "alice");
	if (permanent)
		log_op(&l, CHANGE_PERMANENT, NULL, 1);
	assert_int_equal(commit(f, &ref, 0, &l, T0, &p, id), 0);
	assert_true(p.write_new && p.id_changed);
	commit_plan_free(&p);
	changelog_free(&l);
}

static enum stored_state
load_state(struct file_fixture *f, const uint8_t *id, time_t now)
{
	struct record_ref ref = ref_of(f, id);
	enum stored_state state;
	struct stored s;

	assert_int_equal(f->st->ops->load(f->st, &ref, now, &s), 0);
	state = s.state;
	stored_free(&s);
	return state;
}

static void
record_path(struct file_fixture *f, const struct keys *k, const uint8_t *id,
    char *path, size_t len)
{
	char name[RECORD_NAME_LEN + 1];

	record_name(k, id, name);
	snprintf(path, len, "%s/%.2s/%s", f->cfg.dir, name, name);
}

static time_t
mtime_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_mtime;
}

static void
write_bytes(const char *path, const uint8_t *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
}

static uint8_t *
read_bytes(const char *path, size_t *len)
{
	struct stat st;
	uint8_t *buf;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	fstat(fd, &st);
	*len = (size_t)st.st_size;
	buf = malloc(*len);
	assert_int_equal(read(fd, buf, *len), (ssize_t)*len);
	close(fd);
	return buf;
}

static void
test_load_commit_touch(void **state)
{
	struct file_fixture *f = *state;
	uint8_t id[SESSION_ID_LEN];
	struct record_ref ref;
	struct stored s;
	struct changelog l;
	struct commit_plan p;
	char path[512];

	make_session(f, id, 0);
	ref = ref_of(f, id);
	record_path(f, &f->keys, id, path, sizeof(path));
	assert_int_equal(mtime_of(path), T0);

	assert_int_equal(f->st->ops->load(f->st, &ref, T0 + 10, &s), 0);
	assert_int_equal(s.state, STORED_LIVE);
	assert_int_equal(s.sess.nitems, 1);
	assert_string_equal(s.sess.items[0].value, "alice");
	assert_int_equal(s.sess.created, T0);
	assert_int_equal(s.last_seen, T0);
	stored_free(&s);

	/* No changes, inside touch_interval: the file is left alone. */
	changelog_init(&l);
	assert_int_equal(commit(f, &ref, 1, &l, T0 + 59, &p, NULL), 0);
	assert_false(p.touch);
	assert_int_equal(mtime_of(path), T0);
	/* After it: touched, not rewritten (same inode). */
	struct stat before, after;
	stat(path, &before);
	assert_int_equal(commit(f, &ref, 1, &l, T0 + 60, &p, NULL), 0);
	assert_true(p.touch);
	stat(path, &after);
	assert_int_equal(after.st_mtime, T0 + 60);
	assert_int_equal(before.st_ino, after.st_ino);
	/* A change: rewritten under the same name, merged. */
	log_set(&l, "cart", "3,7");
	assert_int_equal(commit(f, &ref, 1, &l, T0 + 70, &p, NULL), 0);
	assert_true(p.write_same);
	commit_plan_free(&p);
	changelog_free(&l);
	assert_int_equal(mtime_of(path), T0 + 70);
	assert_int_equal(f->st->ops->load(f->st, &ref, T0 + 80, &s), 0);
	assert_int_equal(s.sess.nitems, 2);
	stored_free(&s);
}

static void
test_idle_expiry(void **state)
{
	struct file_fixture *f = *state;
	uint8_t id[SESSION_ID_LEN];

	make_session(f, id, 0);
	assert_int_equal(load_state(f, id, T0 + 1799), STORED_LIVE);
	assert_int_equal(load_state(f, id, T0 + 1800), STORED_ABSENT);
}

static void
test_permanent_lifetime_sliding(void **state)
{
	struct file_fixture *f = *state;
	uint8_t id[SESSION_ID_LEN];
	struct record_ref ref;
	time_t life = f->cfg.lifetime;

	make_session(f, id, 1);
	ref = ref_of(f, id);
	/* Past the idle timeout: a permanent session lives on. */
	assert_int_equal(load_state(f, id, T0 + 1800 + 1), STORED_LIVE);
	assert_int_equal(load_state(f, id, T0 + life - 1), STORED_LIVE);
	assert_int_equal(load_state(f, id, T0 + life), STORED_ABSENT);
	/* Sliding: an access moves the end. */
	touch_by_request(f, &ref, T0 + 1000);
	assert_int_equal(load_state(f, id, T0 + life), STORED_LIVE);
	assert_int_equal(load_state(f, id, T0 + 1000 + life), STORED_ABSENT);
}

static void
test_absolute_timeout(void **state)
{
	struct file_fixture *f = *state;
	uint8_t id[SESSION_ID_LEN];
	struct record_ref ref;
	struct changelog l;
	struct commit_plan p;

	f->cfg.absolute_timeout = 3600;
	make_session(f, id, 0);
	ref = ref_of(f, id);
	/* Kept busy, rewritten: still dies an hour after creation. */
	for (time_t t = T0 + 600; t < T0 + 3600; t += 600) {
		char v[32];

		snprintf(v, sizeof(v), "%lld", (long long)t);
		changelog_init(&l);
		log_set(&l, "k", v);
		assert_int_equal(commit(f, &ref, 1, &l, t, &p, NULL), 0);
		assert_true(p.write_same);
		commit_plan_free(&p);
		changelog_free(&l);
	}
	assert_int_equal(load_state(f, id, T0 + 3599), STORED_LIVE);
	assert_int_equal(load_state(f, id, T0 + 3600), STORED_ABSENT);
	f->cfg.absolute_timeout = 0;
}

static void
test_tombstone_blocks_commit(void **state)
{
	struct file_fixture *f = *state;
	uint8_t id[SESSION_ID_LEN];
	struct record_ref ref;
	struct changelog clear, late;
	struct commit_plan p;

	make_session(f, id, 0);
	ref = ref_of(f, id);
	/* Request A loaded the session; request B logs out first. */
	changelog_init(&clear);
	log_op(&clear, CHANGE_CLEAR, NULL, 0);
	assert_int_equal(commit(f, &ref, 1, &clear, T0 + 5, &p, NULL), 0);
	assert_true(p.tombstone_old && p.expire_cookie);
	commit_plan_free(&p);
	assert_int_equal(load_state(f, id, T0 + 6), STORED_TOMBSTONE);
	/* A commits: nothing, no cookie; the session stays dead. */
	changelog_init(&late);
	log_set(&late, "cart", "1");
	assert_int_equal(commit(f, &ref, 1, &late, T0 + 7, &p, NULL), 0);
	assert_true(p.blocked);
	assert_false(p.alive || p.write_new || p.write_same || p.expire_cookie);
	commit_plan_free(&p);
	assert_int_equal(load_state(f, id, T0 + 8), STORED_TOMBSTONE);
	/* After the grace period the tombstone reads as absent. */
	assert_int_equal(load_state(f, id, T0 + 5 + 179), STORED_TOMBSTONE);
	assert_int_equal(load_state(f, id, T0 + 5 + 180), STORED_ABSENT);
	changelog_free(&clear);
	changelog_free(&late);
}

static void
test_regenerate_kills_old_id(void **state)
{
	struct file_fixture *f = *state;
	uint8_t id[SESSION_ID_LEN], fresh[SESSION_ID_LEN];
	struct record_ref ref, nref;
	struct changelog l;
	struct commit_plan p;
	struct stored s;

	make_session(f, id, 0);
	ref = ref_of(f, id);
	changelog_init(&l);
	log_op(&l, CHANGE_REGENERATE, NULL, 0);
	log_set(&l, "role", "admin");
	assert_int_equal(commit(f, &ref, 1, &l, T0 + 5, &p, fresh), 0);
	assert_true(p.write_new && p.id_changed && p.tombstone_old);
	commit_plan_free(&p);
	changelog_free(&l);
	assert_int_equal(load_state(f, id, T0 + 6), STORED_TOMBSTONE);
	nref = ref_of(f, fresh);
	assert_int_equal(f->st->ops->load(f->st, &nref, T0 + 6, &s), 0);
	assert_int_equal(s.state, STORED_LIVE);
	assert_int_equal(s.sess.nitems, 2);
	assert_int_equal(s.sess.created, T0);
	stored_free(&s);
}

static void
test_concurrent_disjoint_keys(void **state)
{
	struct file_fixture *f = *state;
	uint8_t id[SESSION_ID_LEN];
	struct record_ref ref;
	struct changelog a, b;
	struct commit_plan p;
	struct stored s;

	make_session(f, id, 0);
	ref = ref_of(f, id);
	changelog_init(&a);
	changelog_init(&b);
	log_set(&a, "a", "1");
	log_set(&b, "b", "2");
	/* Both loaded before either committed. */
	assert_int_equal(commit(f, &ref, 1, &a, T0 + 1, &p, NULL), 0);
	commit_plan_free(&p);
	assert_int_equal(commit(f, &ref, 1, &b, T0 + 2, &p, NULL), 0);
	commit_plan_free(&p);
	assert_int_equal(f->st->ops->load(f->st, &ref, T0 + 3, &s), 0);
	assert_int_equal(s.sess.nitems, 3);
	stored_free(&s);
	changelog_free(&a);
	changelog_free(&b);
}

static void
test_vanished_gets_fresh_id(void **state)
{
	struct file_fixture *f = *state;
	uint8_t id[SESSION_ID_LEN], fresh[SESSION_ID_LEN];
	struct record_ref ref;
	struct changelog l;
	struct commit_plan p;
	char path[512];

	make_session(f, id, 0);
	ref = ref_of(f, id);
	record_path(f, &f->keys, id, path, sizeof(path));
	assert_int_equal(unlink(path), 0);
	changelog_init(&l);
	log_set(&l, "k", "v");
	assert_int_equal(commit(f, &ref, 1, &l, T0 + 1, &p, fresh), 0);
	assert_true(p.write_new && p.id_changed);
	commit_plan_free(&p);
	changelog_free(&l);
	assert_int_equal(load_state(f, id, T0 + 2), STORED_ABSENT);
	assert_int_equal(load_state(f, fresh, T0 + 2), STORED_LIVE);
}

/* Processes sharing one session commit their own keys at the same time:
 * under the shard lock each commit replays onto the latest record, so
 * every last value of every key is there at the end. */
static void
test_parallel_commits(void **state)
{
	struct file_fixture *f = *state;
	enum { WORKERS = 8, ROUNDS = 40 };
	uint8_t id[SESSION_ID_LEN];
	struct record_ref ref;
	struct stored s;
	pid_t pids[WORKERS];
	int status;

	make_session(f, id, 0);
	ref = ref_of(f, id);
	for (int w = 0; w < WORKERS; w++) {
		pids[w] = fork();
		assert_true(pids[w] >= 0);
		if (pids[w] > 0)
			continue;
		for (int i = 0; i < ROUNDS; i++) {
			struct changelog l;
			struct commit_plan p;
			char key[16], value[16];
			int rc;

			snprintf(key, sizeof(key), "w%d", w);
			snprintf(value, sizeof(value), "%d", i);
			changelog_init(&l);
			changelog_add(&l, CHANGE_SET, key, strlen(key), value,
			    strlen(value), 0);
			rc = commit(f, &ref, 1, &l, T0 + 1, &p, NULL);
			if (rc != 0 || !p.write_same)
				_exit(1);
			commit_plan_free(&p);
			changelog_free(&l);
		}
		_exit(0);
	}
	for (int w = 0; w < WORKERS; w++) {
		assert_int_equal(waitpid(pids[w], &status, 0), pids[w]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	assert_int_equal(f->st->ops->load(f->st, &ref, T0 + 2, &s), 0);
	assert_int_equal(s.state, STORED_LIVE);
	assert_int_equal(s.sess.nitems, WORKERS + 1);
	for (int w = 0; w < WORKERS; w++) {
		char key[16];
		snprintf(key, sizeof(key), "w%d", w);
		const struct session_item *it = session_get(&s.sess, key, strlen(key));
		assert_non_null(it);
		assert_int_equal(atoi(it->value), ROUNDS - 1);
	}
	stored_free(&s);
}

static void
test_max_size_leaves_store_unchanged(void **state)
{
	struct file_fixture *f = *state;
	uint8_t id[SESSION_ID_LEN];
	struct record_ref ref;
	struct changelog l;
	struct commit_plan p;
	struct stored s;
	char *big, path[512];
	struct stat before, after;
	uint8_t *bytes_before, *bytes_after;
	size_t len, alen;

	make_session(f, id, 0);
	ref = ref_of(f, id);
	record_path(f, &f->keys, id, path, sizeof(path));
	stat(path, &before);
	bytes_before = read_bytes(path, &len);
	big = malloc(f->cfg.max_size + 1);
	memset(big, 'x', f->cfg.max_size);
	big[f->cfg.max_size] = '\0';
	changelog_init(&l);
	log_set(&l, "big", big);
	assert_int_equal(commit(f, &ref, 1, &l, T0 + 100, &p, NULL), -1);
	changelog_free(&l);
	free(big);
	stat(path, &after);
	assert_int_equal(before.st_ino, after.st_ino);
	assert_int_equal(after.st_mtime, T0);
	bytes_after = read_bytes(path, &alen);
	assert_int_equal(alen, len);
	assert_memory_equal(bytes_after, bytes_before, len);
	free(bytes_before);
	free(bytes_after);
	assert_int_equal(f->st->ops->load(f->st, &ref, T0 + 101, &s), 0);
	assert_int_equal(s.sess.nitems, 1);
	stored_free(&s);
}

/* Directives that change nothing write nothing: a key set to the value
 * it has, an unset of a missing key, Permanent 0 on a session that is not
 * permanent.  The record keeps its bytes and its mtime (inside
 * touch_interval), and is touched, not rewritten, after it. */
static void
test_unchanged_writes_nothing(void **state)
{
	struct file_fixture *f = *state;
	uint8_t id[SESSION_ID_LEN], *before, *after;
	struct record_ref ref;
	struct changelog l;
	struct commit_plan p;
	char path[512];
	size_t len, alen;

	make_session(f, id, 0);
	ref = ref_of(f, id);
	record_path(f, &f->keys, id, path, sizeof(path));
	before = read_bytes(path, &len);
	changelog_init(&l);
	log_set(&l, "user", "alice");
	assert_int_equal(changelog_add(&l, CHANGE_UNSET, "nokey", 5, NULL, 0, 0),
	    0);
	log_op(&l, CHANGE_PERMANENT, NULL, 0);
	assert_int_equal(commit(f, &ref, 1, &l, T0 + 30, &p, NULL), 0);
	assert_true(p.alive);
	assert_false(p.write_same || p.write_new || p.touch || p.id_changed ||
	    p.permanence_changed);
	commit_plan_free(&p);
	after = read_bytes(path, &alen);
	assert_int_equal(alen, len);
	assert_memory_equal(after, before, len);
	assert_int_equal(mtime_of(path), T0);
	free(after);
	/* After touch_interval: touched only. */
	assert_int_equal(commit(f, &ref, 1, &l, T0 + 60, &p, NULL), 0);
	assert_true(p.touch);
	assert_false(p.write_same);
	commit_plan_free(&p);
	after = read_bytes(path, &alen);
	assert_memory_equal(after, before, len);
	assert_int_equal(mtime_of(path), T0 + 60);
	free(after);
	free(before);
	changelog_free(&l);
	/* One real change among them: written. */
	changelog_init(&l);
	log_set(&l, "user", "alice");
	log_set(&l, "lang", "en");
	assert_int_equal(commit(f, &ref, 1, &l, T0 + 61, &p, NULL), 0);
	assert_true(p.write_same);
	commit_plan_free(&p);
	changelog_free(&l);
}

/* A session in use never expires because the idle timer is refreshed
 * only once per touch_interval: with an idle timeout shorter than the
 * interval, a read-only request touches the record once a tenth of the
 * timeout has gone by. */
static void
test_touch_before_short_timeouts(void **state)
{
	struct file_fixture *f = *state;
	uint8_t id[SESSION_ID_LEN];
	struct record_ref ref;
	struct changelog l;
	struct commit_plan p;

	f->cfg.idle_timeout = 30;               /* touch_interval stays 60 */
	make_session(f, id, 0);
	ref = ref_of(f, id);
	changelog_init(&l);
	for (time_t t = T0 + 3; t <= T0 + 120; t += 3) {
		assert_int_equal(load_state(f, id, t), STORED_LIVE);
		assert_int_equal(commit(f, &ref, 1, &l, t, &p, NULL), 0);
		assert_true(p.touch);
		commit_plan_free(&p);
	}
	/* Inside a tenth of it: left alone. */
	assert_int_equal(commit(f, &ref, 1, &l, T0 + 122, &p, NULL), 0);
	assert_false(p.touch);
	commit_plan_free(&p);
	assert_int_equal(load_state(f, id, T0 + 120 + 29), STORED_LIVE);
	assert_int_equal(load_state(f, id, T0 + 120 + 30), STORED_ABSENT);
	changelog_free(&l);
}

/* max_size lowered below a stored session: a commit that does not make it
 * bigger (flashes delivered, a key removed) still goes through; one that
 * grows it is refused, naming the header. */
static void
test_max_size_lowered(void **state)
{
	struct file_fixture *f = *state;
	uint8_t id[SESSION_ID_LEN];
	struct record_ref ref;
	struct changelog l;
	struct commit_plan p;
	struct commit_in in = { .loaded = 1, .log = &l };
	char big[3001], err[256];

	make_session(f, id, 0);
	ref = ref_of(f, id);
	memset(big, 'v', 3000);
	big[3000] = '\0';
	changelog_init(&l);
	log_set(&l, "data", big);
	assert_int_equal(changelog_add(&l, CHANGE_FLASH, "info", 4, "hi", 2, 0),
	    0);
	assert_int_equal(commit(f, &ref, 1, &l, T0 + 1, &p, NULL), 0);
	commit_plan_free(&p);
	changelog_free(&l);
	f->cfg.max_size = 1024;
	/* The flash delivered: smaller, still over. */
	changelog_init(&l);
	log_op(&l, CHANGE_CONSUME_FLASHES, NULL, 1);
	assert_int_equal(commit(f, &ref, 1, &l, T0 + 2, &p, NULL), 0);
	assert_true(p.write_same);
	commit_plan_free(&p);
	changelog_free(&l);
	/* Growing it: refused, the header named. */
	changelog_init(&l);
	log_set(&l, "more", "x");
	in.max_size = f->cfg.max_size;
	session_id_generate(in.fresh_id);
	assert_int_equal(f->st->ops->commit(f->st, &ref, &in, T0 + 3, &p, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "X-Session-Set: the session would be"));
	assert_non_null(strstr(err, "over max_size (1024)"));
	changelog_free(&l);
	/* Shrinking it: fine. */
	changelog_init(&l);
	assert_int_equal(changelog_add(&l, CHANGE_UNSET, "data", 4, NULL, 0, 0),
	    0);
	assert_int_equal(commit(f, &ref, 1, &l, T0 + 4, &p, NULL), 0);
	assert_true(p.write_same);
	commit_plan_free(&p);
	changelog_free(&l);
}

/* A new session holding user=bob, written at T0 while the old secret
 * was the primary; its id in id, and a ref to it under that secret. */
static struct record_ref
make_old_session(struct file_fixture *f, uint8_t id[SESSION_ID_LEN])
{
	struct record_ref ref;
	struct changelog l;
	struct commit_plan p;

	session_id_generate(id);
	ref = ref_of(f, id);
	ref.keys = &f->old_keys;
	changelog_init(&l);
	log_set(&l, "user", "bob");
	assert_int_equal(commit(f, &ref, 0, &l, T0, &p, id), 0);
	commit_plan_free(&p);
	changelog_free(&l);
	ref = ref_of(f, id);
	ref.keys = &f->old_keys;
	return ref;
}

static void
test_rotation(void **state)
{
	struct file_fixture *f = *state;
	uint8_t id[SESSION_ID_LEN];
	struct record_ref rotating;
	struct changelog l;
	struct commit_plan p;
	struct stored s;
	char oldpath[512], newpath[512];

	/* A session written while the old secret was the primary. */
	make_old_session(f, id);
	record_path(f, &f->old_keys, id, oldpath, sizeof(oldpath));
	record_path(f, &f->keys, id, newpath, sizeof(newpath));
	assert_int_equal(access(oldpath, F_OK), 0);

	/* Now the cookie verifies with a fallback: found under the old name. */
	rotating = ref_of(f, id);
	rotating.old_keys = &f->old_keys;
	assert_int_equal(f->st->ops->load(f->st, &rotating, T0 + 1, &s), 0);
	assert_int_equal(s.state, STORED_LIVE);
	assert_true(s.under_old_name);
	stored_free(&s);
	/* The next commit, even without changes, moves it. */
	changelog_init(&l);
	assert_int_equal(commit(f, &rotating, 1, &l, T0 + 2, &p, NULL), 0);
	assert_true(p.write_same && p.resign && p.remove_old_name);
	assert_false(p.id_changed);
	commit_plan_free(&p);
	assert_int_equal(access(oldpath, F_OK), -1);
	assert_int_equal(access(newpath, F_OK), 0);
	assert_int_equal(load_state(f, id, T0 + 3), STORED_LIVE);
	/* A late request still holding the old cookie finds it too. */
	assert_int_equal(f->st->ops->load(f->st, &rotating, T0 + 3, &s), 0);
	assert_int_equal(s.state, STORED_LIVE);
	assert_false(s.under_old_name);
	stored_free(&s);
	changelog_free(&l);
}

/* A store that keeps the session itself: its cookie value is the sealed
 * id, and that value leads back to the record; a value that does not
 * verify reads as "not verified" (1), a fallback key's as the old name. */
static void
test_id_cookie(void **state)
{
	struct file_fixture *f = *state;
	uint8_t id[SESSION_ID_LEN];
	struct keyset ks;
	struct record_ref ref;
	struct stored st;
	struct commit_plan plan;
	char value[COOKIE_VALUE_LEN + 1], err[128];

	make_session(f, id, 0);
	memset(&plan, 0, sizeof(plan));
	assert_int_equal(f->st->cookie_max, COOKIE_VALUE_LEN);
	assert_int_equal(f->st->ops->cookie_value(f->st, &f->keys, id, &plan,
	    value, sizeof(value), err, sizeof(err)), COOKIE_VALUE_LEN);
	assert_int_equal(f->st->ops->cookie_value(f->st, &f->keys, id, &plan,
	    value, COOKIE_VALUE_LEN, err, sizeof(err)), -1);
	assert_int_equal(f->st->ops->cookie_value(f->st, &f->keys, id, &plan,
	    value, sizeof(value), err, sizeof(err)), COOKIE_VALUE_LEN);
	memset(&ks, 0, sizeof(ks));
	ks.primary = f->keys;
	assert_int_equal(f->st->ops->cookie_load(f->st, &ks, value,
	    COOKIE_VALUE_LEN, T0 + 1, &ref, &st), 0);
	assert_int_equal(st.state, STORED_LIVE);
	assert_memory_equal(ref.id, id, SESSION_ID_LEN);
	assert_null(ref.old_keys);
	stored_free(&st);
	value[3] ^= 1;
	assert_int_equal(f->st->ops->cookie_load(f->st, &ks, value,
	    COOKIE_VALUE_LEN, T0 + 1, &ref, &st), 1);
	assert_int_equal(st.state, STORED_ABSENT);
	value[3] ^= 1;
	/* Sealed under what is now a fallback key. */
	ks.primary = f->old_keys;
	ks.fallback[0] = f->keys;
	ks.nfallback = 1;
	assert_int_equal(f->st->ops->cookie_load(f->st, &ks, value,
	    COOKIE_VALUE_LEN, T0 + 1, &ref, &st), 0);
	assert_ptr_equal(ref.old_keys, &ks.fallback[0]);
	assert_int_equal(st.state, STORED_LIVE);
	assert_true(st.under_old_name);
	stored_free(&st);
}

/* The length of the version in the slot at buf. */
static size_t
version_len_at(const uint8_t *buf)
{
	struct record_header h;
	const char *why;

	assert_int_equal(record_header_decode(buf, RECORD_HEADER_LEN, &h, &why),
	    0);
	return record_len(&h);
}

/* The seq in each slot of the record file at path (0: the slot has no
 * header), and the file's size. */
static size_t
slot_seqs(const char *path, uint64_t seq[RECORD_SLOTS])
{
	size_t len, slot;
	uint8_t *file = read_bytes(path, &len);

	slot = record_file_slot_size(len);
	assert_true(slot > 0);
	for (int i = 0; i < RECORD_SLOTS; i++) {
		struct record_header h;
		const char *why;

		seq[i] = record_header_decode(file + i * slot, slot, &h, &why) == 0 ?
		    h.seq : 0;
	}
	free(file);
	return len;
}

/* Commit key=value to ref's live record at now. */
static void
commit_set(struct file_fixture *f, struct record_ref *ref, const char *key,
    const char *value, time_t now)
{
	struct changelog l;
	struct commit_plan p;

	changelog_init(&l);
	log_set(&l, key, value);
	assert_int_equal(commit(f, ref, 1, &l, now, &p, NULL), 0);
	assert_true(p.write_same);
	commit_plan_free(&p);
	changelog_free(&l);
}

/* The value of key in ref's record at now (NULL-safe copy in out). */
static const char *
loaded_value(struct file_fixture *f, struct record_ref *ref, const char *key,
    time_t now, char *out, size_t outlen)
{
	struct stored s;
	const struct session_item *it;

	assert_int_equal(f->st->ops->load(f->st, ref, now, &s), 0);
	if (s.state != STORED_LIVE) {
		stored_free(&s);
		return NULL;
	}
	it = session_get(&s.sess, key, strlen(key));
	snprintf(out, outlen, "%s", it != NULL ? it->value : "");
	stored_free(&s);
	return out;
}

/* Catch what the store logs (to stderr) from log_catch() on: log_caught()
 * puts stderr back and returns the text (malloc'd). */
static int
log_catch(struct file_fixture *f)
{
	char path[128];
	int fd, saved;

	snprintf(path, sizeof(path), "%s/log", f->dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	fflush(stderr);
	saved = dup(2);
	dup2(fd, 2);
	close(fd);
	return saved;
}

static char *
log_caught(struct file_fixture *f, int saved)
{
	char path[128], *text;
	size_t len;

	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	snprintf(path, sizeof(path), "%s/log", f->dir);
	text = (char *)read_bytes(path, &len);
	text = realloc(text, len + 1);
	text[len] = '\0';
	return text;
}

/* What the store logs during one load of ref at now. */
static char *
logged_by_load(struct file_fixture *f, struct record_ref *ref, time_t now)
{
	struct stored s;
	int saved = log_catch(f);

	assert_int_equal(f->st->ops->load(f->st, ref, now, &s), 0);
	stored_free(&s);
	return log_caught(f, saved);
}

/* The store directory removed under a running store: a commit fails,
 * and the log says what happened and what to do, not "mkdir: No such
 * file or directory" on a shard. */
static void
test_store_dir_removed(void **state)
{
	struct file_fixture *f = *state;
	uint8_t id[SESSION_ID_LEN];
	struct record_ref ref;
	struct changelog l;
	struct commit_plan p;
	char cmd[256], *text;
	int saved;

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->cfg.dir);
	assert_int_equal(system(cmd), 0);
	session_id_generate(id);
	ref = ref_of(f, id);
	changelog_init(&l);
	log_set(&l, "user", "alice");
	saved = log_catch(f);
	assert_int_equal(commit(f, &ref, 0, &l, T0, &p, id), -1);
	text = log_caught(f, saved);
	changelog_free(&l);
	assert_non_null(strstr(text, "the directory was removed while "
	    "sessionwrap ran; a restart or a reload (SIGHUP) makes it again"));
	assert_non_null(strstr(text, f->cfg.dir));
	free(text);
}

/* A change to a live record is written in place, into the slot that does
 * not hold the current version: same inode, same size, slots taking
 * turns, seq counting up. */
static void
test_update_in_place(void **state)
{
	struct file_fixture *f = *state;
	uint8_t id[SESSION_ID_LEN];
	struct record_ref ref;
	struct stat first, st;
	uint64_t seq[RECORD_SLOTS];
	char path[512], value[16], got[64];
	size_t size;

	make_session(f, id, 0);
	ref = ref_of(f, id);
	record_path(f, &f->keys, id, path, sizeof(path));
	assert_int_equal(stat(path, &first), 0);
	size = slot_seqs(path, seq);
	assert_int_equal(seq[0], 1);
	assert_int_equal(seq[1], 0);            /* never written: zeros */
	for (int i = 2; i <= 7; i++) {
		snprintf(value, sizeof(value), "v%d", i);
		commit_set(f, &ref, "k", value, T0 + i);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_ino, first.st_ino);
		assert_int_equal(st.st_mtime, T0 + i);
		assert_int_equal(slot_seqs(path, seq), size);
		/* Version i went to slot (i - 1) % 2; the other holds i - 1. */
		assert_int_equal(seq[(i - 1) % 2], i);
		assert_int_equal(seq[i % 2], i - 1);
		assert_string_equal(loaded_value(f, &ref, "k", T0 + i, got,
		    sizeof(got)), value);
	}
}

/* A logout over a live record writes its tombstone in place, into both
 * slots: same inode (no free space needed: a full disk cannot keep a user
 * logged in), and no older version left on disk. */
static void
test_tombstone_in_place(void **state)
{
	struct file_fixture *f = *state;
	uint8_t id[SESSION_ID_LEN], *file;
	struct record_ref ref;
	struct stat before, after;
	struct changelog l;
	struct commit_plan p;
	char path[512];
	size_t len, slot;

	make_session(f, id, 0);
	ref = ref_of(f, id);
	commit_set(f, &ref, "cart", "3", T0 + 1);       /* both slots used */
	record_path(f, &f->keys, id, path, sizeof(path));
	assert_int_equal(stat(path, &before), 0);
	changelog_init(&l);
	log_op(&l, CHANGE_CLEAR, NULL, 0);
	assert_int_equal(commit(f, &ref, 1, &l, T0 + 2, &p, NULL), 0);
	assert_true(p.tombstone_old && p.expire_cookie);
	commit_plan_free(&p);
	changelog_free(&l);
	assert_int_equal(stat(path, &after), 0);
	assert_int_equal(after.st_ino, before.st_ino);
	assert_int_equal(after.st_size, before.st_size);
	assert_int_equal(after.st_mtime, T0 + 2);
	file = read_bytes(path, &len);
	slot = record_file_slot_size(len);
	for (int i = 0; i < RECORD_SLOTS; i++) {
		struct record_header h;
		const char *why;

		assert_int_equal(record_header_decode(file + i * slot, slot, &h,
		    &why), 0);
		assert_int_equal(h.kind, RECORD_TOMBSTONE);
		assert_true(h.seq == 3 || h.seq == 4);
		/* Nothing of the live versions is left in the slot. */
		for (size_t b = record_len(&h); b < slot; b++)
			assert_int_equal(file[i * slot + b], 0);
	}
	free(file);
	assert_int_equal(load_state(f, id, T0 + 3), STORED_TOMBSTONE);
	assert_int_equal(load_state(f, id, T0 + 2 + 180), STORED_ABSENT);
	/* GC removes it once the grace is over, not before. */
	assert_int_equal(f->st->ops->gc(f->st, T0 + 2 + 179, NULL, NULL), 0);
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(f->st->ops->gc(f->st, T0 + 2 + 180, NULL, NULL), 1);
	assert_int_equal(access(path, F_OK), -1);
}

/* A commit killed in the middle of its write leaves a slot half-written:
 * at every point, the record reads as the version before, and the next
 * commit writes over the broken slot. */
static void
test_half_written_slot(void **state)
{
	struct file_fixture *f = *state;
	uint8_t id[SESSION_ID_LEN], *before, *after, *mixed;
	struct record_ref ref;
	char path[512], got[64], *log;
	size_t len, alen, slot, vlen;

	make_session(f, id, 0);
	ref = ref_of(f, id);
	record_path(f, &f->keys, id, path, sizeof(path));
	commit_set(f, &ref, "k", "two", T0 + 1);      /* seq 2, slot 1 */
	before = read_bytes(path, &len);
	commit_set(f, &ref, "k", "three", T0 + 2);    /* seq 3, slot 0 */
	after = read_bytes(path, &alen);
	assert_int_equal(alen, len);
	slot = record_file_slot_size(len);
	vlen = version_len_at(after);
	mixed = malloc(len);
	/* Slot 0 written up to cut bytes.  (Where the bytes not yet written
	 * happen to hold what the write would put there, the version is
	 * whole: the last byte matches by chance once in 256 runs.) */
	for (size_t cut = 1; cut < vlen; cut++) {
		memcpy(mixed, before, len);
		memcpy(mixed, after, cut);
		write_bytes(path, mixed, len);
		assert_string_equal(loaded_value(f, &ref, "k", T0 + 3, got,
		    sizeof(got)), memcmp(mixed, after, vlen) == 0 ? "three" : "two");
	}
	/* Cut before its last byte, one that differs from what was there. */
	memcpy(mixed, before, len);
	memcpy(mixed, after, vlen - 1);
	mixed[vlen - 1] = (uint8_t)(after[vlen - 1] ^ 0xff);
	write_bytes(path, mixed, len);
	assert_string_equal(loaded_value(f, &ref, "k", T0 + 3, got, sizeof(got)),
	    "two");
	/* The log names the file and the version used. */
	log = logged_by_load(f, &ref, T0 + 3);
	assert_non_null(strstr(log, strrchr(path, '/') + 1));
	assert_non_null(strstr(log, "does not verify"));
	assert_non_null(strstr(log, "version 2 is used"));
	free(log);
	/* Both slots broken: nothing whole is left. */
	memcpy(mixed, before, len);
	memcpy(mixed, after, vlen / 2);
	mixed[slot + 100] ^= 1;
	write_bytes(path, mixed, len);
	assert_null(loaded_value(f, &ref, "k", T0 + 3, got, sizeof(got)));
	log = logged_by_load(f, &ref, T0 + 3);
	assert_non_null(strstr(log, strrchr(path, '/') + 1));
	assert_non_null(strstr(log, "treated as absent"));
	free(log);
	/* One broken: the next commit goes over it and both load. */
	memcpy(mixed, before, len);
	memcpy(mixed, after, vlen / 2);
	write_bytes(path, mixed, len);
	commit_set(f, &ref, "k", "four", T0 + 4);
	assert_string_equal(loaded_value(f, &ref, "k", T0 + 5, got, sizeof(got)),
	    "four");
	commit_set(f, &ref, "k", "five", T0 + 6);
	assert_string_equal(loaded_value(f, &ref, "k", T0 + 7, got, sizeof(got)),
	    "five");
	free(before);
	free(after);
	free(mixed);
}

/* A version that outgrows its slot is a new file with bigger slots;
 * later versions go in place again. */
static void
test_outgrown_slot(void **state)
{
	struct file_fixture *f = *state;
	uint8_t id[SESSION_ID_LEN];
	struct record_ref ref;
	struct stat small, big, later;
	uint64_t seq[RECORD_SLOTS];
	char path[512], got[8192], *value;

	make_session(f, id, 0);
	ref = ref_of(f, id);
	record_path(f, &f->keys, id, path, sizeof(path));
	assert_int_equal(stat(path, &small), 0);
	value = malloc(5001);
	memset(value, 'x', 5000);
	value[5000] = '\0';
	commit_set(f, &ref, "big", value, T0 + 1);
	assert_int_equal(stat(path, &big), 0);
	assert_true(big.st_ino != small.st_ino);
	assert_true(big.st_size >= 2 * 5000);
	assert_int_equal(slot_seqs(path, seq), big.st_size);
	assert_int_equal(seq[0], 1);
	assert_string_equal(loaded_value(f, &ref, "big", T0 + 2, got,
	    sizeof(got)), value);
	value[0] = 'y';
	commit_set(f, &ref, "big", value, T0 + 3);
	assert_int_equal(stat(path, &later), 0);
	assert_int_equal(later.st_ino, big.st_ino);
	assert_string_equal(loaded_value(f, &ref, "big", T0 + 4, got,
	    sizeof(got)), value);
	assert_string_equal(loaded_value(f, &ref, "user", T0 + 4, got,
	    sizeof(got)), "alice");
	free(value);
}

/* Readers take no lock: one process commits a counter as fast as it can
 * while another loads it, so loads keep meeting a slot half-written (a
 * third of them here).  Every load finds the record, and the counter
 * never goes back: a half-written slot is never taken. */
static void
test_reader_never_sees_a_write_in_progress(void **state)
{
	struct file_fixture *f = *state;
	enum { WRITES = 3000 };
	uint8_t id[SESSION_ID_LEN];
	struct record_ref ref;
	char value[1100], got[1200];
	long last = 0, loads = 0;
	pid_t pid;
	int status;

	make_session(f, id, 0);
	ref = ref_of(f, id);
	commit_set(f, &ref, "n", "0", T0 + 1);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		for (int i = 1; i <= WRITES; i++) {
			struct changelog l;
			struct commit_plan p;

			/* ~1 KiB, so a write spans several cache lines. */
			snprintf(value, sizeof(value), "%d:%01000d", i, i);
			changelog_init(&l);
			log_set(&l, "n", value);
			if (commit(f, &ref, 1, &l, T0 + 1, &p, NULL) != 0 ||
			    !p.write_same)
				_exit(1);
			commit_plan_free(&p);
			changelog_free(&l);
		}
		_exit(0);
	}
	while (waitpid(pid, &status, WNOHANG) == 0) {
		long n;

		assert_non_null(loaded_value(f, &ref, "n", T0 + 1, got,
		    sizeof(got)));
		n = atol(got);
		assert_true(n >= last);
		last = n;
		loads++;
	}
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_non_null(loaded_value(f, &ref, "n", T0 + 1, got, sizeof(got)));
	assert_int_equal(atol(got), WRITES);
	print_message("%ld loads during %d writes\n", loads, (int)WRITES);
}

static void
test_corrupt_records_are_absent(void **state)
{
	struct file_fixture *f = *state;
	uint8_t id[SESSION_ID_LEN], other[SESSION_ID_LEN];
	uint8_t *good, *bad;
	char path[512], otherpath[512];
	size_t len, olen;
	struct record_ref ref;
	struct changelog l;
	struct commit_plan p;

	make_session(f, id, 0);
	record_path(f, &f->keys, id, path, sizeof(path));
	good = read_bytes(path, &len);
	bad = malloc(len);

	/* Truncated at every length. */
	for (size_t cut = 0; cut < len; cut++) {
		write_bytes(path, good, cut);
		assert_int_equal(load_state(f, id, T0 + 1), STORED_ABSENT);
	}
	/* Each byte of the version flipped: the header is the AEAD's
	 * associated data, so a change anywhere in it is refused; the
	 * record has no other version to fall back on.  A byte flipped in
	 * the unused rest of the file changes nothing. */
	for (size_t i = 0; i < len; i++) {
		memcpy(bad, good, len);
		bad[i] ^= 0x80;
		write_bytes(path, bad, len);
		assert_int_equal(load_state(f, id, T0 + 1),
		    i < version_len_at(good) ? STORED_ABSENT : STORED_LIVE);
	}
	/* Another session's file put in its place: does not decrypt. */
	make_session(f, other, 0);
	record_path(f, &f->keys, other, otherpath, sizeof(otherpath));
	free(bad);
	bad = read_bytes(otherpath, &olen);
	write_bytes(path, bad, olen);
	assert_int_equal(load_state(f, id, T0 + 1), STORED_ABSENT);
	/* Foreign data, an empty file. */
	memset(bad, 'z', olen);
	write_bytes(path, bad, olen);
	assert_int_equal(load_state(f, id, T0 + 1), STORED_ABSENT);
	write_bytes(path, bad, 0);
	assert_int_equal(load_state(f, id, T0 + 1), STORED_ABSENT);
	/* A symlink to a good record, and a directory, at the name. */
	unlink(path);
	assert_int_equal(symlink(otherpath, path), 0);
	assert_int_equal(load_state(f, id, T0 + 1), STORED_ABSENT);
	unlink(path);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(load_state(f, id, T0 + 1), STORED_ABSENT);
	/* A commit (which opens the record for writing) treats it so
	 * too: the session goes on under a fresh id. */
	ref = ref_of(f, id);
	changelog_init(&l);
	log_set(&l, "k", "v");
	assert_int_equal(commit(f, &ref, 1, &l, T0 + 1, &p, NULL), 0);
	assert_true(p.write_new && p.id_changed);
	commit_plan_free(&p);
	changelog_free(&l);
	rmdir(path);
	/* The intact record loads again. */
	write_bytes(path, good, len);
	assert_int_equal(load_state(f, id, T0 + 1), STORED_LIVE);
	free(good);
	free(bad);
}

/* Collect every name under dir (recursively) into one string. */
static char all_names[1 << 16];

static int
collect_name(const char *path, const struct stat *sb, int flag,
    struct FTW *ftw)
{
	(void)flag;
	(void)ftw;
	strncat(all_names, path, sizeof(all_names) - strlen(all_names) - 2);
	strcat(all_names, "\n");
	if (S_ISDIR(sb->st_mode))
		assert_int_equal(sb->st_mode & 07777, 0700);
	else if (strstr(path, "/.lock") == NULL)
		assert_int_equal(sb->st_mode & 07777, 0600);
	return 0;
}

static void
test_modes_and_names(void **state)
{
	struct file_fixture *f = *state;
	uint8_t id[SESSION_ID_LEN];
	char cookie[COOKIE_VALUE_LEN + 1], idhex[2 * SESSION_ID_LEN + 1];
	struct record_ref ref;
	struct changelog l;
	struct commit_plan p;
	char path[512];
	uint8_t *file;
	size_t len;

	umask(0);      /* the store must not rely on the umask */
	make_session(f, id, 0);
	ref = ref_of(f, id);
	changelog_init(&l);
	log_set(&l, "k", "v");
	assert_int_equal(commit(f, &ref, 1, &l, T0 + 1, &p, NULL), 0);
	commit_plan_free(&p);
	changelog_free(&l);
	umask(022);
	all_names[0] = '\0';
	assert_int_equal(nftw(f->cfg.dir, collect_name, 16, FTW_PHYS), 0);
	cookie_value_seal(&f->keys, id, cookie);
	for (int i = 0; i < SESSION_ID_LEN; i++)
		sprintf(idhex + 2 * i, "%02x", id[i]);
	assert_null(strstr(all_names, cookie));
	assert_null(strstr(all_names, idhex));
	assert_null(strstr(all_names, ".tmp-"));     /* no left-overs */
	/* Nor is the id, or the data, in the file. */
	record_path(f, &f->keys, id, path, sizeof(path));
	file = read_bytes(path, &len);
	assert_null(memmem(file, len, id, SESSION_ID_LEN));
	assert_null(memmem(file, len, "alice", 5));
	assert_null(memmem(file, len, "user", 4));
	free(file);
}

static void
test_gc(void **state)
{
	struct file_fixture *f = *state;
	uint8_t idle[3][SESSION_ID_LEN], perm[SESSION_ID_LEN];
	uint8_t dead[SESSION_ID_LEN], fresh_tomb[SESSION_ID_LEN];
	uint8_t tomb_id[SESSION_ID_LEN], tomb_fresh[SESSION_ID_LEN];
	struct record_ref ref;
	struct changelog l;
	struct commit_plan p;
	char path[512], foreign[512], tmp[512];
	struct timespec old[2] = { { T0 - 7200, 0 }, { T0 - 7200, 0 } };
	struct timespec recent[2] = { { T0 + 5000, 0 }, { T0 + 5000, 0 } };
	time_t now = T0 + 1800 + 10;

	/* Three idle sessions made at T0 (expired by now), one permanent. */
	for (int i = 0; i < 3; i++)
		make_session(f, idle[i], 0);
	make_session(f, perm, 1);
	/* A tombstone from T0 (old at now), and one from now - 10. */
	make_session(f, tomb_id, 0);
	ref = ref_of(f, tomb_id);
	changelog_init(&l);
	log_op(&l, CHANGE_CLEAR, NULL, 0);
	assert_int_equal(commit(f, &ref, 1, &l, T0, &p, NULL), 0);
	make_session(f, tomb_fresh, 0);
	ref = ref_of(f, tomb_fresh);
	touch_by_request(f, &ref, now - 20);
	assert_int_equal(commit(f, &ref, 1, &l, now - 10, &p, NULL), 0);
	changelog_free(&l);
	/* A session still in use (touched recently). */
	make_session(f, dead, 0);
	ref = ref_of(f, dead);
	touch_by_request(f, &ref, now - 15);
	memcpy(fresh_tomb, dead, sizeof(dead));

	/* A stale temp file, a recent one, and a foreign file. */
	record_path(f, &f->keys, perm, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%.*s/.tmp-0123456789abcdef",
	    (int)(strrchr(path, '/') - path), path);
	write_bytes(tmp, (const uint8_t *)"x", 1);
	utimensat(AT_FDCWD, tmp, old, 0);
	snprintf(foreign, sizeof(foreign), "%.*s/.tmp-fedcba9876543210",
	    (int)(strrchr(path, '/') - path), path);
	write_bytes(foreign, (const uint8_t *)"x", 1);
	utimensat(AT_FDCWD, foreign, recent, 0);
	snprintf(foreign, sizeof(foreign), "%.*s/%064d",
	    (int)(strrchr(path, '/') - path), path, 0);
	write_bytes(foreign, (const uint8_t *)"not a record", 12);
	utimensat(AT_FDCWD, foreign, old, 0);

	/* 3 idle + 1 old tombstone + 1 stale temp file. */
	assert_int_equal(f->st->ops->gc(f->st, now, NULL, NULL), 5);
	for (int i = 0; i < 3; i++) {
		record_path(f, &f->keys, idle[i], path, sizeof(path));
		assert_int_equal(access(path, F_OK), -1);
	}
	assert_int_equal(load_state(f, perm, now), STORED_LIVE);
	assert_int_equal(load_state(f, fresh_tomb, now), STORED_LIVE);
	assert_int_equal(load_state(f, tomb_fresh, now), STORED_TOMBSTONE);
	record_path(f, &f->keys, tomb_id, path, sizeof(path));
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(access(tmp, F_OK), -1);
	assert_int_equal(access(foreign, F_OK), 0);
	/* Nothing more to do now; later the rest goes. */
	assert_int_equal(f->st->ops->gc(f->st, now, NULL, NULL), 0);
	assert_int_equal(f->st->ops->gc(f->st, now + f->cfg.lifetime, NULL, NULL), 4);
}

/* A record written in place under the old secret, with a slot a crash
 * left half-written, then rotated: the commit (which holds the locks of
 * both names) takes the whole slot and moves it, and does not wait on
 * its own lock. */
static void
test_rotation_of_a_half_written_record(void **state)
{
	struct file_fixture *f = *state;
	uint8_t id[SESSION_ID_LEN], *file;
	struct record_ref old_only, rotating;
	struct changelog l;
	struct commit_plan p;
	char oldpath[512], got[64];
	size_t len;

	old_only = make_old_session(f, id);
	commit_set(f, &old_only, "k", "two", T0 + 1);       /* slot 1, seq 2 */
	record_path(f, &f->old_keys, id, oldpath, sizeof(oldpath));
	file = read_bytes(oldpath, &len);
	file[100] ^= 1;                         /* slot 0, seq 1: torn */
	write_bytes(oldpath, file, len);
	free(file);

	rotating = ref_of(f, id);
	rotating.old_keys = &f->old_keys;
	alarm(10);                              /* a self-deadlock fails */
	changelog_init(&l);
	assert_int_equal(commit(f, &rotating, 1, &l, T0 + 2, &p, NULL), 0);
	alarm(0);
	assert_true(p.write_same && p.remove_old_name);
	commit_plan_free(&p);
	changelog_free(&l);
	assert_int_equal(access(oldpath, F_OK), -1);
	assert_string_equal(loaded_value(f, &rotating, "k", T0 + 3, got,
	    sizeof(got)), "two");
}

/* GC reads the header of every slot: a session made permanent by an
 * update in place (its older slot still says "not permanent") outlives
 * the idle timeout, and goes when its lifetime ends. */
static void
test_gc_reads_every_slot(void **state)
{
	struct file_fixture *f = *state;
	uint8_t id[SESSION_ID_LEN];
	struct record_ref ref;
	struct changelog l;
	struct commit_plan p;
	uint64_t seq[RECORD_SLOTS];
	char path[512];
	time_t later = T0 + f->cfg.idle_timeout + 10;

	make_session(f, id, 0);
	ref = ref_of(f, id);
	changelog_init(&l);
	log_op(&l, CHANGE_PERMANENT, NULL, 1);
	assert_int_equal(commit(f, &ref, 1, &l, T0 + 1, &p, NULL), 0);
	assert_true(p.write_same);
	commit_plan_free(&p);
	changelog_free(&l);
	record_path(f, &f->keys, id, path, sizeof(path));
	slot_seqs(path, seq);
	assert_int_equal(seq[0], 1);            /* the idle-only version */
	assert_int_equal(seq[1], 2);            /* the permanent one */
	assert_int_equal(f->st->ops->gc(f->st, later, NULL, NULL), 0);
	assert_int_equal(load_state(f, id, later), STORED_LIVE);
	assert_int_equal(f->st->ops->gc(f->st, T0 + 1 + f->cfg.lifetime, NULL, NULL), 1);
	assert_int_equal(access(path, F_OK), -1);
}

/* One shard with more dead records than GC removes per hold of its
 * lock: all go, in batches, and the live one in the same shard stays. */
static void
test_gc_one_full_shard(void **state)
{
	struct file_fixture *f = *state;
	enum { DEAD = 75 };
	uint8_t id[SESSION_ID_LEN], live[SESSION_ID_LEN];
	char name[RECORD_NAME_LEN + 1], shard[3] = "";
	struct record_ref ref;
	long made = 0, elsewhere = 0;

	make_session(f, live, 0);
	record_name(&f->keys, live, name);
	memcpy(shard, name, 2);
	while (made < DEAD) {
		make_session(f, id, 0);
		record_name(&f->keys, id, name);
		if (memcmp(name, shard, 2) == 0) {
			made++;
		} else {
			/* Elsewhere: made a tombstone at once. */
			ref = ref_of(f, id);
			end_by_request(f, &ref, T0);
			elsewhere++;
		}
	}
	ref = ref_of(f, live);
	touch_by_request(f, &ref, T0 + 1799);
	/* The idle ones in the shard, and every old tombstone elsewhere. */
	assert_int_equal(f->st->ops->gc(f->st, T0 + 1800 + 10, NULL, NULL), DEAD + elsewhere);
	assert_int_equal(load_state(f, live, T0 + 1800 + 10), STORED_LIVE);
	assert_int_equal(f->st->ops->gc(f->st, T0 + 1800 + 10, NULL, NULL), 0);
}

/* What a progress callback of GC saw, and when it asks GC to stop. */
struct gc_watch {
	unsigned long calls, last_scanned, last_removed, total;
	unsigned long stop_at_removed;  /* 0: never */
	int backwards;                  /* a count went down */
	struct file_fixture *f;         /* with logout_id: ... */
	const uint8_t *logout_id;      /* logged out after its scan, at now */
	time_t now;
};

static int
gc_watch_cb(void *ctx, unsigned long scanned, unsigned long removed,
    unsigned long total)
{
	struct gc_watch *w = ctx;

	w->backwards |= scanned < w->last_scanned || removed < w->last_removed;
	w->calls++;
	w->last_scanned = scanned;
	w->last_removed = removed;
	w->total = total;
	if (w->logout_id != NULL && scanned == 1 && removed == 0) {
		struct record_ref ref = ref_of(w->f, w->logout_id);

		end_by_request(w->f, &ref, w->now);
		w->logout_id = NULL;
	}
	return w->stop_at_removed && removed >= w->stop_at_removed;
}

static long
count_records(struct file_fixture *f)
{
	char cmd[256];
	long n = -1;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "find %s/store -type f ! -name .lock | wc -l",
	    f->dir);
	assert_non_null(p = popen(cmd, "r"));
	assert_int_equal(fscanf(p, "%ld", &n), 1);
	pclose(p);
	return n;
}

/* GC reports after each record, counts only go up, and a callback that
 * asks it to stop stops it there: what it removed is gone whole, the
 * rest is still there for the next run. */
static void
test_gc_progress_and_stop(void **state)
{
	struct file_fixture *f = *state;
	enum { N = 10 };
	uint8_t id[N][SESSION_ID_LEN];
	struct gc_watch w = { .stop_at_removed = 3 };
	time_t later = T0 + f->cfg.idle_timeout + 10;

	long r;

	for (int i = 0; i < N; i++)
		make_session(f, id[i], 0);
	r = f->st->ops->gc(f->st, later, gc_watch_cb, &w);
	/* Each of GC's threads (up to 4) finishes the record in hand. */
	assert_true(r >= 3 && r <= 3 + 3);
	assert_int_equal(count_records(f), N - r);
	assert_false(w.backwards);
	assert_int_equal(w.last_removed, 3);        /* no call after the stop */
	assert_true(w.last_scanned >= 3 && w.last_scanned <= N);
	assert_true(w.total >= w.last_scanned);
	memset(&w, 0, sizeof(w));
	assert_int_equal(f->st->ops->gc(f->st, later, gc_watch_cb, &w), N - r);
	assert_int_equal(w.last_scanned, N - r);
	assert_int_equal(w.last_removed, N - r);
	assert_int_equal(w.calls, 2 * (N - r));     /* each looked at, removed */
	assert_int_equal(count_records(f), 0);
}

/* A record GC found expired but that changed before GC took the shard's
 * lock (here a logout wrote a fresh tombstone over it: a new file) is
 * looked at again, and the tombstone, which stops an in-flight request
 * from bringing the session back, stays. */
static void
test_gc_looks_again_at_a_changed_record(void **state)
{
	struct file_fixture *f = *state;
	uint8_t id[SESSION_ID_LEN];
	time_t later = T0 + f->cfg.idle_timeout + 10;
	/* The logout's commit is dated just before the expiry: it read the
	 * session while it was live. */
	struct gc_watch w = { .f = f, .logout_id = id,
	    .now = T0 + f->cfg.idle_timeout - 1 };

	make_session(f, id, 0);
	assert_int_equal(f->st->ops->gc(f->st, later, gc_watch_cb, &w), 0);
	assert_null(w.logout_id);              /* the logout happened */
	assert_int_equal(load_state(f, id, later + 1), STORED_TOMBSTONE);
	assert_int_equal(f->st->ops->gc(f->st, later + f->cfg.tombstone_grace,
	    NULL, NULL), 1);
}

struct walk_count {
	unsigned long kind[WALK_TEMP + 1], permanent, stop_after, seen;
	uint64_t bytes, oldest, newest;
};

static int
walk_count_cb(void *ctx, const struct walk_entry *e)
{
	struct walk_count *c = ctx;

	c->kind[e->kind]++;
	c->bytes += e->bytes;
	if (e->kind == WALK_LIVE) {
		c->permanent += e->permanent;
		if (c->oldest == 0 || e->created < c->oldest)
			c->oldest = e->created;
		if (e->created > c->newest)
			c->newest = e->created;
	}
	return c->stop_after && ++c->seen >= c->stop_after;
}

/* walk tells each file's kind from its clear headers, as GC would judge
 * it, without a key. */
static void
test_walk(void **state)
{
	struct file_fixture *f = *state;
	uint8_t a[SESSION_ID_LEN], b[SESSION_ID_LEN], perm[SESSION_ID_LEN],
	    tomb[SESSION_ID_LEN], idle[SESSION_ID_LEN];
	time_t now = T0 + f->cfg.idle_timeout + 10;
	struct walk_count c = { 0 };
	struct record_ref ref;
	char path[512], other[600];

	make_session(f, idle, 0);               /* idle since T0: expired */
	make_session(f, a, 0);
	make_session(f, b, 0);
	make_session(f, perm, 1);
	make_session(f, tomb, 0);
	ref = ref_of(f, a);
	touch_by_request(f, &ref, now - 15);
	ref = ref_of(f, b);
	touch_by_request(f, &ref, now - 15);
	ref = ref_of(f, tomb);
	end_by_request(f, &ref, now - 15);
	record_path(f, &f->keys, a, path, sizeof(path));
	snprintf(other, sizeof(other), "%.*s/%064d",
	    (int)(strrchr(path, '/') - path), path, 0);
	write_bytes(other, (const uint8_t *)"not a record", 12);
	snprintf(other, sizeof(other), "%.*s/.tmp-0123456789abcdef",
	    (int)(strrchr(path, '/') - path), path);
	write_bytes(other, (const uint8_t *)"x", 1);

	assert_int_equal(f->st->ops->walk(f->st, now, walk_count_cb, &c), 0);
	assert_int_equal(c.kind[WALK_LIVE], 3);
	assert_int_equal(c.permanent, 1);
	assert_int_equal(c.kind[WALK_TOMBSTONE], 1);
	assert_int_equal(c.kind[WALK_EXPIRED], 1);
	assert_int_equal(c.kind[WALK_BROKEN], 1);
	assert_int_equal(c.kind[WALK_TEMP], 1);
	assert_int_equal(c.oldest, T0);
	assert_int_equal(c.newest, T0);
	assert_true(c.bytes >= 5 * 1024);
	/* The tombstone outlives its grace: expired too. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(f->st->ops->walk(f->st, now + f->cfg.tombstone_grace,
	    walk_count_cb, &c), 0);
	assert_int_equal(c.kind[WALK_TOMBSTONE], 0);
	assert_int_equal(c.kind[WALK_EXPIRED], 2);
	/* A callback may stop it. */
	memset(&c, 0, sizeof(c));
	c.stop_after = 2;
	assert_int_equal(f->st->ops->walk(f->st, now, walk_count_cb, &c), 1);
	assert_int_equal(c.seen, 2);
}

static void
test_open_refuses(void **state)
{
	struct file_fixture *f = *state;
	struct config cfg;
	struct store *st;
	char err[256], path[512];

	config_defaults(&cfg);
	assert_int_equal(store_file_ops.open(&st, &cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "dir"));
	snprintf(path, sizeof(path), "%s/file", f->dir);
	write_bytes(path, (const uint8_t *)"x", 1);
	cfg.dir = strdup(path);
	assert_int_equal(store_file_ops.open(&st, &cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, path));
	config_free(&cfg);
	assert_ptr_equal(store_find("file"), &store_file_ops);
	assert_ptr_equal(store_find("redis"), &store_redis_ops);
	assert_null(store_find("memcache"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_load_commit_touch, file_fixture_setup, file_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_idle_expiry, file_fixture_setup, file_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_permanent_lifetime_sliding, file_fixture_setup, file_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_absolute_timeout, file_fixture_setup, file_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_tombstone_blocks_commit, file_fixture_setup, file_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_tombstone_in_place, file_fixture_setup, file_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_unchanged_writes_nothing, file_fixture_setup, file_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_touch_before_short_timeouts, file_fixture_setup, file_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_max_size_lowered, file_fixture_setup, file_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_store_dir_removed, file_fixture_setup, file_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_regenerate_kills_old_id, file_fixture_setup, file_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_disjoint_keys, file_fixture_setup, file_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_vanished_gets_fresh_id, file_fixture_setup, file_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_parallel_commits, file_fixture_setup, file_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_max_size_leaves_store_unchanged, file_fixture_setup, file_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_rotation, file_fixture_setup, file_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_id_cookie, file_fixture_setup, file_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_records_are_absent, file_fixture_setup, file_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_update_in_place, file_fixture_setup, file_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_half_written_slot, file_fixture_setup, file_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_outgrown_slot, file_fixture_setup, file_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_reader_never_sees_a_write_in_progress, file_fixture_setup, file_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_gc_reads_every_slot, file_fixture_setup, file_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_gc_one_full_shard, file_fixture_setup, file_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_rotation_of_a_half_written_record, file_fixture_setup, file_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_modes_and_names, file_fixture_setup, file_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_gc, file_fixture_setup, file_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_gc_progress_and_stop, file_fixture_setup, file_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_gc_looks_again_at_a_changed_record, file_fixture_setup, file_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_walk, file_fixture_setup, file_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_open_refuses, file_fixture_setup, file_fixture_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
