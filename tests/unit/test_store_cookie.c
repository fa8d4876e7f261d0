/* test_store_cookie.c — the cookie store: a session sealed into the
 * cookie round-trips, a cookie that is not exactly one we sealed is
 * refused (absent, no crash), cookie_max holds at the limit and one over,
 * rotation through secret_fallbacks, and the timeouts from the sealed
 * times. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bounds.h"
#include "config.h"
#include "crypto.h"
#include "helpers.h"
#include "session.h"
#include "store.h"

#define T0 1000000

static struct config cfg;
static struct keyset *ks, *other;

static void
derive(struct keys *k, char fill)
{
	uint8_t secret[SECRET_MIN_LEN];

	memset(secret, fill, sizeof(secret));
	assert_int_equal(keys_derive(k, secret, sizeof(secret)), 0);
}

static int
setup(void **state)
{
	(void)state;
	assert_int_equal(crypto_setup(), 0);
	config_defaults(&cfg);
	free(cfg.store);
	cfg.store = strdup("cookie");
	ks = keyset_new();
	other = keyset_new();
	derive(&ks->primary, 'a');
	derive(&other->primary, 'b');
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	config_free(&cfg);
	keyset_free(ks);
	keyset_free(other);
	return 0;
}

static struct store *
open_store(void)
{
	struct store *st;
	char err[128];

	assert_int_equal(store_find("cookie")->open(&st, &cfg, err,
	    sizeof(err)), 0);
	return st;
}

/* Commit log against the session of cookie (NULL: a new session) at now
 * with keys k: the new cookie value into out (empty when none is sent).
 * The commit's return code. */
static int
commit(struct store *st, const struct keyset *keys, const char *cookie,
    struct changelog *l, time_t now, char *out, char *err, size_t errlen)
{
	struct record_ref ref = { .keys = &keys->primary };
	struct stored base;
	struct commit_plan p;
	struct commit_in in = { .log = l, .max_size = 64 * 1024, .base = &base };
	int rc;

	memset(&base, 0, sizeof(base));
	session_init(&base.sess);
	out[0] = '\0';
	if (cookie) {
		assert_int_equal(st->ops->cookie_load(st, keys, cookie,
		    strlen(cookie), now, &ref, &base), 0);
		assert_int_equal(base.state, STORED_LIVE);
		in.loaded = 1;
		in.rotate = ref.old_keys != NULL;
	}
	session_id_generate(in.fresh_id);
	rc = st->ops->commit(st, &ref, &in, now, &p, err, errlen);
	if (rc == 0) {
		if (p.alive && (p.resign || p.id_changed))
			assert_true(st->ops->cookie_value(st, &keys->primary,
			    p.id_changed ? in.fresh_id : ref.id, &p, out,
			    st->cookie_max + 1, err, errlen) > 0);
		commit_plan_free(&p);
	}
	stored_free(&base);
	return rc;
}

/* Load value at now: the return code, the session in *out. */
static int
load(struct store *st, const struct keyset *keys, const char *value,
    time_t now, struct stored *out, struct record_ref *ref)
{
	struct record_ref r;

	return st->ops->cookie_load(st, keys, value, strlen(value), now,
	    ref ? ref : &r, out);
}

static void
new_session(struct store *st, const char *k, const char *v, time_t now,
    char *out)
{
	struct changelog l;
	char err[200];

	changelog_init(&l);
	log_set(&l, k, v);
	assert_int_equal(commit(st, ks, NULL, &l, now, out, err, sizeof(err)),
	    0);
	assert_true(out[0] != '\0');
	changelog_free(&l);
}

static void
test_round_trip(void **state)
{
	struct store *st = open_store();
	char v[MAX_COOKIE_STORE_VALUE + 1], v2[MAX_COOKIE_STORE_VALUE + 1];
	char err[200];
	struct stored s;
	struct record_ref ref;
	struct changelog l;

	(void)state;
	new_session(st, "user", "alice", T0, v);
	assert_true(strlen(v) <= st->cookie_max);
	assert_int_equal(load(st, ks, v, T0 + 5, &s, &ref), 0);
	assert_int_equal(s.state, STORED_LIVE);
	assert_value(&s.sess, "user", "alice");
	assert_int_equal(s.created, T0);
	assert_int_equal(s.last_seen, T0);
	assert_null(ref.old_keys);
	stored_free(&s);
	/* A change commits against the cookie's session: both keys. */
	changelog_init(&l);
	log_set(&l, "cart", "3");
	assert_int_equal(commit(st, ks, v, &l, T0 + 10, v2, err, sizeof(err)), 0);
	changelog_free(&l);
	assert_int_equal(load(st, ks, v2, T0 + 11, &s, NULL), 0);
	assert_value(&s.sess, "user", "alice");
	assert_value(&s.sess, "cart", "3");
	assert_int_equal(s.created, T0);
	assert_int_equal(s.last_seen, T0 + 10);
	stored_free(&s);
	/* Logout: empty session, the cookie is expired (no value sent). */
	changelog_init(&l);
	log_op(&l, CHANGE_CLEAR, NULL, 0);
	assert_int_equal(commit(st, ks, v2, &l, T0 + 12, v, err, sizeof(err)), 0);
	assert_string_equal(v, "");
	changelog_free(&l);
	st->ops->close(st);
}

/* Every refused value: 1, absent, nothing crashes. */
static void
refused(struct store *st, const struct keyset *keys, const char *value,
    size_t len)
{
	struct stored s;
	struct record_ref ref;

	assert_int_equal(st->ops->cookie_load(st, keys, value, len, T0 + 1,
	    &ref, &s), 1);
	assert_int_equal(s.state, STORED_ABSENT);
	stored_free(&s);
}

/* A commit that writes nothing (no change, no touch due) still lets the
 * caller send the cookie again, as visit.c does for a permanent
 * session on each request: that cookie holds the whole session. */
static void
test_refresh_without_change(void **state)
{
	struct store *st = open_store();
	char v[MAX_COOKIE_STORE_VALUE + 1], v2[MAX_COOKIE_STORE_VALUE + 1];
	char err[200];
	struct record_ref ref = { .keys = &ks->primary };
	struct stored base, s;
	struct changelog l;
	struct commit_plan p;
	struct commit_in in = { .loaded = 1, .log = &l, .max_size = 65536,
	    .base = &base };

	(void)state;
	new_session(st, "user", "alice", T0, v);
	assert_int_equal(load(st, ks, v, T0 + 1, &base, &ref), 0);
	changelog_init(&l);
	assert_int_equal(st->ops->commit(st, &ref, &in, T0 + 1, &p, err,
	    sizeof(err)), 0);
	assert_true(p.alive);
	assert_false(p.resign || p.write_same || p.id_changed);
	assert_true(st->ops->cookie_value(st, &ks->primary, ref.id, &p, v2,
	    sizeof(v2), err, sizeof(err)) > 0);
	commit_plan_free(&p);
	assert_int_equal(load(st, ks, v2, T0 + 2, &s, NULL), 0);
	assert_int_equal(s.state, STORED_LIVE);
	assert_value(&s.sess, "user", "alice");
	assert_int_equal(s.last_seen, T0);
	stored_free(&s);
	stored_free(&base);
	changelog_free(&l);
	st->ops->close(st);
}

static void
test_refused(void **state)
{
	struct store *st = open_store();
	char v[MAX_COOKIE_STORE_VALUE + 1], t[MAX_COOKIE_STORE_VALUE + 2];
	size_t n;

	(void)state;
	new_session(st, "user", "alice", T0, v);
	n = strlen(v);
	/* Tampered: one char changed anywhere (nonce, body, tag). */
	for (size_t i = 0; i < n; i += 7) {
		memcpy(t, v, n + 1);
		t[i] = t[i] == 'A' ? 'B' : 'A';
		refused(st, ks, t, n);
	}
	/* Truncated, and with a char more. */
	refused(st, ks, v, n - 1);
	refused(st, ks, v, n - 4);
	refused(st, ks, v, n / 2);
	refused(st, ks, v, 0);
	memcpy(t, v, n);
	t[n] = 'A';
	refused(st, ks, t, n + 1);
	/* Re-ordered: two blocks of 4 chars (3 bytes each) swapped. */
	memcpy(t, v, n + 1);
	memcpy(t + 40, v + 60, 4);
	memcpy(t + 60, v + 40, 4);
	refused(st, ks, t, n);
	/* Not base64url, and another secret's keys. */
	refused(st, ks, "!!!!", 4);
	refused(st, ks, "session=abc; x", 14);
	refused(st, other, v, n);
	/* Longer than cookie_max: not read at all. */
	memset(t, 'A', MAX_COOKIE_STORE_VALUE + 1);
	refused(st, ks, t, MAX_COOKIE_STORE_VALUE + 1);
	st->ops->close(st);
}

static void
test_cookie_max(void **state)
{
	struct store *st = open_store();
	char v[MAX_COOKIE_STORE_VALUE + 1], big[2800], first[MAX_COOKIE_STORE_VALUE + 1];
	char err[200];
	struct changelog l;
	struct stored s;
	size_t len;

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	new_session(st, "user", "alice", T0, first);
	/* How long a cookie with big in it is, with room to spare. */
	changelog_init(&l);
	log_set(&l, "big", big);
	assert_int_equal(commit(st, ks, first, &l, T0 + 1, v, err, sizeof(err)),
	    0);
	len = strlen(v);
	assert_true(len > 2800 && len <= MAX_COOKIE_STORE_VALUE);
	st->ops->close(st);
	/* At the limit: committed, a value of exactly cookie_max chars. */
	cfg.cookie_max = (int)len;
	st = open_store();
	assert_int_equal(commit(st, ks, first, &l, T0 + 1, v, err, sizeof(err)),
	    0);
	assert_int_equal(strlen(v), len);
	assert_int_equal(load(st, ks, v, T0 + 2, &s, NULL), 0);
	assert_value(&s.sess, "big", big);
	stored_free(&s);
	st->ops->close(st);
	/* One over: the commit fails, naming the header and the key; the
	 * cookie the client holds still says what it said. */
	cfg.cookie_max = (int)len - 1;
	st = open_store();
	assert_int_equal(commit(st, ks, first, &l, T0 + 1, v, err, sizeof(err)),
	    -1);
	assert_string_equal(v, "");
	assert_non_null(strstr(err, "X-Session-Set"));
	assert_non_null(strstr(err, "cookie_max"));
	assert_int_equal(load(st, ks, first, T0 + 2, &s, NULL), 0);
	assert_value(&s.sess, "user", "alice");
	assert_value(&s.sess, "big", NULL);
	stored_free(&s);
	changelog_free(&l);
	st->ops->close(st);
	cfg.cookie_max = MAX_COOKIE_STORE_VALUE;
}

static void
test_rotation(void **state)
{
	struct store *st = open_store();
	struct keyset *rot = keyset_new(), *only = keyset_new();
	char v[MAX_COOKIE_STORE_VALUE + 1], v2[MAX_COOKIE_STORE_VALUE + 1];
	char err[200];
	struct changelog l;
	struct stored s;
	struct record_ref ref;

	(void)state;
	/* rot: a new primary, the old secret as fallback. */
	derive(&rot->primary, 'c');
	derive(&rot->fallback[0], 'a');
	rot->nfallback = 1;
	derive(&only->primary, 'c');
	new_session(st, "user", "alice", T0, v);
	refused(st, only, v, strlen(v));
	assert_int_equal(load(st, rot, v, T0 + 1, &s, &ref), 0);
	assert_int_equal(s.state, STORED_LIVE);
	assert_ptr_equal(ref.old_keys, &rot->fallback[0]);
	stored_free(&s);
	/* A request that changes nothing re-seals it under the primary. */
	changelog_init(&l);
	assert_int_equal(commit(st, rot, v, &l, T0 + 2, v2, err, sizeof(err)), 0);
	changelog_free(&l);
	assert_true(v2[0] != '\0');
	assert_int_equal(load(st, only, v2, T0 + 3, &s, &ref), 0);
	assert_int_equal(s.state, STORED_LIVE);
	assert_null(ref.old_keys);
	assert_value(&s.sess, "user", "alice");
	assert_int_equal(s.created, T0);
	stored_free(&s);
	keyset_free(rot);
	keyset_free(only);
	st->ops->close(st);
}

static void
test_timeouts(void **state)
{
	struct store *st = open_store();
	char v[MAX_COOKIE_STORE_VALUE + 1], v2[MAX_COOKIE_STORE_VALUE + 1];
	char err[200];
	struct changelog l;
	struct stored s;
	time_t t;

	(void)state;
	cfg.absolute_timeout = 86400;
	new_session(st, "user", "alice", T0, v);
	/* Idle: live until idle_timeout after the sealed last access. */
	assert_int_equal(load(st, ks, v, T0 + cfg.idle_timeout - 1, &s, NULL), 0);
	assert_int_equal(s.state, STORED_LIVE);
	stored_free(&s);
	assert_int_equal(load(st, ks, v, T0 + cfg.idle_timeout, &s, NULL), 0);
	assert_int_equal(s.state, STORED_ABSENT);
	stored_free(&s);
	/* A request when a touch is due seals the new last access. */
	changelog_init(&l);
	t = T0 + cfg.touch_interval;
	assert_int_equal(commit(st, ks, v, &l, t, v2, err, sizeof(err)), 0);
	assert_true(v2[0] != '\0');
	assert_int_equal(load(st, ks, v2, t + cfg.idle_timeout - 1, &s, NULL), 0);
	assert_int_equal(s.state, STORED_LIVE);
	assert_int_equal(s.last_seen, t);
	stored_free(&s);
	/* Kept in use, it still ends at the absolute timeout. */
	strcpy(v, v2);
	for (t = T0 + 600; t < T0 + 86400; t += 600) {
		assert_int_equal(commit(st, ks, v, &l, t, v2, err, sizeof(err)), 0);
		assert_true(v2[0] != '\0');
		strcpy(v, v2);
	}
	assert_int_equal(load(st, ks, v, T0 + 86399, &s, NULL), 0);
	assert_int_equal(s.state, STORED_LIVE);
	stored_free(&s);
	assert_int_equal(load(st, ks, v, T0 + 86400, &s, NULL), 0);
	assert_int_equal(s.state, STORED_ABSENT);
	stored_free(&s);
	changelog_free(&l);
	cfg.absolute_timeout = 0;
	st->ops->close(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_refresh_without_change),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_cookie_max),
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_timeouts),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
