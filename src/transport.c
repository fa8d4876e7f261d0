/* transport.c — the two ways a request arrives.  FastCGI goes through
 * libfcgi's streams on a connection fcgi_conn.c set up (and cuts at the
 * deadline); plain CGI uses the process environment and fds 0-2. */
#include "transport.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bounds.h"
#include "fcgi_conn.h"
#include "log.h"

/* The request's params are read once; an answer held back past memory
 * goes to a file in TMPDIR.  What goes ahead of it is one header block,
 * which memory always holds. */
static void
begin(struct transport *t)
{
	request_read(&t->req, t->envp);
	spool_init(&t->held, spool_tmpdir(), HELD_IN_MEMORY);
	spool_init(&t->ahead, spool_tmpdir(), (size_t)-1);
}

void
transport_fcgi(struct transport *t, FCGX_Request *req, char **envp)
{
	memset(t, 0, sizeof(*t));
	t->fcgi = req;
	t->envp = envp;
	/* libfcgi keeps the connection in a field it calls private; it is
	 * the only way to poll the request body. */
	t->body_fd = req->ipcFd;
	t->watch_abort = 1;
	t->script = "(no script)";
	begin(t);
}

void
transport_cgi(struct transport *t, char **environ_)
{
	memset(t, 0, sizeof(*t));
	t->envp = environ_;
	t->body_fd = STDIN_FILENO;
	t->watch_abort = 0;
	t->script = "(no script)";
	begin(t);
}

void
transport_deadline(struct transport *t, long long deadline_ms)
{
	if (t->fcgi)
		fcgi_guard_arm(t->fcgi->ipcFd, deadline_ms);
}

int
transport_timed_out(const struct transport *t)
{
	return t->fcgi && fcgi_guard_cut();
}

long long
transport_body_begin(struct transport *t)
{
	t->body_left = t->req.content_length > 0 ? t->req.content_length : 0;
	if (t->body_left > 0)
		transport_hold(t, HOLD_BODY);
	return t->body_left;
}

long long
transport_body_due(void *tp)
{
	return ((struct transport *)tp)->body_left;
}

/* libfcgi reads the socket in 8 KiB gulps and shows the caller one
 * record's content at a time (rdNext..stop); the rest of the gulp waits in
 * its private stream data, where poll() cannot see it.  This mirrors the
 * head of that private struct (fcgiapp.c, the same layout since libfcgi
 * 2.4.0) to ask how much is there.  A pointer back to our own request
 * guards the mirror: if it does not match, we fall back to the public
 * fields and the pump then waits on the socket instead. */
struct fcgx_stream_data_mirror {
	unsigned char *buff;
	int bufflen;
	unsigned char *mBuff;
	unsigned char *buffStop;
	int type, eorStop, skip, contentLen, paddingLen, isAnythingWritten,
	    rawWrite;
	FCGX_Request *reqDataPtr;
};

size_t
transport_body_buffered(void *tp)
{
	struct transport *t = tp;
	const struct fcgx_stream_data_mirror *d;
	FCGX_Stream *in;
	size_t n = t->peek_len - t->peek_pos;

	if (!t->fcgi)
		return n;
	in = t->fcgi->in;
	if (in->isClosed)
		return n;
	if (in->stop > in->rdNext)
		n += (size_t)(in->stop - in->rdNext);
	d = in->data;
	if (d && d->reqDataPtr == t->fcgi && d->buffStop > in->stop &&
	    d->buffStop <= d->buff + d->bufflen)
		n += (size_t)(d->buffStop - in->stop);
	return n;
}

/* FCGX_GetStr blocks until it has all it was asked for: ask for the
 * visible bytes of the current record, or for one byte, which costs at
 * most one fill of its buffer, then for what that made visible. */
static long
fcgi_body_read(FCGX_Stream *in, char *buf, size_t n)
{
	size_t visible;
	int got;

	visible = in->stop > in->rdNext ? (size_t)(in->stop - in->rdNext) : 0;
	got = FCGX_GetStr(buf, (int)(visible ? (visible < n ? visible : n) : 1), in);
	if (got == 0)
		return FCGX_GetError(in) != 0 ? -1 : 0;
	if (visible == 0 && n > 1 && in->stop > in->rdNext) {
		visible = (size_t)(in->stop - in->rdNext);
		if (visible > n - 1)
			visible = n - 1;
		got += FCGX_GetStr(buf + 1, (int)visible, in);
	}
	return got;
}

/* The next 1..n bytes of the body from the web server, 0 at its end, -1
 * on an error. */
static long
body_read(struct transport *t, char *buf, size_t n)
{
	long got;

	if (t->fcgi) {
		fcgi_guard_busy(1);
		got = fcgi_body_read(t->fcgi->in, buf, n);
		fcgi_guard_busy(0);
	} else {
		while ((got = read(STDIN_FILENO, buf, n)) < 0 && errno == EINTR)
			;
	}
	return got;
}

long
transport_body_peek(struct transport *t, size_t max, const char **p)
{
	long long cl = t->req.content_length > 0 ? t->req.content_length : 0;
	size_t want = (unsigned long long)cl < max ? (size_t)cl : max;

	free(t->peek);
	t->peek_len = t->peek_pos = 0;
	if ((t->peek = malloc(want ? want : 1)) == NULL)
		return -1;
	while (t->peek_len < want) {
		long got = body_read(t, t->peek + t->peek_len, want - t->peek_len);
		if (got <= 0) {
			t->body_ended = got == 0;
			return -1;
		}
		t->peek_len += (size_t)got;
	}
	*p = t->peek;
	return (long)t->peek_len;
}

long
transport_body_read(void *tp, char *buf, size_t n)
{
	struct transport *t = tp;
	long got;

	if (t->peek_pos < t->peek_len) {
		/* What transport_body_peek() read, first. */
		got = (long)(n < t->peek_len - t->peek_pos ? n :
		    t->peek_len - t->peek_pos);
		memcpy(buf, t->peek + t->peek_pos, (size_t)got);
		t->peek_pos += (size_t)got;
	} else {
		got = body_read(t, buf, n);
	}
	if (got == 0 && t->body_left > 0)
		t->body_ended = 1;
	if (got > 0)
		t->body_got += got < t->body_left ? got : t->body_left;
	/* At the end of the stream or an error, no more body will come. */
	t->body_left = got > 0 && got < t->body_left ? t->body_left - got : 0;
	if (t->body_left == 0)
		transport_release(t, HOLD_BODY);
	return got;
}

/* Hand n bytes to libfcgi, which writes them as its buffer fills, or
 * write them to stdout. */
static int
put(struct transport *t, const char *buf, size_t n)
{
	while (n > 0) {
		long w;

		if (t->fcgi) {
			int chunk = n > (1 << 30) ? (1 << 30) : (int)n;
			fcgi_guard_busy(1);
			w = FCGX_PutStr(buf, chunk, t->fcgi->out) == chunk ? chunk : -1;
			fcgi_guard_busy(0);
			t->unflushed = 1;
		} else if ((w = write(STDOUT_FILENO, buf, n)) < 0 && errno == EINTR) {
			continue;
		}
		if (w <= 0) {
			t->failed = 1;
			return -1;
		}
		t->sent = 1;
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

/* What is held, out, once no reason holds it. */
static int
send_held(struct transport *t)
{
	char err[300];

	while (!t->failed && !t->holds && spool_len(&t->held) > 0) {
		const char *p;
		size_t n;

		if (spool_front(&t->held, &p, &n, err, sizeof(err)) < 0) {
			log_error("script %s: answer cut short: %s", t->script, err);
			t->failed = 1;
			break;
		}
		if (put(t, p, n) < 0)
			break;
		spool_drop(&t->held, n);
	}
	return t->failed ? -1 : 0;
}

void
transport_hold(struct transport *t, enum hold_reason why)
{
	t->holds |= (unsigned)why;
}

void
transport_release(struct transport *t, enum hold_reason why)
{
	t->holds &= ~(unsigned)why;
}

int
transport_ahead(struct transport *t, int on)
{
	const char *p;
	size_t n;
	char err[300];

	t->ahead_on = on;
	if (on || spool_len(&t->ahead) == 0)
		return 0;
	/* The ahead spool never overflows into a file: one piece. */
	if (spool_front(&t->ahead, &p, &n, err, sizeof(err)) < 0 ||
	    spool_prepend(&t->held, p, n, err, sizeof(err)) < 0) {
		log_error("script %s: answer cut short: %s", t->script, err);
		t->failed = 1;
	}
	spool_clear(&t->ahead);
	return t->failed ? -1 : 0;
}

int
transport_room(void *tp)
{
	return spool_len(&((struct transport *)tp)->held) < MAX_HELD;
}

int
transport_unflushed(void *tp)
{
	const struct transport *t = tp;

	return !t->failed && (t->unflushed ||
	    (!t->holds && spool_len(&t->held) > 0));
}

int
transport_push(void *tp)
{
	struct transport *t = tp;

	if (send_held(t) < 0)
		return -1;
	t->unflushed = 0;
	if (t->fcgi && !t->failed) {
		fcgi_guard_busy(1);
		if (FCGX_FFlush(t->fcgi->out) < 0)
			t->failed = 1;
		fcgi_guard_busy(0);
	}
	return t->failed ? -1 : 0;
}

int
transport_drop_held(struct transport *t)
{
	if (t->sent)
		return -1;
	spool_free(&t->held);    /* (and ready for more) */
	spool_free(&t->ahead);
	return 0;
}

int
transport_write(struct transport *t, const char *buf, size_t n)
{
	char err[300];

	if (t->failed)
		return -1;
	if (t->ahead_on || t->holds) {
		struct spool *into = t->ahead_on ? &t->ahead : &t->held;

		if (spool_put(into, buf, n, err, sizeof(err)) == 0)
			return 0;
		if (t->ahead_on || (t->holds & HOLD_COMMIT)) {
			log_error("script %s: cannot hold the answer back until the "
			    "session is committed: %s", t->script, err);
			if (!t->ahead_on)
				return -2;
			t->failed = 1;
			return -1;
		}
		log_warn("script %s: cannot hold the answer back while the "
		    "request body comes in: %s; writing through", t->script, err);
		transport_release(t, HOLD_BODY);
	}
	if (send_held(t) < 0)
		return -1;
	return put(t, buf, n);
}

void
transport_log(struct transport *t, const char *buf, size_t n)
{
	if (t->fcgi) {
		if (t->failed)
			return;
		/* A web server that does not read blocks this too. */
		fcgi_guard_busy(1);
		if (FCGX_PutStr(buf, (int)n, t->fcgi->err) != (int)n ||
		    FCGX_FFlush(t->fcgi->err) < 0)
			t->failed = 1;
		fcgi_guard_busy(0);
	} else {
		ssize_t w = write(STDERR_FILENO, buf, n);
		(void)w;
	}
}

void
transport_flush(struct transport *t)
{
	/* Still held for the commit: the answer was never committed, and
	 * what is held of it must not go out. */
	if (t->holds & HOLD_COMMIT)
		spool_clear(&t->held);
	/* The body never came in whole (timeout, abort, a program that
	 * failed): an answer that fits in any socket buffer, such as our
	 * error answer, goes out now; a longer one cannot safely. */
	if (t->holds && spool_len(&t->held) > 0) {
		if (spool_len(&t->held) <= HELD_SENT_ANYWAY)
			t->holds = 0;
		else
			log_info("script %s: an answer of %lld bytes dropped: the "
			    "request body never came in whole", t->script,
			    spool_len(&t->held));
	}
	transport_push(t);
	spool_free(&t->held);
	spool_free(&t->ahead);
	free(t->peek);
	t->peek = NULL;
	t->peek_len = t->peek_pos = 0;
}
