/* test_store_redis.c — the store contract on the Redis store, against a
 * redis-server of the test's own (a unix socket in a temp directory, no
 * port, nothing on disk): load, commit, touch, expiry by the injected
 * clock and by TTL, tombstones, regenerate, rotation, parallel writers,
 * broken values, the script cache flushed, the server gone and back, a
 * password file, and the [redis] checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <hiredis/hiredis.h>

#include "config.h"
#include "crypto.h"
#include "helpers.h"
#include "session.h"
#include "store.h"

#define T0 ((time_t)1700000000)

struct fixture {
	struct config cfg;
	char dir[64], sock[128];
	pid_t redis;
	redisContext *rc;               /* the test's own look at the server */
	struct store *st;
	struct keys keys, old_keys;
};

static pid_t
redis_start(const char *dir, const char *sock)
{
	char log[128];
	pid_t pid;

	snprintf(log, sizeof(log), "%s/redis.log", dir);
	unlink(sock);
	if ((pid = fork()) == 0) {
		execlp("redis-server", "redis-server", "--port", "0",
		    "--unixsocket", sock, "--unixsocketperm", "700", "--dir", dir,
		    "--save", "", "--appendonly", "no", "--logfile", log,
		    (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 100; i++) {
		redisContext *c = redisConnectUnix(sock);
		int up = c != NULL && c->err == 0;

		if (c != NULL)
			redisFree(c);
		if (up)
			return pid;
		usleep(50000);
	}
	fail_msg("redis-server did not start (is it installed?)");
	return -1;
}

static void
redis_stop(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	uint8_t secret[32];
	char err[256];

	assert_int_equal(crypto_setup(), 0);
	config_defaults(&f->cfg);
	f->cfg.idle_timeout = 1800;
	f->cfg.lifetime = 31 * 86400;
	f->cfg.touch_interval = 60;
	f->cfg.tombstone_grace = 180;
	free(f->cfg.store);
	f->cfg.store = strdup("redis");
	snprintf(f->dir, sizeof(f->dir), "/tmp/sw-redis-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->sock, sizeof(f->sock), "%s/redis.sock", f->dir);
	f->redis = redis_start(f->dir, f->sock);
	f->cfg.redis_address = malloc(strlen(f->sock) + 6);
	sprintf(f->cfg.redis_address, "unix:%s", f->sock);
	f->rc = redisConnectUnix(f->sock);
	assert_non_null(f->rc);
	memset(secret, 'n', sizeof(secret));
	keys_derive(&f->keys, secret, sizeof(secret));
	memset(secret, 'o', sizeof(secret));
	keys_derive(&f->old_keys, secret, sizeof(secret));
	assert_int_equal(store_redis_ops.open(&f->st, &f->cfg, err, sizeof(err)),
	    0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[256];

	f->st->ops->close(f->st);
	redisFree(f->rc);
	redis_stop(f->redis);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	config_free(&f->cfg);
	free(f);
	return 0;
}

static struct record_ref
ref_of(struct fixture *f, const uint8_t *id)
{
	struct record_ref r = { .keys = &f->keys, .old_keys = NULL };

	memcpy(r.id, id, SESSION_ID_LEN);
	return r;
}

/* Commit l for ref; fresh (if not NULL) gets the id a new record went to. */
static int
commit(struct fixture *f, struct store *st, const struct record_ref *ref,
    int loaded, struct changelog *l, time_t now, struct commit_plan *p,
    uint8_t fresh[SESSION_ID_LEN])
{
	struct commit_in in = { .loaded = loaded, .log = l,
	    .rotate = ref->old_keys != NULL, .max_size = f->cfg.max_size };
	char err[256];
	int rc;

	session_id_generate(in.fresh_id);
	if (fresh)
		memcpy(fresh, in.fresh_id, SESSION_ID_LEN);
	rc = st->ops->commit(st, ref, &in, now, p, err, sizeof(err));
	return rc;
}

/* A new session holding k=v at now: its id in id. */
static void
new_session(struct fixture *f, uint8_t id[SESSION_ID_LEN], const char *k,
    const char *v, time_t now)
{
	struct record_ref ref;
	struct changelog l;
	struct commit_plan p;

	memset(id, 0, SESSION_ID_LEN);
	ref = ref_of(f, id);
	changelog_init(&l);
	log_set(&l, k, v);
	assert_int_equal(commit(f, f->st, &ref, 0, &l, now, &p, id), 0);
	assert_true(p.write_new);
	commit_plan_free(&p);
	changelog_free(&l);
}

static void
set_key(struct fixture *f, struct store *st, const uint8_t *id, const char *k,
    const char *v, time_t now)
{
	struct record_ref ref = ref_of(f, id);
	struct changelog l;
	struct commit_plan p;

	changelog_init(&l);
	log_set(&l, k, v);
	assert_int_equal(commit(f, st, &ref, 1, &l, now, &p, NULL), 0);
	commit_plan_free(&p);
	changelog_free(&l);
}

/* The value of k in id's live session at now, or NULL (static buffer). */
static const char *
get_key(struct fixture *f, const uint8_t *id, const char *k, time_t now)
{
	static char buf[256];
	struct record_ref ref = ref_of(f, id);
	const struct session_item *it;
	struct stored s;

	assert_int_equal(f->st->ops->load(f->st, &ref, now, &s), 0);
	if (s.state != STORED_LIVE) {
		stored_free(&s);
		return NULL;
	}
	it = session_get(&s.sess, k, strlen(k));
	if (it == NULL) {
		stored_free(&s);
		return NULL;
	}
	snprintf(buf, sizeof(buf), "%.*s", (int)it->vlen, it->value);
	stored_free(&s);
	return buf;
}

static enum stored_state
state_of(struct fixture *f, const struct keys *k, const uint8_t *id,
    time_t now)
{
	struct record_ref ref = { .keys = k };
	struct stored s;
	enum stored_state st;

	memcpy(ref.id, id, SESSION_ID_LEN);
	assert_int_equal(f->st->ops->load(f->st, &ref, now, &s), 0);
	st = s.state;
	stored_free(&s);
	return st;
}

static void
key_name(struct fixture *f, const struct keys *k, const uint8_t *id,
    char out[128])
{
	char name[RECORD_NAME_LEN + 1];

	(void)f;
	record_name(k, id, name);
	snprintf(out, 128, "sessionwrap:%s", name);
}

static redisReply *
cmd(struct fixture *f, const char *fmt, ...)
{
	va_list ap;
	redisReply *r;

	va_start(ap, fmt);
	r = redisvCommand(f->rc, fmt, ap);
	va_end(ap);
	assert_non_null(r);
	return r;
}

static long long
pttl(struct fixture *f, const char *key)
{
	redisReply *r = cmd(f, "PTTL %s", key);
	long long v = r->integer;

	freeReplyObject(r);
	return v;
}

static void
test_commit_load_and_ttl(void **state)
{
	struct fixture *f = *state;
	uint8_t id[SESSION_ID_LEN];
	char key[128];
	redisReply *r;
	long long ttl;

	new_session(f, id, "user", "alice", T0);
	assert_string_equal(get_key(f, id, "user", T0 + 1), "alice");
	/* Prefix + the keyed hash of the id, nothing of the id itself. */
	key_name(f, &f->keys, id, key);
	r = cmd(f, "EXISTS %s", key);
	assert_int_equal(r->integer, 1);
	freeReplyObject(r);
	/* TTL = what is left of the idle timeout. */
	ttl = pttl(f, key);
	assert_true(ttl > 1790 * 1000LL && ttl <= 1800 * 1000LL);
	/* The value holds no clear data. */
	r = cmd(f, "GET %s", key);
	assert_int_equal(r->type, REDIS_REPLY_STRING);
	assert_null(memmem(r->str, r->len, "alice", 5));
	freeReplyObject(r);
	/* Idle expiry is checked on read too (the injected clock). */
	assert_null(get_key(f, id, "user", T0 + 1800));
}

static void
test_absolute_timeout_caps_ttl(void **state)
{
	struct fixture *f = *state;
	uint8_t id[SESSION_ID_LEN];
	char key[128];
	long long ttl;

	f->cfg.absolute_timeout = 100;
	new_session(f, id, "k", "v", T0);
	set_key(f, f->st, id, "k", "w", T0 + 40);
	key_name(f, &f->keys, id, key);
	/* The earliest of idle (1800 s from now) and absolute (60 s left). */
	ttl = pttl(f, key);
	assert_true(ttl > 55 * 1000LL && ttl <= 60 * 1000LL);
	assert_null(get_key(f, id, "k", T0 + 100));
}

static void
test_touch_moves_ttl_not_the_version(void **state)
{
	struct fixture *f = *state;
	uint8_t id[SESSION_ID_LEN];
	struct record_ref ref;
	char key[128];
	redisReply *a, *b;
	long long ttl;
	struct changelog l;
	struct commit_plan p;

	f->cfg.absolute_timeout = 0;
	new_session(f, id, "k", "v", T0);
	ref = ref_of(f, id);
	key_name(f, &f->keys, id, key);
	freeReplyObject(cmd(f, "PEXPIRE %s 5000", key));
	a = cmd(f, "GET %s", key);
	changelog_init(&l);               /* a request that changes nothing */
	assert_int_equal(commit(f, f->st, &ref, 1, &l, T0 + 1000, &p, NULL), 0);
	assert_true(p.touch);
	commit_plan_free(&p);
	changelog_free(&l);
	b = cmd(f, "GET %s", key);
	assert_int_equal(a->len, b->len);
	/* The sealed version is the same bytes; the last access moved. */
	assert_memory_equal(a->str + 8, b->str + 8, a->len - 8);
	assert_memory_not_equal(a->str, b->str, 8);
	freeReplyObject(a);
	freeReplyObject(b);
	ttl = pttl(f, key);
	assert_true(ttl > 1790 * 1000LL);
	/* Alive past the first idle timeout: its last access moved. */
	assert_string_equal(get_key(f, id, "k", T0 + 1900), "v");
	assert_null(get_key(f, id, "k", T0 + 2800));
}

static void
test_unchanged_request_touches_when_due(void **state)
{
	struct fixture *f = *state;
	uint8_t id[SESSION_ID_LEN];
	struct record_ref ref;
	struct changelog l;
	struct commit_plan p;

	new_session(f, id, "k", "v", T0);
	ref = ref_of(f, id);
	changelog_init(&l);
	assert_int_equal(commit(f, f->st, &ref, 1, &l, T0 + 10, &p, NULL), 0);
	assert_false(p.touch);                  /* not due yet */
	commit_plan_free(&p);
	assert_int_equal(commit(f, f->st, &ref, 1, &l, T0 + 100, &p, NULL), 0);
	assert_true(p.touch);
	commit_plan_free(&p);
	changelog_free(&l);
	assert_string_equal(get_key(f, id, "k", T0 + 1850), "v");
}

static void
test_clear_leaves_a_tombstone(void **state)
{
	struct fixture *f = *state;
	uint8_t id[SESSION_ID_LEN];
	struct record_ref ref;
	struct changelog l;
	struct commit_plan p;
	char key[128];
	long long ttl;

	new_session(f, id, "user", "alice", T0);
	ref = ref_of(f, id);
	changelog_init(&l);
	assert_int_equal(changelog_add(&l, CHANGE_CLEAR, NULL, 0, NULL, 0, 0), 0);
	assert_int_equal(commit(f, f->st, &ref, 1, &l, T0 + 1, &p, NULL), 0);
	assert_true(p.tombstone_old && p.expire_cookie);
	commit_plan_free(&p);
	changelog_free(&l);
	assert_int_equal(state_of(f, &f->keys, id, T0 + 2), STORED_TOMBSTONE);
	key_name(f, &f->keys, id, key);
	ttl = pttl(f, key);
	assert_true(ttl > 170 * 1000LL && ttl <= 180 * 1000LL);
	/* A request in flight since before the logout resurrects nothing. */
	changelog_init(&l);
	log_set(&l, "zombie", "1");
	assert_int_equal(commit(f, f->st, &ref, 1, &l, T0 + 3, &p, NULL), 0);
	assert_true(p.blocked);
	assert_false(p.alive);
	commit_plan_free(&p);
	changelog_free(&l);
	assert_int_equal(state_of(f, &f->keys, id, T0 + 4), STORED_TOMBSTONE);
	assert_int_equal(state_of(f, &f->keys, id, T0 + 1 + 180), STORED_ABSENT);
}

static void
test_regenerate_moves_the_session(void **state)
{
	struct fixture *f = *state;
	uint8_t id[SESSION_ID_LEN], fresh[SESSION_ID_LEN];
	struct record_ref ref;
	struct changelog l;
	struct commit_plan p;

	new_session(f, id, "k", "v", T0);
	ref = ref_of(f, id);
	changelog_init(&l);
	assert_int_equal(changelog_add(&l, CHANGE_REGENERATE, NULL, 0, NULL, 0,
	    0), 0);
	assert_int_equal(commit(f, f->st, &ref, 1, &l, T0 + 1, &p, fresh), 0);
	assert_true(p.write_new && p.tombstone_old && p.id_changed);
	commit_plan_free(&p);
	changelog_free(&l);
	assert_string_equal(get_key(f, fresh, "k", T0 + 2), "v");
	assert_int_equal(state_of(f, &f->keys, id, T0 + 2), STORED_TOMBSTONE);
}

static void
test_disjoint_keys_merge(void **state)
{
	struct fixture *f = *state;
	uint8_t id[SESSION_ID_LEN];

	new_session(f, id, "init", "1", T0);
	set_key(f, f->st, id, "a", "1", T0 + 1);
	set_key(f, f->st, id, "b", "2", T0 + 1);
	assert_string_equal(get_key(f, id, "a", T0 + 2), "1");
	assert_string_equal(get_key(f, id, "b", T0 + 2), "2");
	assert_string_equal(get_key(f, id, "init", T0 + 2), "1");
}

/* Writers in parallel processes, each with its own connection, on one
 * session: every key each of them set is there (the version check sends
 * a writer that came second back to read again). */
static void
test_parallel_writers_lose_nothing(void **state)
{
	struct fixture *f = *state;
	enum { WRITERS = 6, WRITES = 15 };
	uint8_t id[SESSION_ID_LEN];
	char k[32];

	new_session(f, id, "init", "1", T0);
	for (int w = 0; w < WRITERS; w++) {
		if (fork() == 0) {
			struct store *st;
			char err[256];
			int bad = 0;

			if (store_redis_ops.open(&st, &f->cfg, err, sizeof(err)) < 0)
				_exit(2);
			for (int i = 0; i < WRITES; i++) {
				struct record_ref ref = ref_of(f, id);
				struct changelog l;
				struct commit_plan p;

				snprintf(k, sizeof(k), "w%d_%d", w, i);
				changelog_init(&l);
				changelog_add(&l, CHANGE_SET, k, strlen(k), "x", 1, 0);
				if (commit(f, st, &ref, 1, &l, T0 + 1, &p, NULL) == 0)
					commit_plan_free(&p);
				else
					bad++;
				changelog_free(&l);
			}
			st->ops->close(st);
			_exit(bad ? 1 : 0);
		}
	}
	for (int w = 0; w < WRITERS; w++) {
		int status;

		wait(&status);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	for (int w = 0; w < WRITERS; w++)
		for (int i = 0; i < WRITES; i++) {
			snprintf(k, sizeof(k), "w%d_%d", w, i);
			assert_non_null(get_key(f, id, k, T0 + 2));
		}
}

static void
test_rotation(void **state)
{
	struct fixture *f = *state;
	uint8_t id[SESSION_ID_LEN];
	struct record_ref old_only = { .keys = &f->old_keys }, rotating;
	struct changelog l;
	struct commit_plan p;
	struct stored s;
	char oldkey[128], newkey[128];
	redisReply *r;

	/* Written while the old secret was the primary. */
	changelog_init(&l);
	log_set(&l, "k", "v");
	assert_int_equal(commit(f, f->st, &old_only, 0, &l, T0, &p, id), 0);
	commit_plan_free(&p);
	changelog_free(&l);
	key_name(f, &f->old_keys, id, oldkey);
	key_name(f, &f->keys, id, newkey);
	/* Now the cookie verifies with a fallback: found under the old name;
	 * the next commit, even without changes, moves it. */
	rotating = ref_of(f, id);
	rotating.old_keys = &f->old_keys;
	assert_int_equal(f->st->ops->load(f->st, &rotating, T0 + 1, &s), 0);
	assert_int_equal(s.state, STORED_LIVE);
	assert_true(s.under_old_name);
	stored_free(&s);
	changelog_init(&l);
	assert_int_equal(commit(f, f->st, &rotating, 1, &l, T0 + 2, &p, NULL), 0);
	assert_true(p.write_same && p.resign && p.remove_old_name);
	commit_plan_free(&p);
	changelog_free(&l);
	r = cmd(f, "EXISTS %s", oldkey);
	assert_int_equal(r->integer, 0);
	freeReplyObject(r);
	r = cmd(f, "EXISTS %s", newkey);
	assert_int_equal(r->integer, 1);
	freeReplyObject(r);
	assert_int_equal(state_of(f, &f->keys, id, T0 + 3), STORED_LIVE);
}

static void
test_broken_value_is_absent(void **state)
{
	struct fixture *f = *state;
	uint8_t id[SESSION_ID_LEN];
	char key[128];
	redisReply *r;

	new_session(f, id, "k", "v", T0);
	key_name(f, &f->keys, id, key);
	r = cmd(f, "SETRANGE %s 70 XXXX", key);    /* inside the ciphertext */
	freeReplyObject(r);
	assert_int_equal(state_of(f, &f->keys, id, T0 + 1), STORED_ABSENT);
	r = cmd(f, "SET %s short", key);
	freeReplyObject(r);
	assert_int_equal(state_of(f, &f->keys, id, T0 + 1), STORED_ABSENT);
	r = cmd(f, "DEL %s", key);
	freeReplyObject(r);
	r = cmd(f, "LPUSH %s x", key);             /* not even a string */
	freeReplyObject(r);
	assert_int_equal(state_of(f, &f->keys, id, T0 + 1), STORED_ABSENT);
}

static void
test_script_cache_flushed(void **state)
{
	struct fixture *f = *state;
	uint8_t id[SESSION_ID_LEN];
	redisReply *r;

	new_session(f, id, "k", "v", T0);
	r = cmd(f, "SCRIPT FLUSH");
	freeReplyObject(r);
	set_key(f, f->st, id, "k2", "w", T0 + 1);      /* NOSCRIPT: loaded again */
	assert_string_equal(get_key(f, id, "k2", T0 + 2), "w");
}

static void
test_server_gone_and_back(void **state)
{
	struct fixture *f = *state;
	uint8_t id[SESSION_ID_LEN];
	struct record_ref ref;
	struct changelog l;
	struct commit_plan p;
	struct stored s;
	int rc = -1;

	new_session(f, id, "k", "v", T0);
	ref = ref_of(f, id);
	redisFree(f->rc);
	redis_stop(f->redis);
	assert_int_equal(f->st->ops->load(f->st, &ref, T0 + 1, &s),
	    STORE_UNAVAILABLE);
	changelog_init(&l);
	log_set(&l, "k", "w");
	assert_int_equal(commit(f, f->st, &ref, 1, &l, T0 + 1, &p, NULL),
	    STORE_UNAVAILABLE);
	/* Back (empty: it kept nothing): within the backoff, by itself. */
	f->redis = redis_start(f->dir, f->sock);
	f->rc = redisConnectUnix(f->sock);
	for (int i = 0; i < 40 && rc != 0; i++) {
		usleep(100000);
		rc = commit(f, f->st, &ref, 0, &l, T0 + 2, &p, id);
	}
	assert_int_equal(rc, 0);
	commit_plan_free(&p);
	changelog_free(&l);
	assert_string_equal(get_key(f, id, "k", T0 + 3), "w");
}

/* A server restarted while the store sat idle: its connection is to a
 * process that is gone.  The next request connects again at once (what
 * it sent never arrived), not a 503. */
static void
test_restart_while_idle(void **state)
{
	struct fixture *f = *state;
	uint8_t id[SESSION_ID_LEN], id2[SESSION_ID_LEN];
	struct record_ref ref;
	struct changelog l;
	struct commit_plan p;

	new_session(f, id, "k", "v", T0);
	redisFree(f->rc);
	redis_stop(f->redis);
	f->redis = redis_start(f->dir, f->sock);
	f->rc = redisConnectUnix(f->sock);
	memset(id2, 0, sizeof(id2));
	ref = ref_of(f, id2);
	changelog_init(&l);
	log_set(&l, "k", "w");
	assert_int_equal(commit(f, f->st, &ref, 0, &l, T0 + 1, &p, id2), 0);
	commit_plan_free(&p);
	changelog_free(&l);
	assert_string_equal(get_key(f, id2, "k", T0 + 2), "w");
	/* And a read first. */
	redisFree(f->rc);
	redis_stop(f->redis);
	f->redis = redis_start(f->dir, f->sock);
	f->rc = redisConnectUnix(f->sock);
	assert_null(get_key(f, id2, "k", T0 + 3));     /* (nothing kept) */
}

static void
test_password_file(void **state)
{
	struct fixture *f = *state;
	char path[128], err[256];
	struct store *st;
	redisReply *r;
	int fd;

	r = cmd(f, "ACL SETUSER sw on >pw-of-sw ~* +@all");
	freeReplyObject(r);
	snprintf(path, sizeof(path), "%s/pw", f->dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(write(fd, "pw-of-sw\n", 9) == 9);
	close(fd);
	chmod(path, 0644);
	f->cfg.redis_username = strdup("sw");
	f->cfg.redis_password_file = strdup(path);
	assert_int_equal(store_redis_ops.open(&st, &f->cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "[redis] password_file"));
	assert_non_null(strstr(err, "group or others"));
	chmod(path, 0600);
	assert_int_equal(store_redis_ops.open(&st, &f->cfg, err, sizeof(err)), 0);
	{
		uint8_t id[SESSION_ID_LEN] = { 0 };
		struct record_ref ref = ref_of(f, id);
		struct changelog l;
		struct commit_plan p;

		changelog_init(&l);
		log_set(&l, "k", "v");
		assert_int_equal(commit(f, st, &ref, 0, &l, T0, &p, id), 0);
		commit_plan_free(&p);
		changelog_free(&l);
	}
	st->ops->close(st);
	/* The password's length: MAX_REDIS_PASSWORD bytes, and one over. */
	{
		char big[MAX_REDIS_PASSWORD + 2];

		memset(big, 'p', sizeof(big));
		big[MAX_REDIS_PASSWORD] = '\n';
		fd = open(path, O_WRONLY | O_TRUNC);
		assert_true(write(fd, big, MAX_REDIS_PASSWORD + 1) ==
		    MAX_REDIS_PASSWORD + 1);
		close(fd);
		assert_int_equal(store_redis_ops.open(&st, &f->cfg, err,
		    sizeof(err)), 0);
		st->ops->close(st);
		fd = open(path, O_WRONLY | O_TRUNC);
		assert_true(write(fd, big, MAX_REDIS_PASSWORD + 2) ==
		    MAX_REDIS_PASSWORD + 2);
		close(fd);
		assert_int_equal(store_redis_ops.open(&st, &f->cfg, err,
		    sizeof(err)), -1);
		assert_non_null(strstr(err, "longer than 512 bytes"));
	}
	/* A wrong password: open works (the server may come later), a
	 * request gets STORE_UNAVAILABLE. */
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(write(fd, "wrong\n", 6) == 6);
	close(fd);
	assert_int_equal(store_redis_ops.open(&st, &f->cfg, err, sizeof(err)), 0);
	{
		uint8_t id[SESSION_ID_LEN] = { 1 };
		struct record_ref ref = ref_of(f, id);
		struct stored s;

		assert_int_equal(st->ops->load(st, &ref, T0, &s), STORE_UNAVAILABLE);
	}
	st->ops->close(st);
}

/* The [redis] checks, through the report function. */
static char reported[2048];

static void
report(void *ctx, const char *section, const char *key, const char *msg)
{
	(void)ctx;
	snprintf(reported + strlen(reported), sizeof(reported) - strlen(reported),
	    "[%s] %s: %s\n", section, key ? key : "", msg);
}

static void
check_with(struct config *cfg, const char *address, const char *sentinel,
    const char *master)
{
	free(cfg->redis_address);
	cfg->redis_address = address ? strdup(address) : NULL;
	for (int i = 0; i < cfg->nredis_sentinels; i++)
		free(cfg->redis_sentinels[i]);
	cfg->nredis_sentinels = 0;
	if (sentinel)
		cfg->redis_sentinels[cfg->nredis_sentinels++] = strdup(sentinel);
	free(cfg->redis_master_name);
	cfg->redis_master_name = master ? strdup(master) : NULL;
	reported[0] = '\0';
	store_redis_ops.check(cfg, report, NULL);
}

static int
count_listed(void *ctx, const struct user_session *us)
{
	(void)us;
	(*(int *)ctx)++;
	return 0;
}

/* The per-user index on Redis: a hash per user (no name, no id in it),
 * kept by the commit script with a TTL at least its records'; list,
 * count, revoke keeping one session, a new login value, logout, revoke
 * of all. */
static void
test_user_index(void **state)
{
	struct fixture *f = *state;
	uint8_t a1[SESSION_ID_LEN], a2[SESSION_ID_LEN], b[SESSION_ID_LEN];
	uint8_t anon[SESSION_ID_LEN];
	char uh[USER_HASH_LEN + 1], ukey[128], keep[RECORD_NAME_LEN + 1];
	struct user_hashes u = { .n = 1 };
	redisReply *r;
	int n = 0;

	new_session(f, a1, "user", "alice", T0);
	new_session(f, a2, "user", "alice", T0);
	new_session(f, b, "user", "bob", T0);
	new_session(f, anon, "cart", "1", T0);
	user_hash(&f->keys, "alice", 5, uh);
	snprintf(ukey, sizeof(ukey), "sessionwrap:u:%s", uh);
	r = cmd(f, "HLEN %s", ukey);
	assert_int_equal(r->integer, 2);
	freeReplyObject(r);
	assert_true(pttl(f, ukey) >= 1799000);
	r = cmd(f, "KEYS *alice*");
	assert_int_equal(r->elements, 0);
	freeReplyObject(r);
	memcpy(u.h[0], uh, sizeof(uh));
	assert_int_equal(f->st->ops->list_user(f->st, &u, T0 + 1, count_listed,
	    &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(f->st->ops->user_count(f->st, T0 + 1), 2);

	/* Revoke all of alice's but a2. */
	record_name(&f->keys, a2, keep);
	assert_int_equal(f->st->ops->revoke_user(f->st, &u, keep, T0 + 2), 1);
	assert_int_equal(state_of(f, &f->keys, a1, T0 + 3), STORED_TOMBSTONE);
	assert_int_equal(state_of(f, &f->keys, a2, T0 + 3), STORED_LIVE);
	/* A request that had loaded a1: blocked. */
	{
		struct record_ref ref = ref_of(f, a1);
		struct changelog l;
		struct commit_plan p;

		changelog_init(&l);
		log_set(&l, "cart", "9");
		assert_int_equal(commit(f, f->st, &ref, 1, &l, T0 + 4, &p, NULL), 0);
		assert_true(p.blocked);
		commit_plan_free(&p);
		changelog_free(&l);
	}
	/* A new login value moves a2 to frank's hash. */
	set_key(f, f->st, a2, "user", "frank", T0 + 5);
	n = 0;
	assert_int_equal(f->st->ops->list_user(f->st, &u, T0 + 6, count_listed,
	    &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(f->st->ops->revoke_user(f->st, &u, NULL, T0 + 6), 0);
	user_hash(&f->keys, "frank", 5, u.h[0]);
	assert_int_equal(f->st->ops->revoke_user(f->st, &u, NULL, T0 + 7), 1);
	assert_int_equal(state_of(f, &f->keys, a2, T0 + 8), STORED_TOMBSTONE);

	/* revoke_all: bob's a tombstone, the anonymous one gone. */
	assert_int_equal(f->st->ops->revoke_all(f->st, T0 + 9), 2);
	assert_int_equal(state_of(f, &f->keys, b, T0 + 10), STORED_TOMBSTONE);
	assert_int_equal(state_of(f, &f->keys, anon, T0 + 10), STORED_ABSENT);
	assert_int_equal(f->st->ops->user_count(f->st, T0 + 10), 0);
}

static void
test_checks(void **state)
{
	struct fixture *f = *state;
	struct config cfg;
	char prefix[MAX_REDIS_PREFIX + 2];

	(void)f;
	config_defaults(&cfg);
	check_with(&cfg, "unix:/run/redis.sock", NULL, NULL);
	assert_string_equal(reported, "");
	check_with(&cfg, "tcp:127.0.0.1:6379", NULL, NULL);
	assert_string_equal(reported, "");
	check_with(&cfg, "tcp:[::1]:6379", NULL, NULL);
	assert_string_equal(reported, "");
	check_with(&cfg, NULL, "127.0.0.1:26379", "mymaster");
	assert_string_equal(reported, "");
	check_with(&cfg, NULL, NULL, NULL);
	assert_non_null(strstr(reported, "[redis] address: the Redis store needs"));
	check_with(&cfg, "unix:relative.sock", NULL, NULL);
	assert_non_null(strstr(reported, "[redis] address: 'unix:relative.sock'"));
	check_with(&cfg, "tcp:host:0", NULL, NULL);
	assert_non_null(strstr(reported, "[redis] address:"));
	check_with(&cfg, "tcp:host:65536", NULL, NULL);
	assert_non_null(strstr(reported, "[redis] address:"));
	check_with(&cfg, "redis://host", NULL, NULL);
	assert_non_null(strstr(reported, "[redis] address:"));
	check_with(&cfg, "tcp:h:1", "127.0.0.1:26379", "m");
	assert_non_null(strstr(reported, "not both"));
	check_with(&cfg, NULL, "127.0.0.1", "m");
	assert_non_null(strstr(reported, "[redis] sentinels: '127.0.0.1' is not"));
	check_with(&cfg, NULL, "127.0.0.1:26379", NULL);
	assert_non_null(strstr(reported, "[redis] master_name: sentinels need"));
	check_with(&cfg, "tcp:h:1", NULL, "m");
	assert_non_null(strstr(reported, "[redis] master_name: only"));
	cfg.redis_username = strdup("u");
	check_with(&cfg, "tcp:h:1", NULL, NULL);
	assert_non_null(strstr(reported, "[redis] username: needs password_file"));
	cfg.redis_password_file = strdup("pw");
	check_with(&cfg, "tcp:h:1", NULL, NULL);
	assert_non_null(strstr(reported, "[redis] password_file: must be an "
	    "absolute path"));
	/* The prefix at its limit, and one byte over. */
	memset(prefix, 'p', MAX_REDIS_PREFIX);
	prefix[MAX_REDIS_PREFIX] = '\0';
	free(cfg.redis_prefix);
	cfg.redis_prefix = strdup(prefix);
	free(cfg.redis_username);
	cfg.redis_username = NULL;
	free(cfg.redis_password_file);
	cfg.redis_password_file = NULL;
	check_with(&cfg, "tcp:h:1", NULL, NULL);
	assert_string_equal(reported, "");
	strcat(prefix, "p");
	free(cfg.redis_prefix);
	cfg.redis_prefix = strdup(prefix);
	check_with(&cfg, "tcp:h:1", NULL, NULL);
	assert_non_null(strstr(reported, "[redis] prefix: at most 64 bytes"));
	config_free(&cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_commit_load_and_ttl, setup, teardown),
		cmocka_unit_test_setup_teardown(test_absolute_timeout_caps_ttl, setup, teardown),
		cmocka_unit_test_setup_teardown(test_touch_moves_ttl_not_the_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unchanged_request_touches_when_due, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clear_leaves_a_tombstone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_regenerate_moves_the_session, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disjoint_keys_merge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parallel_writers_lose_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_broken_value_is_absent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_script_cache_flushed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_server_gone_and_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart_while_idle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_password_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_user_index, setup, teardown),
		cmocka_unit_test_setup_teardown(test_checks, setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
