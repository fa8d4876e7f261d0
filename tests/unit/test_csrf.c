/* test_csrf.c — the origin check (methods, Sec-Fetch-Site, Origin against
 * Host and the trusted origins: ports, case, null, IPv6) and the finder
 * of the csrf_token field in a form body's start. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bounds.h"
#include "csrf.h"

static char why[512];

/* check(method, Sec-Fetch-Site, Origin, Host, https) against the trusted
 * origins given: 0 passes, -1 refused. */
static int
check_t(const char *method, const char *sfs, const char *origin,
    const char *host, int https, char *const *trusted, int ntrusted)
{
	struct csrf_request rq = { method, sfs, origin, host, https };

	why[0] = '\0';
	return csrf_origin_check(&rq, trusted, ntrusted, why, sizeof(why));
}

static int
check(const char *method, const char *sfs, const char *origin,
    const char *host, int https)
{
	return check_t(method, sfs, origin, host, https, NULL, 0);
}

static void
test_safe_methods_never_refused(void **state)
{
	(void)state;
	assert_true(csrf_method_safe("GET"));
	assert_true(csrf_method_safe("HEAD"));
	assert_true(csrf_method_safe("OPTIONS"));
	assert_false(csrf_method_safe("POST"));
	assert_false(csrf_method_safe("get"));       /* methods are case-sensitive */
	assert_false(csrf_method_safe("TRACE"));
	assert_false(csrf_method_safe("PROPFIND"));
	assert_false(csrf_method_safe(""));
	assert_false(csrf_method_safe(NULL));
	assert_int_equal(check("GET", "cross-site", "https://evil.example",
	    "a.example", 0), 0);
	assert_int_equal(check("HEAD", "cross-site", "https://evil.example",
	    "a.example", 0), 0);
	assert_int_equal(check("OPTIONS", "same-site", "null", "a.example", 0), 0);
}

static void
test_unsafe_methods_checked(void **state)
{
	const char *m[] = { "POST", "PUT", "PATCH", "DELETE", "PROPFIND",
	    "BREW", "get", "", NULL };

	(void)state;
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		assert_int_equal(check(m[i], "cross-site", NULL, "a.example", 0), -1);
		assert_int_equal(check(m[i], NULL, "http://evil.example",
		    "a.example", 0), -1);
		assert_int_equal(check(m[i], NULL, "http://a.example",
		    "a.example", 0), 0);
	}
}

static void
test_neither_header_passes(void **state)
{
	(void)state;
	assert_int_equal(check("POST", NULL, NULL, "a.example", 0), 0);
	assert_int_equal(check("POST", NULL, NULL, NULL, 1), 0);
}

static void
test_sec_fetch_site(void **state)
{
	(void)state;
	assert_int_equal(check("POST", "same-origin", NULL, "a.example", 0), 0);
	assert_int_equal(check("POST", "none", NULL, "a.example", 0), 0);
	/* It decides: the browser knows better than a Host behind a proxy. */
	assert_int_equal(check("POST", "same-origin", "http://b.example",
	    "a.example", 0), 0);
	assert_int_equal(check("POST", "cross-site", NULL, "a.example", 0), -1);
	assert_non_null(strstr(why, "Sec-Fetch-Site is 'cross-site'"));
	/* A sibling subdomain is another party's, as in Go's check. */
	assert_int_equal(check("POST", "same-site", "http://b.a.example",
	    "a.example", 0), -1);
	assert_non_null(strstr(why, "Sec-Fetch-Site is 'same-site'"));
	assert_non_null(strstr(why, "Origin"));
	/* Even with an Origin that matches Host. */
	assert_int_equal(check("POST", "cross-site", "http://a.example",
	    "a.example", 0), -1);
	/* Unknown values and other cases are not passed. */
	assert_int_equal(check("POST", "Same-Origin", NULL, "a.example", 0), -1);
	assert_int_equal(check("POST", "", NULL, "a.example", 0), -1);
	assert_int_equal(check("POST", "same-origin, cross-site", NULL,
	    "a.example", 0), -1);
}

static void
test_origin_against_host(void **state)
{
	(void)state;
	assert_int_equal(check("POST", NULL, "http://a.example", "a.example", 0), 0);
	assert_int_equal(check("POST", NULL, "https://a.example", "a.example", 1), 0);
	/* Scheme: from HTTPS, not guessed. */
	assert_int_equal(check("POST", NULL, "https://a.example", "a.example", 0), -1);
	assert_non_null(strstr(why, "Origin 'https://a.example' is neither"));
	assert_non_null(strstr(why, "(http://a.example:80)"));
	assert_int_equal(check("POST", NULL, "http://a.example", "a.example", 1), -1);
	/* Other hosts, a suffix, a prefix. */
	assert_int_equal(check("POST", NULL, "http://evil.example", "a.example", 0), -1);
	assert_int_equal(check("POST", NULL, "http://xa.example", "a.example", 0), -1);
	assert_int_equal(check("POST", NULL, "http://a.example.evil", "a.example",
	    0), -1);
	assert_int_equal(check("POST", NULL, "http://a.exampl", "a.example", 0), -1);
	/* Case of scheme and host does not matter. */
	assert_int_equal(check("POST", NULL, "HTTP://A.Example", "a.EXAMPLE", 0), 0);
}

static void
test_origin_ports(void **state)
{
	(void)state;
	assert_int_equal(check("POST", NULL, "http://a.example:8080",
	    "a.example:8080", 0), 0);
	assert_int_equal(check("POST", NULL, "http://a.example:8080",
	    "a.example:8081", 0), -1);
	assert_int_equal(check("POST", NULL, "http://a.example:8080",
	    "a.example", 0), -1);
	assert_int_equal(check("POST", NULL, "http://a.example",
	    "a.example:8080", 0), -1);
	/* Default ports, written or not. */
	assert_int_equal(check("POST", NULL, "http://a.example:80", "a.example", 0), 0);
	assert_int_equal(check("POST", NULL, "http://a.example", "a.example:80", 0), 0);
	assert_int_equal(check("POST", NULL, "https://a.example:443", "a.example",
	    1), 0);
	assert_int_equal(check("POST", NULL, "https://a.example", "a.example:443",
	    1), 0);
	assert_int_equal(check("POST", NULL, "https://a.example", "a.example:80",
	    1), -1);
	assert_int_equal(check("POST", NULL, "http://a.example:080",
	    "a.example", 0), 0);
	/* Not ports. */
	assert_int_equal(check("POST", NULL, "http://a.example:", "a.example", 0), -1);
	assert_int_equal(check("POST", NULL, "http://a.example:0", "a.example:0",
	    0), -1);
	assert_int_equal(check("POST", NULL, "http://a.example:65536",
	    "a.example:65536", 0), -1);
	assert_int_equal(check("POST", NULL, "http://a.example:+80", "a.example",
	    0), -1);
}

static void
test_origin_malformed(void **state)
{
	const char *bad[] = {
		"null", "", "a.example", "//a.example", "ftp://a.example",
		"http://a.example/", "http://a.example/x", "http://a.example?x",
		"http://u@a.example", "http://", "http://a.example, http://a.example",
		"http://a.example ", " http://a.example", "http://[::1",
		"http://[]", "http://[::g]", "http:/a.example",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(check("POST", NULL, bad[i], "a.example", 0), -1);
		assert_non_null(strstr(why, "Origin '"));
	}
	/* The null origin of a sandboxed frame or a redirect across sites. */
	assert_int_equal(check("POST", NULL, "null", "null", 0), -1);
}

static void
test_host_malformed_or_absent(void **state)
{
	(void)state;
	assert_int_equal(check("POST", NULL, "http://a.example", NULL, 0), -1);
	assert_non_null(strstr(why, "Host header (absent)"));
	assert_int_equal(check("POST", NULL, "http://a.example", "", 0), -1);
	assert_int_equal(check("POST", NULL, "http://a.example", "a.example/x",
	    0), -1);
	assert_non_null(strstr(why, "Host header (malformed)"));
	assert_int_equal(check("POST", NULL, "http://a.example", "a.example:99999",
	    0), -1);
}

static void
test_ipv6_hosts(void **state)
{
	(void)state;
	assert_int_equal(check("POST", NULL, "http://[::1]:8080", "[::1]:8080", 0), 0);
	assert_int_equal(check("POST", NULL, "http://[::1]", "[::1]", 0), 0);
	assert_int_equal(check("POST", NULL, "http://[::1]", "[::1]:80", 0), 0);
	assert_int_equal(check("POST", NULL, "http://[2001:DB8::1]",
	    "[2001:db8::1]", 0), 0);
	assert_int_equal(check("POST", NULL, "http://[::1]:8080", "[::1]:8081", 0), -1);
	assert_int_equal(check("POST", NULL, "http://[::2]", "[::1]", 0), -1);
	assert_int_equal(check("POST", NULL, "http://[::1]", "::1", 0), -1);
	assert_int_equal(check("POST", NULL, "http://127.0.0.1:8080",
	    "127.0.0.1:8080", 0), 0);
	assert_int_equal(check("POST", NULL, "http://127.0.0.1:8080",
	    "localhost:8080", 0), -1);
}

static void
test_trusted_origins(void **state)
{
	char *trusted[] = { "https://app.example", "http://Tools.Example:8443" };

	(void)state;
	assert_int_equal(check_t("POST", NULL, "https://app.example",
	    "api.example", 1, trusted, 2), 0);
	assert_int_equal(check_t("POST", NULL, "https://app.example:443",
	    "api.example", 1, trusted, 2), 0);
	assert_int_equal(check_t("POST", NULL, "http://tools.example:8443",
	    "api.example", 1, trusted, 2), 0);
	/* Scheme and port are part of the origin. */
	assert_int_equal(check_t("POST", NULL, "http://app.example",
	    "api.example", 1, trusted, 2), -1);
	assert_int_equal(check_t("POST", NULL, "http://tools.example",
	    "api.example", 1, trusted, 2), -1);
	assert_int_equal(check_t("POST", NULL, "https://evil.example",
	    "api.example", 1, trusted, 2), -1);
	/* A trusted Origin passes whatever Sec-Fetch-Site says. */
	assert_int_equal(check_t("POST", "cross-site", "https://app.example",
	    "api.example", 1, trusted, 2), 0);
	assert_int_equal(check_t("POST", "same-site", "https://app.example",
	    "api.example", 1, trusted, 2), 0);
	assert_int_equal(check_t("POST", "cross-site", "https://evil.example",
	    "api.example", 1, trusted, 2), -1);
	assert_int_equal(check_t("POST", "cross-site", NULL, "api.example", 1,
	    trusted, 2), -1);
	/* Without a Host the trusted ones still count. */
	assert_int_equal(check_t("POST", NULL, "https://app.example", NULL, 1,
	    trusted, 2), 0);
}

static void
test_origin_parse(void **state)
{
	struct csrf_origin o;
	const char *s;

	(void)state;
	s = "https://app.example:8443";
	assert_int_equal(csrf_origin_parse(s, strlen(s), &o), 0);
	assert_int_equal(o.https, 1);
	assert_int_equal(o.port, 8443);
	assert_int_equal(o.hlen, strlen("app.example"));
	assert_memory_equal(o.host, "app.example", o.hlen);
	s = "http://[fe80::1]";
	assert_int_equal(csrf_origin_parse(s, strlen(s), &o), 0);
	assert_int_equal(o.port, 80);
	assert_memory_equal(o.host, "[fe80::1]", o.hlen);
	s = "http://my_host";
	assert_int_equal(csrf_origin_parse(s, strlen(s), &o), 0);
	s = "http://a.example:65535";
	assert_int_equal(csrf_origin_parse(s, strlen(s), &o), 0);
	s = "http://a.example:655350";
	assert_int_equal(csrf_origin_parse(s, strlen(s), &o), -1);
	/* A NUL inside the given length is no host byte. */
	assert_int_equal(csrf_origin_parse("http://a\0b", 10, &o), -1);
}

static void
test_form_type(void **state)
{
	(void)state;
	assert_true(csrf_form_type("application/x-www-form-urlencoded"));
	assert_true(csrf_form_type("Application/X-WWW-Form-URLEncoded"));
	assert_true(csrf_form_type("application/x-www-form-urlencoded; charset=UTF-8"));
	assert_true(csrf_form_type("application/x-www-form-urlencoded;charset=UTF-8"));
	assert_true(csrf_form_type(" application/x-www-form-urlencoded "));
	assert_false(csrf_form_type("application/x-www-form-urlencodedx"));
	assert_false(csrf_form_type("multipart/form-data; boundary=x"));
	assert_false(csrf_form_type("text/plain"));
	assert_false(csrf_form_type(""));
	assert_false(csrf_form_type(NULL));
}

/* The finder on a NUL-terminated body; the value found, or NULL. */
static char found[256];
static enum csrf_find
find(const char *body, int whole)
{
	size_t n = 0;
	enum csrf_find r = csrf_form_token(body, strlen(body), whole, found,
	    sizeof(found) - 1, &n);

	found[r == CSRF_FOUND ? n : 0] = '\0';
	return r;
}

static void
test_token_field_positions(void **state)
{
	(void)state;
	assert_int_equal(find("csrf_token=T1&a=1&b=2", 1), CSRF_FOUND);
	assert_string_equal(found, "T1");
	assert_int_equal(find("a=1&csrf_token=T2&b=2", 1), CSRF_FOUND);
	assert_string_equal(found, "T2");
	assert_int_equal(find("a=1&b=2&csrf_token=T3", 1), CSRF_FOUND);
	assert_string_equal(found, "T3");
	assert_int_equal(find("csrf_token=T4", 1), CSRF_FOUND);
	assert_string_equal(found, "T4");
	/* The first of the name counts. */
	assert_int_equal(find("csrf_token=A&csrf_token=B", 1), CSRF_FOUND);
	assert_string_equal(found, "A");
	/* Empty segments are skipped; an empty value is a value. */
	assert_int_equal(find("&&csrf_token=&x", 1), CSRF_FOUND);
	assert_string_equal(found, "");
	assert_int_equal(find("csrf_token&x=1", 1), CSRF_FOUND);
	assert_string_equal(found, "");
}

static void
test_token_encoded(void **state)
{
	(void)state;
	assert_int_equal(find("a=1&csrf_token=ab%2Dc%5F+d", 1), CSRF_FOUND);
	assert_string_equal(found, "ab-c_ d");
	assert_int_equal(find("csrf%5Ftoken=X&a=1", 1), CSRF_FOUND);
	assert_string_equal(found, "X");
	assert_int_equal(find("%63%73%72%66%5f%74%6f%6b%65%6e=Y", 1), CSRF_FOUND);
	assert_string_equal(found, "Y");
	/* Near misses are other fields. */
	assert_int_equal(find("csrf_tokens=X&Csrf_token=Y&csrf_toke=Z&"
	    "xcsrf_token=W&csrf+token=V", 1), CSRF_ABSENT);
	/* A malformed value is refused; a malformed other field is not ours. */
	assert_int_equal(find("csrf_token=ab%zz", 1), CSRF_BAD);
	assert_int_equal(find("csrf_token=ab%00c", 1), CSRF_BAD);
	assert_int_equal(find("a=%zz&csrf_token=ok", 1), CSRF_FOUND);
	assert_string_equal(found, "ok");
}

static void
test_token_absent(void **state)
{
	(void)state;
	assert_int_equal(find("", 1), CSRF_ABSENT);
	assert_int_equal(find("a=1&b=2", 1), CSRF_ABSENT);
	assert_int_equal(find("&&&", 1), CSRF_ABSENT);
	assert_int_equal(find("", 0), CSRF_BEYOND);
	assert_int_equal(find("a=1&b=2&", 0), CSRF_BEYOND);
}

/* A value whose encoded form is longer than the room given is no token. */
static void
test_token_too_long(void **state)
{
	char body[600] = "csrf_token=", out[16];
	size_t n;

	(void)state;
	memset(body + 11, 'x', 16);
	assert_int_equal(csrf_form_token(body, 27, 1, out, sizeof(out), &n),
	    CSRF_FOUND);
	assert_int_equal(n, 16);
	body[27] = 'x';
	assert_int_equal(csrf_form_token(body, 28, 1, out, sizeof(out), &n),
	    CSRF_BAD);
}

/* The body's start as the worker reads it, CSRF_BODY_PREFIX bytes of a
 * longer body: a field that ends inside is found, one cut at the end or
 * beyond it is not seen. */
static void
test_token_split_at_limit(void **state)
{
	const char *field = "&csrf_token=TOKEN";
	size_t flen = strlen(field), total = CSRF_BODY_PREFIX + 100;
	char *body = malloc(total);

	(void)state;
	assert_non_null(body);
	memset(body, 'a', total);
	body[0] = 'x';
	body[1] = '=';
	/* The field ends just before the limit, then '&': found. */
	memcpy(body + CSRF_BODY_PREFIX - flen - 1, field, flen);
	body[CSRF_BODY_PREFIX - 1] = '&';
	assert_int_equal(csrf_form_token(body, CSRF_BODY_PREFIX, 0, found,
	    sizeof(found), &(size_t){ 0 }), CSRF_FOUND);
	/* Ends exactly at the limit: its value may go on. */
	memset(body + 2, 'a', total - 2);
	memcpy(body + CSRF_BODY_PREFIX - flen, field, flen);
	assert_int_equal(csrf_form_token(body, CSRF_BODY_PREFIX, 0, found,
	    sizeof(found), &(size_t){ 0 }), CSRF_BEYOND);
	/* The same bytes as the whole body: found. */
	assert_int_equal(csrf_form_token(body, CSRF_BODY_PREFIX, 1, found,
	    sizeof(found), &(size_t){ 0 }), CSRF_FOUND);
	/* Cut inside the name. */
	memset(body + 2, 'a', total - 2);
	memcpy(body + CSRF_BODY_PREFIX - 5, field, flen);
	assert_int_equal(csrf_form_token(body, CSRF_BODY_PREFIX, 0, found,
	    sizeof(found), &(size_t){ 0 }), CSRF_BEYOND);
	/* Wholly past the limit. */
	memset(body + 2, 'a', total - 2);
	memcpy(body + CSRF_BODY_PREFIX + 10, field, flen);
	assert_int_equal(csrf_form_token(body, CSRF_BODY_PREFIX, 0, found,
	    sizeof(found), &(size_t){ 0 }), CSRF_BEYOND);
	free(body);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_safe_methods_never_refused),
		cmocka_unit_test(test_unsafe_methods_checked),
		cmocka_unit_test(test_neither_header_passes),
		cmocka_unit_test(test_sec_fetch_site),
		cmocka_unit_test(test_origin_against_host),
		cmocka_unit_test(test_origin_ports),
		cmocka_unit_test(test_origin_malformed),
		cmocka_unit_test(test_host_malformed_or_absent),
		cmocka_unit_test(test_ipv6_hosts),
		cmocka_unit_test(test_trusted_origins),
		cmocka_unit_test(test_origin_parse),
		cmocka_unit_test(test_form_type),
		cmocka_unit_test(test_token_field_positions),
		cmocka_unit_test(test_token_encoded),
		cmocka_unit_test(test_token_absent),
		cmocka_unit_test(test_token_too_long),
		cmocka_unit_test(test_token_split_at_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
