/* fuzz_parsers.c — a libFuzzer target over every parser that reads bytes
 * from outside: the CGI header block (whole and resumed in pieces),
 * Cookie headers, form strings, X-Session-* directives, stored records,
 * the FastCGI request head, the escaping of log lines, the cross-site
 * checks (Origin, Host, a form body's csrf_token), [access] rules with
 * the request paths and login targets, and the password file.  The first
 * input byte picks
 * the parser; the checks are the sanitizers' and a few round trips. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "bounds.h"
#include "cgi_response.h"
#include "codec.h"
#include "cookie.h"
#include "crypto.h"
#include "csrf.h"
#include "directive.h"
#include "fcgi_params.h"
#include "log.h"
#include "form.h"
#include "pwfile.h"
#include "session.h"
#include "slots.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_headers(const char *p, size_t n)
{
	struct cgi_header h[MAX_HEADERS];
	struct cgi_header_error e;
	size_t nh = MAX_HEADERS;
	char text[512];
	int used = cgi_headers_parse(p, n, h, &nh, &e);

	if (used > 0) {
		if ((size_t)used > n || nh == 0 || nh > MAX_HEADERS)
			abort();
		for (size_t i = 0; i < nh; i++)
			if (h[i].name < p || h[i].value + h[i].vlen > p + used)
				abort();
	} else if (used != CGI_INCOMPLETE) {
		/* The line at fault lies in what was read. */
		if (e.off + e.len > n || e.nlen > e.len || e.line == 0)
			abort();
		cgi_header_error_text(&e, p, text, sizeof(text));
	}
	/* Fed in pieces (of 1..8 bytes, as the input's bytes say), the
	 * resumed parse ends as the whole one did, with the same headers or
	 * line at fault, having looked at each byte a bounded number of
	 * times. */
	{
		struct cgi_header hp[MAX_HEADERS];
		struct cgi_header_error ep;
		struct cgi_parse st = { 0 };
		size_t np = MAX_HEADERS, k = 0;
		int rp = CGI_INCOMPLETE;

		while (rp == CGI_INCOMPLETE && k < n) {
			k += 1 + (unsigned char)p[k] % 8;
			if (k > n)
				k = n;
			np = MAX_HEADERS;
			rp = cgi_headers_parse_more(p, k, hp, &np, &ep, &st);
		}
		if (n > 0 && rp != used)
			abort();
		if (st.examined > 2 * (n < MAX_HEADER_BLOCK ? n : MAX_HEADER_BLOCK))
			abort();
		if (used > 0) {
			if (np != nh)
				abort();
			for (size_t i = 0; i < nh; i++)
				if (hp[i].name != h[i].name || hp[i].nlen != h[i].nlen ||
				    hp[i].value != h[i].value || hp[i].vlen != h[i].vlen)
					abort();
		} else if (used != CGI_INCOMPLETE && n > 0 &&
		    (ep.fault != e.fault || ep.line != e.line || ep.off != e.off ||
		    ep.len != e.len || ep.at != e.at || ep.limit != e.limit)) {
			abort();
		}
	}
}

static void
fuzz_cookie(const char *p, size_t n)
{
	struct cookie_pair pairs[MAX_SESSION_COOKIES];
	char *out = malloc(n + 1);
	int np = cookie_find(p, n, NULL, pairs, MAX_SESSION_COOKIES);

	if (np > MAX_SESSION_COOKIES ||
	    cookie_find(p, n, "session", pairs, MAX_SESSION_COOKIES) > np)
		abort();
	if (cookie_strip(p, n, "session", out) > n)
		abort();
	free(out);
}

static void
fuzz_form(const char *p, size_t n)
{
	struct form_field f;
	size_t pos = 0;
	char *dec = malloc(n + 1), *enc, *back;

	while (form_next(p, n, &pos, &f) == 1)
		if (pos > n)
			abort();
	/* encode then decode gives the bytes back */
	enc = malloc(form_encoded_len(p, n) + 1);
	back = malloc(n + 1);
	size_t elen = form_encode(enc, p, n);
	long dlen = form_decode(back, enc, elen);
	if (memchr(p, '\0', n) == NULL && (dlen != (long)n || memcmp(back, p, n) != 0))
		abort();
	(void)form_decode(dec, p, n);
	free(dec);
	free(enc);
	free(back);
}

static void
fuzz_directive(const char *p, size_t n)
{
	static const char *const names[] = { "X-Session-Set", "X-Session-Unset",
		"X-Session-Clear", "X-Session-Regenerate", "X-Session-Permanent",
		"X-Session-Flash", "X-Replace-Session" };
	struct changelog log;
	struct session s;
	char err[300];
	const char *name;

	if (n == 0)
		return;
	name = names[(unsigned char)p[0] % 7];
	changelog_init(&log);
	session_init(&s);
	(void)directive_parse(&log, name, strlen(name), p + 1, n - 1, 1, err,
	    sizeof(err));
	changelog_free(&log);
	session_free(&s);
}

static void
fuzz_record(const uint8_t *p, size_t n)
{
	struct record_header h;
	struct session s;
	const char *why = NULL;

	(void)record_header_decode(p, n, &h, &why);
	/* the whole input as one slot: a version found fits in it */
	if (record_slot_parse(p, n, &h, &why) == 1 && record_len(&h) > n)
		abort();
	session_init(&s);
	if (payload_decode(p, n, &s, &why) == 0) {
		/* what decodes, encodes back to the same bytes */
		size_t len = payload_len(&s);
		uint8_t *out = malloc(len ? len : 1);
		payload_encode(&s, out);
		if (len != n || memcmp(out, p, n) != 0)
			abort();
		free(out);
	}
	session_free(&s);
}

/* The PARAMS stream fed in pieces as records bring it (the first byte of
 * each piece says how long it is): the pairs found do not depend on the
 * cuts, and every slice lies in the bytes given. */
static void
fuzz_fcgi_params(const uint8_t *p, size_t n)
{
	static struct fcgi_param a[MAX_PARAMS], b[MAX_PARAMS];
	struct fcgi_params_error e;
	struct fcgi_record r;
	unsigned char hdr[8];
	size_t pos = 0, na = 0, nb = 0, len = 0, posb = 0;
	int ra = 0, rb;
	char text[300];

	if (n >= 8) {
		(void)fcgi_record_decode(p, &r);
		fcgi_record_encode(hdr, r.type, r.id, r.clen, r.plen);
		if (p[0] == 1 && memcmp(hdr, p, 7) != 0)
			abort();
		(void)fcgi_begin_role(p, n);
	}
	while (len < n && ra == 0) {
		size_t piece = 1 + p[len] % 64;
		len = len + piece > n ? n : len + piece;
		ra = fcgi_params_parse(p, len, &pos, len == n, a, &na, &e);
		if (pos > len || na > MAX_PARAMS)
			abort();
	}
	if (ra == 0 && len < n)
		return;
	rb = fcgi_params_parse(p, n, &posb, 1, b, &nb, &e);
	if (ra != rb || (ra == 0 && (na != nb || pos != posb)))
		abort();
	for (size_t i = 0; i < na && ra == 0; i++)
		if (a[i].name != b[i].name || a[i].vlen != b[i].vlen ||
		    a[i].value + a[i].vlen > (const char *)p + n)
			abort();
	if (rb < 0) {
		if (e.name && (e.name < (const char *)p ||
		    e.name + e.nlen > (const char *)p + n))
			abort();
		fcgi_params_error_text(&e, text, sizeof(text));
	}
}

/* A log line's escaping: the result is UTF-8 with no control character
 * (C0 but a program's tabs, DEL, C1), and in LOG_ESC_ALL its \\xNN decode back to a prefix of
 * the input. */
static void
fuzz_log_escape(const char *p, size_t n)
{
	static char out[4 * 8192 + 1], back[8192];
	size_t len = log_escape(out, sizeof(out), p, n, p[0] & 1 ?
	    LOG_ESC_CTRL : LOG_ESC_ALL), b = 0;

	if (len >= sizeof(out) || out[len] != '\0')
		abort();
	for (size_t i = 0; i < len; ) {
		unsigned char c = (unsigned char)out[i];
		unsigned long cp;
		size_t k;

		if (c < 0x80) {
			cp = c;
			k = 1;
		} else if ((c & 0xe0) == 0xc0) {
			cp = c & 0x1f;
			k = 2;
		} else if ((c & 0xf0) == 0xe0) {
			cp = c & 0x0f;
			k = 3;
		} else if ((c & 0xf8) == 0xf0) {
			cp = c & 0x07;
			k = 4;
		} else {
			abort();
		}
		if (i + k > len)
			abort();
		for (size_t j = 1; j < k; j++) {
			if (((unsigned char)out[i + j] & 0xc0) != 0x80)
				abort();
			cp = cp << 6 | ((unsigned char)out[i + j] & 0x3f);
		}
		if ((cp < 0x20 && !(cp == '\t' && (p[0] & 1))) || (cp >= 0x7f && cp <= 0x9f) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff) ||
		    (k > 1 && cp < (k == 2 ? 0x80ul : k == 3 ? 0x800ul : 0x10000ul)))
			abort();
		if (!(p[0] & 1) && c == '\\') {
			if (i + 4 > len || out[i + 1] != 'x')
				abort();
			back[b++] = (char)strtoul((char[]){ out[i + 2], out[i + 3], 0 },
			    NULL, 16);
			i += 4;
			continue;
		}
		if (!(p[0] & 1)) {
			memcpy(back + b, out + i, k);
			b += k;
		}
		i += k;
	}
	if (!(p[0] & 1) && (b > n || memcmp(back, p, b) != 0))
		abort();
}

/* The input as NUL-separated strings: Origin, Host, Sec-Fetch-Site, a
 * trusted origin (a missing one is absent).  A safe method always passes;
 * a refusal always says why.  The input whole as a form body's start:
 * a value found fits the room given. */
static void
fuzz_csrf(const char *p, size_t n)
{
	char *copy = malloc(n + 1), *f[4] = { NULL, NULL, NULL, NULL }, *s;
	char why[600], out[64];
	struct csrf_origin o;
	size_t k = 0, outlen = 0;
	struct csrf_request rq;
	enum csrf_find r;

	if (!copy)
		return;
	memcpy(copy, p, n);
	copy[n] = '\0';
	for (s = copy; k < 4 && s <= copy + n; s += strlen(s) + 1)
		f[k++] = s;
	rq = (struct csrf_request){ "POST", f[2], f[0], f[1], n & 1 };
	why[0] = '\0';
	if (csrf_origin_check(&rq, &f[3], f[3] ? 1 : 0, why, sizeof(why)) < 0 &&
	    why[0] == '\0')
		abort();
	rq.method = "GET";
	if (csrf_origin_check(&rq, &f[3], f[3] ? 1 : 0, why, sizeof(why)) != 0)
		abort();
	if (f[0] && csrf_origin_parse(f[0], strlen(f[0]), &o) == 0 &&
	    (o.host < f[0] || o.host + o.hlen > f[0] + strlen(f[0]) ||
	    o.hlen == 0 || o.port < 1 || o.port > 65535))
		abort();
	r = csrf_form_token(p, n, n & 2, out, sizeof(out), &outlen);
	if (r == CSRF_FOUND && outlen > sizeof(out))
		abort();
	if (!(n & 2) && r == CSRF_ABSENT)
		abort();
	free(copy);
}

/* A rule, and the same bytes as a request path (made canonical twice:
 * the second time changes nothing) and as a login's way back. */
static void
fuzz_access(const char *p, size_t n)
{
	struct access_rule r;
	char err[300], clean[MAX_ACCESS_PATH + 1], again[MAX_ACCESS_PATH + 1];
	long c, c2;

	if (access_rule_parse(p, n, &r, err, sizeof(err)) == 0 &&
	    (r.path.len == 0 || r.path.p[0] != '/'))
		abort();
	c = access_path_clean(p, n, clean, sizeof(clean));
	if (c >= 0) {
		c2 = access_path_clean(clean, (size_t)c, again, sizeof(again));
		if (c2 != c || memcmp(clean, again, (size_t)c) != 0)
			abort();
		(void)access_match(&r, 0, clean, (size_t)c);
	}
	if (access_next_ok(p, n) && (n < 1 || p[0] != '/' ||
	    (n > 1 && (p[1] == '/' || p[1] == '\\'))))
		abort();
}

static void
fuzz_pwfile(const char *p, size_t n)
{
	struct pw_entry e;
	char err[300];
	int rc = pwfile_find(p, n, "alice", 5, &e, err, sizeof(err));

	if (rc == 1 && (e.hash < p || e.hash + e.hlen > p + n ||
	    e.hlen > PASSWORD_HASH_MAX))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data + 1;

	if (size == 0)
		return 0;
	switch (data[0] % 10) {
	case 0: fuzz_headers(p, size - 1); break;
	case 1: fuzz_cookie(p, size - 1); break;
	case 2: fuzz_form(p, size - 1); break;
	case 3: fuzz_directive(p, size - 1); break;
	case 4: fuzz_record(data + 1, size - 1); break;
	case 5: fuzz_fcgi_params(data + 1, size - 1); break;
	case 6: if (size > 1 && size <= 8193) fuzz_log_escape(p, size - 1); break;
	case 7: fuzz_csrf(p, size - 1); break;
	case 8: fuzz_access(p, size - 1); break;
	case 9: fuzz_pwfile(p, size - 1); break;
	}
	return 0;
}
