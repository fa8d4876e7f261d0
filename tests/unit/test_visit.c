/* test_visit.c — one request's session end to end through visit.h, as
 * the worker drives it: cookie in, variables out, directives, commit,
 * Set-Cookie.  Each test is one or more requests with an explicit clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "config.h"
#include "crypto.h"
#include "keeper.h"
#include "visit.h"
#include "helpers.h"

#define T0 ((time_t)1700000000)

/* The variables a request gave the child. */
struct env {
	char *names[64];
	char *values[64];
	int n;
};

static int
env_add(void *ctx, const char *name, const char *value, size_t vlen)
{
	struct env *e = ctx;

	assert_true(e->n < 64);
	assert_null(memchr(value, '\0', vlen));
	e->names[e->n] = strdup(name);
	e->values[e->n] = strndup(value, vlen);
	e->n++;
	return 0;
}

static const char *
env_get(const struct env *e, const char *name)
{
	for (int i = 0; i < e->n; i++)
		if (strcmp(e->names[i], name) == 0)
			return e->values[i];
	return NULL;
}

static void
env_free(struct env *e)
{
	for (int i = 0; i < e->n; i++) {
		free(e->names[i]);
		free(e->values[i]);
	}
	e->n = 0;
}

/* One header the child sends: "Name: value". */
struct hdr {
	const char *name;
	const char *value;
};

/* Run one request: begin with cookie, collect the env into *e, offer the
 * headers, commit (unless no_commit).  Returns visit_commit's result (or
 * the first directive error), the headers in *h. */
static int
request(struct keeper_fixture *f, const char *cookie, time_t now, struct env *e,
    const struct hdr *hdrs, struct visit_headers *h, int no_commit)
{
	struct visit *r;
	char err[512];
	int rc = 0, status;

	r = visit_begin(f->k, cookie, 0, "/cgi/test.sh", now, &status);
	assert_non_null(r);
	assert_int_equal(visit_env(r, env_add, e), 0);
	for (; hdrs && hdrs->name; hdrs++) {
		rc = visit_directive(r, hdrs->name, strlen(hdrs->name), hdrs->value,
		    strlen(hdrs->value), err, sizeof(err));
		if (rc < 0)
			break;
	}
	if (rc >= 0 && !no_commit)
		rc = visit_commit(r, now, h, err, sizeof(err));
	else
		visit_headers_nocommit(r, h);
	visit_end(r);
	return rc;
}

/* "session=VALUE; ..." → "session=VALUE" into out. */
static void
cookie_from(const struct visit_headers *h, char *out, size_t len)
{
	const char *semi = strchr(h->set_cookie, ';');

	assert_non_null(semi);
	snprintf(out, len, "%.*s", (int)(semi - h->set_cookie), h->set_cookie);
}

static void
test_new_then_loaded(void **state)
{
	struct keeper_fixture *f = *state;
	struct env e = { .n = 0 };
	struct visit_headers h;
	char cookie[256], header[512], csrf[64];
	const struct hdr set[] = {
		{ "X-Session-Set", "user=alice&cart=3%2C7&a-b=x" }, { NULL, NULL } };

	assert_int_equal(request(f, NULL, T0, &e, set, &h, 0), 0);
	assert_string_equal(env_get(&e, "SESSION"), "");
	assert_string_equal(env_get(&e, "SESSIONWRAP_NEW"), "1");
	assert_int_equal(strlen(env_get(&e, "SESSIONWRAP_CSRF_TOKEN")), 43);
	snprintf(csrf, sizeof(csrf), "%s", env_get(&e, "SESSIONWRAP_CSRF_TOKEN"));
	assert_null(env_get(&e, "SESSIONWRAP_FLASH"));
	assert_null(env_get(&e, "REMOTE_USER"));
	assert_null(env_get(&e, "AUTH_TYPE"));
	assert_null(env_get(&e, "HTTP_COOKIE"));
	assert_null(env_get(&e, "HTTP_SESSION"));
	env_free(&e);
	assert_int_equal(strncmp(h.set_cookie, "session=", 8), 0);
	assert_string_equal(h.set_cookie + 8 + 64, "; Path=/; HttpOnly; SameSite=Lax");
	assert_true(h.vary_cookie);
	assert_true(h.no_store);
	cookie_from(&h, cookie, sizeof(cookie));

	snprintf(header, sizeof(header), "theme=dark; %s; lang=en", cookie);
	assert_int_equal(request(f, header, T0 + 1, &e, NULL, &h, 0), 0);
	assert_string_equal(env_get(&e, "SESSION"),
	    "a-b=x&cart=3%2C7&user=alice");
	assert_string_equal(env_get(&e, "SESSION_user"), "alice");
	assert_string_equal(env_get(&e, "SESSION_cart"), "3,7");
	assert_null(env_get(&e, "SESSION_a-b"));
	assert_string_equal(env_get(&e, "SESSIONWRAP_NEW"), "0");
	assert_string_equal(env_get(&e, "SESSIONWRAP_CSRF_TOKEN"), csrf);
	assert_string_equal(env_get(&e, "REMOTE_USER"), "alice");
	assert_string_equal(env_get(&e, "AUTH_TYPE"), "Session");
	assert_string_equal(env_get(&e, "HTTP_COOKIE"), "theme=dark; lang=en");
	env_free(&e);
	/* Nothing changed: no cookie, but Vary. */
	assert_string_equal(h.set_cookie, "");
	assert_false(h.no_store);
	assert_true(h.vary_cookie);
}

/* The token check of csrf = token: a loaded session's token passes, any
 * other value does not, and a request without a session (no cookie, a
 * cookie of no session) has no token to pass, not even the new one. */
static void
test_csrf_check(void **state)
{
	struct keeper_fixture *f = *state;
	struct env e = { .n = 0 };
	struct visit_headers h;
	struct visit *r;
	char cookie[256], token[64];
	const struct hdr set[] = { { "X-Session-Set", "a=1" }, { NULL, NULL } };
	int status;

	assert_int_equal(request(f, NULL, T0, &e, set, &h, 0), 0);
	snprintf(token, sizeof(token), "%s", env_get(&e, "SESSIONWRAP_CSRF_TOKEN"));
	env_free(&e);
	cookie_from(&h, cookie, sizeof(cookie));

	r = visit_begin(f->k, cookie, 0, "/cgi/test.sh", T0 + 1, &status);
	assert_non_null(r);
	assert_int_equal(visit_csrf_check(r, token, strlen(token)), 1);
	assert_int_equal(visit_csrf_check(r, token, strlen(token) - 1), 0);
	token[0] ^= 1;
	assert_int_equal(visit_csrf_check(r, token, strlen(token)), 0);
	token[0] ^= 1;
	visit_end(r);

	r = visit_begin(f->k, NULL, 0, "/cgi/test.sh", T0 + 1, &status);
	assert_non_null(r);
	assert_int_equal(visit_env(r, env_add, &e), 0);
	assert_int_equal(visit_csrf_check(r, token, strlen(token)), -1);
	/* Not even the token the new session's child is given. */
	assert_int_equal(visit_csrf_check(r, env_get(&e, "SESSIONWRAP_CSRF_TOKEN"),
	    43), -1);
	env_free(&e);
	visit_end(r);
}

/* A login value with a control byte is no name a server checked: no
 * REMOTE_USER nor AUTH_TYPE; SESSION_user still has it as stored. */
static void
test_login_with_control_bytes(void **state)
{
	struct keeper_fixture *f = *state;
	static const struct { const char *set, *user, *remote; } cases[] = {
		{ "user=al%0Aice", "al\nice", NULL },
		{ "user=a%0Db", "a\rb", NULL },
		{ "user=bo%01b", "bo\001b", NULL },
		{ "user=tab%09x", "tab\tx", NULL },
		{ "user=del%7F", "del\177", NULL },
		{ "user=J%C3%BCrgen", "J\303\274rgen", "J\303\274rgen" },
		/* U+0085 NEL, a C1 control: a line break to Python's
		 * splitlines() and to Java. */
		{ "user=a%C2%85b", "a\302\205b", NULL },
		{ "user=a%C2%9Bb", "a\302\233b", NULL },
		{ "user=a%C2%A0b", "a\302\240b", "a\302\240b" },
		/* Not UTF-8, no control character either (Latin-1 names). */
		{ "user=Jos%E9", "Jos\351", "Jos\351" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct env e = { .n = 0 };
		struct visit_headers h;
		char cookie[256];
		const struct hdr set[] = {
			{ "X-Session-Set", cases[i].set }, { NULL, NULL } };

		assert_int_equal(request(f, NULL, T0, &e, set, &h, 0), 0);
		env_free(&e);
		cookie_from(&h, cookie, sizeof(cookie));
		assert_int_equal(request(f, cookie, T0 + 1, &e, NULL, &h, 0), 0);
		assert_string_equal(env_get(&e, "SESSION_user"), cases[i].user);
		if (cases[i].remote) {
			assert_string_equal(env_get(&e, "REMOTE_USER"),
			    cases[i].remote);
			assert_string_equal(env_get(&e, "AUTH_TYPE"), "Session");
		} else {
			assert_null(env_get(&e, "REMOTE_USER"));
			assert_null(env_get(&e, "AUTH_TYPE"));
		}
		env_free(&e);
	}
}

static void
test_empty_session_is_no_session(void **state)
{
	struct keeper_fixture *f = *state;
	struct env e = { .n = 0 };
	struct visit_headers h;
	const struct hdr setunset[] = { { "X-Session-Set", "k=v" },
		{ "X-Session-Unset", "k" }, { NULL, NULL } };
	struct stat st;
	char path[128];

	assert_int_equal(request(f, "other=1", T0, &e, NULL, &h, 0), 0);
	assert_string_equal(env_get(&e, "HTTP_COOKIE"), "other=1");
	env_free(&e);
	assert_string_equal(h.set_cookie, "");
	assert_int_equal(request(f, NULL, T0, &e, setunset, &h, 0), 0);
	env_free(&e);
	assert_string_equal(h.set_cookie, "");
	/* Not a single shard directory was made. */
	snprintf(path, sizeof(path), "%s/store", f->dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_nlink, 2);
}

static void
test_bad_and_unknown_cookies(void **state)
{
	struct keeper_fixture *f = *state;
	struct env e = { .n = 0 };
	struct visit_headers h;
	char cookie[256], bad[512], unknown[128], value[COOKIE_VALUE_LEN + 1];
	const struct hdr set[] = { { "X-Session-Set", "k=v" }, { NULL, NULL } };
	struct keys k;
	uint8_t secret[48], id[SESSION_ID_LEN];
	char *huge;
	int status;

	assert_int_equal(request(f, NULL, T0, &e, set, &h, 0), 0);
	env_free(&e);
	cookie_from(&h, cookie, sizeof(cookie));

	/* Tampered: a new session. */
	snprintf(bad, sizeof(bad), "%s", cookie);
	bad[20] = bad[20] == 'A' ? 'B' : 'A';
	assert_int_equal(request(f, bad, T0 + 1, &e, NULL, &h, 0), 0);
	assert_string_equal(env_get(&e, "SESSIONWRAP_NEW"), "1");
	assert_null(env_get(&e, "HTTP_COOKIE"));
	env_free(&e);
	/* Truncated. */
	bad[strlen(bad) - 1] = '\0';
	assert_int_equal(request(f, bad, T0 + 1, &e, NULL, &h, 0), 0);
	assert_string_equal(env_get(&e, "SESSIONWRAP_NEW"), "1");
	env_free(&e);

	/* Correctly signed but unknown to the store: never adopted. */
	memset(secret, 'a', sizeof(secret));
	keys_derive(&k, secret, sizeof(secret));
	session_id_generate(id);
	cookie_value_seal(&k, id, value);
	snprintf(unknown, sizeof(unknown), "session=%s", value);
	assert_int_equal(request(f, unknown, T0 + 1, &e, set, &h, 0), 0);
	assert_string_equal(env_get(&e, "SESSIONWRAP_NEW"), "1");
	env_free(&e);
	assert_non_null(strstr(h.set_cookie, "session="));
	assert_null(strstr(h.set_cookie, value));

	/* Two cookies named session: a garbage one first, then the live one. */
	snprintf(bad, sizeof(bad), "session=garbage; %s", cookie);
	assert_int_equal(request(f, bad, T0 + 2, &e, NULL, &h, 0), 0);
	assert_string_equal(env_get(&e, "SESSIONWRAP_NEW"), "0");
	env_free(&e);

	/* Over MAX_COOKIE_HEADER: the request is refused (431), not run as
	 * a new session (whose cookie would replace the user's). */
	huge = malloc(MAX_COOKIE_HEADER + 2);
	memset(huge, 'x', MAX_COOKIE_HEADER + 1);
	huge[MAX_COOKIE_HEADER + 1] = '\0';
	memcpy(huge, cookie, strlen(cookie));
	huge[strlen(cookie)] = ';';
	assert_null(visit_begin(f->k, huge, 0, "/cgi/test.sh", T0 + 2, &status));
	assert_int_equal(status, 431);
	/* At the limit: read. */
	huge[MAX_COOKIE_HEADER] = '\0';
	assert_int_equal(request(f, huge, T0 + 2, &e, NULL, &h, 0), 0);
	assert_string_equal(env_get(&e, "SESSIONWRAP_NEW"), "0");
	env_free(&e);
	free(huge);
}

static void
test_flash_once(void **state)
{
	struct keeper_fixture *f = *state;
	struct env e = { .n = 0 };
	struct visit_headers h;
	char cookie[256];
	const struct hdr flash[] = { { "X-Session-Flash", "info=Saved!" },
		{ "X-Session-Flash", "Hello" }, { NULL, NULL } };

	assert_int_equal(request(f, NULL, T0, &e, flash, &h, 0), 0);
	env_free(&e);
	cookie_from(&h, cookie, sizeof(cookie));
	/* A request that fails (no commit) does not consume them. */
	assert_int_equal(request(f, cookie, T0 + 1, &e, NULL, &h, 1), 0);
	assert_string_equal(env_get(&e, "SESSIONWRAP_FLASH"),
	    "info=Saved%21&message=Hello");
	env_free(&e);
	assert_true(h.vary_cookie);
	assert_string_equal(h.set_cookie, "");
	/* Delivered and committed: gone; and the session, now empty, too. */
	assert_int_equal(request(f, cookie, T0 + 2, &e, NULL, &h, 0), 0);
	assert_string_equal(env_get(&e, "SESSIONWRAP_FLASH"),
	    "info=Saved%21&message=Hello");
	env_free(&e);
	assert_non_null(strstr(h.set_cookie, "Max-Age=0"));
	assert_int_equal(request(f, cookie, T0 + 3, &e, NULL, &h, 0), 0);
	assert_null(env_get(&e, "SESSIONWRAP_FLASH"));
	assert_string_equal(env_get(&e, "SESSIONWRAP_NEW"), "1");
	env_free(&e);
}

static void
test_permanent_cookie(void **state)
{
	struct keeper_fixture *f = *state;
	struct env e = { .n = 0 };
	struct visit_headers h;
	char cookie[256], expect[128];
	const struct hdr perm[] = { { "X-Session-Set", "k=v" },
		{ "X-Session-Permanent", "1" }, { NULL, NULL } };
	const struct hdr unperm[] = { { "X-Session-Permanent", "0" },
		{ NULL, NULL } };

	assert_int_equal(request(f, NULL, T0, &e, perm, &h, 0), 0);
	env_free(&e);
	snprintf(expect, sizeof(expect), "; Path=/; Max-Age=%ld; Expires=",
	    f->cfg.lifetime);
	assert_non_null(strstr(h.set_cookie, expect));
	assert_non_null(strstr(h.set_cookie, "GMT; HttpOnly; SameSite=Lax"));
	cookie_from(&h, cookie, sizeof(cookie));
	/* refresh_each_request off: no cookie on a plain request. */
	assert_int_equal(request(f, cookie, T0 + 1, &e, NULL, &h, 0), 0);
	env_free(&e);
	assert_string_equal(h.set_cookie, "");
	/* On: every request refreshes it. */
	f->cfg.refresh_each_request = 1;
	assert_int_equal(request(f, cookie, T0 + 2, &e, NULL, &h, 0), 0);
	env_free(&e);
	assert_non_null(strstr(h.set_cookie, expect));
	assert_true(h.no_store);
	/* Back to a browser-session cookie. */
	assert_int_equal(request(f, cookie, T0 + 3, &e, unperm, &h, 0), 0);
	env_free(&e);
	assert_null(strstr(h.set_cookie, "Max-Age"));
	assert_non_null(strstr(h.set_cookie, "session="));
	/* The absolute timeout caps Max-Age. */
	f->cfg.absolute_timeout = 100;
	assert_int_equal(request(f, NULL, T0, &e, perm, &h, 0), 0);
	env_free(&e);
	assert_non_null(strstr(h.set_cookie, "Max-Age=100;"));
}

static void
test_clear_and_tombstone(void **state)
{
	struct keeper_fixture *f = *state;
	struct env e = { .n = 0 };
	struct visit_headers h;
	char cookie[256];
	const struct hdr set[] = { { "X-Session-Set", "user=bob" }, { NULL, NULL } };
	const struct hdr clear[] = { { "X-Session-Clear", "1" }, { NULL, NULL } };
	const struct hdr clearset[] = { { "X-Session-Clear", "1" },
		{ "X-Session-Set", "fresh=1" }, { NULL, NULL } };

	assert_int_equal(request(f, NULL, T0, &e, set, &h, 0), 0);
	env_free(&e);
	cookie_from(&h, cookie, sizeof(cookie));
	assert_int_equal(request(f, cookie, T0 + 1, &e, clear, &h, 0), 0);
	env_free(&e);
	assert_string_equal(h.set_cookie, "session=; Path=/; Max-Age=0; "
	    "Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax");
	assert_true(h.no_store);
	/* A late request with the old cookie: empty, commits nothing, no
	 * Set-Cookie (the client holds a newer one). */
	assert_int_equal(request(f, cookie, T0 + 2, &e, set, &h, 0), 0);
	assert_string_equal(env_get(&e, "SESSIONWRAP_NEW"), "1");
	assert_string_equal(env_get(&e, "SESSION"), "");
	assert_null(env_get(&e, "REMOTE_USER"));
	env_free(&e);
	assert_string_equal(h.set_cookie, "");
	assert_true(h.vary_cookie);
	assert_int_equal(request(f, cookie, T0 + 3, &e, NULL, &h, 0), 0);
	assert_string_equal(env_get(&e, "SESSION"), "");
	env_free(&e);

	/* Clear then set in one response: a new id holding only the new. */
	char cookie2[256], cookie3[256];
	assert_int_equal(request(f, NULL, T0, &e, set, &h, 0), 0);
	env_free(&e);
	cookie_from(&h, cookie2, sizeof(cookie2));
	assert_int_equal(request(f, cookie2, T0 + 1, &e, clearset, &h, 0), 0);
	env_free(&e);
	cookie_from(&h, cookie3, sizeof(cookie3));
	assert_string_not_equal(cookie2, cookie3);
	assert_int_equal(request(f, cookie3, T0 + 2, &e, NULL, &h, 0), 0);
	assert_string_equal(env_get(&e, "SESSION"), "fresh=1");
	env_free(&e);
}

static void
test_regenerate(void **state)
{
	struct keeper_fixture *f = *state;
	struct env e = { .n = 0 };
	struct visit_headers h;
	char cookie[256], cookie2[256], csrf[64];
	const struct hdr set[] = { { "X-Session-Set", "cart=1" }, { NULL, NULL } };
	const struct hdr login[] = { { "X-Session-Regenerate", "1" },
		{ "X-Session-Set", "user=carol" }, { NULL, NULL } };

	assert_int_equal(request(f, NULL, T0, &e, set, &h, 0), 0);
	env_free(&e);
	cookie_from(&h, cookie, sizeof(cookie));
	assert_int_equal(request(f, cookie, T0 + 1, &e, login, &h, 0), 0);
	snprintf(csrf, sizeof(csrf), "%s", env_get(&e, "SESSIONWRAP_CSRF_TOKEN"));
	env_free(&e);
	cookie_from(&h, cookie2, sizeof(cookie2));
	assert_string_not_equal(cookie, cookie2);
	assert_int_equal(request(f, cookie2, T0 + 2, &e, NULL, &h, 0), 0);
	assert_string_equal(env_get(&e, "SESSION"), "cart=1&user=carol");
	assert_string_not_equal(env_get(&e, "SESSIONWRAP_CSRF_TOKEN"), csrf);
	env_free(&e);
	/* The old id is dead at once. */
	assert_int_equal(request(f, cookie, T0 + 2, &e, NULL, &h, 0), 0);
	assert_string_equal(env_get(&e, "SESSIONWRAP_NEW"), "1");
	env_free(&e);
}

static void
test_errors_change_nothing(void **state)
{
	struct keeper_fixture *f = *state;
	struct env e = { .n = 0 };
	struct visit_headers h;
	char cookie[256], *bigval;
	const struct hdr set[] = { { "X-Session-Set", "k=v" }, { NULL, NULL } };
	const struct hdr bad[] = { { "X-Session-Set", "x=1" },
		{ "X-Session-Set", "a=%zz" }, { NULL, NULL } };
	struct hdr big[] = { { "X-Session-Set", NULL }, { NULL, NULL } };

	assert_int_equal(request(f, NULL, T0, &e, set, &h, 0), 0);
	env_free(&e);
	cookie_from(&h, cookie, sizeof(cookie));
	assert_int_equal(request(f, cookie, T0 + 1, &e, bad, &h, 0), -1);
	env_free(&e);
	assert_string_equal(h.set_cookie, "");
	assert_true(h.vary_cookie);
	/* Over max_size after the merge: refused at commit. */
	bigval = malloc(f->cfg.max_size + 8);
	strcpy(bigval, "big=");
	memset(bigval + 4, 'x', f->cfg.max_size);
	bigval[f->cfg.max_size + 4] = '\0';
	big[0].value = bigval;
	assert_int_equal(request(f, cookie, T0 + 2, &e, big, &h, 0), -1);
	env_free(&e);
	free(bigval);
	assert_string_equal(h.set_cookie, "");
	assert_int_equal(request(f, cookie, T0 + 3, &e, NULL, &h, 0), 0);
	assert_string_equal(env_get(&e, "SESSION"), "k=v");
	env_free(&e);
}

static void
test_compat_and_secure(void **state)
{
	struct keeper_fixture *f = *state;
	struct env e = { .n = 0 };
	struct visit_headers h;
	struct visit *r;
	char cookie[256], err[256];
	int status;
	const struct hdr replace[] = { { "X-Replace-Session", "a=1&b=2" },
		{ NULL, NULL } };
	const struct hdr replace2[] = { { "X-Replace-Session", "a=&c=3" },
		{ NULL, NULL } };

	f->cfg.compat_mod_session = 1;
	assert_int_equal(request(f, NULL, T0, &e, replace, &h, 0), 0);
	env_free(&e);
	cookie_from(&h, cookie, sizeof(cookie));
	assert_int_equal(request(f, cookie, T0 + 1, &e, replace2, &h, 0), 0);
	assert_string_equal(env_get(&e, "HTTP_SESSION"), "a=1&b=2");
	env_free(&e);
	assert_int_equal(request(f, cookie, T0 + 2, &e, NULL, &h, 0), 0);
	assert_string_equal(env_get(&e, "SESSION"), "b=2&c=3");
	env_free(&e);
	/* Without compat, X-Replace-Session is an ordinary header. */
	f->cfg.compat_mod_session = 0;
	r = visit_begin(f->k, NULL, 1, "/x", T0, &status);
	assert_int_equal(visit_directive(r, "X-Replace-Session", 17, "a=1", 3, err,
	    sizeof(err)), 0);
	assert_int_equal(visit_directive(r, "X-Session-Set", 13, "a=1", 3, err,
	    sizeof(err)), 1);
	/* https with secure = auto: Secure. */
	assert_int_equal(visit_commit(r, T0, &h, err, sizeof(err)), 0);
	assert_non_null(strstr(h.set_cookie, "; Secure; HttpOnly"));
	visit_end(r);
	f->cfg.cookie_secure = TRI_OFF;
	r = visit_begin(f->k, NULL, 1, "/x", T0, &status);
	visit_directive(r, "X-Session-Set", 13, "a=1", 3, err, sizeof(err));
	assert_int_equal(visit_commit(r, T0, &h, err, sizeof(err)), 0);
	assert_null(strstr(h.set_cookie, "Secure"));
	visit_end(r);
}

static void
test_rotation(void **state)
{
	struct keeper_fixture *f = *state;
	struct env e = { .n = 0 };
	struct visit_headers h;
	char cookie[256], cookie2[256], err[256];
	const struct hdr set[] = { { "X-Session-Set", "user=dave" }, { NULL, NULL } };

	assert_int_equal(request(f, NULL, T0, &e, set, &h, 0), 0);
	env_free(&e);
	cookie_from(&h, cookie, sizeof(cookie));
	/* Rotate: B signs, A still verifies. */
	keeper_close(f->k);
	free(f->cfg.secret_file);
	f->cfg.secret_file = strdup(f->secret_b);
	f->cfg.secret_fallbacks[0] = strdup(f->secret_a);
	f->cfg.nsecret_fallbacks = 1;
	assert_int_equal(keeper_open(&f->k, &f->cfg, err, sizeof(err)), 0);
	assert_int_equal(request(f, cookie, T0 + 1, &e, NULL, &h, 0), 0);
	assert_string_equal(env_get(&e, "SESSION"), "user=dave");
	env_free(&e);
	cookie_from(&h, cookie2, sizeof(cookie2));
	assert_string_not_equal(cookie, cookie2);
	/* Drop A: the new cookie still works, the old one no more. */
	keeper_close(f->k);
	f->cfg.nsecret_fallbacks = 0;
	assert_int_equal(keeper_open(&f->k, &f->cfg, err, sizeof(err)), 0);
	assert_int_equal(request(f, cookie2, T0 + 2, &e, NULL, &h, 0), 0);
	assert_string_equal(env_get(&e, "SESSION"), "user=dave");
	env_free(&e);
	assert_int_equal(request(f, cookie, T0 + 2, &e, NULL, &h, 0), 0);
	assert_string_equal(env_get(&e, "SESSIONWRAP_NEW"), "1");
	env_free(&e);
	f->cfg.nsecret_fallbacks = 1;           /* for config_free */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_csrf_check, keeper_fixture_setup, keeper_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_new_then_loaded, keeper_fixture_setup, keeper_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_login_with_control_bytes, keeper_fixture_setup, keeper_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_empty_session_is_no_session, keeper_fixture_setup, keeper_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_bad_and_unknown_cookies, keeper_fixture_setup, keeper_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_flash_once, keeper_fixture_setup, keeper_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_permanent_cookie, keeper_fixture_setup, keeper_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_clear_and_tombstone, keeper_fixture_setup, keeper_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_regenerate, keeper_fixture_setup, keeper_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_errors_change_nothing, keeper_fixture_setup, keeper_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_compat_and_secure, keeper_fixture_setup, keeper_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_rotation, keeper_fixture_setup, keeper_fixture_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
