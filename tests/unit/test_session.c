/* test_session.c — the session model and the replay of change logs (the
 * three-way merge of concurrent requests). */
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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
