/* test_session.c — the session model, the replay of change logs (the
 * three-way merge of concurrent requests) and the commit policy. */
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
#include "session.h"
#include "store.h"

static void
set(struct session *s, const char *k, const char *v)
{
	assert_int_equal(session_set(s, k, strlen(k), v, strlen(v)), 0);
}

static void
assert_value(const struct session *s, const char *k, const char *v)
{
	const struct sess_item *it = session_get(s, k, strlen(k));

	if (v == NULL) {
		assert_null(it);
		return;
	}
	assert_non_null(it);
	assert_int_equal(it->vlen, strlen(v));
	assert_memory_equal(it->value, v, it->vlen);
}

static char *
data_form(const struct session *s)
{
	size_t len = session_data_form_len(s);
	char *buf = malloc(len + 1);

	session_data_form(s, buf);
	assert_int_equal(strlen(buf), len);
	return buf;
}

static void
test_map_order_and_form(void **state)
{
	struct session s;
	char *f;

	(void)state;
	session_init(&s);
	set(&s, "user", "alice");
	set(&s, "cart", "3,7");
	set(&s, "b", "x y");
	set(&s, "a", "1");
	set(&s, "ab", "2");
	set(&s, "B", "3");
	set(&s, "a", "one");             /* replace */
	assert_int_equal(s.nitems, 6);
	f = data_form(&s);
	assert_string_equal(f, "B=3&a=one&ab=2&b=x+y&cart=3%2C7&user=alice");
	free(f);
	session_unset(&s, "ab", 2);
	session_unset(&s, "nothere", 7);
	assert_value(&s, "ab", NULL);
	assert_int_equal(s.nitems, 5);
	assert_int_equal(session_encoded_size(&s), strlen(
	    "B=3&a=one&b=x+y&cart=3%2C7&user=alice"));
	session_free(&s);
	assert_true(session_is_empty(&s));
	f = data_form(&s);
	assert_string_equal(f, "");
	free(f);
}

static void
test_flashes(void **state)
{
	struct session s;
	char buf[128];

	(void)state;
	session_init(&s);
	session_flash_add(&s, "info", 4, "Saved!", 6);
	session_flash_add(&s, "error", 5, "a&b", 3);
	assert_int_equal(s.flashes[0].seq, 0);
	assert_int_equal(s.flashes[1].seq, 1);
	assert_int_equal(s.next_flash_seq, 2);
	assert_false(session_is_empty(&s));
	assert_int_equal(session_flash_form_len(&s), strlen("info=Saved%21&error=a%26b"));
	session_flash_form(&s, buf);
	assert_string_equal(buf, "info=Saved%21&error=a%26b");
	assert_int_equal(session_encoded_size(&s), strlen(buf));
	session_flash_consume(&s, 0);
	assert_int_equal(s.nflashes, 1);
	assert_int_equal(s.flashes[0].seq, 1);
	session_flash_consume(&s, 1);
	assert_true(session_is_empty(&s));
	/* Seqs go on rising after consumption and after a clear. */
	session_flash_add(&s, "c", 1, "m", 1);
	assert_int_equal(s.flashes[0].seq, 2);
	session_clear(&s, 99);
	assert_int_equal(s.created, 99);
	session_flash_add(&s, "c", 1, "m", 1);
	assert_int_equal(s.flashes[0].seq, 3);
	session_free(&s);
}

static void
log_set(struct changelog *l, const char *k, const char *v)
{
	assert_int_equal(changelog_add(l, CHANGE_SET, k, strlen(k), v, strlen(v),
	    0), 0);
}

static void
log_op(struct changelog *l, enum change_kind kind, const char *k, uint64_t n)
{
	assert_int_equal(changelog_add(l, kind, k, k ? strlen(k) : 0,
	    kind == CHANGE_FLASH ? "msg" : NULL, kind == CHANGE_FLASH ? 3 : 0, n),
	    0);
}

static void
replay(const struct changelog *l, struct session *s, struct replay_outcome *o)
{
	assert_int_equal(changelog_replay(l, s, 1000, o), 0);
}

/* Two requests load the same record, each makes its changes, and they
 * commit one after the other: each log replays onto what is stored. */
static void
test_merge_disjoint_keys(void **state)
{
	struct changelog a, b;
	struct session stored;
	struct replay_outcome o;

	(void)state;
	session_init(&stored);
	set(&stored, "shared", "0");
	changelog_init(&a);
	changelog_init(&b);
	log_set(&a, "a", "1");
	log_set(&b, "b", "2");
	replay(&a, &stored, &o);
	replay(&b, &stored, &o);
	assert_value(&stored, "a", "1");
	assert_value(&stored, "b", "2");
	assert_value(&stored, "shared", "0");
	changelog_free(&a);
	changelog_free(&b);
	session_free(&stored);
}

/* Whether a log changed the session: a key set to the value it has, an
 * unset of a missing key, Permanent as it was, and no flash delivered
 * change nothing; each of the others does. */
static void
test_replay_changed(void **state)
{
	struct { enum change_kind kind; const char *k; const char *v;
	    uint64_t n; int changed; } cases[] = {
		{ CHANGE_SET, "k", "v", 0, 0 },
		{ CHANGE_SET, "k", "w", 0, 1 },
		{ CHANGE_SET, "k", "", 0, 1 },
		{ CHANGE_SET, "new", "v", 0, 1 },
		{ CHANGE_UNSET, "missing", NULL, 0, 0 },
		{ CHANGE_UNSET, "k", NULL, 0, 1 },
		{ CHANGE_PERMANENT, NULL, NULL, 0, 0 },
		{ CHANGE_PERMANENT, NULL, NULL, 1, 1 },
		{ CHANGE_CONSUME_FLASHES, NULL, NULL, 4, 0 },
		{ CHANGE_CONSUME_FLASHES, NULL, NULL, 5, 1 },
		{ CHANGE_FLASH, "info", "hi", 0, 1 },
		{ CHANGE_CLEAR, NULL, NULL, 0, 1 },
		{ CHANGE_REGENERATE, NULL, NULL, 0, 1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct changelog l;
		struct session s;
		struct replay_outcome o;

		session_init(&s);
		set(&s, "k", "v");
		assert_int_equal(session_flash_append(&s, 5, "c", 1, "m", 1), 0);
		changelog_init(&l);
		assert_int_equal(changelog_add(&l, cases[i].kind, cases[i].k,
		    cases[i].k ? strlen(cases[i].k) : 0, cases[i].v,
		    cases[i].v ? strlen(cases[i].v) : 0, cases[i].n), 0);
		replay(&l, &s, &o);
		if (o.changed != cases[i].changed)
			fail_msg("case %zu: changed %d, expected %d", i, o.changed,
			    cases[i].changed);
		changelog_free(&l);
		session_free(&s);
	}
}

static void
test_merge_same_key_last_wins(void **state)
{
	struct changelog a, b;
	struct session stored;
	struct replay_outcome o;

	(void)state;
	session_init(&stored);
	changelog_init(&a);
	changelog_init(&b);
	log_set(&a, "k", "from-a");
	log_set(&a, "k", "from-a-2");     /* within one log: in order */
	log_set(&b, "k", "from-b");
	replay(&a, &stored, &o);
	replay(&b, &stored, &o);
	assert_value(&stored, "k", "from-b");
	replay(&a, &stored, &o);
	assert_value(&stored, "k", "from-a-2");
	changelog_free(&a);
	changelog_free(&b);
	session_free(&stored);
}

static void
test_merge_unset_vs_set(void **state)
{
	struct changelog un, st;
	struct session stored;
	struct replay_outcome o;

	(void)state;
	session_init(&stored);
	set(&stored, "k", "old");
	set(&stored, "other", "x");
	changelog_init(&un);
	changelog_init(&st);
	log_op(&un, CHANGE_UNSET, "k", 0);
	log_set(&st, "k", "new");
	replay(&un, &stored, &o);
	replay(&st, &stored, &o);
	assert_value(&stored, "k", "new");
	replay(&un, &stored, &o);
	assert_value(&stored, "k", NULL);
	assert_value(&stored, "other", "x");
	changelog_free(&un);
	changelog_free(&st);
	session_free(&stored);
}

static void
test_replay_clear_regenerate_permanent(void **state)
{
	struct changelog l;
	struct session s;
	struct replay_outcome o;

	(void)state;
	session_init(&s);
	s.created = 5;
	s.permanent = 1;
	set(&s, "a", "1");
	session_flash_add(&s, "c", 1, "m", 1);
	changelog_init(&l);
	log_set(&l, "before", "x");
	log_op(&l, CHANGE_CLEAR, NULL, 0);
	log_set(&l, "after", "y");
	replay(&l, &s, &o);
	assert_true(o.cleared);
	assert_false(o.regenerated);
	assert_value(&s, "a", NULL);
	assert_value(&s, "before", NULL);
	assert_value(&s, "after", "y");
	assert_int_equal(s.nflashes, 0);
	assert_int_equal(s.permanent, 0);
	assert_int_equal(s.created, 1000);
	changelog_free(&l);

	log_op(&l, CHANGE_REGENERATE, NULL, 0);
	log_op(&l, CHANGE_PERMANENT, NULL, 1);
	replay(&l, &s, &o);
	assert_false(o.cleared);
	assert_true(o.regenerated);
	assert_value(&s, "after", "y");
	assert_int_equal(s.permanent, 1);
	changelog_free(&l);
	log_op(&l, CHANGE_PERMANENT, NULL, 0);
	replay(&l, &s, &o);
	assert_int_equal(s.permanent, 0);
	changelog_free(&l);
	session_free(&s);
}

/* Request A was given flashes 0 and 1; meanwhile B queued flash 2.  A's
 * commit consumes only what it delivered. */
static void
test_flash_consume_only_delivered(void **state)
{
	struct changelog a, b;
	struct session stored;
	struct replay_outcome o;

	(void)state;
	session_init(&stored);
	session_flash_add(&stored, "info", 4, "one", 3);
	session_flash_add(&stored, "info", 4, "two", 3);
	changelog_init(&a);
	changelog_init(&b);
	log_op(&a, CHANGE_CONSUME_FLASHES, NULL, 1);
	log_op(&b, CHANGE_FLASH, "warn", 0);
	replay(&b, &stored, &o);
	assert_int_equal(stored.nflashes, 3);
	replay(&a, &stored, &o);
	assert_int_equal(stored.nflashes, 1);
	assert_int_equal(stored.flashes[0].seq, 2);
	assert_memory_equal(stored.flashes[0].category, "warn", 4);
	changelog_free(&a);
	changelog_free(&b);
	session_free(&stored);
}

static void
test_changelog_truncate(void **state)
{
	struct changelog l;

	(void)state;
	changelog_init(&l);
	log_set(&l, "a", "1");
	log_op(&l, CHANGE_FLASH, "c", 0);
	log_op(&l, CHANGE_FLASH, "c", 0);
	assert_int_equal(l.nflashes, 2);
	changelog_truncate(&l, 1);
	assert_int_equal(l.nchanges, 1);
	assert_int_equal(l.nflashes, 0);
	changelog_free(&l);
}

/* ---- the commit policy (pure) ---- */

static struct config cfg;

static int
setup_cfg(void **state)
{
	(void)state;
	config_defaults(&cfg);
	return 0;
}

static int
teardown_cfg(void **state)
{
	(void)state;
	config_free(&cfg);
	return 0;
}

static void
live(struct stored *cur, time_t mtime)
{
	memset(cur, 0, sizeof(*cur));
	session_init(&cur->sess);
	cur->state = STORED_LIVE;
	cur->last_seen = mtime;
	cur->sess.created = 50;
	set(&cur->sess, "user", "alice");
}

static void
test_plan_no_changes(void **state)
{
	struct changelog l;
	struct commit_in in = { .loaded = 1, .log = &l, .max_size = 1024 };
	struct commit_plan p;
	struct stored cur;
	char err[128];

	(void)state;
	changelog_init(&l);
	/* Touched at most once per touch_interval. */
	live(&cur, 1000);
	assert_int_equal(commit_plan_make(&in, &cfg, &cur, 1000 + cfg.touch_interval - 1,
	    &p, err, sizeof(err)), 0);
	assert_false(p.touch || p.write_new || p.write_same || p.tombstone_old ||
	    p.remove_old || p.blocked || p.expire_cookie || p.id_changed);
	assert_true(p.alive);
	stored_free(&cur);
	live(&cur, 1000);
	assert_int_equal(commit_plan_make(&in, &cfg, &cur, 1000 + cfg.touch_interval,
	    &p, err, sizeof(err)), 0);
	assert_true(p.touch);
	assert_false(p.write_same);
	stored_free(&cur);
	/* Rotation: rewritten under the primary name, cookie re-signed. */
	live(&cur, 1000);
	cur.under_old_name = 1;
	in.rotate = 1;
	assert_int_equal(commit_plan_make(&in, &cfg, &cur, 1001, &p, err,
	    sizeof(err)), 0);
	assert_true(p.write_same && p.resign && p.remove_old_name);
	assert_false(p.id_changed || p.touch);
	assert_value(&p.result, "user", "alice");
	commit_plan_free(&p);
	stored_free(&cur);
	/* A new session that changes nothing: nothing at all. */
	in.loaded = 0;
	in.rotate = 0;
	memset(&cur, 0, sizeof(cur));
	assert_int_equal(commit_plan_make(&in, &cfg, &cur, 1001, &p, err,
	    sizeof(err)), 0);
	assert_false(p.alive || p.write_new || p.expire_cookie);
}

static void
test_plan_tombstone_blocks(void **state)
{
	struct changelog l;
	struct commit_in in = { .loaded = 1, .log = &l, .max_size = 1024 };
	struct commit_plan p;
	struct stored cur = { .state = STORED_TOMBSTONE };
	char err[128];

	(void)state;
	changelog_init(&l);
	log_set(&l, "k", "v");
	assert_int_equal(commit_plan_make(&in, &cfg, &cur, 1, &p, err,
	    sizeof(err)), 0);
	assert_true(p.blocked);
	assert_false(p.write_new || p.write_same || p.tombstone_old ||
	    p.expire_cookie || p.alive);
	changelog_free(&l);
}

static void
test_plan_changes(void **state)
{
	struct changelog l;
	struct commit_in in = { .loaded = 1, .log = &l, .max_size = 1024 };
	struct commit_plan p;
	struct stored cur;
	char err[128];

	(void)state;
	changelog_init(&l);
	/* Plain set: same id, merged with what is stored. */
	log_set(&l, "k", "v");
	live(&cur, 1000);
	assert_int_equal(commit_plan_make(&in, &cfg, &cur, 1001, &p, err,
	    sizeof(err)), 0);
	assert_true(p.write_same && p.alive);
	assert_false(p.id_changed || p.tombstone_old || p.resign);
	assert_value(&p.result, "user", "alice");
	assert_value(&p.result, "k", "v");
	commit_plan_free(&p);
	stored_free(&cur);

	/* Regenerate: new id, data and creation time kept, old id dead. */
	log_op(&l, CHANGE_REGENERATE, NULL, 0);
	live(&cur, 1000);
	assert_int_equal(commit_plan_make(&in, &cfg, &cur, 1001, &p, err,
	    sizeof(err)), 0);
	assert_true(p.write_new && p.id_changed && p.tombstone_old);
	assert_false(p.write_same);
	assert_value(&p.result, "user", "alice");
	assert_int_equal(p.created, 50);
	commit_plan_free(&p);
	stored_free(&cur);
	changelog_free(&l);

	/* Clear alone: tombstone, cookie expired, nothing written. */
	log_op(&l, CHANGE_CLEAR, NULL, 0);
	live(&cur, 1000);
	assert_int_equal(commit_plan_make(&in, &cfg, &cur, 1001, &p, err,
	    sizeof(err)), 0);
	assert_true(p.tombstone_old && p.expire_cookie);
	assert_false(p.write_new || p.write_same || p.alive);
	stored_free(&cur);

	/* Clear then set: a fresh session under a new id. */
	log_set(&l, "fresh", "1");
	live(&cur, 1000);
	assert_int_equal(commit_plan_make(&in, &cfg, &cur, 1001, &p, err,
	    sizeof(err)), 0);
	assert_true(p.tombstone_old && p.write_new && p.id_changed && p.alive);
	assert_false(p.expire_cookie);
	assert_value(&p.result, "user", NULL);
	assert_value(&p.result, "fresh", "1");
	assert_int_equal(p.created, 1001);
	commit_plan_free(&p);
	stored_free(&cur);
	changelog_free(&l);

	/* Unsetting the last key: empty session = no session. */
	log_op(&l, CHANGE_UNSET, "user", 0);
	live(&cur, 1000);
	assert_int_equal(commit_plan_make(&in, &cfg, &cur, 1001, &p, err,
	    sizeof(err)), 0);
	assert_true(p.remove_old && p.expire_cookie);
	assert_false(p.tombstone_old || p.alive);
	stored_free(&cur);
	changelog_free(&l);

	/* Permanence changes are reported (the cookie changes). */
	log_op(&l, CHANGE_PERMANENT, NULL, 1);
	live(&cur, 1000);
	assert_int_equal(commit_plan_make(&in, &cfg, &cur, 1001, &p, err,
	    sizeof(err)), 0);
	assert_true(p.permanence_changed && p.permanent && p.write_same);
	commit_plan_free(&p);
	stored_free(&cur);
	changelog_free(&l);
}

static void
test_plan_vanished_and_new(void **state)
{
	struct changelog l;
	struct commit_in in = { .loaded = 1, .log = &l, .max_size = 1024 };
	struct commit_plan p;
	struct stored cur = { .state = STORED_ABSENT };
	char err[128];

	(void)state;
	changelog_init(&l);
	log_set(&l, "k", "v");
	/* Loaded, then gone before the commit: a fresh id, never the old. */
	assert_int_equal(commit_plan_make(&in, &cfg, &cur, 1001, &p, err,
	    sizeof(err)), 0);
	assert_true(p.write_new && p.id_changed);
	assert_false(p.write_same || p.tombstone_old);
	assert_int_equal(p.result.nitems, 1);
	assert_int_equal(p.created, 1001);
	commit_plan_free(&p);
	/* A new session that sets something. */
	in.loaded = 0;
	assert_int_equal(commit_plan_make(&in, &cfg, &cur, 1001, &p, err,
	    sizeof(err)), 0);
	assert_true(p.write_new && p.id_changed && p.alive);
	commit_plan_free(&p);
	changelog_free(&l);
	/* A new session that sets then unsets: stores nothing. */
	log_set(&l, "k", "v");
	log_op(&l, CHANGE_UNSET, "k", 0);
	assert_int_equal(commit_plan_make(&in, &cfg, &cur, 1001, &p, err,
	    sizeof(err)), 0);
	assert_false(p.write_new || p.alive || p.expire_cookie);
	changelog_free(&l);
}

static void
test_plan_limits(void **state)
{
	struct changelog l;
	struct commit_in in = { .loaded = 1, .log = &l, .max_size = 30 };
	struct commit_plan p;
	struct stored cur;
	char err[128], key[16];

	(void)state;
	changelog_init(&l);
	/* user=alice (10) + & + k=12345678901234567 (19) = 30: fits. */
	log_set(&l, "k", "12345678901234567");
	live(&cur, 1000);
	assert_int_equal(commit_plan_make(&in, &cfg, &cur, 1001, &p, err,
	    sizeof(err)), 0);
	commit_plan_free(&p);
	stored_free(&cur);
	changelog_free(&l);
	/* One byte more: refused, naming max_size, nothing planned. */
	log_set(&l, "k", "123456789012345678");
	live(&cur, 1000);
	assert_int_equal(commit_plan_make(&in, &cfg, &cur, 1001, &p, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "max_size"));
	assert_false(p.write_same || p.write_new || p.alive);
	stored_free(&cur);
	changelog_free(&l);
	/* Flashes count towards max_size too. */
	log_op(&l, CHANGE_FLASH, "abcdefghijklmnopq", 0);
	live(&cur, 1000);
	assert_int_equal(commit_plan_make(&in, &cfg, &cur, 1001, &p, err,
	    sizeof(err)), -1);
	stored_free(&cur);
	changelog_free(&l);
	/* More than MAX_KEYS keys. */
	in.max_size = MAX_SESSION_SIZE_LIMIT;
	for (int i = 0; i < MAX_KEYS; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		log_set(&l, key, "");
	}
	live(&cur, 1000);
	assert_int_equal(commit_plan_make(&in, &cfg, &cur, 1001, &p, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "keys"));
	stored_free(&cur);
	changelog_free(&l);
	/* More than MAX_FLASHES pending flashes after the merge. */
	live(&cur, 1000);
	for (int i = 0; i < MAX_FLASHES; i++)
		session_flash_add(&cur.sess, "c", 1, "m", 1);
	log_op(&l, CHANGE_FLASH, "c", 0);
	assert_int_equal(commit_plan_make(&in, &cfg, &cur, 1001, &p, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "flash"));
	stored_free(&cur);
	changelog_free(&l);
}

static void
test_expiry_rules(void **state)
{
	(void)state;
	cfg.idle_timeout = 100;
	cfg.lifetime = 1000;
	cfg.absolute_timeout = 0;
	assert_false(record_expired(&cfg, 0, 0, 500, 599));
	assert_true(record_expired(&cfg, 0, 0, 500, 600));
	assert_false(record_expired(&cfg, 1, 0, 500, 1499));
	assert_true(record_expired(&cfg, 1, 0, 500, 1500));
	cfg.absolute_timeout = 300;
	assert_false(record_expired(&cfg, 1, 400, 500, 699));
	assert_true(record_expired(&cfg, 1, 400, 500, 700));
	cfg.tombstone_grace = 0;
	cfg.timeout = 10;
	assert_int_equal(tombstone_grace(&cfg), 80);
	cfg.tombstone_grace = 30;
	assert_false(tombstone_expired(&cfg, 100, 129));
	assert_true(tombstone_expired(&cfg, 100, 130));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_map_order_and_form),
		cmocka_unit_test(test_flashes),
		cmocka_unit_test(test_merge_disjoint_keys),
		cmocka_unit_test(test_merge_same_key_last_wins),
		cmocka_unit_test(test_replay_changed),
		cmocka_unit_test(test_merge_unset_vs_set),
		cmocka_unit_test(test_replay_clear_regenerate_permanent),
		cmocka_unit_test(test_flash_consume_only_delivered),
		cmocka_unit_test(test_changelog_truncate),
		cmocka_unit_test(test_plan_no_changes),
		cmocka_unit_test(test_plan_tombstone_blocks),
		cmocka_unit_test(test_plan_changes),
		cmocka_unit_test(test_plan_vanished_and_new),
		cmocka_unit_test(test_plan_limits),
		cmocka_unit_test(test_expiry_rules),
	};
	return cmocka_run_group_tests(tests, setup_cfg, teardown_cfg);
}
