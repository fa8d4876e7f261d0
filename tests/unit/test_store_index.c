/* test_store_index.c — the per-user index: what index_plan_make decides
 * for each kind of commit (pure), and the file store's index with an
 * injectable clock: list, count, revoke of a user (keeping one session
 * or not) and of all, a change of the login value, regenerate, logout,
 * expiry and GC, a stale entry, entries under a rotated secret. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "crypto.h"
#include "helpers.h"
#include "record.h"
#include "session.h"
#include "store.h"
#include "store_file_index.h"
#include "store_file_shard.h"

#define T0 ((time_t)1700000000)

/* Commit the changes of l to id's session (loaded: it has a record,
 * under keys k, with old, if not NULL, as the fallback that verified);
 * the id it lives under afterwards goes to id.  The plan's flags are
 * returned in *p (freed). */
static void
commit_with(struct file_fixture *f, uint8_t id[SESSION_ID_LEN], int loaded,
    const struct keys *old, struct changelog *l, time_t now,
    struct commit_plan *p)
{
	struct record_ref ref = { .keys = &f->keys, .old_keys = old };
	struct commit_in in = { .loaded = loaded, .log = l,
	    .rotate = old != NULL, .max_size = f->cfg.max_size };
	char err[256];

	memcpy(ref.id, id, SESSION_ID_LEN);
	session_id_generate(in.fresh_id);
	assert_int_equal(f->st->ops->commit(f->st, &ref, &in, now, p, err,
	    sizeof(err)), 0);
	if (p->id_changed)
		memcpy(id, in.fresh_id, SESSION_ID_LEN);
	commit_plan_free(p);
}

/* One change k=v (or, k NULL, one change of kind) to id's session. */
static void
change(struct file_fixture *f, uint8_t id[SESSION_ID_LEN], int loaded,
    enum change_kind kind, const char *k, const char *v, time_t now,
    struct commit_plan *p)
{
	struct changelog l;

	changelog_init(&l);
	if (kind == CHANGE_SET)
		log_set(&l, k, v);
	else
		log_op(&l, kind, k, kind == CHANGE_PERMANENT);
	commit_with(f, id, loaded, NULL, &l, now, p);
	changelog_free(&l);
}

/* A new session of user made at now: its id. */
static void
login(struct file_fixture *f, uint8_t id[SESSION_ID_LEN], const char *user,
    time_t now)
{
	struct commit_plan p;

	session_id_generate(id);
	change(f, id, 0, CHANGE_SET, "user", user, now, &p);
	assert_true(p.alive);
}

static void
hashes(struct file_fixture *f, const char *user, struct user_hashes *u,
    int with_old)
{
	u->n = 0;
	user_hash(&f->keys, user, strlen(user), u->h[u->n++]);
	if (with_old)
		user_hash(&f->old_keys, user, strlen(user), u->h[u->n++]);
}

struct seen {
	int n;
	struct user_session last;
};

static int
count_one(void *ctx, const struct user_session *us)
{
	struct seen *s = ctx;

	s->n++;
	s->last = *us;
	return 0;
}

static int
listed(struct file_fixture *f, const char *user, time_t now, struct seen *s)
{
	struct user_hashes u;

	memset(s, 0, sizeof(*s));
	hashes(f, user, &u, 1);
	assert_int_equal(f->st->ops->list_user(f->st, &u, now, count_one, s), 0);
	return s->n;
}

static long
revoke_of(struct file_fixture *f, const char *user, const char *keep, time_t now)
{
	struct user_hashes u;

	hashes(f, user, &u, 1);
	return f->st->ops->revoke_user(f->st, &u, keep, now);
}

static enum stored_state
state_of(struct file_fixture *f, const uint8_t *id, const struct keys *k,
    time_t now)
{
	struct record_ref ref = { .keys = k };
	enum stored_state st;
	struct stored s;

	memcpy(ref.id, id, SESSION_ID_LEN);
	assert_int_equal(f->st->ops->load(f->st, &ref, now, &s), 0);
	st = s.state;
	stored_free(&s);
	return st;
}

/* Entries in the index, all users. */
static int
entries(struct file_fixture *f)
{
	char path[512];
	DIR *d, *u;
	struct dirent *de, *e;
	int n = 0;

	snprintf(path, sizeof(path), "%s/users", f->cfg.dir);
	if ((d = opendir(path)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		char sub[1024];

		if (de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		if ((u = opendir(sub)) == NULL)
			continue;
		while ((e = readdir(u)) != NULL)
			n += e->d_name[0] != '.';
		closedir(u);
	}
	closedir(d);
	return n;
}

/* What index_plan_make decides, for each kind of commit. */
static void
test_index_plan(void **state)
{
	struct file_fixture *f = *state;
	struct record_ref ref = { .keys = &f->keys };
	struct commit_in in = { .loaded = 1, .max_size = 4096 };
	struct index_before b;
	struct index_plan ip;
	struct commit_plan p;
	struct changelog l;
	struct stored cur;
	char err[128];

	session_id_generate(ref.id);
	session_id_generate(in.fresh_id);
#define PLAN(setup_log, user_in_cur) do { \
		changelog_init(&l); \
		in.log = &l; \
		memset(&cur, 0, sizeof(cur)); \
		session_init(&cur.sess); \
		cur.state = STORED_LIVE; \
		cur.last_seen = T0; \
		if (user_in_cur) \
			set(&cur.sess, "user", user_in_cur); \
		set(&cur.sess, "cart", "1"); \
		setup_log; \
		assert_int_equal(index_before_take(&f->cfg, &cur, &b), 0); \
		assert_int_equal(commit_plan_make(&in, &f->cfg, &cur, T0 + 100, \
		    &p, err, sizeof(err)), 0); \
		index_plan_make(&f->cfg, &ref, &in, &b, &p, &ip); \
	} while (0)
#define DONE() do { commit_plan_free(&p); stored_free(&cur); \
		index_before_free(&b); changelog_free(&l); } while (0)

	/* A login on an anonymous session: an entry, nothing removed. */
	PLAN(log_set(&l, "user", "alice"), NULL);
	assert_true(ip.add && !ip.add_known);
	assert_memory_equal(ip.added.id, ref.id, SESSION_ID_LEN);
	assert_int_equal(ip.added.ulen, 5);
	assert_int_equal(ip.nremove, 0);
	DONE();
	/* Another key changes: the entry is there already. */
	PLAN(log_set(&l, "cart", "2"), "alice");
	assert_true(ip.add && ip.add_known);
	assert_int_equal(ip.nremove, 0);
	DONE();
	/* A new login value: the new entry, then the old one goes. */
	PLAN(log_set(&l, "user", "frank"), "alice");
	assert_true(ip.add && !ip.add_known);
	assert_memory_equal(ip.added.user, "frank", 5);
	assert_int_equal(ip.nremove, 1);
	assert_memory_equal(ip.removed[0].user, "alice", 5);
	DONE();
	/* Regenerate: the entry of the new id, then the old one's goes. */
	PLAN(log_op(&l, CHANGE_REGENERATE, NULL, 0), "alice");
	assert_true(ip.add && !ip.add_known);
	assert_memory_equal(ip.added.id, in.fresh_id, SESSION_ID_LEN);
	assert_int_equal(ip.nremove, 1);
	assert_memory_equal(ip.removed[0].id, ref.id, SESSION_ID_LEN);
	DONE();
	/* Logout: no entry, the old one goes. */
	PLAN(log_op(&l, CHANGE_CLEAR, NULL, 0), "alice");
	assert_false(ip.add);
	assert_int_equal(ip.nremove, 1);
	DONE();
	/* The login key unset: the entry goes. */
	PLAN(log_op(&l, CHANGE_UNSET, "user", 0), "alice");
	assert_false(ip.add);
	assert_int_equal(ip.nremove, 1);
	DONE();
	/* A request that changes nothing (a touch): nothing. */
	PLAN((void)0, "alice");
	assert_false(ip.add);
	assert_int_equal(ip.nremove, 0);
	DONE();
	/* An anonymous session stays anonymous: nothing. */
	PLAN(log_set(&l, "cart", "2"), NULL);
	assert_false(ip.add);
	assert_int_equal(ip.nremove, 0);
	DONE();
	/* Rotation: read under the old secret's name, written under the
	 * new one: the new entry, then the old one goes. */
	ref.old_keys = &f->old_keys;
	in.rotate = 1;
	PLAN(cur.under_old_name = 1, "alice");
	assert_true(ip.add && !ip.add_known);
	assert_ptr_equal(ip.added.k, &f->keys);
	assert_int_equal(ip.nremove, 1);
	assert_ptr_equal(ip.removed[0].k, &f->old_keys);
	DONE();
#undef PLAN
#undef DONE
}

/* list, count and expiry, on the injected clock. */
static void
test_list_count_expiry(void **state)
{
	struct file_fixture *f = *state;
	uint8_t a[3][SESSION_ID_LEN], b[SESSION_ID_LEN];
	struct commit_plan p;
	struct seen s;

	for (int i = 0; i < 3; i++)
		login(f, a[i], "alice", T0);
	login(f, b, "bob", T0 + 10);
	assert_int_equal(listed(f, "alice", T0 + 20, &s), 3);
	assert_int_equal(s.last.created, T0);
	assert_int_equal(s.last.last_seen, T0);
	assert_int_equal(s.last.deadline, T0 + 1800);
	assert_false(s.last.permanent);
	assert_int_equal(listed(f, "bob", T0 + 20, &s), 1);
	assert_int_equal(listed(f, "carol", T0 + 20, &s), 0);
	assert_int_equal(f->st->ops->user_count(f->st, T0 + 20), 2);
	/* Permanent: the lifetime. */
	change(f, b, 1, CHANGE_PERMANENT, NULL, NULL, T0 + 30, &p);
	assert_int_equal(listed(f, "bob", T0 + 40, &s), 1);
	assert_true(s.last.permanent);
	assert_int_equal(s.last.deadline, T0 + 30 + 31 * 86400);
	/* alice's sessions expire; bob's does not. */
	assert_int_equal(listed(f, "alice", T0 + 1800, &s), 0);
	assert_int_equal(f->st->ops->user_count(f->st, T0 + 1800), 1);
	/* GC removes their records, then their entries. */
	assert_int_equal(entries(f), 4);
	assert_true(f->st->ops->gc(f->st, T0 + 1800, NULL, NULL) >= 3);
	assert_int_equal(entries(f), 1);
	assert_int_equal(listed(f, "bob", T0 + 1800, &s), 1);
}

/* revoke: every session of a user becomes a tombstone, at once; a
 * request in flight commits nothing into it; keep spares one. */
static void
test_revoke_user(void **state)
{
	struct file_fixture *f = *state;
	uint8_t a[3][SESSION_ID_LEN], b[SESSION_ID_LEN];
	char keep[RECORD_NAME_LEN + 1];
	struct commit_plan p;
	struct seen s;

	for (int i = 0; i < 3; i++)
		login(f, a[i], "alice", T0);
	login(f, b, "bob", T0);
	/* Others: all of alice's but a[1]. */
	record_name(&f->keys, a[1], keep);
	assert_int_equal(revoke_of(f, "alice", keep, T0 + 5), 2);
	assert_int_equal(state_of(f, a[0], &f->keys, T0 + 6), STORED_TOMBSTONE);
	assert_int_equal(state_of(f, a[1], &f->keys, T0 + 6), STORED_LIVE);
	assert_int_equal(state_of(f, a[2], &f->keys, T0 + 6), STORED_TOMBSTONE);
	assert_int_equal(listed(f, "alice", T0 + 6, &s), 1);
	/* All of them. */
	assert_int_equal(revoke_of(f, "alice", NULL, T0 + 7), 1);
	assert_int_equal(state_of(f, a[1], &f->keys, T0 + 8), STORED_TOMBSTONE);
	assert_int_equal(listed(f, "alice", T0 + 8, &s), 0);
	assert_int_equal(revoke_of(f, "alice", NULL, T0 + 8), 0);
	/* A request that loaded a[2] before: blocked, as after a logout. */
	change(f, a[2], 1, CHANGE_SET, "cart", "9", T0 + 9, &p);
	assert_true(p.blocked);
	assert_int_equal(state_of(f, a[2], &f->keys, T0 + 10), STORED_TOMBSTONE);
	/* bob untouched. */
	assert_int_equal(state_of(f, b, &f->keys, T0 + 10), STORED_LIVE);
	/* The tombstones last their grace period from the revoke, then GC
	 * removes them with their entries. */
	assert_int_equal(state_of(f, a[0], &f->keys, T0 + 5 + 179),
	    STORED_TOMBSTONE);
	assert_int_equal(state_of(f, a[0], &f->keys, T0 + 5 + 180), STORED_ABSENT);
	assert_int_equal(entries(f), 1);
}

/* The index follows regenerate, a new login value, logout. */
static void
test_index_follows_commits(void **state)
{
	struct file_fixture *f = *state;
	uint8_t a[SESSION_ID_LEN], old[SESSION_ID_LEN];
	struct commit_plan p;
	struct seen s;

	login(f, a, "alice", T0);
	memcpy(old, a, SESSION_ID_LEN);
	change(f, a, 1, CHANGE_REGENERATE, NULL, NULL, T0 + 1, &p);
	assert_memory_not_equal(a, old, SESSION_ID_LEN);
	assert_int_equal(entries(f), 1);
	assert_int_equal(revoke_of(f, "alice", NULL, T0 + 2), 1);
	assert_int_equal(state_of(f, a, &f->keys, T0 + 3), STORED_TOMBSTONE);

	login(f, a, "erin", T0 + 10);
	change(f, a, 1, CHANGE_SET, "user", "frank", T0 + 11, &p);
	assert_int_equal(entries(f), 1);
	assert_int_equal(revoke_of(f, "erin", NULL, T0 + 12), 0);
	assert_int_equal(state_of(f, a, &f->keys, T0 + 12), STORED_LIVE);
	assert_int_equal(revoke_of(f, "frank", NULL, T0 + 12), 1);

	login(f, a, "gina", T0 + 20);
	assert_int_equal(listed(f, "gina", T0 + 21, &s), 1);
	change(f, a, 1, CHANGE_CLEAR, NULL, NULL, T0 + 22, &p);
	assert_int_equal(listed(f, "gina", T0 + 23, &s), 0);
	assert_int_equal(entries(f), 0);
}

/* A crash between an entry and its record leaves a stale entry: revoke
 * ends nothing through it, GC removes it.  No name on disk. */
static void
test_stale_entry_and_no_names(void **state)
{
	struct file_fixture *f = *state;
	struct file_store *fs = (struct file_store *)f->st;
	uint8_t id[SESSION_ID_LEN], a[SESSION_ID_LEN];
	struct index_entry e = { &f->keys, id, "alice", 5 };
	char cmd[512];

	session_id_generate(id);
	assert_int_equal(findex_add(fs, &e, 0), 0);
	assert_int_equal(entries(f), 1);
	assert_int_equal(f->st->ops->user_count(f->st, T0), 0);
	assert_int_equal(f->st->ops->gc(f->st, T0, NULL, NULL), 0);
	assert_int_equal(entries(f), 0);
	assert_int_equal(findex_add(fs, &e, 0), 0);
	assert_int_equal(revoke_of(f, "alice", NULL, T0), 0);
	assert_int_equal(entries(f), 0);

	login(f, a, "alice", T0);
	snprintf(cmd, sizeof(cmd), "grep -rqa alice %s", f->cfg.dir);
	assert_int_not_equal(system(cmd), 0);
}

/* Entries made under a secret now in secret_fallbacks are found. */
static void
test_rotated_secret(void **state)
{
	struct file_fixture *f = *state;
	struct file_store *fs = (struct file_store *)f->st;
	uint8_t id[SESSION_ID_LEN];
	struct keys k = f->keys;
	struct seen s;

	/* A session written when the old secret was the primary. */
	f->keys = f->old_keys;
	login(f, id, "alice", T0);
	f->keys = k;
	(void)fs;
	assert_int_equal(listed(f, "alice", T0 + 1, &s), 1);
	assert_int_equal(revoke_of(f, "alice", NULL, T0 + 2), 1);
	assert_int_equal(state_of(f, id, &f->old_keys, T0 + 3), STORED_TOMBSTONE);
}

/* revoke_all: logged-in sessions become tombstones, the others go. */
static void
test_revoke_all(void **state)
{
	struct file_fixture *f = *state;
	uint8_t a[SESSION_ID_LEN], anon[SESSION_ID_LEN];
	struct commit_plan p;

	login(f, a, "alice", T0);
	session_id_generate(anon);
	change(f, anon, 0, CHANGE_SET, "cart", "7", T0, &p);
	assert_int_equal(f->st->ops->revoke_all(f->st, T0 + 1), 2);
	assert_int_equal(state_of(f, a, &f->keys, T0 + 2), STORED_TOMBSTONE);
	assert_int_equal(state_of(f, anon, &f->keys, T0 + 2), STORED_ABSENT);
	assert_int_equal(f->st->ops->revoke_all(f->st, T0 + 3), 0);
	assert_int_equal(f->st->ops->user_count(f->st, T0 + 3), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_index_plan, file_fixture_setup, file_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_list_count_expiry, file_fixture_setup, file_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_revoke_user, file_fixture_setup, file_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_index_follows_commits, file_fixture_setup, file_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_stale_entry_and_no_names, file_fixture_setup, file_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_rotated_secret, file_fixture_setup, file_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_revoke_all, file_fixture_setup, file_fixture_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
