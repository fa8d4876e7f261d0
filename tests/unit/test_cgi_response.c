/* Unit tests of the CGI header block parser: each form, each limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "cgi_response.h"

static int
parse(const char *s, size_t len, struct cgi_header *h, size_t *n)
{
	*n = MAX_HEADERS;
	return cgi_headers_parse(s, len, h, n, NULL);
}

/* Parse s, which must be refused with rc; the account of the line at
 * fault is left in text. */
static struct cgi_header_error
refused(const char *s, size_t len, int rc, char *text, size_t textlen)
{
	struct cgi_header h[MAX_HEADERS];
	struct cgi_header_error e;
	size_t n = MAX_HEADERS;

	memset(&e, 0xa5, sizeof(e));
	assert_int_equal(cgi_headers_parse(s, len, h, &n, &e), rc);
	cgi_header_error_text(&e, s, text, textlen);
	return e;
}

static void
test_lf_and_crlf(void **state)
{
	struct cgi_header h[MAX_HEADERS];
	size_t n;
	const char *a = "Content-Type: text/plain\nX-A:  b c  \n\nbody";
	const char *b = "Content-Type: text/plain\r\nX-A:b\r\n\r\nbody";

	(void)state;
	assert_int_equal(parse(a, strlen(a), h, &n), (int)strlen(a) - 4);
	assert_int_equal(n, 2);
	assert_int_equal(h[1].vlen, 3);
	assert_memory_equal(h[1].value, "b c", 3);
	assert_int_equal(parse(b, strlen(b), h, &n), (int)strlen(b) - 4);
	assert_int_equal(n, 2);
	assert_true(header_is(&h[0], "content-type"));
	assert_memory_equal(h[0].value, "text/plain", 10);
}

static void
test_incomplete_until_blank_line(void **state)
{
	struct cgi_header h[MAX_HEADERS];
	size_t n;
	const char *s = "Status: 200 OK\r\nContent-Type: text/html\r\n\r\n";

	(void)state;
	for (size_t i = 0; i < strlen(s); i++)
		assert_int_equal(parse(s, i, h, &n), CGI_INCOMPLETE);
	assert_int_equal(parse(s, strlen(s), h, &n), (int)strlen(s));
}

static void
test_malformed_forms(void **state)
{
	static const char *bad[] = {
		"no colon here\n\n",
		": empty name\n\n",
		"Bad Name: x\n\n",
		"Bad(name): x\n\n",
		"X-A: 1\n folded\n\n",
		"X-A: a\rb\n\n",
		"\n",                       /* no header at all */
		"\r\n",
	};
	struct cgi_header h[MAX_HEADERS];
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse(bad[i], strlen(bad[i]), h, &n), CGI_MALFORMED);
	assert_int_equal(parse("X-A: a\0b\n\n", 10, h, &n), CGI_MALFORMED);
}

/* Each malformed line is named: its number, its name part, the fault. */
static void
test_malformed_line_named(void **state)
{
	static const struct {
		const char *in;
		size_t line, off, len, nlen;
		enum cgi_fault fault;
		const char *text;
	} cases[] = {
		{ "Content-Type: text/plain\r\nX-Session-Set : k=4\r\n\r\n", 2, 26,
		  19, 0, CGI_FAULT_SPACE_BEFORE_COLON,
		  "line 2 \"X-Session-Set :\": space before the colon" },
		{ "X-A:1\nX-B\t: 2\n\n", 2, 6, 7, 0, CGI_FAULT_SPACE_BEFORE_COLON,
		  "line 2 \"X-B\t:\": space before the colon" },
		{ "no colon here\n\n", 1, 0, 13, 0, CGI_FAULT_NO_COLON,
		  "line 1 \"no colon here\": no colon" },
		{ "X-A: 1\n folded: x\n\n", 2, 7, 10, 0, CGI_FAULT_FOLDED,
		  "line 2 \" folded:\": folded line (starts with a space or tab)" },
		{ "X-A: 1\r\n\tmore\r\n\r\n", 2, 8, 5, 0, CGI_FAULT_FOLDED,
		  "line 2 \"\tmore\": folded line (starts with a space or tab)" },
		{ ": empty name\n\n", 1, 0, 12, 0, CGI_FAULT_EMPTY_NAME,
		  "line 1 \":\": empty header name" },
		{ "Bad Name: x\n\n", 1, 0, 11, 0, CGI_FAULT_BAD_NAME,
		  "line 1 \"Bad Name:\": byte not allowed in a header name at byte 4 of the line" },
		{ "Bad(na\"me: x\n\n", 1, 0, 12, 0, CGI_FAULT_BAD_NAME,
		  "line 1 \"Bad(na\"me:\": byte not allowed in a header name at byte 4 of the line" },
		{ "X-A: a\rb\n\n", 1, 0, 8, 3, CGI_FAULT_CR,
		  "line 1 \"X-A:\": CR inside the line at byte 7 of the line" },
		{ "\r\n", 1, 0, 0, 0, CGI_FAULT_NO_HEADER,
		  "line 1: blank line before any header" },
		/* Only the name part of a line is shown, never its value. */
		{ "X-Session-Set: user=alice\nno colon but secret=42 and much more text than fits\n\n",
		  2, 26, 51, 0, CGI_FAULT_NO_COLON,
		  "line 2 \"no colon but secret=42 and much more text than f...\": no colon" },
	};
	char text[300];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cgi_header_error e = refused(cases[i].in,
		    strlen(cases[i].in), CGI_MALFORMED, text, sizeof(text));
		assert_int_equal(e.fault, cases[i].fault);
		assert_int_equal(e.line, cases[i].line);
		assert_int_equal(e.off, cases[i].off);
		assert_int_equal(e.len, cases[i].len);
		assert_int_equal(e.nlen, cases[i].nlen);
		assert_string_equal(text, cases[i].text);
	}
}

/* A NUL byte: the line keeps its name (the caller tells a session
 * directive from another header by it), the value is not shown. */
static void
test_nul_line_named(void **state)
{
	static const char in[] = "Content-Type: text/plain\nX-Session-Set: a=1\0secret\n\n";
	char text[300];
	struct cgi_header_error e = refused(in, sizeof(in) - 1, CGI_MALFORMED,
	    text, sizeof(text));

	(void)state;
	assert_int_equal(e.fault, CGI_FAULT_NUL);
	assert_int_equal(e.line, 2);
	assert_int_equal(e.nlen, 13);
	assert_memory_equal(in + e.off, "X-Session-Set", e.nlen);
	assert_string_equal(text, "line 2 \"X-Session-Set:\": NUL byte at byte 19 of the line");
	e = refused("X-Se\0t: 1\n\n", 11, CGI_MALFORMED, text, sizeof(text));
	assert_int_equal(e.nlen, 0);
	assert_string_equal(text, "line 1 \"X-Se...\": NUL byte at byte 5 of the line");
}

/* The limits name the line being read when they were hit. */
static void
test_limit_line_named(void **state)
{
	const char *t = "A: 1\nB: 2\nC: 3\nD: 4\nE: 5\n\n";
	struct cgi_header h[4];
	struct cgi_header_error e;
	size_t n = 4, len = MAX_HEADER_BLOCK + 100;
	char text[300], *buf = malloc(len);

	(void)state;
	assert_int_equal(cgi_headers_parse(t, strlen(t), h, &n, &e), CGI_TOO_MANY);
	assert_int_equal(e.line, 5);
	cgi_header_error_text(&e, t, text, sizeof(text));
	assert_string_equal(text, "line 5 \"E:\": more than 4 headers");

	memset(buf, 'v', len);
	memcpy(buf, "Content-Type: text/plain\r\nX-Session-Set: big=", 45);
	e = refused(buf, len, CGI_TOO_LARGE, text, sizeof(text));
	assert_int_equal(e.line, 2);
	assert_int_equal(e.nlen, 13);
	assert_int_equal(e.off + e.len, MAX_HEADER_BLOCK);
	assert_string_equal(text, "line 2 \"X-Session-Set:\": still open at the limit of 65536 bytes");
	/* A long name is cut. */
	memset(buf, 'N', len);
	e = refused(buf, len, CGI_TOO_LARGE, text, sizeof(text));
	assert_int_equal(e.line, 1);
	assert_string_equal(text, "line 1 \"NNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNN...\": "
	    "still open at the limit of 65536 bytes");
	free(buf);
}

static void
test_block_size_limit(void **state)
{
	struct cgi_header h[MAX_HEADERS];
	size_t n, len = MAX_HEADER_BLOCK + 100;
	char *buf = malloc(len);

	(void)state;
	/* One header whose block ends exactly at the limit is accepted. */
	memset(buf, 'x', len);
	memcpy(buf, "X-Long: ", 8);
	buf[MAX_HEADER_BLOCK - 2] = '\n';
	buf[MAX_HEADER_BLOCK - 1] = '\n';
	assert_int_equal(parse(buf, len, h, &n), MAX_HEADER_BLOCK);
	/* One byte more and it is too large. */
	memset(buf, 'x', len);
	memcpy(buf, "X-Long: ", 8);
	buf[MAX_HEADER_BLOCK - 1] = '\n';
	buf[MAX_HEADER_BLOCK] = '\n';
	assert_int_equal(parse(buf, len, h, &n), CGI_TOO_LARGE);
	/* Below the limit without a blank line: wait for more. */
	assert_int_equal(parse(buf, MAX_HEADER_BLOCK - 10, h, &n), CGI_INCOMPLETE);
	free(buf);
}

static void
test_header_count_limit(void **state)
{
	struct cgi_header h[4];
	size_t n = 4;
	const char *s = "A: 1\nB: 2\nC: 3\nD: 4\n\n";
	const char *t = "A: 1\nB: 2\nC: 3\nD: 4\nE: 5\n\n";

	(void)state;
	assert_int_equal(cgi_headers_parse(s, strlen(s), h, &n, NULL), (int)strlen(s));
	assert_int_equal(n, 4);
	n = 4;
	assert_int_equal(cgi_headers_parse(t, strlen(t), h, &n, NULL), CGI_TOO_MANY);
}

static void
test_status(void **state)
{
	int code;
	const char *r;
	size_t rl;

	(void)state;
	assert_int_equal(cgi_status_parse("404 Not Found", 13, &code, &r, &rl), 0);
	assert_int_equal(code, 404);
	assert_int_equal(rl, 9);
	assert_int_equal(cgi_status_parse("201", 3, &code, &r, &rl), 0);
	assert_int_equal(code, 201);
	assert_int_equal(rl, 0);
	assert_int_equal(cgi_status_parse("20", 2, &code, &r, &rl), -1);
	assert_int_equal(cgi_status_parse("abc", 3, &code, &r, &rl), -1);
	assert_int_equal(cgi_status_parse("099 x", 5, &code, &r, &rl), -1);
	assert_int_equal(cgi_status_parse("2000", 4, &code, &r, &rl), -1);
	/* Final statuses only: interim 1xx and codes past 599 are refused. */
	assert_int_equal(cgi_status_parse("199 x", 5, &code, &r, &rl), -1);
	assert_int_equal(cgi_status_parse("100 Continue", 12, &code, &r, &rl), -1);
	assert_int_equal(cgi_status_parse("600 Weird", 9, &code, &r, &rl), -1);
	assert_int_equal(cgi_status_parse("200", 3, &code, &r, &rl), 0);
	assert_int_equal(cgi_status_parse("599", 3, &code, &r, &rl), 0);
	assert_int_equal(cgi_status_parse("200 O\001K", 7, &code, &r, &rl), -1);
	assert_string_equal(http_reason(504), "Gateway Timeout");
	assert_string_equal(http_reason(299), "Unknown");
}

/* Parse buf[0..len) fed in pieces of step bytes (the last may be
 * shorter), resuming each time, and check that it ends as one parse of
 * the whole does: the same result, headers, and line at fault.  Returns
 * the work the resumed parse did. */
static size_t
same_in_pieces(const char *buf, size_t len, size_t room, size_t step)
{
	struct cgi_header whole[MAX_HEADERS], part[MAX_HEADERS];
	struct cgi_header_error ew, ep;
	struct cgi_parse st;
	size_t nw = room, np = room, k = 0;
	int rw, rp = CGI_INCOMPLETE;

	memset(&ew, 0, sizeof(ew));
	memset(&ep, 0, sizeof(ep));
	memset(&st, 0, sizeof(st));
	rw = cgi_headers_parse(buf, len, whole, &nw, &ew);
	while (rp == CGI_INCOMPLETE && k < len) {
		k = k + step < len ? k + step : len;
		np = room;
		rp = cgi_headers_parse_more(buf, k, part, &np, &ep, &st);
	}
	assert_int_equal(rp, rw);
	if (rw > 0) {
		assert_int_equal(np, nw);
		for (size_t i = 0; i < nw; i++) {
			assert_ptr_equal(part[i].name, whole[i].name);
			assert_int_equal(part[i].nlen, whole[i].nlen);
			assert_ptr_equal(part[i].value, whole[i].value);
			assert_int_equal(part[i].vlen, whole[i].vlen);
		}
	} else if (rw != CGI_INCOMPLETE) {
		assert_int_equal(ep.fault, ew.fault);
		assert_int_equal(ep.line, ew.line);
		assert_int_equal(ep.off, ew.off);
		assert_int_equal(ep.len, ew.len);
		assert_int_equal(ep.nlen, ew.nlen);
		assert_int_equal(ep.at, ew.at);
		assert_int_equal(ep.limit, ew.limit);
	}
	return st.examined;
}

#define S(lit) lit, sizeof(lit) - 1

/* A block written a byte (or a few) at a time parses as it does whole:
 * valid, incomplete, each kind of fault, and the count limit. */
static void
test_resume_same_as_whole(void **state)
{
	static const struct { const char *s; size_t len; size_t room; } cases[] = {
		{ S("Content-Type: text/html\r\nX-A:  b \r\n\r\nbody\n"), MAX_HEADERS },
		{ S("Status: 404 Not Found\nLocation: /x\n\n"), MAX_HEADERS },
		{ S("A: 1\nB: 2\n"), MAX_HEADERS },            /* incomplete */
		{ S("A: 1\nB 2\n\n"), MAX_HEADERS },
		{ S("A: 1\nB : 2\n\n"), MAX_HEADERS },
		{ S("A: 1\nB(: 2\n\n"), MAX_HEADERS },
		{ S("A: 1\n folded\n\n"), MAX_HEADERS },
		{ S("A: 1\nX-Session-Set: a\0b\n\n"), MAX_HEADERS },
		{ S("A: 1\nB: x\ry\r\n\n"), MAX_HEADERS },
		{ S("\nA: 1\n\n"), MAX_HEADERS },
		{ S(": v\n\n"), MAX_HEADERS },
		{ S("A: 1\nB: 2\nC: 3\n\n"), 2 },              /* one too many */
		{ S("A: 1\nB: 2\n\n"), 2 },                    /* just fits */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		for (size_t step = 1; step <= 3; step++)
			same_in_pieces(cases[i].s, cases[i].len, cases[i].room, step);
}

/* The resumed parse looks at each byte a bounded number of times, however
 * the block is cut: one byte at a time costs no more than twice the bytes
 * (the search for the line end, then the line's checks), where a parse
 * from byte 0 on every call would cost the square.  Long lines, many
 * short lines, and a block that reaches the size limit without a line
 * end. */
static void
test_resume_is_linear(void **state)
{
	size_t len = MAX_HEADER_BLOCK - 100, pos = 0, examined;
	char *buf = malloc(MAX_HEADER_BLOCK + 1);

	(void)state;
	assert_non_null(buf);
	/* 4 lines of about 8 KiB, then 100 short ones, then the blank line */
	for (int i = 0; i < 4; i++) {
		pos += (size_t)sprintf(buf + pos, "X-Long-%d: ", i);
		memset(buf + pos, 'v', 8000);
		pos += 8000;
		buf[pos++] = '\n';
	}
	for (int i = 0; i < 100; i++)
		pos += (size_t)sprintf(buf + pos, "X-Short-%d: %d\r\n", i, i);
	buf[pos++] = '\n';
	memset(buf + pos, 'b', len - pos);         /* body */
	examined = same_in_pieces(buf, len, MAX_HEADERS, 1);
	assert_true(examined <= 2 * pos);
	assert_true(examined >= pos);              /* it did read it all */

	/* No line end at all: refused at the limit, each byte read once. */
	memset(buf, 'x', MAX_HEADER_BLOCK + 1);
	examined = same_in_pieces(buf, MAX_HEADER_BLOCK + 1, MAX_HEADERS, 1);
	assert_int_equal(examined, MAX_HEADER_BLOCK);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lf_and_crlf),
		cmocka_unit_test(test_incomplete_until_blank_line),
		cmocka_unit_test(test_malformed_forms),
		cmocka_unit_test(test_malformed_line_named),
		cmocka_unit_test(test_nul_line_named),
		cmocka_unit_test(test_limit_line_named),
		cmocka_unit_test(test_block_size_limit),
		cmocka_unit_test(test_header_count_limit),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_resume_same_as_whole),
		cmocka_unit_test(test_resume_is_linear),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
