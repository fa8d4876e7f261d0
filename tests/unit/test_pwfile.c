/* test_pwfile.c — the password file: lines found, comments and CRLF, each
 * fault with its line number, each limit at the limit and one past, the
 * hash of a name the file lacks (verified against, for the same time),
 * and the argon2id round trip of crypto.c; the login page's template. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto.h"
#include "login.h"
#include "pwfile.h"

#define H "$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g"

static int
find(const char *buf, const char *name, struct pw_entry *e, char *err)
{
	return pwfile_find(buf, strlen(buf), name, strlen(name), e, err, 300);
}

static void
test_find(void **state)
{
	const char *f = "# users\n\nalice:" H "1\r\nbob:" H "2\ncarol:" H "3";
	struct pw_entry e;
	char err[300];

	(void)state;
	assert_int_equal(find(f, "bob", &e, err), 1);
	assert_int_equal(e.hlen, strlen(H) + 1);
	assert_memory_equal(e.hash, H "2", e.hlen);
	assert_memory_equal(e.line, "bob:", 4);
	assert_int_equal(f[e.end], 'c');
	assert_int_equal(find(f, "alice", &e, err), 1);
	assert_memory_equal(e.hash, H "1", e.hlen);     /* no '\r' */
	assert_int_equal(find(f, "carol", &e, err), 1);
	assert_int_equal(e.end, strlen(f));
	/* Unknown: the first user's hash, to verify against. */
	assert_int_equal(find(f, "dave", &e, err), 0);
	assert_memory_equal(e.hash, H "1", e.hlen);
	assert_int_equal(find(f, "ali", &e, err), 0);
	assert_int_equal(find(f, "", &e, err), 0);
	assert_int_equal(find("# none\n", "x", &e, err), 0);
	assert_null(e.hash);
	assert_int_equal(find("", "x", &e, err), 0);
}

static void
test_faults(void **state)
{
	struct pw_entry e;
	char err[300];

	(void)state;
	assert_int_equal(find("alice:" H "\nbob\n", "x", &e, err), -1);
	assert_string_equal(err, "line 2: not name:hash (a name of 1 to 64 "
	    "bytes, no ':', blank or control byte)");
	assert_int_equal(find(":" H "\n", "x", &e, err), -1);
	assert_int_equal(find("a b:" H "\n", "x", &e, err), -1);
	assert_int_equal(find("a\tb:" H "\n", "x", &e, err), -1);
	assert_int_equal(find("a\xc2\x85:" H "\n", "x", &e, err), -1);
	assert_int_equal(find("alice:$2y$10$abc\n", "x", &e, err), -1);
	assert_string_equal(err, "line 1: the hash is not an argon2id string of "
	    "at most 127 chars (sessionctl passwd makes one)");
	assert_int_equal(find("alice:" H " x\n", "x", &e, err), -1);
	assert_int_equal(find("alice:\n", "x", &e, err), -1);
	/* The name asked for on two lines. */
	assert_int_equal(find("alice:" H "1\nalice:" H "2\n", "alice", &e, err),
	    -1);
	assert_string_equal(err, "line 2: user 'alice' has a line already");
	assert_int_equal(pwfile_find("a:" H "\0", strlen(H) + 3, "a", 1, &e, err,
	    300), -1);
}

static void
test_limits(void **state)
{
	char name[MAX_LOGIN_NAME + 2], hash[PASSWORD_HASH_MAX + 2];
	char line[MAX_PASSWORD_LINE + 2], err[300];
	char *big = malloc(MAX_PASSWORD_FILE + 2);
	struct pw_entry e;
	size_t n;

	(void)state;
	/* MAX_LOGIN_NAME */
	memset(name, 'n', MAX_LOGIN_NAME);
	name[MAX_LOGIN_NAME] = '\0';
	snprintf(line, sizeof(line), "%s:%s\n", name, H);
	assert_int_equal(find(line, name, &e, err), 1);
	assert_true(pwfile_name_ok(name, MAX_LOGIN_NAME));
	assert_false(pwfile_name_ok(name, MAX_LOGIN_NAME + 1));
	strcat(name, "n");
	snprintf(line, sizeof(line), "%s:%s\n", name, H);
	assert_int_equal(find(line, name, &e, err), -1);
	/* PASSWORD_HASH_MAX */
	memset(hash, 'h', sizeof(hash));
	memcpy(hash, "$argon2id$", 10);
	hash[PASSWORD_HASH_MAX] = '\0';
	snprintf(line, sizeof(line), "a:%s\n", hash);
	assert_int_equal(find(line, "a", &e, err), 1);
	hash[PASSWORD_HASH_MAX] = 'h';
	hash[PASSWORD_HASH_MAX + 1] = '\0';
	snprintf(line, sizeof(line), "a:%s\n", hash);
	assert_int_equal(find(line, "a", &e, err), -1);
	/* MAX_PASSWORD_LINE: a comment line of exactly so many bytes. */
	memset(line, '#', MAX_PASSWORD_LINE);
	line[MAX_PASSWORD_LINE] = '\n';
	line[MAX_PASSWORD_LINE + 1] = '\0';
	assert_int_equal(find(line, "a", &e, err), 0);
	line[MAX_PASSWORD_LINE] = '#';
	line[MAX_PASSWORD_LINE + 1] = '\n';
	assert_int_equal(pwfile_find(line, MAX_PASSWORD_LINE + 2, "a", 1, &e,
	    err, 300), -1);
	assert_string_equal(err, "line 1: longer than 512 bytes");
	/* MAX_PASSWORD_FILE: comment lines up to it, then one byte more. */
	assert_non_null(big);
	for (n = 0; n < MAX_PASSWORD_FILE; n++)
		big[n] = n % 100 == 99 ? '\n' : '#';
	assert_int_equal(pwfile_find(big, MAX_PASSWORD_FILE, "a", 1, &e, err,
	    300), 0);
	big[MAX_PASSWORD_FILE] = '\n';
	assert_int_equal(pwfile_find(big, MAX_PASSWORD_FILE + 1, "a", 1, &e, err,
	    300), -1);
	assert_string_equal(err, "longer than 1048576 bytes");
	free(big);
}

static void
test_hash_round_trip(void **state)
{
	char h[PASSWORD_HASH_MAX + 1];

	(void)state;
	assert_int_equal(crypto_setup(), 0);
	assert_int_equal(password_hash("s3cret;#", 8, h), 0);
	assert_memory_equal(h, "$argon2id$", 10);
	assert_true(password_verify(h, strlen(h), "s3cret;#", 8));
	assert_false(password_verify(h, strlen(h), "s3cret;", 7));
	assert_false(password_verify(h, strlen(h) - 1, "s3cret;#", 8));
	assert_false(password_verify("$2y$", 4, "x", 1));
	/* Nobody knows the dummy's password, but it is a real hash. */
	assert_false(password_verify(password_dummy_hash,
	    strlen(password_dummy_hash), "", 0));
	assert_true(strlen(password_dummy_hash) <= PASSWORD_HASH_MAX);
}

static void
test_render(void **state)
{
	const char *t = "<a href=\"{{action}}\">{{message}}</a>{{token}}{{next}}";
	struct login_page pg = { "/login", "tok", "/a?b=1&c=\"<x>'", "" };
	char out[256], err[300];
	long n;

	(void)state;
	n = login_render(t, strlen(t), &pg, out, sizeof(out), err, sizeof(err));
	assert_true(n > 0);
	out[n] = '\0';
	assert_string_equal(out, "<a href=\"/login\"></a>tok"
	    "/a?b=1&amp;c=&quot;&lt;x&gt;&#39;");
	assert_int_equal(login_render("{{user}}", 8, &pg, out, sizeof(out), err,
	    sizeof(err)), -1);
	assert_string_equal(err, "unknown placeholder '{{user}}' (known: "
	    "{{action}}, {{token}}, {{next}}, {{message}})");
	assert_int_equal(login_render("{{next", 6, &pg, out, sizeof(out), err,
	    sizeof(err)), -1);
	assert_int_equal(login_render("{ { }", 5, &pg, out, sizeof(out), err,
	    sizeof(err)), 5);
	/* The page's room: exactly, then one byte short. */
	assert_int_equal(login_render("ab{{action}}", 12, &pg, out, 8, err,
	    sizeof(err)), 8);
	assert_int_equal(login_render("ab{{action}}", 12, &pg, out, 7, err,
	    sizeof(err)), -1);
}

static void
test_wait(void **state)
{
	(void)state;
	/* limit 5: failures 1 and 2 wait for nothing; 3: 2 s, 4: 4 s; 5:
	 * the lockout.  From the last failure's second. */
	assert_int_equal(login_wait(0, 0, 1000, 5, 900), 0);
	assert_int_equal(login_wait(2, 1000, 1000, 5, 900), 0);
	assert_int_equal(login_wait(3, 1000, 1000, 5, 900), 2);
	assert_int_equal(login_wait(3, 1000, 1001, 5, 900), 1);
	assert_int_equal(login_wait(3, 1000, 1002, 5, 900), 0);
	assert_int_equal(login_wait(4, 1000, 1000, 5, 900), 4);
	assert_int_equal(login_wait(5, 1000, 1000, 5, 900), 900);
	assert_int_equal(login_wait(6, 1000, 1899, 5, 900), 1);
	assert_int_equal(login_wait(6, 1000, 1900, 5, 900), 0);
	/* The growth stops at the lockout, and never overflows. */
	assert_int_equal(login_wait(40, 1000, 1000, 50, 60), 60);
	assert_int_equal(login_wait(999, 1000, 1000, 1000, 900), 900);
	assert_int_equal(login_wait(1, 1000, 1000, 1, 5), 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_faults),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_hash_round_trip),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_wait),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
