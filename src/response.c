/* response.c — our answer to one request (response.h): the child's header
 * block read as it comes in, the commit point, our headers, the body, and
 * our error answers.  The cookie and directive rules it follows are the
 * session layer's (visit.h); the bytes go out through the transport.
 *
 * Holding back.  The body of an answer whose session has changes is held
 * until the commit point (README "Commit point"): until the child has
 * exited or COMMIT_HOLD bytes came, because our headers (Set-Cookie) are
 * known only after the commit, and a crash before it must commit
 * nothing.  It is held where every answer byte waits, in the transport
 * (HOLD_COMMIT, transport.h), which also holds the answer while request
 * body bytes are due; our headers are then written ahead of that body. */
#include "response.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "log.h"

void
response_init(struct response *r, const struct config *cfg,
    struct transport *t, char *head, int *warned)
{
	memset(r, 0, sizeof(*r));
	r->cfg = cfg;
	r->t = t;
	r->head = head;
	r->warned_ignored = warned;
	r->script = "(no script)";
}

/* Whether the body is held for the commit (head_done set HOLD_COMMIT). */
static int
holding(const struct response *r)
{
	return (r->t->holds & HOLD_COMMIT) != 0;
}

/* The body held for the commit is given up (this answer replaces it), or
 * it may go out behind our headers (released). */
static void
unhold(struct response *r, int drop)
{
	if (!holding(r))
		return;
	if (drop)
		transport_drop_held(r->t);
	transport_release(r->t, HOLD_COMMIT);
}

/* One header line "name: value", of any length: written in pieces from
 * where the bytes are, never formatted into a buffer of fixed size. */
static int
put_header(struct transport *t, const char *name, size_t nlen,
    const char *value, size_t vlen)
{
	if (transport_write(t, name, nlen) < 0 ||
	    transport_write(t, ": ", 2) < 0 ||
	    transport_write(t, value, vlen) < 0 ||
	    transport_write(t, "\r\n", 2) < 0)
		return -1;
	return 0;
}

static int
put_header_str(struct transport *t, const char *name, const char *value)
{
	return put_header(t, name, strlen(name), value, strlen(value));
}

/* "404 ": a status is 200..599 (cgi_status_parse, or ours). */
static void
status_code(char code[4], int status)
{
	code[0] = (char)('0' + status / 100 % 10);
	code[1] = (char)('0' + status / 10 % 10);
	code[2] = (char)('0' + status % 10);
	code[3] = ' ';
}

/* "Status: 404 Not Found" */
static int
put_status(struct transport *t, int status, const char *reason, size_t rlen)
{
	char code[4];

	status_code(code, status);
	if (transport_write(t, "Status: ", 8) < 0 ||
	    transport_write(t, code, sizeof(code)) < 0 ||
	    transport_write(t, reason, rlen) < 0 ||
	    transport_write(t, "\r\n", 2) < 0)
		return -1;
	return 0;
}

#define STR_RETRY(x) #x
#define XSTR_RETRY(x) STR_RETRY(x)

void
response_error(struct response *r, int status)
{
	const char *reason = http_reason(status);
	char code[4];

	if (r->sent_headers)
		return;
	r->sent_headers = 1;
	unhold(r, 1);
	status_code(code, status);
	if (put_status(r->t, status, reason, strlen(reason)) < 0 ||
	    put_header_str(r->t, "Content-Type", "text/plain; charset=utf-8") < 0 ||
	    put_header_str(r->t, "Cache-Control", "no-store") < 0 ||
	    /* 503: the session store is unavailable, for a while. */
	    (status == 503 && put_header_str(r->t, "Retry-After",
	    XSTR_RETRY(VISIT_RETRY_AFTER)) < 0) ||
	    transport_write(r->t, "\r\n", 2) < 0 ||
	    transport_write(r->t, code, sizeof(code)) < 0 ||
	    transport_write(r->t, reason, strlen(reason)) < 0)
		return;
	transport_write(r->t, "\n", 1);
}

/* Whether a Set-Cookie of the child sets our cookie. */
static int
is_our_cookie(const struct response *r, const struct cgi_header *h)
{
	return r->visit && header_is(h, "Set-Cookie") &&
	    visit_sets_our_cookie(r->visit, h->value, h->vlen);
}

/* Cache-Control, or a field that overrides it for some caches: the
 * targeted fields of RFC 9213 (CDN-Cache-Control, Example-CDN-Cache-Control,
 * Akamai-Cache-Control: any name ending in "-Cache-Control") and the older
 * Surrogate-Control.  A response that sets our cookie keeps none of them. */
static int
is_cache_control(const struct cgi_header *h)
{
	static const char suffix[] = "-Cache-Control";
	size_t sl = sizeof(suffix) - 1;

	return header_is(h, "Cache-Control") || header_is(h, "Surrogate-Control") ||
	    (h->nlen > sl &&
	    strncasecmp(h->name + h->nlen - sl, suffix, sl) == 0);
}

/* Write the status line and headers: the child's, in order, less the
 * directives, plus ours. */
static int
emit_headers(struct response *r, const struct visit_headers *sh)
{
	int have_cc = 0;

	if (put_status(r->t, r->status, r->reason, r->rlen) < 0)
		return -1;
	for (size_t i = 0; i < r->nh; i++) {
		const struct cgi_header *h = &r->hdrs[i];

		if (r->consumed[i] || header_is(h, "Status"))
			continue;
		if (sh && sh->no_store && is_cache_control(h))
			continue;    /* ours below is stricter */
		if (header_is(h, "Cache-Control"))
			have_cc = 1;
		if (is_our_cookie(r, h)) {
			log_warn("script %s: dropped its Set-Cookie for the session cookie '%s'",
			    r->script, r->cfg->cookie_name);
			continue;
		}
		if (put_header(r->t, h->name, h->nlen, h->value, h->vlen) < 0)
			return -1;
	}
	if (sh) {
		if (sh->set_cookie[0] &&
		    put_header_str(r->t, "Set-Cookie", sh->set_cookie) < 0)
			return -1;
		if (sh->vary_cookie && put_header_str(r->t, "Vary", "Cookie") < 0)
			return -1;
		/* A page built from a session is never for a shared cache;
		 * one that sets our cookie is for no cache at all. */
		if (sh->no_store) {
			if (put_header_str(r->t, "Cache-Control",
			    "no-store, private") < 0)
				return -1;
		} else if (!have_cc && sh->vary_cookie) {
			if (put_header_str(r->t, "Cache-Control", "private") < 0)
				return -1;
		}
	}
	r->sent_headers = 1;
	return transport_write(r->t, "\r\n", 2);
}

/* A session directive nothing acts on: sessions are off, or it is
 * X-Replace-Session and compat_mod_session is off.  It is dropped all the
 * same, as it may carry session data.  Said once per worker process, not
 * on every page of a site that was written for sessions. */
static void
directive_ignored(struct response *r, const struct cgi_header *h)
{
	if (*r->warned_ignored)
		return;
	*r->warned_ignored = 1;
	log_warn("script %s: header %.*s dropped, not acted on: %s "
	    "(this worker says so once)", r->script, (int)h->nlen, h->name,
	    r->visit ? "compat_mod_session is off" :
	    "sessions are off (no [session] secret_file)");
}

/* Log why the header block was refused, naming the line at fault, and
 * return the status to answer.  A NUL or CR in a session directive's line
 * is a malformed directive (500, as sessionwrap.ini(5) has it for a NUL); any
 * other fault is a broken answer of the program (502). */
static int
header_block_refused(struct response *r, int rc,
    const struct cgi_header_error *e)
{
	const char *line = r->head + e->off;
	char text[300];

	cgi_header_error_text(e, r->head, text, sizeof(text));
	switch (rc) {
	case CGI_TOO_LARGE:
		log_error("script %s: header block over 64 KiB: %s", r->script, text);
		return 502;
	case CGI_TOO_MANY:
		log_error("script %s: too many response headers: %s", r->script, text);
		return 502;
	}
	if (r->visit && (e->fault == CGI_FAULT_NUL || e->fault == CGI_FAULT_CR) &&
	    visit_is_directive(line, e->nlen)) {
		log_error("script %s: header %.*s: malformed session directive: %s",
		    r->script, (int)e->nlen, line, text);
		return 500;
	}
	log_error("script %s: malformed response header block: %s", r->script,
	    text);
	return 502;
}

/* A reason phrase over MAX_STATUS_REASON bytes is cut there (a program
 * that puts its input into it still gets its answer out), back to the
 * start of a UTF-8 character. */
static void
reason_cut(struct response *r)
{
	size_t was = r->rlen, cut = MAX_STATUS_REASON;

	for (int back = 0; back < 3 && cut > 0 &&
	    ((unsigned char)r->reason[cut] & 0xc0) == 0x80; back++)
		cut--;
	r->rlen = cut;
	log_warn("script %s: Status reason phrase of %zu bytes cut to %zu "
	    "(the limit is %d)", r->script, was, cut, MAX_STATUS_REASON);
}

/* Status, Location and session directives of a parsed header block.
 * Returns 0, or the HTTP status to fail with. */
static int
read_headers(struct response *r)
{
	char err[300];
	int have_status = 0, have_location = 0;

	r->status = 200;
	r->reason = "OK";
	r->rlen = 2;
	for (size_t i = 0; i < r->nh; i++) {
		const struct cgi_header *h = &r->hdrs[i];
		int rc;

		r->consumed[i] = 0;
		if (header_is(h, "Status")) {
			if (have_status || cgi_status_parse(h->value, h->vlen,
			    &r->status, &r->reason, &r->rlen) < 0) {
				log_error("script %s: bad Status header '%.*s'",
				    r->script, (int)(h->vlen > 80 ? 80 : h->vlen), h->value);
				return 502;
			}
			have_status = 1;
			if (r->rlen == 0) {
				r->reason = http_reason(r->status);
				r->rlen = strlen(r->reason);
			} else if (r->rlen > MAX_STATUS_REASON) {
				reason_cut(r);
			}
		} else if (header_is(h, "Location")) {
			have_location = 1;
		} else if (visit_is_directive(h->name, h->nlen)) {
			rc = r->visit ? visit_directive(r->visit, h->name, h->nlen,
			    h->value, h->vlen, err, sizeof(err)) : 0;
			if (rc < 0) {
				log_error("script %s: %s", r->script, err);
				return 500;
			}
			if (rc == 0)
				directive_ignored(r, h);
			r->consumed[i] = 1;     /* never forwarded */
		}
	}
	if (have_location && !have_status) {
		r->status = 302;
		r->reason = "Found";
		r->rlen = 5;
	}
	return 0;
}

/* Our headers, ahead of the body held for the commit, which then follows
 * them out. */
static int
emit_ahead(struct response *r, const struct visit_headers *sh)
{
	int rc;

	if (!holding(r))
		return emit_headers(r, sh);
	transport_ahead(r->t, 1);
	rc = emit_headers(r, sh);
	if (transport_ahead(r->t, 0) < 0)
		rc = -1;
	unhold(r, 0);
	return rc;
}

/* Commit the session (if this answer commits) and send the headers. */
static int
commit_and_emit(struct response *r)
{
	struct visit_headers sh;
	char err[300];

	if (!r->visit)
		return emit_ahead(r, NULL);
	memset(&sh, 0, sizeof(sh));
	if (r->status < 500) {
		/* visit_commit logs its failures itself, naming the script. */
		int rc = visit_commit(r->visit, time(NULL), &sh, err, sizeof(err));

		if (rc < 0) {
			r->state = R_FAILED;
			response_error(r, rc == -2 ? 503 : 500);
			return -1;
		}
	} else {
		visit_headers_nocommit(r->visit, &sh);
	}
	return emit_ahead(r, &sh);
}

/* The header block is complete and read: hold the body, or commit and
 * stream.  body[0..n) is what followed the blank line. */
static int
head_done(struct response *r, const char *body, size_t n)
{
	/* The body is held back while a crash could still undo the
	 * session's changes; without changes it streams. */
	if (r->visit && r->status < 500 && visit_changes_pending(r->visit)) {
		r->state = R_HOLD;
		transport_hold(r->t, HOLD_COMMIT);
		return n ? response_write(r, body, n) : 0;
	}
	if (commit_and_emit(r) < 0)
		return -1;
	r->state = R_STREAM;
	return n ? transport_write(r->t, body, n) : 0;
}

/* Bytes of the header block: parsed from where the last piece stopped. */
static int
head_write(struct response *r, const char *buf, size_t n)
{
	size_t take = MAX_HEADER_BLOCK - r->hlen;
	struct cgi_header_error perr;
	int used, st;

	if (take > n)
		take = n;
	memcpy(r->head + r->hlen, buf, take);
	r->hlen += take;
	r->nh = MAX_HEADERS;
	used = cgi_headers_parse_more(r->head, r->hlen, r->hdrs, &r->nh, &perr,
	    &r->parse);
	if (used == CGI_INCOMPLETE)
		return 0;
	if (used < 0) {
		r->fail_status = header_block_refused(r, used, &perr);
		return -1;
	}
	if ((st = read_headers(r)) != 0) {
		r->fail_status = st;
		return -1;
	}
	/* What came after the blank line is body: the copied rest, then
	 * the part of this read that was not copied. */
	if (head_done(r, r->head + used, r->hlen - (size_t)used) < 0)
		return -1;
	return n > take ? response_write(r, buf + take, n - take) : 0;
}

int
response_write(void *ctx, const char *buf, size_t n)
{
	struct response *r = ctx;
	int rc;

	switch (r->state) {
	case R_HEAD:
		return head_write(r, buf, n);
	case R_HOLD:
		if (r->held + n <= COMMIT_HOLD) {
			if ((rc = transport_write(r->t, buf, n)) == 0) {
				r->held += n;
				return 0;
			}
			if (rc == -1)
				return -1;
			log_warn("script %s: the session commits now, before the "
			    "program ends", r->script);
		}
		if (commit_and_emit(r) < 0)
			return -1;
		r->state = R_STREAM;
		/* fall through */
	case R_STREAM:
		return transport_write(r->t, buf, n);
	case R_FAILED:
		return -1;
	}
	return -1;
}

int
response_release(struct response *r)
{
	if (commit_and_emit(r) < 0)
		return -1;
	r->state = R_STREAM;
	return 0;
}

int
response_own(struct response *r, int status, const char *location,
    const char *extra, const struct visit_headers *sh, const char *ctype,
    const char *body, size_t blen)
{
	const char *reason = http_reason(status);
	char length[24];

	if (r->sent_headers)
		return -1;
	r->sent_headers = 1;
	r->state = R_STREAM;
	/* Its length, so that the web server frames every such answer
	 * alike (not chunked one time, counted the next). */
	snprintf(length, sizeof(length), "%zu", blen);
	if (put_status(r->t, status, reason, strlen(reason)) < 0 ||
	    (location && put_header_str(r->t, "Location", location) < 0) ||
	    (extra && (transport_write(r->t, extra, strlen(extra)) < 0 ||
	    transport_write(r->t, "\r\n", 2) < 0)) ||
	    put_header_str(r->t, "Content-Type", ctype) < 0 ||
	    put_header_str(r->t, "Content-Length", length) < 0 ||
	    put_header_str(r->t, "Cache-Control", "no-store, private") < 0 ||
	    put_header_str(r->t, "Content-Security-Policy",
	    "frame-ancestors 'none'") < 0 ||
	    put_header_str(r->t, "X-Frame-Options", "DENY") < 0 ||
	    (sh && sh->set_cookie[0] &&
	    put_header_str(r->t, "Set-Cookie", sh->set_cookie) < 0) ||
	    (sh && sh->vary_cookie && put_header_str(r->t, "Vary", "Cookie") < 0) ||
	    transport_write(r->t, "\r\n", 2) < 0)
		return -1;
	return blen ? transport_write(r->t, body, blen) : 0;
}
