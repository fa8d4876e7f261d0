/* test_store.c — what store.c decides for every backend: the commit
 * policy (commit_plan_make: merge, tombstones, touch, limits) and the
 * expiry rules. */
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
#include "helpers.h"
#include "session.h"
#include "store.h"

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
		cmocka_unit_test(test_plan_no_changes),
		cmocka_unit_test(test_plan_tombstone_blocks),
		cmocka_unit_test(test_plan_changes),
		cmocka_unit_test(test_plan_vanished_and_new),
		cmocka_unit_test(test_plan_limits),
		cmocka_unit_test(test_expiry_rules),
	};
	return cmocka_run_group_tests(tests, setup_cfg, teardown_cfg);
}
