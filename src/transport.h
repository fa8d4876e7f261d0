/* transport.h — how a request reaches us and its answer leaves: FastCGI
 * (libfcgi) or plain CGI (environment, stdin, stdout). */
#ifndef SW_TRANSPORT_H
#define SW_TRANSPORT_H

#include <fcgiapp.h>
#include <stddef.h>

#include "request.h"
#include "spool.h"

struct transport {
	char **envp;             /* the request's params, NAME=value */
	struct request req;      /* what of them the worker acts on */
	int body_fd;             /* pollable source of the request body */
	int watch_abort;         /* body_fd readable after the body = gave up */
	FCGX_Request *fcgi;      /* NULL in CGI mode */
	int failed;              /* a write to the web server failed */
	/* Request body bytes the web server has still to send (from
	 * req.content_length, once transport_body_begin() is called). */
	long long body_left;
	long long body_got;      /* body bytes read (up to CONTENT_LENGTH) */
	/* The answer held back, whole, while any reason in holds is set
	 * (enum hold_reason); what is written ahead of it (transport_ahead)
	 * waits in ahead. */
	struct spool held, ahead;
	unsigned holds;
	int ahead_on;
	const char *script;      /* whose answer it is, for log lines */
	int unflushed;           /* bytes sit in libfcgi's buffer */
	int body_ended;          /* the body ended before CONTENT_LENGTH */
	int sent;                /* answer bytes went to the web server */
	/* The body's start, read before the program runs to be looked at
	 * (transport_body_peek), and handed to it first: peek[pos..len). */
	char *peek;
	size_t peek_len, peek_pos;
};

/* Why the answer is held back rather than written: each reason is set and
 * lifted by the one who knows it, and the answer goes out once none is
 * left.  This is the one place answer bytes wait (doc/ARCHITECTURE.md,
 * "Holding an answer back"). */
enum hold_reason {
	/* Request body bytes are due: nginx stops sending the body once it
	 * has the answer's header, and Apache mod_fcgid sends all of it
	 * before it reads the answer.  Set by transport_body_begin(),
	 * lifted by the transport when the body is in. */
	HOLD_BODY = 1,
	/* The session's changes are not committed yet (response.c): a
	 * crash before the commit point must undo the whole answer, and our
	 * Set-Cookie is known only after the commit. */
	HOLD_COMMIT = 2,
};

/* envp: the request's params (libfcgi's own are not read); t->req is
 * read from them. */
void transport_fcgi(struct transport *t, FCGX_Request *req, char **envp);
void transport_cgi(struct transport *t, char **environ_);

/* From now on a read or write of the connection that blocks past
 * deadline_ms is cut (FastCGI; in CGI mode the web server's own timeout
 * bounds them), and whether that happened. */
void transport_deadline(struct transport *t, long long deadline_ms);
int transport_timed_out(const struct transport *t);

/* Read the body's first bytes, up to max and CONTENT_LENGTH, before the
 * program runs, so that they can be looked at (csrf = token): *p then
 * holds them, and transport_body_read() gives them again, first, so that
 * the program still gets the body byte for byte.  Returns the bytes read;
 * -1 when the body ended before (t->body_ended set), the read failed or
 * timed out, or memory ran out (t->body_ended and transport_timed_out()
 * tell which). */
long transport_body_peek(struct transport *t, size_t max, const char **p);

/* The body is read from now on: the answer is held (HOLD_BODY) until it
 * is in.  Returns the bytes due (CONTENT_LENGTH; 0 if it is bad, which
 * the worker refuses before any body is read). */
long long transport_body_begin(struct transport *t);
size_t transport_body_buffered(void *t);
long long transport_body_due(void *t);
long transport_body_read(void *t, char *buf, size_t n);

/* Hold the answer back for this reason, and lift it: what is held goes
 * out with the next write, push or flush once no reason is left. */
void transport_hold(struct transport *t, enum hold_reason why);
void transport_release(struct transport *t, enum hold_reason why);
/* While on, writes go ahead of every byte held (a header block known only
 * after the body it heads was held for the commit); turning it off puts
 * them there.  0, or -1 once the answer cannot go on (out of memory,
 * logged). */
int transport_ahead(struct transport *t, int on);
/* Forget the answer written so far, if all of it is still held: 0, or -1
 * when some of it has gone out already. */
int transport_drop_held(struct transport *t);

/* 0, or -1 once the web server is gone (then t->failed is set), or -2
 * when the bytes could not be held for HOLD_COMMIT (logged; nothing
 * written: the holder decides what now).  When they cannot be held for
 * HOLD_BODY alone, what is held and they are written through. */
int transport_write(struct transport *t, const char *buf, size_t n);
/* Whether the answer can take more bytes now: not while MAX_HELD bytes
 * are held (the child's output then waits). */
int transport_room(void *t);
/* Whether answer bytes wait to go out (in libfcgi's buffer, or held when
 * no reason holds them any more), and sending them: the pump does so when
 * the program has nothing more ready, so a program that writes a line at
 * a time is streamed line by line.  0, or -1 once the web server is
 * gone. */
int transport_unflushed(void *t);
int transport_push(void *t);
void transport_log(struct transport *t, const char *buf, size_t n);
/* Send what is held and buffered, and release the spool.  Held bytes are
 * dropped if the body never came in whole (the answer is cut short then
 * anyway: timeout or abort). */
void transport_flush(struct transport *t);

#endif
