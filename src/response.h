/* response.h — our answer to one request, made of what the child writes:
 * its header block read (Status, Location, session directives), the
 * commit point, our headers (the session cookie, the cache policy), the
 * body held back or streamed, and our own short error answers. */
#ifndef SW_RESPONSE_H
#define SW_RESPONSE_H

#include <stddef.h>

#include "bounds.h"
#include "cgi_response.h"
#include "config.h"
#include "transport.h"
#include "visit.h"

enum rstate {
	R_HEAD,                  /* the child's header block is coming in */
	R_HOLD,                  /* read; the session has changes: the body
	                          * is held until the commit point */
	R_STREAM,                /* our headers are out: the body goes on */
	R_FAILED,                /* the commit failed: our 500 is out */
};

struct response {
	const struct config *cfg;
	struct transport *t;
	const char *script;          /* names it in log lines */
	struct visit *visit;         /* NULL when sessions are off */
	char *head;                  /* MAX_HEADER_BLOCK bytes: the block */
	int *warned_ignored;         /* said once per worker that a
	                              * directive was dropped */
	enum rstate state;
	size_t hlen;                 /* bytes in head */
	struct cgi_parse parse;      /* how far head is parsed */
	struct cgi_header hdrs[MAX_HEADERS];
	unsigned char consumed[MAX_HEADERS]; /* a directive: not forwarded */
	size_t nh;
	int status;
	const char *reason;
	size_t rlen;
	int fail_status;             /* error decided while the child ran */
	int sent_headers;
	size_t held;                 /* body bytes it holds: <= COMMIT_HOLD */
};

/* head: a buffer of MAX_HEADER_BLOCK bytes the caller keeps; *warned: the
 * caller's flag, set once a dropped directive has been logged.  The
 * caller sets script and visit when it knows them. */
void response_init(struct response *r, const struct config *cfg,
    struct transport *t, char *head, int *warned);

/* The child's standard output, as it comes (a pump_io on_stdout, ctx
 * being the response).  -1: stop the child, the answer is decided
 * (fail_status says with what, when not 0) or the web server is gone. */
int response_write(void *ctx, const char *buf, size_t n);

/* The child exited by itself in R_HOLD: the commit point.  Commit, send
 * our headers and the held body.  0 or -1 (the 500 is sent). */
int response_release(struct response *r);

/* A short error answer that says nothing about our insides; nothing if
 * headers went out already. */
void response_error(struct response *r, int status);

/* An answer of sessionwrap's own (the login form, its redirects, a
 * refusal by an access rule): status, a Location when not NULL, extra
 * (a "Name: value" header or NULL), the session's headers when sh is not
 * NULL (the caller committed), and a body of type ctype.  Never stored
 * by a cache, never framed by another site.  0, or -1 once the web
 * server is gone. */
int response_own(struct response *r, int status, const char *location,
    const char *extra, const struct visit_headers *sh, const char *ctype,
    const char *body, size_t blen);

#endif
