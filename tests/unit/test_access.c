/* test_access.c — the [access] rules: parsing (every kind, every fault,
 * each limit), the canonical request path, matching (first match, whole
 * segments, case kept), the verdicts, and the way back of the login form
 * (only a path of this site). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "access.h"

static int
parse(const char *text, struct access_rule *r, char *err)
{
	return access_rule_parse(text, strlen(text), r, err, 300);
}

static void
test_parse_kinds(void **state)
{
	struct access_rule r;
	char err[300];

	(void)state;
	assert_int_equal(parse("/admin/ user alice bob", &r, err), 0);
	assert_int_equal(r.kind, ACCESS_USER);
	assert_int_equal(r.path.len, 6);              /* "/admin": '/' dropped */
	assert_memory_equal(r.path.p, "/admin", 6);
	assert_int_equal(r.nusers, 2);
	assert_memory_equal(r.users[1].p, "bob", 3);
	assert_int_equal(parse("  /Staff\tsession  role=admin ", &r, err), 0);
	assert_int_equal(r.kind, ACCESS_SESSION);
	assert_memory_equal(r.path.p, "/Staff", 6);   /* case kept */
	assert_int_equal(r.key.len, 4);
	assert_memory_equal(r.value.p, "admin", r.value.len);
	assert_int_equal(parse("/s session flag=", &r, err), 0);
	assert_int_equal(r.value.len, 0);
	assert_int_equal(parse("/members login", &r, err), 0);
	assert_int_equal(r.kind, ACCESS_LOGIN);
	assert_int_equal(parse("/ any", &r, err), 0);
	assert_int_equal(r.kind, ACCESS_ANY);
	assert_int_equal(r.path.len, 1);
}

static void
test_parse_faults(void **state)
{
	static const char *const bad[] = {
		"", "/admin/", "admin/ login", "/a//b login", "/a/./b login",
		"/a/../b login", "/a/.. login", "/a// login", "/a users x",
		"/a user", "/a login extra", "/a any x", "/a session role",
		"/a session =x", "/a session a=1 b=2", "/a ANY",
	};
	struct access_rule r;
	char err[300];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(parse(bad[i], &r, err), -1);
		assert_true(err[0] != '\0');
	}
	assert_int_equal(parse("/a users x", &r, err), -1);
	assert_string_equal(err, "'users' is not any, login, user or session");
	assert_int_equal(access_rule_parse("/a login\0x", 10, &r, err, 300), -1);
	assert_string_equal(err, "holds a NUL byte");
}

static void
test_parse_limits(void **state)
{
	struct access_rule r;
	char text[MAX_ACCESS_RULE + 2], err[300];
	size_t n;

	(void)state;
	/* MAX_ACCESS_USERS names, then one more. */
	n = (size_t)snprintf(text, sizeof(text), "/a user");
	for (int i = 0; i < MAX_ACCESS_USERS; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, " u%d", i);
	assert_int_equal(parse(text, &r, err), 0);
	assert_int_equal(r.nusers, MAX_ACCESS_USERS);
	snprintf(text + n, sizeof(text) - n, " one-more");
	assert_int_equal(parse(text, &r, err), -1);
	assert_string_equal(err, "more than 32 user names");
	/* A name of MAX_LOGIN_NAME bytes, then one more. */
	memcpy(text, "/a user ", 8);
	memset(text + 8, 'n', MAX_LOGIN_NAME);
	text[8 + MAX_LOGIN_NAME] = '\0';
	assert_int_equal(parse(text, &r, err), 0);
	strcat(text, "n");
	assert_int_equal(parse(text, &r, err), -1);
	/* MAX_ACCESS_RULE bytes of text, then one more. */
	memset(text, ' ', sizeof(text));
	memcpy(text, "/a any", 6);
	assert_int_equal(access_rule_parse(text, MAX_ACCESS_RULE, &r, err, 300), 0);
	assert_int_equal(access_rule_parse(text, MAX_ACCESS_RULE + 1, &r, err,
	    300), -1);
	assert_string_equal(err, "longer than 1024 bytes");
	/* A session key of MAX_KEY_LEN bytes, then one more. */
	memcpy(text, "/a session ", 11);
	memset(text + 11, 'k', MAX_KEY_LEN);
	memcpy(text + 11 + MAX_KEY_LEN, "=v", 3);
	assert_int_equal(parse(text, &r, err), 0);
	memset(text + 11, 'k', MAX_KEY_LEN + 1);
	memcpy(text + 12 + MAX_KEY_LEN, "=v", 3);
	assert_int_equal(parse(text, &r, err), -1);
}

static void
clean_is(const char *in, const char *want)
{
	char out[64];
	long n = access_path_clean(in, strlen(in), out, sizeof(out));

	if (want == NULL) {
		assert_int_equal(n, -1);
		return;
	}
	assert_int_equal(n, (long)strlen(want));
	assert_string_equal(out, want);
}

static void
test_path_clean(void **state)
{
	(void)state;
	clean_is("/", "/");
	clean_is("//", "/");
	clean_is("/a/b.cgi", "/a/b.cgi");
	clean_is("/a//b.cgi", "/a/b.cgi");
	clean_is("//a/b.cgi", "/a/b.cgi");
	clean_is("/a/./b.cgi", "/a/b.cgi");
	clean_is("/./a/b.cgi", "/a/b.cgi");
	clean_is("/x/../a/b.cgi", "/a/b.cgi");
	clean_is("/x/y/../../a/", "/a");
	clean_is("/a/", "/a");
	clean_is("/a/..", "/");
	clean_is("/a/%2e%2e/b", "/a/%2e%2e/b");   /* decoded once only */
	clean_is("/A/b", "/A/b");                 /* no case folding */
	clean_is("/a\\..\\b", "/a\\..\\b");       /* '\' is a byte here */
	clean_is("/..", NULL);
	clean_is("/a/../..", NULL);
	clean_is("a/b", NULL);
	clean_is("", NULL);
	clean_is("/a\n/b", NULL);
	clean_is("/a\x7f", NULL);
	{
		char out[8];
		assert_int_equal(access_path_clean("/abcdef", 7, out, 8), 7);
		assert_int_equal(access_path_clean("/abcdefg", 8, out, 8), -1);
	}
}

static void
test_match(void **state)
{
	const char *texts[] = { "/admin/ user alice", "/admin/open any",
	    "/Staff/ login", "/ login" };
	struct access_rule rules[4];
	char err[300];

	(void)state;
	for (int i = 0; i < 4; i++)
		assert_int_equal(parse(texts[i], &rules[i], err), 0);
	/* First match wins: /admin covers /admin/open too. */
	assert_ptr_equal(access_match(rules, 4, "/admin/open/x", 13), &rules[0]);
	assert_ptr_equal(access_match(rules, 4, "/admin", 6), &rules[0]);
	assert_ptr_equal(access_match(rules, 4, "/administrator", 14), &rules[3]);
	assert_ptr_equal(access_match(rules, 4, "/staff/x", 8), &rules[3]);
	assert_ptr_equal(access_match(rules, 4, "/Staff/x", 8), &rules[2]);
	assert_ptr_equal(access_match(rules, 3, "/other", 6), NULL);
	assert_ptr_equal(access_match(rules, 4, "/", 1), &rules[3]);
}

static const char *
get(void *ctx, const char *key, size_t klen, size_t *vlen)
{
	const char *const *kv = ctx;

	if (kv[0] && strlen(kv[0]) == klen && memcmp(kv[0], key, klen) == 0) {
		*vlen = strlen(kv[1]);
		return kv[1];
	}
	return NULL;
}

static void
test_decide(void **state)
{
	struct access_rule any, login, user, sess;
	const char *kv[2] = { "role", "admin" }, *none[2] = { NULL, NULL };
	struct access_who anon = { NULL, 0, get, kv };
	struct access_who alice = { "alice", 5, get, kv };
	struct access_who alicex = { "alicex", 6, get, none };
	char err[300];

	(void)state;
	parse("/ any", &any, err);
	parse("/ login", &login, err);
	parse("/ user bob alice", &user, err);
	parse("/ session role=admin", &sess, err);
	assert_int_equal(access_decide(NULL, &anon), ACCESS_ALLOW);
	assert_int_equal(access_decide(&any, &anon), ACCESS_ALLOW);
	assert_int_equal(access_decide(&login, &anon), ACCESS_NEED_LOGIN);
	assert_int_equal(access_decide(&user, &anon), ACCESS_NEED_LOGIN);
	assert_int_equal(access_decide(&sess, &anon), ACCESS_NEED_LOGIN);
	assert_int_equal(access_decide(&login, &alice), ACCESS_ALLOW);
	assert_int_equal(access_decide(&user, &alice), ACCESS_ALLOW);
	assert_int_equal(access_decide(&user, &alicex), ACCESS_FORBIDDEN);
	assert_int_equal(access_decide(&sess, &alice), ACCESS_ALLOW);
	assert_int_equal(access_decide(&sess, &alicex), ACCESS_FORBIDDEN);
	kv[1] = "administrator";
	assert_int_equal(access_decide(&sess, &alice), ACCESS_FORBIDDEN);
	kv[1] = "Admin";
	assert_int_equal(access_decide(&sess, &alice), ACCESS_FORBIDDEN);
}

static int
next_ok(const char *s)
{
	return access_next_ok(s, strlen(s));
}

static void
test_next(void **state)
{
	char long_path[MAX_NEXT_PATH + 2];

	(void)state;
	assert_true(next_ok("/"));
	assert_true(next_ok("/members/env.cgi"));
	assert_true(next_ok("/a?next=%2F%2Fx&b=%5C"));   /* in the query */
	assert_true(next_ok("/a/%41"));
	assert_false(next_ok(""));
	assert_false(next_ok("//evil.example"));
	assert_false(next_ok("///evil.example"));
	assert_false(next_ok("/\\evil.example"));
	assert_false(next_ok("\\\\evil.example"));
	assert_false(next_ok("https://evil.example"));
	assert_false(next_ok("javascript:alert(1)"));
	assert_false(next_ok("evil.example"));
	assert_false(next_ok("/%2F/evil.example"));
	assert_false(next_ok("/%2f%2fevil.example"));
	assert_false(next_ok("/%5cevil.example"));
	assert_false(next_ok("/a/%5C/b"));
	assert_false(next_ok("%2F%2Fevil.example"));
	assert_false(next_ok("/\t/evil.example"));
	assert_false(next_ok("/\r\nLocation: x"));
	assert_false(next_ok("/a b"));
	assert_false(next_ok("/\x7f"));
	assert_false(next_ok("/\xc3\xa9"));
	assert_false(access_next_ok("/a\0/", 4));
	memset(long_path, 'a', sizeof(long_path));
	long_path[0] = '/';
	assert_true(access_next_ok(long_path, MAX_NEXT_PATH));
	assert_false(access_next_ok(long_path, MAX_NEXT_PATH + 1));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_kinds),
		cmocka_unit_test(test_parse_faults),
		cmocka_unit_test(test_parse_limits),
		cmocka_unit_test(test_path_clean),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_decide),
		cmocka_unit_test(test_next),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
