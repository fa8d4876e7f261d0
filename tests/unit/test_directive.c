/* test_directive.c — every X-Session-* header, case-insensitive names,
 * and each error with its message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bounds.h"
#include "directive.h"

static char err[512];

static int
parse(struct changelog *l, const char *name, const char *value, int compat)
{
	err[0] = '\0';
	return directive_parse(l, name, strlen(name), value, strlen(value),
	    compat, err, sizeof(err));
}

static void
assert_change(const struct changelog *l, size_t i, enum change_kind kind,
    const char *key, const char *value)
{
	assert_true(i < l->nchanges);
	assert_int_equal(l->changes[i].kind, kind);
	if (key) {
		assert_int_equal(l->changes[i].klen, strlen(key));
		assert_memory_equal(l->changes[i].key, key, strlen(key));
	}
	if (value) {
		assert_int_equal(l->changes[i].vlen, strlen(value));
		assert_memory_equal(l->changes[i].value, value, strlen(value));
	}
}

static void
assert_error(struct changelog *l, const char *name, const char *value,
    int compat, const char *expect)
{
	size_t before = l->nchanges;

	assert_int_equal(parse(l, name, value, compat), -1);
	if (strstr(err, expect) == NULL)
		fail_msg("'%s: %s' gave '%s', expected '%s'", name, value, err,
		    expect);
	assert_int_equal(l->nchanges, before);
}

static void
test_not_directives(void **state)
{
	struct changelog l;

	(void)state;
	changelog_init(&l);
	assert_int_equal(parse(&l, "Content-Type", "text/html", 0), 0);
	assert_int_equal(parse(&l, "X-Session", "a=1", 0), 0);
	assert_int_equal(parse(&l, "X-Sessions-Set", "a=1", 0), 0);
	assert_int_equal(parse(&l, "X-Replace-Session", "a=1", 0), 0);
	assert_int_equal(l.nchanges, 0);
	assert_int_equal(l.ndirectives, 0);
	changelog_free(&l);
}

static void
test_set(void **state)
{
	struct changelog l;

	(void)state;
	changelog_init(&l);
	assert_int_equal(parse(&l, "X-Session-Set", "cart=3%2C7&user=alice+b&"
	    "flag&&e=", 0), 1);
	assert_int_equal(l.nchanges, 4);
	assert_change(&l, 0, CHANGE_SET, "cart", "3,7");
	assert_change(&l, 1, CHANGE_SET, "user", "alice b");
	assert_change(&l, 2, CHANGE_SET, "flag", "");
	assert_change(&l, 3, CHANGE_SET, "e", "");
	/* Case-insensitive name, blanks around the value. */
	assert_int_equal(parse(&l, "x-session-SET", "  k=%e2%82%ac \t", 0), 1);
	assert_change(&l, 4, CHANGE_SET, "k", "\xe2\x82\xac");
	assert_int_equal(parse(&l, "X-Session-Set", "", 0), 1);
	assert_int_equal(l.nchanges, 5);
	assert_int_equal(l.ndirectives, 3);
	changelog_free(&l);
}

static void
test_unset_clear_regenerate_permanent(void **state)
{
	struct changelog l;

	(void)state;
	changelog_init(&l);
	assert_int_equal(parse(&l, "X-Session-Unset", "a&b%20c", 0), 1);
	assert_change(&l, 0, CHANGE_UNSET, "a", NULL);
	assert_change(&l, 1, CHANGE_UNSET, "b c", NULL);
	assert_int_equal(parse(&l, "X-SESSION-CLEAR", "1", 0), 1);
	assert_change(&l, 2, CHANGE_CLEAR, NULL, NULL);
	assert_int_equal(parse(&l, "x-session-regenerate", " 1 ", 0), 1);
	assert_change(&l, 3, CHANGE_REGENERATE, NULL, NULL);
	assert_int_equal(parse(&l, "X-Session-Permanent", "1", 0), 1);
	assert_change(&l, 4, CHANGE_PERMANENT, NULL, NULL);
	assert_int_equal(l.changes[4].n, 1);
	assert_int_equal(parse(&l, "X-Session-Permanent", "0", 0), 1);
	assert_int_equal(l.changes[5].n, 0);
	changelog_free(&l);
}

/* X-Session-Revoke-Others: 1, and only 1; replayed, it changes nothing
 * in the session (visit.c acts on it after the commit). */
static void
test_revoke_others(void **state)
{
	struct changelog l;
	struct session s;
	struct replay_outcome o;

	(void)state;
	changelog_init(&l);
	assert_int_equal(parse(&l, "x-session-revoke-others", "1", 0), 1);
	assert_change(&l, 0, CHANGE_REVOKE_OTHERS, NULL, NULL);
	assert_error(&l, "X-Session-Revoke-Others", "0", 0, "value must be 1");
	assert_error(&l, "X-Session-Revoke-Others", "", 0, "value must be 1");
	session_init(&s);
	assert_int_equal(changelog_replay(&l, &s, 1, &o), 0);
	assert_false(o.changed);
	assert_true(session_is_empty(&s));
	session_free(&s);
	changelog_free(&l);
}

static void
test_flash(void **state)
{
	struct changelog l;

	(void)state;
	changelog_init(&l);
	assert_int_equal(parse(&l, "X-Session-Flash", "info=Saved%21&error=No+way",
	    0), 1);
	assert_change(&l, 0, CHANGE_FLASH, "info", "Saved!");
	assert_change(&l, 1, CHANGE_FLASH, "error", "No way");
	/* Without a category: Flask's "message". */
	assert_int_equal(parse(&l, "X-Session-Flash", "Hello+there", 0), 1);
	assert_change(&l, 2, CHANGE_FLASH, "message", "Hello there");
	assert_int_equal(l.nflashes, 3);
	changelog_free(&l);
}

static void
test_replace_compat(void **state)
{
	struct changelog l;

	(void)state;
	changelog_init(&l);
	assert_int_equal(parse(&l, "x-replace-session", "a=1&b=&c", 1), 1);
	assert_change(&l, 0, CHANGE_SET, "a", "1");
	assert_change(&l, 1, CHANGE_UNSET, "b", NULL);
	assert_change(&l, 2, CHANGE_UNSET, "c", NULL);
	changelog_free(&l);
}

static void
test_errors(void **state)
{
	struct changelog l;
	char *big;
	size_t n;

	(void)state;
	changelog_init(&l);
	assert_error(&l, "X-Session-Set", "a=%zz", 0,
	    "header X-Session-Set: bad %-encoding in value");
	assert_error(&l, "X-Session-Set", "%4=1", 0,
	    "header X-Session-Set: bad %-encoding in key");
	assert_error(&l, "X-Session-Set", "a=%00", 0,
	    "header X-Session-Set: NUL in value");
	assert_error(&l, "X-Session-Set", "a%00=1", 0, "NUL in key");
	assert_error(&l, "X-Session-Set", "=1", 0, "header X-Session-Set: empty key");
	assert_error(&l, "X-Session-Unset", "a=1", 0, "'=' in a key");
	assert_error(&l, "X-Session-Unset", "a&%", 0, "bad %-encoding in key");
	assert_error(&l, "X-Session-Flash", "=msg", 0, "empty category");
	assert_error(&l, "X-Session-Clear", "0", 0,
	    "header X-Session-Clear: value must be 1");
	assert_error(&l, "X-Session-Clear", "", 0, "value must be 1");
	assert_error(&l, "X-Session-Clear", "yes", 0, "value must be 1");
	assert_error(&l, "X-Session-Regenerate", "2", 0, "value must be 1");
	assert_error(&l, "X-Session-Permanent", "true", 0,
	    "header X-Session-Permanent: value must be 0 or 1");
	assert_error(&l, "X-Session-Permanent", "01", 0, "value must be 0 or 1");
	assert_error(&l, "X-Session-Sett", "a=1", 0,
	    "X-Session-Sett: unknown session directive");
	/* A raw NUL in the header value. */
	assert_int_equal(directive_parse(&l, "X-Session-Set", 13, "a=1\0b", 5, 0,
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "NUL"));

	/* Key: MAX_KEY_LEN is fine, one more is not (also when encoded). */
	big = malloc(4 * MAX_SESSION_SIZE_LIMIT);
	memset(big, 'k', MAX_KEY_LEN);
	strcpy(big + MAX_KEY_LEN, "=v");
	assert_int_equal(parse(&l, "X-Session-Set", big, 0), 1);
	memset(big, 'k', MAX_KEY_LEN + 1);
	strcpy(big + MAX_KEY_LEN + 1, "=v");
	assert_error(&l, "X-Session-Set", big, 0,
	    "header X-Session-Set: key longer than 256 bytes");
	n = 0;
	for (int i = 0; i < MAX_KEY_LEN + 1; i++)
		n += (size_t)sprintf(big + n, "%%41");
	strcpy(big + n, "=v");
	assert_error(&l, "X-Session-Set", big, 0, "key longer than 256 bytes");
	/* Value over MAX_SESSION_SIZE_LIMIT. */
	strcpy(big, "k=");
	memset(big + 2, 'v', MAX_SESSION_SIZE_LIMIT + 1);
	big[2 + MAX_SESSION_SIZE_LIMIT + 1] = '\0';
	assert_error(&l, "X-Session-Set", big, 0, "value longer than");
	free(big);
	assert_int_equal(l.nchanges, 1);
	changelog_free(&l);
}

static void
test_error_keeps_log(void **state)
{
	struct changelog l;

	(void)state;
	changelog_init(&l);
	assert_int_equal(parse(&l, "X-Session-Set", "a=1", 0), 1);
	/* Good pairs before the bad one are not kept either. */
	assert_error(&l, "X-Session-Set", "b=2&c=%zz", 0, "bad %-encoding");
	assert_int_equal(l.nchanges, 1);
	changelog_free(&l);
}

static void
test_count_limits(void **state)
{
	struct changelog l;
	int i;

	(void)state;
	changelog_init(&l);
	/* MAX_FLASHES flashes in one response, not one more. */
	for (i = 0; i < MAX_FLASHES; i++)
		assert_int_equal(parse(&l, "X-Session-Flash", "c=m", 0), 1);
	assert_error(&l, "X-Session-Flash", "c=m", 0, "more than 64 flash");
	changelog_free(&l);

	/* MAX_DIRECTIVES headers. */
	for (i = 0; i < MAX_DIRECTIVES; i++)
		assert_int_equal(parse(&l, "X-Session-Permanent", "1", 0), 1);
	assert_error(&l, "X-Session-Set", "a=1", 0, "more than 256 session "
	    "directives");
	changelog_free(&l);

	/* MAX_CHANGES changes. */
	{
		size_t len = 0;
		char *many = malloc(8 * (MAX_CHANGES + 1));
		for (i = 0; i < MAX_CHANGES; i++)
			len += (size_t)sprintf(many + len, "k&");
		many[len] = '\0';
		assert_int_equal(parse(&l, "X-Session-Unset", many, 0), 1);
		assert_int_equal(l.nchanges, MAX_CHANGES);
		assert_error(&l, "X-Session-Unset", "k", 0, "more than 4096");
		free(many);
	}
	changelog_free(&l);
}

static void
test_session_directive_names(void **state)
{
	(void)state;
	assert_true(directive_is_session_header("X-Session-Set", 13));
	assert_true(directive_is_session_header("x-session-flash", 15));
	assert_true(directive_is_session_header("X-Session-Typo", 14));
	assert_true(directive_is_session_header("X-Session-", 10));
	assert_true(directive_is_session_header("x-replace-session", 17));
	assert_false(directive_is_session_header("X-Session", 9));
	assert_false(directive_is_session_header("X-Sessions", 10));
	assert_false(directive_is_session_header("X-Replace-Sessions", 18));
	assert_false(directive_is_session_header("Set-Cookie", 10));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_directives),
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_unset_clear_regenerate_permanent),
		cmocka_unit_test(test_revoke_others),
		cmocka_unit_test(test_flash),
		cmocka_unit_test(test_replace_compat),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_error_keeps_log),
		cmocka_unit_test(test_count_limits),
		cmocka_unit_test(test_session_directive_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
